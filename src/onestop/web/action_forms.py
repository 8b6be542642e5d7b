"""The small forms behind the action buttons of a dossier: their fields, the buttons made of the
domain's offers (``actions.offers``), and the posted values turned into the action's own body
model (``actions.ACTIONS[name].body``)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData

from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.core.clock import LOCAL_TZ
from onestop.core.errors import InvalidInput
from onestop.dossiers.actions import assignees
from onestop.dossiers.actions.offers import ActionOffer
from onestop.web.formatting import split_message

#: A date and time as typed on the pages, whatever the browser's language: ``12/03/2026 16:30``
#: (day first, 24-hour clock; ``12/3/2026 7:05`` and ``12-03-2026 16h30`` also read).
VN_DATETIME = re.compile(
    r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:\s+|\s*[,T]\s*)(\d{1,2})\s*[:hH]\s*(\d{2})\s*$"
)
#: The HTML pattern of the text field (the server parses, whatever the browser checks).
VN_DATETIME_PATTERN = r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}"
VN_DATETIME_HINT = "ngày/tháng/năm giờ:phút, ví dụ 12/03/2026 16:30"


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    #: text | textarea | lines | payments | select | radio | checkbox | datetime | number |
    #: unit (a unit code chosen from the list) | documents (codes of the procedure's papers) |
    #: person (a user of the step's unit chosen by name)
    kind: str = "text"
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()
    hint: str = ""
    #: Codes of the domain's problems about this field: their message is shown next to it.
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActionForm:
    name: str
    button: str
    title: str
    submit: str
    fields: tuple[Field, ...]
    danger: bool = False
    #: Printed form this action produces (linked on the dossier page once it happened).
    form_no: str | None = None
    #: What the success banner says was drawn up, beside the link to that printed form.
    made: str = ""


#: Official names of the printed forms (Circular 03/2025, Phụ lục I).
FORM_TITLES = {
    "01": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    "02": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "03": "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    "04": "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết",
    "05": "Thông báo dừng giải quyết hồ sơ",
    "06": "Phiếu kiểm soát quá trình giải quyết hồ sơ",
}

NOTE = Field("note", "Ghi chú", "textarea")
PROCESS = Right.DOSSIER_PROCESS
#: The officer's draft of the apology: not an action of the dossier (``apology_drafts``); shown
#: where the apology is allowed, to those who process but do not sign.
APOLOGY_DRAFT = "apology-draft"
RETURN_OPTIONS = (
    ("counter", "Tại Bộ phận Một cửa"),
    ("postal", "Qua dịch vụ bưu chính"),
    ("online", "Trực tuyến"),
)

FORMS: dict[str, ActionForm] = {
    f.name: f
    for f in (
        ActionForm(
            "accept",
            "Tiếp nhận",
            "Tiếp nhận hồ sơ (cấp Giấy tiếp nhận, Mẫu 01)",
            "Tiếp nhận",
            (NOTE,),
            form_no="01",
            made="Đã lập Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu 01)",
        ),
        ActionForm(
            "refuse",
            "Từ chối tiếp nhận",
            "Từ chối tiếp nhận hồ sơ (Mẫu 03)",
            "Từ chối tiếp nhận",
            (
                Field("reason", "Lý do từ chối", "textarea", required=True),
                Field("legal_basis", "Căn cứ pháp lý"),
                NOTE,
            ),
            danger=True,
            form_no="03",
            made="Đã lập phiếu từ chối tiếp nhận (Mẫu 03)",
        ),
        ActionForm(
            "assign",
            "Phân công",
            "Phân công cán bộ xử lý bước hiện tại",
            "Phân công",
            (
                Field(
                    "handler",
                    "Cán bộ xử lý",
                    "person",
                    required=True,
                    hint="Gõ vài chữ đầu của họ tên để tìm trong danh sách",
                    problems=assignees.PROBLEMS,
                ),
                NOTE,
            ),
        ),
        ActionForm(
            "transfer",
            "Chuyển xử lý",
            "Chuyển bước tiếp theo hoặc liên thông sang cơ quan khác",
            "Chuyển",
            (
                Field(
                    "to_unit",
                    "Chuyển đến cơ quan",
                    "unit",
                    hint="Để trống: bước tiếp theo của quy trình nội bộ",
                ),
                Field("step_name", "Tên bước"),
                Field("budget_hours", "Thời gian cho bước (giờ làm việc)", "number"),
                NOTE,
            ),
        ),
        ActionForm(
            "request-supplement",
            "Yêu cầu bổ sung",
            "Yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02) — thời hạn tạm dừng",
            "Gửi yêu cầu bổ sung",
            (
                Field("items", "Giấy tờ cần bổ sung (mỗi dòng một mục)", "lines", required=True),
                Field("reason", "Lý do", "textarea", required=True),
                Field("legal_basis", "Căn cứ pháp lý"),
                Field("contact", "Đầu mối liên hệ"),
                Field("deadline_days", "Hạn bổ sung (ngày)", "number"),
                Field(
                    "override_reason",
                    "Lý do yêu cầu lần hai (lãnh đạo)",
                    "textarea",
                    hint="Chỉ khi đã yêu cầu bổ sung một lần; lần hai tính là quá hạn",
                ),
            ),
            form_no="02",
            made="Đã lập phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)",
        ),
        ActionForm(
            "supplement-received",
            "Nhận bổ sung",
            "Nhận hồ sơ bổ sung — thời hạn chạy tiếp",
            "Ghi nhận đã bổ sung",
            (Field("documents", "Giấy tờ đã nhận", "documents"), NOTE),
        ),
        ActionForm(
            "request-payment",
            "Yêu cầu nộp phí",
            "Yêu cầu thực hiện nghĩa vụ tài chính",
            "Gửi yêu cầu",
            (
                Field(
                    "items",
                    "Khoản phải nộp (mỗi dòng: tên khoản; số tiền)",
                    "payments",
                    required=True,
                    hint="Ví dụ: Lệ phí trước bạ; 500000",
                ),
                NOTE,
            ),
        ),
        ActionForm(
            "payment-received",
            "Đã nộp phí",
            "Ghi nhận đã thực hiện nghĩa vụ tài chính",
            "Ghi nhận",
            (
                Field("receipt_number", "Số biên lai"),
                Field("amount", "Số tiền (đồng)", "number"),
                NOTE,
            ),
        ),
        ActionForm(
            "finish",
            "Có kết quả",
            "Hoàn thành giải quyết hồ sơ",
            "Xác nhận có kết quả",
            (
                Field(
                    "result",
                    "Kết quả",
                    "radio",
                    options=(("approved", "Giải quyết"), ("rejected", "Không giải quyết")),
                ),
                Field("reason", "Lý do (bắt buộc khi không giải quyết)", "textarea"),
                Field("result_number", "Số văn bản kết quả"),
                NOTE,
            ),
        ),
        ActionForm(
            "return",
            "Trả kết quả",
            "Trả kết quả cho người nộp",
            "Xác nhận đã trả",
            (
                Field("method", "Hình thức trả", "select", options=RETURN_OPTIONS),
                Field("received_by", "Người nhận kết quả"),
                Field("without_resolution", "Trả lại hồ sơ không giải quyết", "checkbox"),
                Field("reason", "Lý do (khi trả lại không giải quyết)", "textarea"),
                NOTE,
            ),
        ),
        ActionForm(
            "withdraw",
            "Rút hồ sơ",
            "Công dân rút hồ sơ",
            "Xác nhận rút hồ sơ",
            (Field("reason", "Lý do", "textarea", required=True), NOTE),
            danger=True,
        ),
        ActionForm(
            "stop",
            "Dừng xử lý",
            "Dừng giải quyết hồ sơ (Mẫu 05)",
            "Dừng xử lý",
            (
                Field("legal_ground", "Căn cứ dừng", "textarea", required=True),
                Field("reason", "Lý do", "textarea"),
                Field("fee_handling", "Xử lý phí, lệ phí đã nộp"),
                NOTE,
            ),
            danger=True,
            form_no="05",
            made="Đã lập thông báo dừng giải quyết hồ sơ (Mẫu 05)",
        ),
        ActionForm(
            "apologize",
            "Xin lỗi, hẹn lại",
            "Văn bản xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)",
            "Ký văn bản xin lỗi",
            (
                Field("reason", "Lý do quá hạn", "textarea", required=True),
                Field(
                    "new_appointment_at",
                    "Hẹn lại (ngày/tháng/năm giờ:phút)",
                    "datetime",
                    required=True,
                    hint=VN_DATETIME_HINT,
                ),
                Field("letter_number", "Số văn bản", hint="Để trống: hệ thống cấp số"),
                Field("signer_title", "Chức danh người ký", hint="Ví dụ: KT. GIÁM ĐỐC"),
                NOTE,
            ),
            form_no="04",
            made="Đã lập văn bản xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)",
        ),
        ActionForm(
            APOLOGY_DRAFT,
            "Dự thảo xin lỗi",
            "Dự thảo văn bản xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04) trình lãnh đạo ký",
            "Trình lãnh đạo ký",
            (
                Field("reason", "Lý do quá hạn", "textarea", required=True),
                Field(
                    "new_appointment_at",
                    "Đề nghị hẹn lại (ngày/tháng/năm giờ:phút)",
                    "datetime",
                    required=True,
                    hint=VN_DATETIME_HINT,
                ),
                NOTE,
            ),
        ),
    )
}


@dataclass(frozen=True)
class Button:
    """An offered action as the page shows it: a button that opens its form, or, refused, a
    disabled one with the Vietnamese reason."""

    form: ActionForm
    offer: ActionOffer

    @property
    def reason(self) -> str:
        return split_message(self.offer.reason)[0]


def buttons(offers: list[ActionOffer]) -> tuple[list[Button], list[Button]]:
    """(allowed, refused) buttons, in the offers' order; refusals no one looks for (the status
    table, a right the account lacks altogether) are left out."""
    shown = [Button(FORMS[o.name], o) for o in offers if o.name in FORMS and o.expected]
    return [b for b in shown if b.offer.allowed], [b for b in shown if not b.offer.allowed]


def apology_draft(offers: list[ActionOffer], principal: Principal) -> Button | None:
    """The officer's draft in place of the apology they may not sign: offered where the apology
    is refused only for want of the signing right, to those who process dossiers."""
    for o in offers:
        if o.name == "apologize" and o.code == "missing-right" and principal.can(PROCESS):
            return Button(FORMS[APOLOGY_DRAFT], ActionOffer(APOLOGY_DRAFT, True))
    return None


def field_of(form: ActionForm, code: str) -> str:
    """The field a domain problem is about, or ``""`` when it is about the whole action."""
    return next((f.name for f in form.fields if code in f.problems), "")


def labels(form: ActionForm) -> dict[str, str]:
    return {f.name: f.label.split(" (")[0] for f in form.fields}


def parse_local_datetime(text: str) -> dt.datetime | None:
    """``12/03/2026 16:30`` (or ISO ``2026-03-12T16:30``) → that instant in Vietnam time; None
    for anything else (no such day, 24:00, a month first)."""
    found = VN_DATETIME.match(text)
    try:
        if found:
            day, month, year, hour, minute = (int(g) for g in found.groups())
            return dt.datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ)
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=LOCAL_TZ)


def local_datetime_text(value: dt.datetime) -> str:
    """An instant as the field shows it: ``12/03/2026 16:30`` in Vietnam time."""
    return f"{value.astimezone(LOCAL_TZ):%d/%m/%Y %H:%M}"


def _local_instant(text: str) -> str:
    """``12/03/2026 16:30`` typed in a date-time field → an ISO instant at +07:00 (text the
    model reports as invalid when it is not such a date and time)."""
    value = parse_local_datetime(text)
    return value.isoformat() if value is not None else text


def _payments(text: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, sep, amount = line.rpartition(";")
        digits = amount.replace(".", "").replace(",", "").replace("đ", "").strip()
        if not sep or not name.strip() or not digits.isdigit():
            raise InvalidInput(
                f"Dòng '{line.strip()}' cần có dạng: tên khoản; số tiền"
                " (each line needs a name and an amount)",
                code="invalid-payment-line",
            )
        items.append({"name": name.strip(), "amount": int(digits)})
    return items


def values_from(form: ActionForm, data: FormData) -> dict[str, Any]:
    """The posted strings (to show the form again after an error)."""
    values: dict[str, Any] = {}
    for f in form.fields:
        if f.kind == "documents":
            values[f.name] = [v for v in data.getlist(f.name) if isinstance(v, str)]
        else:
            raw = data.get(f.name)
            values[f.name] = raw.strip() if isinstance(raw, str) else ""
    return values


def to_data(form: ActionForm, values: dict[str, Any]) -> dict[str, Any]:
    """The JSON-like body for the action's model (empty fields left out)."""
    body: dict[str, Any] = {}
    for f in form.fields:
        value = values.get(f.name)
        if f.kind == "documents":
            if value:
                body[f.name] = [{"code": code} for code in value]
            continue
        if f.kind == "checkbox":
            if value:
                body[f.name] = True
            continue
        if not value:
            continue
        if f.kind == "lines":
            lines = [line.strip() for line in str(value).splitlines() if line.strip()]
            if lines:
                body[f.name] = lines
        elif f.kind == "payments":
            body[f.name] = _payments(str(value))
        elif f.kind == "datetime":
            body[f.name] = _local_instant(str(value))
        else:
            body[f.name] = value
    return body
