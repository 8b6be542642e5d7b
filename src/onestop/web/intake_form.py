"""The counter's intake form: its fields as posted, turned into the API's ``DossierCreate``."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from starlette.datastructures import FormData

from onestop.dossiers.schemas import DossierCreate

LABELS = {
    "procedure": "Thủ tục",
    "competent_unit": "Cơ quan giải quyết",
    "applicant": "Người nộp",
    "applicant.name": "Họ tên người nộp",
    "applicant.kind": "Loại người nộp",
    "applicant.id_number": "Số định danh cá nhân / CCCD",
    "applicant.phone": "Số điện thoại",
    "applicant.email": "Thư điện tử",
    "applicant.address": "Địa chỉ",
    "documents": "Giấy tờ",
    "documents.code": "Giấy tờ",
    "channel": "Hình thức nộp",
    "return_method": "Hình thức nhận kết quả",
    "quantity": "Số bộ hồ sơ",
    "note": "Ghi chú",
}

#: Form field → dotted path of DossierCreate (to mark the field in error).
FIELD_PATHS = {
    "procedure": "procedure",
    "competent_unit": "competent_unit",
    "applicant_name": "applicant.name",
    "applicant_id_number": "applicant.id_number",
    "applicant_phone": "applicant.phone",
    "applicant_email": "applicant.email",
    "applicant_address": "applicant.address",
    "channel": "channel",
    "return_method": "return_method",
    "documents": "documents",
    "note": "note",
}

TEXT_FIELDS = (
    "procedure",
    "competent_unit",
    "applicant_kind",
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
    "applicant_email",
    "applicant_address",
    "channel",
    "return_method",
    "note",
    "form_token",
    "step",
    "reviewed",
)

CHANNELS = (("counter", "Trực tiếp tại quầy"), ("postal", "Qua bưu chính"))
RETURN_METHODS = (
    ("counter", "Nhận tại Bộ phận Một cửa"),
    ("postal", "Qua dịch vụ bưu chính"),
    ("online", "Trực tuyến"),
)


def empty_values() -> dict[str, Any]:
    values: dict[str, Any] = dict.fromkeys(TEXT_FIELDS, "")
    values.update(channel="counter", return_method="counter", applicant_kind="citizen")
    values["documents"] = []
    return values


def values_from(form: FormData) -> dict[str, Any]:
    """What the clerk typed, as strings (to show the form again after an error)."""
    values = empty_values()
    for name in TEXT_FIELDS:
        raw = form.get(name)
        if isinstance(raw, str):
            values[name] = raw.strip()
    values["documents"] = [d for d in form.getlist("documents") if isinstance(d, str) and d]
    return values


NO_PROCEDURE = "chưa chọn: gõ mã hoặc tên thủ tục rồi chọn trong danh sách"


def review_hash(values: dict[str, Any]) -> str:
    """A fingerprint of what the clerk reviewed: a confirmation of other values is reviewed
    again instead of filed."""
    fields = {k: v for k, v in values.items() if k not in {"form_token", "step", "reviewed"}}
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def to_body(values: dict[str, Any]) -> DossierCreate:
    """The API body; raises pydantic's ``ValidationError`` naming every field in error at once
    (no procedure chosen among them)."""
    applicant: dict[str, Any] = {
        "name": values["applicant_name"],
        "kind": values["applicant_kind"] or "citizen",
    }
    for key in ("id_number", "phone", "email", "address"):
        if values[f"applicant_{key}"]:
            applicant[key] = values[f"applicant_{key}"]
    data: dict[str, Any] = {
        "procedure": values["procedure"],
        "channel": values["channel"] or "counter",
        "return_method": values["return_method"] or "counter",
        "applicant": applicant,
        "documents": [{"code": code} for code in dict.fromkeys(values["documents"])],
    }
    if values["competent_unit"]:
        data["competent_unit"] = values["competent_unit"]
    if values["note"]:
        data["note"] = values["note"]
    return DossierCreate.model_validate(data)
