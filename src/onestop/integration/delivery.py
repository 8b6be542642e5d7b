"""Delivering waiting messages: claim, send outside any transaction, record the outcome.

A message waits when ``forward`` could not send it (it failed, or an earlier one of its dossier
waits) or was queued outside the feed (a reconciliation, a replay). Both share this module's
``prepare_round``, ``send_round`` and retry ``Policy``.

Order per dossier: only a dossier's earliest undelivered message (by event ``seq``) is ever
claimed, and only once the destination's feed position has passed every earlier event of the
dossier, so a later status never overtakes an earlier one. A dead message holds the dossier's
later ones back until an administrator replays it (``admin.replay``): sending them past it could
leave the destination with an older status once the dead one is replayed. A claimed
``progress`` message brings along the dossier's following ``progress`` messages (up to
``CHUNK`` in one call).

Concurrency: a round claims up to ``CLAIM_BATCH`` dossiers and sends to ``CONCURRENCY`` of them
at a time (the destination's answer time, not the database, bounds a sequential sender), or hands
the whole round to a destination that sends several dossiers in one call (``Batching``); since a
dossier's next message is claimable only once the one before it is delivered, one dossier never
has two calls in flight, in one worker or across workers. What the round's messages say is read
at once (``prepare_round``), and its successes are recorded in one statement before the next claim.

Claims: the claim transaction selects due messages (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
concurrent workers take different dossiers; a plain select on SQLite, whose single writer
serialises claims), sets ``claimed_until = now + claim time`` and commits. The message is then
sent with no transaction open, and the outcome recorded only while the claim is still the one
taken (``claimed_until`` is the claim's token). A worker killed mid-delivery leaves a claim that
expires, and the message goes again (at least once; twice is harmless, as in ``forward``).

Failures: a retry after ``base · 2^(attempts−1)`` seconds (at most ``max``) times a random factor
in [0.5, 1], never past the end of the retry window; a message still failing when its window
(from its first failure, at most 3 days) is over becomes ``dead`` with the last error.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from onestop.core.db import among
from onestop.core.settings import Settings
from onestop.dossiers.models import DossierEvent
from onestop.integration import relay
from onestop.integration.destinations import Batching, DeliveryFailed, Destination, Message
from onestop.integration.feed import Position
from onestop.integration.models import OutboxMessage

log = logging.getLogger("onestop.integration")

M = OutboxMessage
#: Progress entries sent in one call at most.
CHUNK = 10
#: Dossiers claimed per round, and sent at the same time at most.
CLAIM_BATCH = 200
CONCURRENCY = 64


@dataclass(frozen=True)
class Policy:
    claim: dt.timedelta
    base: float
    max: float
    window: dt.timedelta

    @classmethod
    def of(cls, settings: Settings) -> Policy:
        return cls(
            claim=dt.timedelta(seconds=settings.outbox_claim_seconds),
            base=settings.outbox_retry_base_seconds,
            max=settings.outbox_retry_max_seconds,
            window=dt.timedelta(seconds=settings.outbox_retry_window_seconds),
        )

    def next_attempt(
        self, attempts: int, now: dt.datetime, failing_since: dt.datetime, rnd: random.Random
    ) -> dt.datetime | None:
        """When to try again after ``attempts`` failures; None when the window is over."""
        end = failing_since + self.window
        if now >= end:
            return None
        delay = min(self.max, self.base * 2 ** max(0, attempts - 1)) * rnd.uniform(0.5, 1.0)
        return min(end, now + dt.timedelta(seconds=delay))


@dataclass(frozen=True)
class Claimed:
    """One dossier's messages taken by one claim (``token``: the claim's ``claimed_until``)."""

    dossier_id: int
    messages: list[Message]
    token: dt.datetime


@dataclass
class DeliveryResult:
    delivered: int = 0
    failed: int = 0
    dead: int = 0

    def add(self, other: DeliveryResult) -> None:
        self.delivered += other.delivered
        self.failed += other.failed
        self.dead += other.dead


def _pending(destination: str, now: dt.datetime) -> list[ColumnElement[bool]]:
    return [M.destination == destination, M.state == "pending", M.next_attempt_at <= now]


def _earlier_relayed(position: Position) -> ColumnElement[bool]:
    """Every earlier event of the message's dossier is behind the relay's position (so each one
    the destination hears about has its message already)."""
    e = DossierEvent
    unrelayed = exists().where(
        e.dossier_id == M.dossier_id,
        e.seq < M.seq,
        tuple_(e.txid, e.id) > tuple_(position.txid, position.event_id),
    )
    return ~unrelayed


#: An earlier message of the same dossier, aliased once (an alias copies every column).
P = aliased(OutboxMessage)


def _first_undelivered() -> ColumnElement[bool]:
    same_dossier = (P.destination == M.destination, P.dossier_id == M.dossier_id)
    return ~exists().where(*same_dossier, P.state != "delivered", P.seq < M.seq)


def _unclaimed(now: dt.datetime) -> ColumnElement[bool]:
    return or_(M.claimed_until.is_(None), M.claimed_until <= now)


def _locking(session: AsyncSession, stmt: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return stmt.with_for_update(skip_locked=True, of=M)
    return stmt


async def _heads(
    session: AsyncSession, destination: str, position: Position, now: dt.datetime, limit: int
) -> list[OutboxMessage]:
    stmt = (
        select(M)
        .where(
            *_pending(destination, now),
            _unclaimed(now),
            _first_undelivered(),
            _earlier_relayed(position),
        )
        .order_by(M.next_attempt_at, M.id)
        .limit(limit)
    )
    return list((await session.execute(_locking(session, stmt))).scalars())


async def _followers(
    session: AsyncSession, head: OutboxMessage, position: Position, now: dt.datetime
) -> list[OutboxMessage]:
    """The progress messages right after a progress head, to go in the same call."""
    stmt = (
        select(M)
        .where(
            *_pending(head.destination, now),
            M.dossier_id == head.dossier_id,
            M.seq > head.seq,
            _earlier_relayed(position),
        )
        .order_by(M.seq)
        .limit(CHUNK - 1)
    )
    out = []
    for m in (await session.execute(_locking(session, stmt))).scalars():
        if m.kind != head.kind:
            break
        out.append(m)
    return out


async def claim(
    session: AsyncSession,
    destination: Destination,
    *,
    now: dt.datetime,
    policy: Policy,
    limit: int = CLAIM_BATCH,
) -> list[Claimed]:
    """Take up to ``limit`` dossiers' due messages; commits the claim."""
    try:
        name = destination.name
        position = await relay.position_of(session, name)
        heads = await _heads(session, name, position, now, limit)
        groups: list[list[OutboxMessage]] = []
        for head in heads:
            group = [head]
            if head.kind in destination.chunked_kinds:
                group += await _followers(session, head, position, now)
            groups.append(group)
        token = now + policy.claim
        ids = [m.id for group in groups for m in group]
        taken: set[int] = set()
        if ids:
            result = await session.execute(
                update(M)
                .where(among(session, M.id, ids), M.state == "pending", _unclaimed(now))
                .values(claimed_until=token)
                .returning(M.id)
                .execution_options(synchronize_session=False)
            )
            taken = {int(r[0]) for r in result}
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    return [
        Claimed(
            group[0].dossier_id,
            [_message(m) for m in group if m.id in taken],
            token,
        )
        for group in groups
        if group[0].id in taken
    ]


def _message(m: OutboxMessage) -> Message:
    return Message(m.id, m.dossier_id, m.event_id, m.seq, m.kind, m.attempts)


def _claimed(claims: Sequence[Claimed]) -> ColumnElement[bool]:
    """The claims' messages, while each claim is still the one taken."""
    by_token: dict[dt.datetime, list[int]] = defaultdict(list)
    for claimed in claims:
        by_token[claimed.token] += [m.id for m in claimed.messages]
    return or_(*(and_(M.id.in_(ids), M.claimed_until == t) for t, ids in by_token.items()))


async def record_success(
    session: AsyncSession, claims: Sequence[Claimed], *, now: dt.datetime
) -> int:
    """Mark the claims' messages delivered (one statement); how many were."""
    if not claims:
        return 0
    result: Any = await session.execute(
        update(M)
        .where(_claimed(claims))
        .values(
            state="delivered",
            delivered_at=now,
            attempts=M.attempts + 1,
            claimed_until=None,
            failing_since=None,
            last_error=None,
        )
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return int(result.rowcount or 0)


async def record_failure(
    session: AsyncSession,
    claimed: Claimed,
    reason: str,
    *,
    now: dt.datetime,
    policy: Policy,
    rnd: random.Random,
) -> bool:
    """Schedule a retry, or dead-letter when the window is over; True when dead."""
    rows = (await session.execute(select(M).where(_claimed([claimed])).order_by(M.seq))).scalars()
    dead = False
    for m in rows:
        m.attempts += 1
        m.failing_since = m.failing_since or now
        m.last_error = reason
        m.claimed_until = None
        at = policy.next_attempt(m.attempts, now, m.failing_since, rnd)
        if at is None:
            m.state = "dead"
            dead = True
        else:
            m.next_attempt_at = at
    await session.commit()
    return dead


async def prepare_round(
    maker: async_sessionmaker[AsyncSession],
    destination: Destination,
    groups: Sequence[Sequence[Message]],
) -> Sequence[object]:
    """What each group of one dossier's messages sends, read for the whole round at once."""
    if not groups:
        return []
    try:
        async with maker() as session:
            return await destination.prepare(session, groups)
    except Exception as exc:  # the round's reading failed: every group is retried
        log.exception("preparing messages for %s failed", destination.name)
        return [DeliveryFailed(f"internal error: {type(exc).__name__}")] * len(groups)


async def _send(destination: Destination, prepared: object) -> str | None:
    """Send one dossier's prepared messages; the failure's reason, or None when taken."""
    if isinstance(prepared, DeliveryFailed):
        return prepared.reason
    try:
        await destination.send(prepared)
    except DeliveryFailed as exc:
        return exc.reason
    except Exception as exc:  # any other failure is retried like the destination's own
        log.exception("delivery to %s failed", destination.name)
        return f"internal error: {type(exc).__name__}"
    return None


async def send_round(destination: Destination, prepared: Sequence[object]) -> list[str | None]:
    """Send a round's prepared groups: through the destination's own ``send_round`` when it
    batches, else one ``send`` per group, ``CONCURRENCY`` at a time; each group's failure reason,
    or None when taken."""
    if isinstance(destination, Batching):
        try:
            return await destination.send_round(prepared)
        except Exception as exc:  # retried like the destination's own failure
            log.exception("delivery to %s failed", destination.name)
            return [f"internal error: {type(exc).__name__}"] * len(prepared)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(item: object) -> str | None:
        async with gate:
            return await _send(destination, item)

    return list(await asyncio.gather(*(one(item) for item in prepared)))


async def _record_failure(
    session: AsyncSession,
    destination: Destination,
    claimed: Claimed,
    reason: str,
    *,
    now: dt.datetime,
    policy: Policy,
    rnd: random.Random,
) -> DeliveryResult:
    dead = await record_failure(session, claimed, reason, now=now, policy=policy, rnd=rnd)
    log.warning(
        "delivery to %s failed (message %d, attempt %d%s): %s",
        destination.name,
        claimed.messages[0].id,
        claimed.messages[0].attempts + 1,
        ", dead-lettered" if dead else "",
        reason,
    )
    return DeliveryResult(failed=len(claimed.messages), dead=len(claimed.messages) if dead else 0)


async def deliver_due(
    maker: async_sessionmaker[AsyncSession],
    destination: Destination,
    *,
    now: Callable[[], dt.datetime],
    policy: Policy,
    rnd: random.Random | None = None,
    limit: int = CLAIM_BATCH,
) -> DeliveryResult:
    """One round: claim due messages, send them (``CONCURRENCY`` dossiers at a time), record the
    outcomes."""
    rnd = rnd or random.Random()  # noqa: S311 - jitter, not a secret
    async with maker() as session:
        claims = await claim(session, destination, now=now(), policy=policy, limit=limit)
    claims = [c for c in claims if c.messages]
    prepared = await prepare_round(maker, destination, [c.messages for c in claims])
    reasons = await send_round(destination, prepared)
    outcomes = list(zip(claims, reasons, strict=True))
    total = DeliveryResult()
    async with maker() as session:
        taken = [claimed for claimed, reason in outcomes if reason is None]
        total.delivered = await record_success(session, taken, now=now())
        for claimed, reason in outcomes:
            if reason is not None:
                total.add(
                    await _record_failure(
                        session, destination, claimed, reason, now=now(), policy=policy, rnd=rnd
                    )
                )
    return total
