"""Keyset paging shared by every list: the page shape and opaque cursors. No HTTP here.

A cursor is the base64 of a JSON array that the list wrote (``encode_cursor``); it comes back
from the client, so ``decode_cursor`` reads it as input: each list declares the shape it writes
(``ROW_ID``, ``TEXT``, ``INSTANT`` per element) and anything else is a 422 naming ``cursor``.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any, Generic, Literal, TypeVar

import orjson
from pydantic import BaseModel, Field

from onestop.core.errors import InvalidInput
from onestop.core.schemas import has_nul, in_calendar_years, invalid_field

#: Page sizes every list accepts, and the longest cursor it reads (declared once: the documented
#: routes and the fast paths read these).
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_CURSOR_LENGTH = 512

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        default=None,
        description="Opaque cursor of the next page (pass as ``cursor``); null on the last page",
    )


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


#: What one element of a cursor is: a row id (a JSON integer, not a boolean, within a 64-bit
#: key), a text key without NUL characters, or an instant (ISO 8601 with an offset, within the
#: calendar's years; returned in UTC).
Part = Literal["row_id", "text", "instant"]
ROW_ID: Part = "row_id"
TEXT: Part = "text"
INSTANT: Part = "instant"
MAX_ROW_ID = 2**63 - 1


def bad_cursor() -> InvalidInput:
    return invalid_field(
        ("query", "cursor"),
        "Con trỏ phân trang không hợp lệ (invalid cursor)",
        kind="invalid_cursor",
    )


def _part(kind: Part, value: Any) -> Any:
    if kind == ROW_ID:
        if type(value) is int and 0 <= value <= MAX_ROW_ID:
            return value
    elif kind == TEXT:
        if isinstance(value, str) and len(value) <= MAX_CURSOR_LENGTH and not has_nul(value):
            return value
    elif isinstance(value, str) and not has_nul(value):
        try:
            at = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
        if at.utcoffset() is not None and in_calendar_years(at):
            return at.astimezone(dt.UTC)
    return None


def decode_cursor(cursor: str | None, shape: tuple[Part, ...]) -> tuple[Any, ...] | None:
    """The cursor's elements, checked against ``shape`` (None without a cursor); a cursor that
    is not one this list wrote is a 422 naming ``cursor``, never a database error."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = orjson.loads(raw)
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise bad_cursor() from exc
    if not isinstance(values, list) or len(values) != len(shape):
        raise bad_cursor()
    out = tuple(_part(kind, value) for kind, value in zip(shape, values, strict=True))
    if any(v is None for v in out):
        raise bad_cursor()
    return out
