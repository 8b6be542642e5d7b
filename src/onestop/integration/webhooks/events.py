"""Which webhook event types a dossier event is, declared once (pure).

An event can be several types, most specific first: a finish is ``dossier.finished`` and
``dossier.status_changed``. A subscription hears about an event when it asked for one of its
types, and the message carries the most specific type it asked for; the payload always has the
statuses before and after, so a ``dossier.status_changed`` subscriber misses nothing.

A rating is a dossier event too (``rated``, its level in the payload; the status stays), so
``rating.received`` comes through the same outbox, in order with the dossier's other events.
"""

from __future__ import annotations

from collections.abc import Callable

from onestop.dossiers.states import EventType, Status
from onestop.integration.feed import Change

#: The wire name of a kind is ``dossier.<kind>`` (the outbox keeps the short kind), but for
#: the kinds of ``OTHER_NAMES``.
NAMESPACE = "dossier."
RATING = "rating_received"
OTHER_NAMES = {RATING: "rating.received"}


def _received(c: Change) -> bool:
    return c.to_status == Status.RECEIVED and c.from_status in (None, Status.SUBMITTED)


def _entered(status: Status) -> Callable[[Change], bool]:
    return lambda c: c.to_status == status and c.from_status != status


#: Kinds, most specific first, and the events they are.
KINDS: tuple[tuple[str, Callable[[Change], bool]], ...] = (
    ("received", _received),
    ("supplement_requested", lambda c: c.type == "request-supplement"),
    ("apologized", lambda c: c.type == "apologize"),
    ("finished", _entered(Status.RESULT_READY)),
    ("returned", _entered(Status.RETURNED)),
    ("status_changed", lambda c: c.from_status != c.to_status),
    (RATING, lambda c: c.type == EventType.RATED),
)


def kinds_of(change: Change) -> list[str]:
    return [kind for kind, test in KINDS if test(change)]


def kind_for(change: Change, wanted: frozenset[str]) -> str | None:
    """The most specific kind of the event among the event types the subscription wants."""
    return next((k for k in kinds_of(change) if wire_type(k) in wanted), None)


def wire_type(kind: str) -> str:
    return OTHER_NAMES.get(kind, NAMESPACE + kind)


EVENT_TYPES: tuple[str, ...] = tuple(wire_type(kind) for kind, _ in KINDS)
