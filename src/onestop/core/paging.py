"""Keyset paging shared by every list: the page shape and opaque cursors. No HTTP here."""

from __future__ import annotations

import base64
from typing import Any, Generic, TypeVar

import orjson
from pydantic import BaseModel

from onestop.core.errors import InvalidInput

#: Page sizes every list accepts, and the longest cursor it reads (declared once: the documented
#: routes and the fast paths read these).
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_CURSOR_LENGTH = 512

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> list[Any] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = orjson.loads(raw)
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise InvalidInput("Con trỏ phân trang không hợp lệ (invalid cursor)") from exc
    if not isinstance(values, list):
        raise InvalidInput("Con trỏ phân trang không hợp lệ (invalid cursor)")
    return values
