"""Pydantic types shared by every package's schemas."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema


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
