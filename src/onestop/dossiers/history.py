"""Events that go into a dossier's history without changing its status: a document attached, a
satisfaction rating recorded. Each takes the dossier's next ``seq`` (``event_count``, whose
version check makes a concurrent writer fail at flush), so it is ordered with the actions'
events in the history, the changes feed and every outgoing message."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from onestop.core import clock
from onestop.dossiers.access import Actor
from onestop.dossiers.models import Dossier, DossierEvent
from onestop.dossiers.states import EventType


def record(
    session: AsyncSession,
    d: Dossier,
    type_: EventType,
    actor: Actor,
    at: dt.datetime,
    payload: dict[str, Any],
) -> DossierEvent:
    """Add the event (in the caller's transaction); the status stays as it is."""
    seq = d.event_count + 1
    d.event_count = seq
    d.updated_at = at
    event = DossierEvent(
        dossier_id=d.id,
        seq=seq,
        type=type_,
        at=at,
        recorded_at=clock.now(),
        actor=actor.name,
        unit_id=actor.unit_id,
        from_status=d.status,
        to_status=d.status,
        payload=payload,
    )
    session.add(event)
    return event
