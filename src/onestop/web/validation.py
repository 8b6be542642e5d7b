"""Pydantic validation errors of the request models, said in Vietnamese per form field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from onestop.core.schemas import FIRST_YEAR, LAST_YEAR

#: Messages of model validators (``actions.schemas``), which pydantic reports without a field.
MODEL_MESSAGES = {
    "a rejected result needs a reason": "Kết quả không giải quyết phải nêu rõ lý do",
    "returning without resolution needs a reason": "Trả lại hồ sơ không giải quyết phải nêu lý do",
}


#: The applicant rules of ``dossiers.schemas`` said as a clerk reads them next to the field.
FIELD_RULES = {
    "id_number_format": "phải gồm 12 chữ số (CCCD); CMND cũ 9 chữ số vẫn được chấp nhận",
    "phone_format": "không phải số điện thoại Việt Nam: di động 10 số (0912 345 678),"
    " cố định 11 số (0238 3844 555)",
    "email_format": "không đúng dạng thư điện tử, ví dụ ten@example.vn",
    "future_instant": "không được ở tương lai",
}


def _problem(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind in FIELD_RULES:
        return FIELD_RULES[kind]
    if kind in {"missing", "string_too_short"}:
        return "chưa nhập"
    if kind == "too_short":
        return "cần ít nhất một dòng"
    if kind == "too_long":
        return f"quá nhiều dòng (tối đa {ctx.get('max_length', '')})"
    if kind == "string_too_long":
        return f"quá dài (tối đa {ctx.get('max_length', '')} ký tự)"
    if kind in {"int_parsing", "int_from_float", "decimal_parsing", "float_parsing"}:
        return "phải là số"
    if kind.startswith(("greater_than", "less_than")):
        return "nằm ngoài giới hạn cho phép"
    if kind.startswith(("datetime", "timezone", "date")) or kind == "iso_instant":
        return "ngày giờ không hợp lệ: cần dạng ngày/tháng/năm giờ:phút, ví dụ 12/03/2026 16:30"
    if kind == "out_of_range":
        return f"phải nằm trong các năm {FIRST_YEAR}–{LAST_YEAR}"
    if kind == "nul_character":
        return "có ký tự không hợp lệ (NUL)"
    if kind == "string_pattern_mismatch":
        return "sai định dạng"
    if kind in {"literal_error", "enum"}:
        return "giá trị không hợp lệ"
    return "không hợp lệ"


def messages(exc: ValidationError, labels: Mapping[str, str]) -> list[str]:
    """One Vietnamese line per error, e.g. ``Lý do: chưa nhập``. ``labels`` maps a dotted field
    path (``applicant.name``) or its first part to the label shown on the form."""
    out: list[str] = []
    for error in exc.errors():
        loc = [str(p) for p in error.get("loc", ()) if not isinstance(p, int)]
        path = ".".join(loc)
        if not loc:
            text = str(error.get("msg", ""))
            vi = next((v for k, v in MODEL_MESSAGES.items() if k in text), None)
            out.append(vi or "Dữ liệu không hợp lệ")
            continue
        label = labels.get(path) or labels.get(loc[0]) or path
        line = f"{label}: {_problem(error)}"
        if line not in out:
            out.append(line)
    return out


def field_messages(exc: ValidationError, fields: Mapping[str, str]) -> dict[str, str]:
    """Form field → its Vietnamese problem (the first one), for the message next to the field.
    ``fields`` maps a form field name to the dotted path of the request model."""
    by_path: dict[str, str] = {}
    for error in exc.errors():
        path = ".".join(str(p) for p in error.get("loc", ()) if not isinstance(p, int))
        by_path.setdefault(path, _problem(error))
    out: dict[str, str] = {}
    for name, path in fields.items():
        found = by_path.get(path) or next(
            (v for k, v in by_path.items() if k.startswith(path + ".")), None
        )
        if found:
            out[name] = found
    return out


def error_fields(exc: ValidationError) -> set[str]:
    """Dotted paths of the fields in error (to mark them on the form)."""
    return {
        ".".join(str(p) for p in e.get("loc", ()) if not isinstance(p, int)) for e in exc.errors()
    }


def indexed_messages(exc: ValidationError) -> dict[str, str]:
    """Dotted path with list positions kept (``steps.1.budget.amount``) → its Vietnamese problem
    (the first one), for forms that repeat a row of fields."""
    out: dict[str, str] = {}
    for error in exc.errors():
        path = ".".join(str(p) for p in error.get("loc", ()))
        out.setdefault(path, _own_words(error) or _problem(error))
    return out


def _own_words(error: Mapping[str, Any]) -> str | None:
    """The Vietnamese part of a model validator's own message (``"Vietnamese (English)"``)."""
    if error.get("type") != "value_error":
        return None
    text = str(error.get("msg", "")).removeprefix("Value error, ")
    head, sep, _ = text.rpartition(" (")
    return head if sep and head else None
