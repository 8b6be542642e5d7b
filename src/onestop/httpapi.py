"""Shared HTTP pieces: the session dependency, the problem schema for OpenAPI, list paging."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import AsyncIterator
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.errors import InvalidInput

PROBLEM_MEDIA_TYPE = "application/problem+json"


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["/problems/not-found"])
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "model": Problem,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


#: Declared on every route so clients (and schemathesis) know each error shape.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem_response("Malformed request (e.g. invalid JSON)"),
    401: _problem_response("Authentication required or token invalid"),
    403: _problem_response("The caller lacks the named right or unit scope"),
    404: _problem_response("Not found"),
    409: _problem_response("Conflict with the current state"),
    413: _problem_response("Request body too large"),
    422: _problem_response("Invalid input"),
    429: _problem_response("Too many requests"),
    500: _problem_response("Unexpected error (logged with the request id)"),
}


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


LimitQuery = Annotated[int, Query(ge=1, le=500, description="Page size (default 50, max 500)")]
CursorQuery = Annotated[
    str | None, Query(max_length=512, description="Opaque cursor from next_cursor")
]


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
