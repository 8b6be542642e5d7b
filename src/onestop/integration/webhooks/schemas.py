"""Shapes of the webhook API. The secret appears only in the answers of create and rotate."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from onestop.core.schemas import InputModel
from onestop.dossiers.schemas import Instant

EventType = Literal[
    "dossier.received",
    "dossier.status_changed",
    "dossier.supplement_requested",
    "dossier.apologized",
    "dossier.finished",
    "dossier.returned",
    "rating.received",
]


class WebhookCreate(InputModel):
    url: str = Field(
        min_length=1,
        max_length=2000,
        description="http(s) URL the events are POSTed to; not the service itself",
    )
    event_types: list[EventType] = Field(min_length=1, max_length=10)
    units: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Unit codes narrowing the client's scope (subtrees included); empty: the"
        " client's whole scope",
    )


class WebhookRead(BaseModel):
    id: int
    url: str
    event_types: list[str]
    units: list[str]
    created_at: Instant
    rotated_at: Instant | None


class WebhookWithSecret(WebhookRead):
    secret: str = Field(
        description="Standard Webhooks signing secret (``whsec_…``); shown only now"
    )
