"""Shapes of the integration API: the changes feed, dead letters and failing dossiers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from onestop.dossiers.schemas import Instant


class ChangeRead(BaseModel):
    event_id: int
    dossier: str = Field(description="Dossier code")
    seq: int = Field(description="The event's number in its dossier (1, 2, …)")
    type: str
    at: Instant
    from_status: int | None = Field(description="National status code 1–10 before the event")
    to_status: int = Field(description="National status code 1–10 after the event")
    unit: str | None = Field(description="Code of the unit that acted")


class ChangesPage(BaseModel):
    items: list[ChangeRead]
    next_cursor: str = Field(
        description="Where to resume (pass as ``after``): after the last item, or the given"
        " position when nothing new has settled"
    )
    more: bool = Field(description="More events are ready now")


class MessageRead(BaseModel):
    """An outgoing message (no payload: it holds personal data and is built when sent)."""

    id: int
    destination: str
    dossier: str
    seq: int
    kind: str
    state: Literal["pending", "delivered", "dead"]
    attempts: int
    next_attempt_at: Instant
    failing_since: Instant | None
    last_error: str | None
    delivered_at: Instant | None
    created_at: Instant


class SyncState(BaseModel):
    """A dossier's synchronisation with one destination."""

    destination: str
    state: Literal["not_synced", "synced", "failing"]
    synced_at: Instant | None = Field(description="Last message delivered")
    failing_since: Instant | None = None
    last_error: str | None = None
    pending: int = Field(description="Messages not delivered yet (dead ones included)")
    unforwarded: int = Field(
        description="The dossier's events the worker has not forwarded to this destination yet"
        " (each becomes a message, or nothing for an event the destination does not hear about)",
    )


class FailingDossier(BaseModel):
    """A dossier whose next message to a destination does not go through."""

    dossier: str
    destination: str
    state: Literal["failing", "dead", "replaying"] = Field(
        description="failing: being retried; dead: retries stopped, waiting for a replay;"
        " replaying: replayed by an administrator, its next attempt not made yet"
    )
    failing_since: Instant | None = Field(
        description="First failure of the current run of failures (none once replayed)"
    )
    attempts: int
    last_error: str | None
    message_id: int
