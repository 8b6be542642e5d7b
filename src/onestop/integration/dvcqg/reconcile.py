"""``onestop sync reconcile``: make the national portal catch up with dossiers it was told less
about than they are now.

For each dossier received in the range, the status the portal was last told is the status after
the event of the dossier's last delivered message (messages go in order, so it is the latest
one the portal took). When it differs from the dossier's status — or nothing was delivered — the
dossier is re-queued: its dead messages go back in the queue (they hold the later ones back) and,
when its latest event has no message yet, a fresh ``dossier`` message is queued for it (the record
after that event is the dossier as it is now). A dossier whose messages are all still pending is
already on its way and is only counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.core import clock
from onestop.core.clock import day_start
from onestop.dossiers.models import Dossier, DossierEvent
from onestop.integration import relay, retention
from onestop.integration.dvcqg.destination import DOSSIER, NAME
from onestop.integration.feed import Change
from onestop.integration.models import OutboxMessage

M = OutboxMessage
E = DossierEvent
#: Dossiers compared per query.
BATCH = 500
#: How long a batch holds the portal's lease at most.
HOLD = dt.timedelta(minutes=5)


@dataclass
class ReconcileResult:
    checked: int = 0
    in_sync: int = 0
    requeued: int = 0
    waiting: int = 0

    def add(self, other: ReconcileResult) -> None:
        self.checked += other.checked
        self.in_sync += other.in_sync
        self.requeued += other.requeued
        self.waiting += other.waiting


async def _received(session: AsyncSession, start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    """``(dossier id, status)`` of the dossiers received from ``start`` to ``end`` (local days)."""
    rows = await session.execute(
        select(Dossier.id, Dossier.status)
        .where(
            Dossier.received_at >= day_start(start),
            Dossier.received_at < day_start(end + dt.timedelta(days=1)),
        )
        .order_by(Dossier.id)
    )
    return [(int(i), int(s)) for i, s in rows]


async def _told(session: AsyncSession, ids: Sequence[int]) -> dict[int, int]:
    """The status after each dossier's last delivered message."""
    last = await retention.reached(session, ids, NAME)
    if not last:
        return {}
    rows = await session.execute(
        select(E.dossier_id, E.seq, E.to_status).where(
            tuple_(E.dossier_id, E.seq).in_([(d, r.seq) for (_n, d), r in last.items()])
        )
    )
    return {int(d): int(status) for d, _seq, status in rows}


async def _latest_event(session: AsyncSession, dossier_id: int) -> Change:
    row = (
        await session.execute(
            select(E.id, E.txid, E.seq, E.type, E.at, E.from_status, E.to_status)
            .where(E.dossier_id == dossier_id)
            .order_by(E.seq.desc())
            .limit(1)
        )
    ).one()
    event_id, txid, seq, type_, at, from_status, to_status = row
    return Change(event_id, txid, dossier_id, "", seq, type_, at, from_status, to_status, None)


async def _requeue(session: AsyncSession, dossier_id: int, now: dt.datetime) -> bool:
    """Replay the dossier's dead messages and queue its latest event; False when there was
    nothing to do (its messages are pending)."""
    replayed = await session.execute(
        update(M)
        .where(M.destination == NAME, M.dossier_id == dossier_id, M.state == "dead")
        .values(state="pending", attempts=0, failing_since=None, claimed_until=None,
                next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    latest = await _latest_event(session, dossier_id)
    queued = await relay.queue(session, NAME, latest, DOSSIER, now)
    return queued or bool(getattr(replayed, "rowcount", 0))


async def _compare(
    session: AsyncSession, batch: Sequence[tuple[int, int]], now: dt.datetime
) -> ReconcileResult:
    result = ReconcileResult()
    told = await _told(session, [d for d, _ in batch])
    for dossier_id, status in batch:
        result.checked += 1
        if told.get(dossier_id) == status:
            result.in_sync += 1
        elif await _requeue(session, dossier_id, now):
            result.requeued += 1
        else:
            result.waiting += 1
    await session.commit()
    return result


async def reconcile(
    session: AsyncSession, *, start: dt.date, end: dt.date, now: dt.datetime
) -> ReconcileResult:
    """Compare and re-queue; commits once per batch, holding the portal's lease (a worker
    sending a dossier's newer event meanwhile would be overtaken by the older one queued)."""
    result = ReconcileResult()
    dossiers = await _received(session, start, end)
    for i in range(0, len(dossiers), BATCH):
        async with relay.holding(session, NAME, now=clock.now, hold=HOLD):
            result.add(await _compare(session, dossiers[i : i + BATCH], now))
    return result
