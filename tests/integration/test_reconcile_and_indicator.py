"""Decision 766 indicator 1.4 (dossiers synced to the national portal) with its drill-down, and
``onestop sync reconcile``: dossiers the portal was told less about than they are now are
re-queued, and the portal catches up."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.integration.conftest import Portal
from tests.integration.helpers import Scene, advance
from tests.metrics.reports_support import JUSTICE, follow

from onestop import cli_commands
from onestop.core import clock
from onestop.integration import relay, retention
from onestop.integration.dvcqg import reconcile as dvcqg_reconcile
from onestop.integration.dvcqg.destination import NAME
from onestop.integration.models import OutboxDelivered, OutboxMessage
from onestop.metrics.index766 import synced

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def test_the_indicator_reads_the_outbox_as_integration_writes_it() -> None:
    assert synced.DVCQG == NAME
    for view, model in ((synced.OUTBOX, OutboxMessage), (synced.FOLDED, OutboxDelivered)):
        assert view.name == model.__tablename__
        for col in view.c:
            assert col.name in model.__table__.c


async def test_indicator_1_4_counts_dossiers_the_portal_took(scene: Scene, portal: Portal) -> None:
    portal.start()
    a = await scene.receive()
    b = await scene.receive()
    refused = await scene.receive()
    portal.failing[refused] = 500
    await scene.run()
    headers = scene.auth("manager")
    resp = await scene.client.get(
        "/api/v1/reports/index-766", params={**MARCH, "unit": JUSTICE}, headers=headers
    )
    assert resp.status_code == 200, resp.text
    i = {x["id"]: x for x in resp.json()["indicators"]}["1.4"]
    assert (i["numerator"], i["denominator"], i["ratio"], i["score"]) == (2, 3, 66.67, None)
    assert set(await follow(scene.client, headers, i["links"]["numerator"])) == {a, b}
    assert set(await follow(scene.client, headers, i["links"]["denominator"])) == {a, b, refused}
    # Delivered messages removed once old: what they said is kept, the indicator stays.
    async with scene.session() as s:
        assert await retention.prune(s, before=clock.now() + dt.timedelta(seconds=1)) == 2
    again = await scene.client.get(
        "/api/v1/reports/index-766", params={**MARCH, "unit": JUSTICE}, headers=headers
    )
    assert {x["id"]: x for x in again.json()["indicators"]}["1.4"]["numerator"] == 2
    assert set(await follow(scene.client, headers, i["links"]["numerator"])) == {a, b}
    april = await scene.client.get(
        "/api/v1/reports/index-766",
        params={"from": "2026-04-01", "to": "2026-04-30"},
        headers=headers,
    )
    assert {x["id"]: x for x in april.json()["indicators"]}["1.4"]["ratio"] is None


async def test_reconcile_requeues_what_the_portal_was_not_told(
    scene: Scene, portal: Portal
) -> None:
    portal.start()
    # c: received before the sync started (the relay begins after its event).
    c = await scene.receive()
    await scene.settled()
    async with scene.session() as s:
        await relay.start_at_end(s, NAME, clock.now())
        await s.commit()
    # a: told everything; b: its hand-over is dead-lettered; d: still being retried.
    a = await scene.receive()
    b = await scene.receive()
    await scene.run()
    await scene.act("clerk", a, "transfer")
    portal.failing[b] = "error"
    await scene.act("clerk", b, "transfer")
    for _ in range(6):
        advance(15)
        await scene.run()
    d = await scene.receive()
    portal.failing[d] = 500
    await scene.run()
    assert portal.records(c) == [] and portal.records(d) == []

    async def check() -> tuple[int, int, int, int]:
        async with scene.session() as s:
            r = await dvcqg_reconcile.reconcile(
                s, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31), now=clock.now()
            )
        return r.checked, r.in_sync, r.requeued, r.waiting

    assert await check() == (4, 1, 2, 1)
    assert await check() == (4, 1, 0, 3)  # re-queued ones are pending now
    portal.failing.clear()
    advance(15)
    await scene.run()
    assert portal.records(c) == [("sync", 2, "False")]
    assert portal.records(b) == [("sync", 2, "False"), ("sync", 4, "True"), ("progress", 4)]
    assert portal.records(d) == [("sync", 2, "False")]
    assert await check() == (4, 4, 0, 0)
    async with scene.session() as s:
        empty = await dvcqg_reconcile.reconcile(
            s, start=dt.date(2026, 4, 1), end=dt.date(2026, 4, 30), now=clock.now()
        )
    assert empty.checked == 0


def test_reconcile_command_refuses_a_reversed_range(capsys: Any) -> None:
    args = type("Args", (), {"start": dt.date(2026, 3, 31), "end": dt.date(2026, 3, 1)})()
    assert cli_commands._sync_reconcile(args) == 2
    assert "--to is before --from" in capsys.readouterr().err
