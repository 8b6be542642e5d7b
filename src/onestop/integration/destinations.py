"""What a destination of outgoing messages is: which events it hears about, and how one of its
messages is sent. The relay and the delivery worker know destinations only through this.

A destination builds a message's content when it sends it, from the event the message is for
(the status after that event, the dates up to it) and the dossier's fields, never from the
dossier's latest status: messages of a dossier go out one at a time in event order, and each says
what that event made of the dossier.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession

from onestop.integration.feed import Change

log = logging.getLogger("onestop.integration")
T = TypeVar("T")


@dataclass(frozen=True)
class Message:
    """A claimed message, as a destination reads it."""

    id: int
    dossier_id: int
    event_id: int
    seq: int
    kind: str
    attempts: int


class DeliveryFailed(Exception):
    """The destination did not take the message. ``reason`` is kept as the message's last error
    and shown to administrators: it must never hold personal data."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:500]


class Destination(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def chunked_kinds(self) -> frozenset[str]:
        """Kinds whose consecutive messages of a dossier go in one call (``delivery.CHUNK``)."""

    def kind_of(self, change: Change) -> str | None:
        """What the destination is told about this event (None: nothing)."""

    async def prepare(
        self, session: AsyncSession, groups: Sequence[Sequence[Message]]
    ) -> Sequence[object]:
        """Read what sending each claimed group needs, for a whole delivery round in one
        read-only session, before the HTTP calls: one item per group, in the groups' order, a
        ``DeliveryFailed`` for a group that cannot be prepared (see ``each``)."""

    async def send(self, prepared: object) -> None:
        """Send it; raise ``DeliveryFailed`` when the destination did not take it."""

    async def aclose(self) -> None: ...


async def each(
    groups: Sequence[Sequence[Message]],
    one: Callable[[Sequence[Message]], Awaitable[T]],
    destination: str,
) -> list[T | DeliveryFailed]:
    """``one`` applied to every group in turn; a group whose preparation fails gets a
    ``DeliveryFailed`` (retried like a refused call) and does not hold the others back."""
    out: list[T | DeliveryFailed] = []
    for group in groups:
        try:
            out.append(await one(group))
        except DeliveryFailed as exc:
            out.append(exc)
        except Exception as exc:  # a fault in one dossier's data must not stop the round
            log.exception("preparing a message for %s failed", destination)
            out.append(DeliveryFailed(f"internal error: {type(exc).__name__}"))
    return out


@runtime_checkable
class Batching(Protocol):
    """A destination that sends a whole round's prepared groups itself (several dossiers in one
    call), instead of one ``send`` per group."""

    async def send_round(self, prepared: Sequence[object]) -> list[str | None]:
        """Each group's failure reason, in the groups' order; None when the destination took it.
        A ``DeliveryFailed`` item (a group that could not be prepared) keeps its own reason."""


@runtime_checkable
class Screening(Protocol):
    """A destination that hears only about some dossiers (e.g. those with an e-mail address)."""

    async def screen(self, session: AsyncSession, dossier_ids: set[int]) -> set[int]:
        """Which of these dossiers the destination hears about (read when the event is relayed)."""
