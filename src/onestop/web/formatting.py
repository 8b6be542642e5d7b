"""Vietnamese wording for the pages: appointments, working time, statuses, events, messages."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from onestop.dossiers.access import CITIZEN
from onestop.forms.formatting import (
    LIMIT_UNITS,
    limit_text as _limit_text,
    local,
    money,
    number,
    short_date,
    short_datetime,
    vn_time,
)
from onestop.metrics.satisfaction.service import LEVELS_VI

__all__ = ["local", "money", "number", "short_date", "short_datetime"]

#: A date as typed on the pages, whatever the browser's language: ``01/07/2026`` (day first;
#: ``1/7/2026``, ``01-07-2026`` and ``01.07.2026`` also read). Pages use a text field with this
#: pattern (``_macros.html``: ``date_input``), never ``type="date"``, whose format follows the
#: browser.
VN_DATE = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")
VN_DATE_PATTERN = r"\d{1,2}/\d{1,2}/\d{4}"
VN_DATE_HINT = "ngày/tháng/năm, ví dụ 01/07/2026"
VN_DATE_PROBLEM = "ngày không hợp lệ: cần dạng ngày/tháng/năm, ví dụ 01/07/2026"

WEEKDAYS_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


def appointment(instant: dt.datetime | None) -> str:
    """``16 giờ 30 phút, thứ Năm ngày 26/02/2026`` (local time)."""
    if instant is None:
        return ""
    t = local(instant)
    return f"{vn_time(t)}, {WEEKDAYS_VI[t.weekday()]} ngày {t:%d/%m/%Y}"


def when(instant: dt.datetime | None) -> str:
    """``09:00 10/03/2026`` for tables; empty for None."""
    return short_datetime(instant) if instant is not None else ""


def iso_when(text: str | None) -> str:
    """An ISO 8601 instant from a JSON payload, shown as ``09:00 10/03/2026``."""
    if not text:
        return ""
    try:
        return short_datetime(dt.datetime.fromisoformat(text))
    except ValueError:
        return text


def iso_date(text: str | None) -> str:
    """``2026-03-10`` → ``10/03/2026``."""
    if not text:
        return ""
    try:
        return short_date(dt.date.fromisoformat(text))
    except ValueError:
        return text


def parse_date(text: str) -> dt.date | None:
    """``01/07/2026`` → that date; None for anything else (no such day, a month first)."""
    found = VN_DATE.match(text)
    if found is None:
        return None
    day, month, year = (int(g) for g in found.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def working_time(hours: float | None) -> str:
    """``2 ngày 3 giờ 15 phút`` of working time (1 working day = 8 working hours)."""
    if hours is None:
        return ""
    minutes = round(abs(hours) * 60)
    days, rest = divmod(minutes, 8 * 60)
    h, m = divmod(rest, 60)
    parts = [f"{days} ngày"] if days else []
    if h:
        parts.append(f"{h} giờ")
    if m:
        parts.append(f"{m} phút")
    return " ".join(parts) or "0 phút"


def seconds_text(seconds: float | int | None) -> str:
    return working_time(float(seconds) / 3600) if seconds is not None else ""


LIMIT_UNITS_VI = LIMIT_UNITS


def limit_text(limit: Any) -> str:
    """A time limit (``TimeLimitRead`` or the engine's dict) in Vietnamese."""
    unit = limit["unit"] if isinstance(limit, Mapping) else limit.unit
    amount = limit["amount"] if isinstance(limit, Mapping) else limit.amount
    return _limit_text(amount, unit)


#: National status code → chip tone (CSS class ``chip-<tone>``).
STATUS_TONES = {
    1: "new",
    2: "progress",
    3: "closed",
    4: "progress",
    5: "waiting",
    6: "waiting",
    7: "closed",
    8: "closed",
    9: "done",
    10: "returned",
}

CHANNELS_VI = {"counter": "Trực tiếp tại quầy", "online": "Trực tuyến", "postal": "Bưu chính"}
RETURN_METHODS_VI = {
    "counter": "Nhận tại Bộ phận Một cửa",
    "postal": "Qua dịch vụ bưu chính",
    "online": "Trực tuyến",
}
TIMING_VI = {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}
RESULT_VI = {"approved": "Giải quyết", "rejected": "Không giải quyết (có văn bản trả lời)"}
STEP_KINDS_VI = {
    "reception": "Tiếp nhận",
    "competent": "Giải quyết",
    "coordinating": "Phối hợp",
    "return": "Trả kết quả",
    "transfer": "Liên thông",
}
PAUSE_KINDS_VI = {"supplement": "Chờ bổ sung hồ sơ", "payment": "Chờ nghĩa vụ tài chính"}
APOLOGY_VI = {
    "none": "Chưa có văn bản xin lỗi",
    "on_time": "Đã xin lỗi đúng hạn",
    "late": "Xin lỗi muộn",
}
ENTRY_STATUS_VI = {
    "counted": "Tính",
    "non_working": "Không tính",
    "paused": "Tạm dừng",
    "superseded": "Tính lại từ đầu",
    "not_counted": "Không tính",
}

EVENTS_VI = {
    "receive": "Tiếp nhận hồ sơ tại quầy",
    "submit": "Nộp hồ sơ (trực tuyến / bưu chính)",
    "accept": "Tiếp nhận hồ sơ",
    "refuse": "Từ chối tiếp nhận",
    "assign": "Phân công xử lý",
    "transfer": "Chuyển xử lý",
    "request-supplement": "Yêu cầu bổ sung hồ sơ",
    "supplement-received": "Nhận hồ sơ bổ sung",
    "request-payment": "Yêu cầu thực hiện nghĩa vụ tài chính",
    "payment-received": "Đã thực hiện nghĩa vụ tài chính",
    "finish": "Có kết quả giải quyết",
    "return": "Trả kết quả",
    "withdraw": "Công dân rút hồ sơ",
    "stop": "Dừng xử lý",
    "apologize": "Xin lỗi và hẹn lại ngày trả kết quả",
    "notified": "Đã thông báo cho người nộp",
    "document_added": "Đính kèm bản điện tử",
    "rated": "Đánh giá mức độ hài lòng",
}

#: Payload members worth showing on the timeline, with their labels (never personal data).
PAYLOAD_LABELS = {
    "reason": "Lý do",
    "legal_basis": "Căn cứ",
    "legal_ground": "Căn cứ",
    "items": "Nội dung",
    "to_unit": "Chuyển đến",
    "step_name": "Bước",
    "handler": "Người xử lý",
    "result": "Kết quả",
    "result_number": "Số văn bản kết quả",
    "letter_number": "Số văn bản",
    "new_appointment_at": "Hẹn lại",
    "receipt_number": "Số biên lai",
    "method": "Hình thức trả",
    "received_by": "Người nhận",
    "note": "Ghi chú",
    "due_at": "Hạn giải quyết",
    "component_name": "Giấy tờ",
    "sha256": "Mã băm SHA-256",
    "level": "Mức độ hài lòng",
}


def payload_lines(payload: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, text) pairs of the interesting members of an event's payload."""
    out: list[tuple[str, str]] = []
    for key, label in PAYLOAD_LABELS.items():
        value = payload.get(key)
        if value in (None, "", [], {}):
            continue
        if key in {"new_appointment_at", "due_at"} and isinstance(value, str):
            text = iso_when(value)
        elif key == "result":
            text = RESULT_VI.get(str(value), str(value))
        elif key == "method":
            text = RETURN_METHODS_VI.get(str(value), str(value))
        elif key == "level":
            text = LEVELS_VI.get(str(value), str(value))
        elif isinstance(value, list):
            text = "; ".join(
                str(v.get("name", v)) if isinstance(v, Mapping) else str(v) for v in value
            )
        elif isinstance(value, Mapping):
            text = str(value.get("name") or value.get("code") or "")
        else:
            text = str(value)
        if text:
            out.append((label, text))
    return out


#: Where outgoing messages go, in words (a webhook's destination is ``webhook:<id>``).
DESTINATIONS_VI = {
    "dvcqg": "Cổng Dịch vụ công quốc gia",
    "email": "Thư điện tử",
    "sms": "Tin nhắn SMS",
}


def destination(name: str) -> str:
    """A destination of outgoing messages in words."""
    if name.startswith("webhook:"):
        return "Webhook của ứng dụng kết nối"
    return DESTINATIONS_VI.get(name, name)


def actor(name: str) -> str:
    """Who did it, for the timeline: ``user:clerk`` → ``clerk``, ``client:portal`` →
    ``Cổng: portal``, ``import:x`` → ``Dữ liệu nhập: x``."""
    kind, _, who = name.partition(":")
    if name == CITIZEN.name:
        return "Công dân"
    if not who:
        return name
    return {"user": who, "client": f"Cổng: {who}", "import": f"Dữ liệu nhập: {who}"}.get(kind, name)


def split_message(detail: str | None) -> tuple[str, str]:
    """``"Vietnamese text (English text)"`` → (Vietnamese, English); the English part goes in
    small print under the Vietnamese message."""
    text = (detail or "").strip()
    if text.endswith(")") and " (" in text:
        head, _, tail = text.rpartition(" (")
        english = sum(ord(ch) > 127 for ch in tail) <= 2  # Vietnamese has many such letters
        if head and english and tail.count("(") <= tail.count(")") - 1:
            return head, tail[:-1]
    return text, ""


def percent(value: Any) -> str:
    """``99,70 %`` (Vietnamese decimal comma, two decimals); ``—`` when there is no rate."""
    if value is None:
        return "—"
    return number(value, decimals=2) + " %"


def filesize(size: int) -> str:
    """``820 KB``, ``1,5 MB`` (decimal comma; 1 KB = 1,024 bytes)."""
    if size < 1024:
        return f"{size} byte"
    if size < 1024 * 1024:
        return f"{number(size / 1024, decimals=0)} KB"
    return f"{number(size / (1024 * 1024), decimals=1)} MB"


def count(value: int | None) -> str:
    """``12.345`` (Vietnamese thousands separator)."""
    return "—" if value is None else number(value)


RAG_VI = {"green": "Đạt", "amber": "Gần đạt", "red": "Không đạt", None: "Chưa có số liệu"}
