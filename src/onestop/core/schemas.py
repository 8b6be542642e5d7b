"""Pydantic types shared by every package's schemas, and what every request accepts: text without
NUL characters (``InputModel``) and instants within the calendar's years (``InstantIn``)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from onestop.core.clock import LOCAL_TZ
from onestop.core.errors import InvalidInput
from onestop.worktime import loader

DT = TypeVar("DT", dt.datetime, dt.date)


def _hhmm(value: dt.time) -> str:
    return value.strftime("%H:%M")


#: A local clock time ("07:00"). JSON Schema's "time" format demands an offset, which a session
#: boundary in Asia/Ho_Chi_Minh local time does not have, so it is a plain HH:MM string.
LocalTime = Annotated[
    dt.time,
    PlainSerializer(_hhmm, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$",
            "examples": ["07:00"],
        }
    ),
]


# -- what every request accepts --------------------------------------------------------------------
#: The years an instant or a date may fall in: those of the working-time engine's calendar, so
#: every instant that comes in can be converted to UTC, stored, and counted in working time.
FIRST_YEAR, LAST_YEAR = loader.FIRST_YEAR, loader.LAST_YEAR

NUL_MESSAGE = "{vi} không được chứa ký tự NUL ({en} must not contain a NUL character)"
RANGE_MESSAGE = (
    f"{{vi}} phải nằm trong các năm {FIRST_YEAR}–{LAST_YEAR} theo giờ Việt Nam"
    f" ({{en}} must fall within the years {FIRST_YEAR}–{LAST_YEAR}, Vietnam time)"
)


def has_nul(value: object) -> bool:
    """A NUL character anywhere in a string, or in the strings of a list, tuple, set or dict
    (keys too). PostgreSQL refuses it in text and JSON, so it never gets that far."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(has_nul(v) for v in value)
    return False


def refuse_nul(value: Any) -> Any:
    if has_nul(value):
        raise PydanticCustomError("nul_character", NUL_MESSAGE, {"vi": "Văn bản", "en": "text"})
    return value


class InputModel(BaseModel):
    """The base of every request body (and of the import's lines): no text in it may hold a NUL
    character. Nested models are input models too and check their own fields, so an error names
    the field (``["body", "applicant", "name"]``). Path and query parameters are checked before
    routing (``http.middleware.RejectNulMiddleware``)."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return refuse_nul(value)


def in_calendar_years(value: dt.datetime | dt.date) -> bool:
    """The date, or the instant both as written and in Vietnam time, falls in the calendar's
    years (the check comes before any conversion, which overflows near year 1 or 9999)."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        return False
    if isinstance(value, dt.datetime) and value.utcoffset() is not None:
        return FIRST_YEAR <= value.astimezone(LOCAL_TZ).year <= LAST_YEAR
    return True


def within_calendar(value: DT) -> DT:
    if not in_calendar_years(value):
        instant = isinstance(value, dt.datetime)
        words = (
            {"vi": "Thời điểm", "en": "the instant"}
            if instant
            else {"vi": "Ngày", "en": "the date"}
        )
        raise PydanticCustomError("out_of_range", RANGE_MESSAGE, words)
    return value


def iso_text(value: Any) -> Any:
    """An instant is ISO 8601 text (a number would be read as a Unix timestamp)."""
    if isinstance(value, dt.datetime) or (
        isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}[Tt ]\d", value)
    ):
        return value
    raise PydanticCustomError(
        "iso_instant",
        "Cần thời điểm ISO 8601 có múi giờ, ví dụ 2026-03-12T10:00:00+07:00"
        " (expected an ISO 8601 instant with an offset, e.g. 2026-03-12T10:00:00+07:00)",
    )


#: Every instant a request brings (bodies, query parameters, cursors): ISO 8601 text with an
#: offset, within the calendar's years.
InstantIn = Annotated[AwareDatetime, BeforeValidator(iso_text), AfterValidator(within_calendar)]


def invalid_field(
    loc: Sequence[str], detail: str, *, code: str = "invalid-input", kind: str = "value_error"
) -> InvalidInput:
    """A 422 naming the field, shaped like a validation error (``errors[].loc``)."""
    return InvalidInput(detail, code=code, errors=[{"loc": list(loc), "msg": detail, "type": kind}])


def require_in_calendar(value: DT, *, name: str, loc: Sequence[str], code: str) -> DT:
    """``value`` when it falls in the calendar's years; else a 422 naming ``loc``."""
    if in_calendar_years(value):
        return value
    raise invalid_field(loc, RANGE_MESSAGE.format(vi=name, en=name), code=code, kind="out_of_range")
