"""Forwarding: the feed's new events sent straight away, each message written once, with its
outcome.

A round reads the events after the destination's position, takes the position's lease
(``relay.lease``: one worker at a time per destination), sends what is new as a delivery round
does (``delivery.prepare_round``, ``delivery.send_round``: read for the whole round at once,
several dossiers per call where the destination batches), then writes, in one transaction,
every message of the round with its outcome and moves the position — only while the lease is
still the one it took. A message the destination took is written ``delivered``; one it did not
take is written ``pending``, failing since now, with its retry time and the destination's answer
(``delivery.Policy``). So a message that goes through at once costs one row write, where
queueing it, claiming it and recording its delivery would cost three.

Order per dossier: a dossier with a message the destination has not taken yet (waiting, failing
or dead) is not sent to: its new messages are written ``pending`` behind that one, and the
delivery of waiting messages (``delivery.deliver_due``) takes them in ``seq`` order. Of a
dossier's new messages in one round, the first is sent (with the ones right after it of a kind
the destination sends together, up to ``delivery.CHUNK``); the rest are written ``pending``
behind it, and go in the same pass.

A worker killed mid-round has written nothing and moved nothing: once its lease expires
(``outbox_claim_seconds``), the next worker reads the same events and sends them again. Delivery
is at least once, and each message says the whole state after its event, so twice is harmless.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from onestop.core.db import among
from onestop.integration import delivery, feed, relay
from onestop.integration.destinations import Destination, Message
from onestop.integration.models import OutboxMessage

log = logging.getLogger("onestop.integration")

M = OutboxMessage
#: Events read per round.
BATCH = 500

Row = dict[str, Any]


@dataclass
class Forwarded:
    """A round's or a pass's count: events read, messages written, of those the ones not sent
    (``waiting``: behind an earlier message of their dossier), and the sent ones' outcomes."""

    read: int = 0
    written: int = 0
    waiting: int = 0
    result: delivery.DeliveryResult = field(default_factory=delivery.DeliveryResult)

    def add(self, other: Forwarded) -> None:
        self.read += other.read
        self.written += other.written
        self.waiting += other.waiting
        self.result.add(other.result)


async def _waiting(session: AsyncSession, destination: str, dossier_ids: set[int]) -> set[int]:
    """The dossiers with a message the destination has not taken yet."""
    if not dossier_ids:
        return set()
    rows = await session.execute(
        select(M.dossier_id)
        .where(
            M.destination == destination,
            among(session, M.dossier_id, dossier_ids),
            M.state != "delivered",
        )
        .distinct()
    )
    return {int(d) for d in rows.scalars()}


def _split(rows: Sequence[Row], waiting: set[int], chunked: frozenset[str]) -> list[list[Row]]:
    """The round's groups to send now, one per dossier not waiting, in feed order (the rows left
    out wait)."""
    held = set(waiting)
    groups: dict[int, list[Row]] = {}
    for row in rows:
        dossier = row["dossier_id"]
        group = groups.get(dossier)
        if dossier in held:
            continue
        if group is None:
            groups[dossier] = [row]
        elif row["kind"] == group[0]["kind"] in chunked and len(group) < delivery.CHUNK:
            group.append(row)
        else:  # this one and every later one of the dossier wait behind the group
            held.add(dossier)
    return list(groups.values())


def _messages(group: Sequence[Row]) -> list[Message]:
    return [Message(0, r["dossier_id"], r["event_id"], r["seq"], r["kind"], 0) for r in group]


def _outcome(
    row: Row,
    reason: str | None,
    *,
    now: dt.datetime,
    policy: delivery.Policy,
    rnd: random.Random,
) -> Row:
    """The message row of a sent message, with its outcome."""
    if reason is None:
        return row | {"state": "delivered", "attempts": 1, "delivered_at": now}
    at = policy.next_attempt(1, now, now, rnd)
    failed = {"attempts": 1, "failing_since": now, "last_error": reason}
    if at is None:
        return row | failed | {"state": "dead"}
    return row | failed | {"next_attempt_at": at}


def _log_failure(destination: str, group: Sequence[Row], reason: str, dead: bool) -> None:
    log.warning(
        "delivery to %s failed (event %d, attempt 1%s): %s",
        destination,
        group[0]["event_id"],
        ", dead-lettered" if dead else "",
        reason,
    )


@dataclass(frozen=True)
class _Taken:
    """A round's events, with the lease on the position before them (``token``)."""

    changes: list[feed.Change]
    rows: list[Row]
    waiting: set[int]
    token: dt.datetime


async def _take(
    session: AsyncSession,
    destination: Destination,
    *,
    now: Callable[[], dt.datetime],
    policy: delivery.Policy,
    batch: int,
) -> _Taken | None:
    """The next events and the lease to send them; None when there are none, or another worker
    holds the lease."""
    position = await relay.position_of(session, destination.name)
    changes = await feed.read(session, position=position, limit=batch)
    token = now() + policy.claim
    if not changes or not await relay.lease(
        session, destination.name, at=position, now=now(), until=token
    ):
        return None
    rows = await relay.messages_for(session, destination, changes, now())
    waiting = await _waiting(session, destination.name, {r["dossier_id"] for r in rows})
    await session.commit()
    return _Taken(changes, rows, waiting, token)


def _outcomes(
    name: str,
    groups: Sequence[Sequence[Row]],
    reasons: Sequence[str | None],
    *,
    now: dt.datetime,
    policy: delivery.Policy,
    rnd: random.Random,
) -> tuple[list[Row], delivery.DeliveryResult]:
    """The sent groups' rows with their outcomes, and their count."""
    rows: list[Row] = []
    count = delivery.DeliveryResult()
    for group, reason in zip(groups, reasons, strict=True):
        out = [_outcome(r, reason, now=now, policy=policy, rnd=rnd) for r in group]
        rows += out
        if reason is None:
            count.delivered += len(group)
        else:
            dead = out[0]["state"] == "dead"
            _log_failure(name, group, reason, dead)
            count.add(delivery.DeliveryResult(0, len(group), len(group) if dead else 0))
    return rows, count


async def forward_step(
    maker: async_sessionmaker[AsyncSession],
    destination: Destination,
    *,
    now: Callable[[], dt.datetime],
    policy: delivery.Policy,
    rnd: random.Random,
    batch: int = BATCH,
) -> Forwarded:
    """One round; ``read < batch`` means the feed is drained for now (or another worker holds
    the destination's lease)."""
    name = destination.name
    async with maker() as session:
        taken = await _take(session, destination, now=now, policy=policy, batch=batch)
    if taken is None:
        return Forwarded()
    try:
        return await _send_and_write(maker, destination, taken, now=now, policy=policy, rnd=rnd)
    except BaseException:
        # Give the lease back at once, the position unmoved: the events go again in the next
        # round, not once the lease has expired.
        with contextlib.suppress(Exception):
            async with maker() as session:
                await relay.release(session, name, token=taken.token, now=now())
                await session.commit()
        raise


async def _send_and_write(
    maker: async_sessionmaker[AsyncSession],
    destination: Destination,
    taken: _Taken,
    *,
    now: Callable[[], dt.datetime],
    policy: delivery.Policy,
    rnd: random.Random,
) -> Forwarded:
    name = destination.name
    groups = _split(taken.rows, taken.waiting, destination.chunked_kinds)
    prepared = await delivery.prepare_round(maker, destination, [_messages(g) for g in groups])
    reasons = await delivery.send_round(destination, prepared)
    at = now()
    sent, count = _outcomes(name, groups, reasons, now=at, policy=policy, rnd=rnd)
    done = Forwarded(read=len(taken.changes), result=count)
    async with maker() as session:
        end = taken.changes[-1].position
        if not await relay.release(session, name, token=taken.token, now=at, position=end):
            log.warning("the lease of %s expired during a round: its events go again", name)
            await session.rollback()
            return Forwarded(read=done.read)
        # In feed order; a message not sent is written as it was read (pending, due now).
        outcome = {row["event_id"]: row for row in sent}
        rows = [outcome.get(row["event_id"], row) for row in taken.rows]
        done.written = await relay.insert(session, rows)
        done.waiting = len(rows) - len(sent)
        await session.commit()
    return done


async def forward(
    maker: async_sessionmaker[AsyncSession],
    destination: Destination,
    *,
    now: Callable[[], dt.datetime],
    policy: delivery.Policy,
    rnd: random.Random | None = None,
    batch: int = BATCH,
) -> Forwarded:
    """Rounds until the feed is drained for now."""
    rnd = rnd or random.Random()  # noqa: S311 - jitter, not a secret
    total = Forwarded()
    while True:
        step = await forward_step(maker, destination, now=now, policy=policy, rnd=rnd, batch=batch)
        total.add(step)
        if step.read < batch:
            return total
