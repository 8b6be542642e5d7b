"""The relay and the delivery worker against a fake national portal served over real HTTP:
idempotent relay, no message lost or out of order when the portal is down, one dossier failing
without holding the others, dead letters and their replay, claim expiry, the OAuth token."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, update
from tests.integration.conftest import FULL_LIFE, Portal, full_life
from tests.integration.helpers import Scene, advance

from onestop.core import clock
from onestop.dossiers.models import Dossier
from onestop.integration import delivery, feed, forward, relay
from onestop.integration.dvcqg import destination as dvcqg_destination, payload
from onestop.integration.dvcqg.client import Credentials, PortalClient
from onestop.integration.dvcqg.destination import DvcqgDestination
from onestop.integration.models import OutboxCursor, OutboxDelivered, OutboxMessage
from onestop.integration.worker import IntegrationPass


async def messages(scene: Scene) -> list[tuple[int, int, str, str]]:
    """``(dossier id, seq, kind, state)`` of every queued message, in queue order."""
    async with scene.session() as s:
        rows = await s.execute(
            select(OutboxMessage.dossier_id, OutboxMessage.seq, OutboxMessage.kind,
                   OutboxMessage.state).order_by(OutboxMessage.id)
        )  # fmt: skip
        return [(int(a), int(b), str(c), str(d)) for a, b, c, d in rows]


def target(job: IntegrationPass) -> DvcqgDestination:
    dest = job.targets[0]
    assert isinstance(dest, DvcqgDestination)
    return dest


async def forwarded(scene: Scene, batch: int = forward.BATCH) -> int:
    """Messages one forwarding of the feed writes for the portal."""
    policy = delivery.Policy.of(scene.app.state.settings)
    dest = target(scene.job)
    return (await forward.forward(scene.app.state.sessionmaker, dest, now=clock.now,
                                  policy=policy, batch=batch)).written  # fmt: skip


async def test_forwarding_twice_writes_each_event_once(scene: Scene) -> None:
    await full_life(scene)  # the portal is down: every message waits
    await scene.settled()
    first = await forwarded(scene, batch=3)
    second = await forwarded(scene)
    # Even from the start again, the unique key keeps each event one message.
    async with scene.session() as s:
        await s.execute(update(OutboxCursor).values(after_txid=0, after_event_id=0))
        await s.commit()
    third = await forwarded(scene)
    assert (first, second, third) == (6, 0, 0)
    kinds = [kind for _, _, kind, _ in await messages(scene)]
    assert kinds == ["dossier", "dossier_progress", "progress", "progress", "dossier", "dossier"]


async def test_portal_down_then_back_loses_nothing_and_keeps_order(
    scene: Scene, portal: Portal
) -> None:
    codes = [await full_life(scene) for _ in range(3)]
    await scene.run()  # connection refused: everything waits
    assert portal.requests == []
    rows = await messages(scene)
    assert len(rows) == 18 and {state for *_, state in rows} == {"pending"}
    portal.start()
    for _ in range(12):  # retries come due as time passes; the backlog drains
        advance(15)
        await scene.run()
    for code in codes:
        assert portal.records(code) == FULL_LIFE
    assert {state for *_, state in await messages(scene)} == {"delivered"}
    # Later events flow straight away.
    late = await full_life(scene)
    await scene.run()
    assert portal.records(late) == FULL_LIFE


async def test_one_failing_dossier_retries_then_dead_letters_and_replays(
    scene: Scene, portal: Portal
) -> None:
    portal.start()
    bad = await scene.receive()
    good = await scene.receive()
    portal.failing[bad] = 500
    await scene.run()
    await scene.act("clerk", bad, "transfer")
    await scene.act("clerk", good, "transfer")
    await scene.run()
    assert portal.records(good) == [("sync", 2, "False"), ("sync", 4, "True"), ("progress", 4)]
    assert portal.records(bad) == []
    portal.failing[bad] = "error"  # the portal now refuses it with error_code 1
    for _ in range(8):  # the retry window (1 hour here) runs out
        advance(15)
        await scene.run()
    async with scene.session() as s:
        dead = (
            (await s.execute(select(OutboxMessage).where(OutboxMessage.state == "dead")))
            .scalars()
            .all()
        )
    assert [(m.seq, m.kind) for m in dead] == [(1, "dossier")]
    assert dead[0].last_error == "HTTP 200: error_code 1: Mã TTHC không hợp lệ"
    assert dead[0].attempts > 2
    admin = scene.auth("admin")
    listed = (await scene.client.get("/api/v1/integration/dead-letters", headers=admin)).json()
    assert [(m["dossier"], m["seq"], m["state"]) for m in listed["items"]] == [(bad, 1, "dead")]
    failing = (await scene.client.get("/api/v1/integration/failing", headers=admin)).json()
    assert [(f["dossier"], f["state"]) for f in failing["items"]] == [(bad, "dead")]
    sync = (await scene.client.get(f"/api/v1/dossiers/{bad}/sync", headers=admin)).json()
    assert (sync[0]["state"], sync[0]["pending"]) == ("failing", 2)
    # Only administrators replay; the portal takes it now, and the held-back message follows.
    url = f"/api/v1/integration/dead-letters/{dead[0].id}/replay"
    assert (await scene.client.post(url, headers=scene.auth("clerk"))).status_code == 403
    del portal.failing[bad]
    resp = await scene.client.post(url, headers=admin)
    assert resp.status_code == 200, resp.text
    assert resp.json()["state"] == "pending"
    assert (await scene.client.post(url, headers=admin)).status_code == 409
    # Listed as replaying, with the answer that stopped it, until its next attempt.
    failing = (await scene.client.get("/api/v1/integration/failing", headers=admin)).json()
    listed = [
        (f["dossier"], f["state"], f["failing_since"], f["attempts"], f["last_error"])
        for f in failing["items"]
    ]
    assert listed == [(bad, "replaying", None, 0, dead[0].last_error)]
    await scene.run()
    assert portal.records(bad) == [("sync", 2, "False"), ("sync", 4, "True"), ("progress", 4)]
    sync = (await scene.client.get(f"/api/v1/dossiers/{bad}/sync", headers=admin)).json()
    assert (sync[0]["state"], sync[0]["pending"]) == ("synced", 0)
    failing = (await scene.client.get("/api/v1/integration/failing", headers=admin)).json()
    assert failing["items"] == []


async def test_dossiers_share_calls_and_a_refused_call_is_sent_again_one_at_a_time(
    scene: Scene, portal: Portal
) -> None:
    portal.start()
    codes = [await scene.receive() for _ in range(5)]
    portal.failing[codes[2]] = "error"
    await scene.run()
    # One call of five records, refused; then each dossier alone: four taken, one refused.
    assert portal.calls == 1 + 5
    assert [(b["isUpdating"], len(b["data"])) for b in portal.requests] == [("False", 1)] * 4
    assert [portal.records(c) for c in codes] == [[("sync", 2, "False")]] * 2 + [[]] + [
        [("sync", 2, "False")]
    ] * 2
    del portal.failing[codes[2]]
    advance(15)
    await scene.run()
    assert portal.records(codes[2]) == [("sync", 2, "False")]
    portal.requests.clear()
    for code in codes:
        await scene.act("clerk", code, "transfer")
    await scene.run()
    # Each 2 → 4 hand-over is a record then a progress entry: the five records in one call,
    # then the five entries in one call.
    calls = [(b["service"], b.get("isUpdating"), len(b["data"])) for b in portal.requests]
    assert calls == [("DongBoHoSoMC", "True", 5), ("CapNhatTienDoHoSoMC", None, 5)]
    for code in codes:
        assert portal.records(code) == [("sync", 4, "True"), ("progress", 4)]


async def test_a_dossier_the_portal_times_out_on_retries_while_the_others_flow(
    scene: Scene, portal: Portal, settings: Any
) -> None:
    portal.start()
    client = PortalClient(
        portal.url,
        timeout=0.5,
        credentials=Credentials(portal.token_url, "onestop", settings.dvcqg_client_secret),
    )
    scene.job.targets[0] = DvcqgDestination(client, records_per_call=20)
    slow, good = await scene.receive(), await scene.receive()
    portal.failing[slow] = "slow"
    await scene.run()
    assert portal.records(good) == [("sync", 2, "False")]
    async with scene.session() as s:
        rows = await s.execute(
            select(Dossier.code, OutboxMessage.state, OutboxMessage.last_error)
            .join(Dossier, Dossier.id == OutboxMessage.dossier_id)
            .order_by(Dossier.code)
        )
        states = {code: (state, error) for code, state, error in rows}
    assert states == {
        slow: ("pending", "timeout waiting for the portal"),
        good: ("delivered", None),
    }
    del portal.failing[slow]
    advance(15)
    await scene.run()
    assert portal.records(slow)[-1] == ("sync", 2, "False")
    assert {state for *_, state in await messages(scene)} == {"delivered"}
    await client.aclose()


async def test_a_call_that_cannot_reach_the_portal_is_not_sent_again_dossier_by_dossier(
    scene: Scene, portal: Portal
) -> None:
    portal.start()
    portal.token_failing = True
    codes = [await scene.receive() for _ in range(5)]
    await scene.run()
    assert (portal.token_requests, portal.calls) == (1, 0)
    async with scene.session() as s:
        errors = (await s.execute(select(OutboxMessage.last_error))).scalars().all()
    assert errors == ["token endpoint answered HTTP 500"] * 5
    portal.token_failing = False
    advance(15)
    await scene.run()
    assert portal.calls == 1
    assert all(portal.records(c) == [("sync", 2, "False")] for c in codes)


async def test_a_claim_left_by_a_dead_worker_expires_and_is_delivered_again(
    scene: Scene, portal: Portal, settings: Any
) -> None:
    code = await scene.receive()
    await scene.run()  # the portal is down: the message waits for its retry
    portal.start()
    advance(settings.outbox_retry_max_seconds / 60 + 1)
    policy = delivery.Policy.of(settings)
    async with scene.session() as s:  # a worker claims, then dies before sending
        claimed = await delivery.claim(s, target(scene.job), now=clock.now(), policy=policy)
    assert len(claimed) == 1
    await scene.run()  # the claim still holds: nobody else sends it
    assert portal.records(code) == []
    advance(settings.outbox_claim_seconds / 60 + 1)
    await scene.run()
    assert portal.records(code) == [("sync", 2, "False")]


async def test_a_lease_left_by_a_dead_worker_expires_and_its_events_go_again(
    scene: Scene, portal: Portal, settings: Any
) -> None:
    portal.start()
    code = await scene.receive()
    await scene.settled()
    until = clock.now() + delivery.Policy.of(settings).claim
    async with scene.session() as s:  # a worker takes the lease, then dies mid-round
        assert await relay.lease(s, "dvcqg", at=feed.START, now=clock.now(), until=until)
        # Another worker cannot take it meanwhile.
        assert not await relay.lease(s, "dvcqg", at=None, now=clock.now(), until=until)
    await scene.run()
    assert portal.records(code) == []
    assert await messages(scene) == []  # the dead worker wrote nothing
    advance(settings.outbox_claim_seconds / 60 + 1)
    await scene.run()
    assert portal.records(code) == [("sync", 2, "False")]
    assert [state for *_, state in await messages(scene)] == ["delivered"]


async def test_a_round_that_fails_gives_its_lease_back_at_once(
    scene: Scene, portal: Portal, monkeypatch: Any
) -> None:
    portal.start()
    code = await scene.receive()
    real = relay.insert

    async def broken(*_args: Any) -> int:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(relay, "insert", broken)
    await scene.settled()
    with pytest.raises(RuntimeError, match="went away"):
        await forwarded(scene)
    assert portal.records(code) == [("sync", 2, "False")]  # sent, but not written
    async with scene.session() as s:
        cursor = (await s.execute(select(OutboxCursor))).scalar_one()
        assert cursor.leased_until is None and cursor.after_event_id == 0
    monkeypatch.setattr(relay, "insert", real)
    await scene.run()  # no waiting for the lease to expire: sent again, and written
    assert portal.records(code) == [("sync", 2, "False")] * 2
    assert [state for *_, state in await messages(scene)] == ["delivered"]


async def test_token_is_fetched_once_and_reused(scene: Scene, portal: Portal) -> None:
    portal.start()
    await full_life(scene)
    await scene.run()
    await full_life(scene)
    await scene.run()
    assert portal.token_requests == 1
    # Per life: the first record; the 2 → 4 record and its hand-over; the two hand-overs in 4
    # in one call; the 9 and 10 records.
    calls = [(b["service"], len(b["data"])) for b in portal.requests]
    life = [("DongBoHoSoMC", 1), ("DongBoHoSoMC", 1), ("CapNhatTienDoHoSoMC", 1)]
    life += [("CapNhatTienDoHoSoMC", 2), ("DongBoHoSoMC", 1), ("DongBoHoSoMC", 1)]
    assert calls == life * 2
    async with scene.session() as s:
        count = (await s.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()
    assert count == 12


async def test_the_feed_position_is_kept_per_destination(scene: Scene) -> None:
    await scene.receive()
    await scene.settled()
    async with scene.session() as s:
        assert await relay.position_of(s, "dvcqg") == feed.START
    await forwarded(scene)
    async with scene.session() as s:
        assert await relay.position_of(s, "dvcqg") != feed.START


async def test_a_dossier_that_cannot_be_prepared_fails_alone(
    scene: Scene, portal: Portal, monkeypatch: Any
) -> None:
    portal.start()
    bad = await scene.receive()
    good = await scene.receive()
    record = payload.dossier_record

    def faulty(facts: payload.DossierFacts, history: Any) -> dict[str, Any]:
        if facts.code == bad:
            raise ValueError("a record that cannot be built")
        return record(facts, history)

    monkeypatch.setattr(payload, "dossier_record", faulty)
    await scene.run()
    assert portal.records(good) == [("sync", 2, "False")]
    assert portal.records(bad) == []
    async with scene.session() as s:
        pending = (
            await s.execute(select(OutboxMessage).where(OutboxMessage.state == "pending"))
        ).scalar_one()
    assert (pending.attempts, pending.last_error) == (1, "internal error: ValueError")
    monkeypatch.setattr(payload, "dossier_record", record)
    advance(5)
    await scene.run()
    assert portal.records(bad) == [("sync", 2, "False")]


async def test_a_round_whose_reading_fails_is_retried_whole(
    scene: Scene, portal: Portal, monkeypatch: Any
) -> None:
    portal.start()
    codes = [await scene.receive() for _ in range(3)]

    async def unreadable(*_args: Any) -> None:
        raise OSError("connection lost")

    histories = dvcqg_destination._histories
    monkeypatch.setattr(dvcqg_destination, "_histories", unreadable)
    await scene.run()
    assert portal.requests == []
    assert {state for *_, state in await messages(scene)} == {"pending"}
    monkeypatch.setattr(dvcqg_destination, "_histories", histories)
    advance(5)
    await scene.run()
    assert [portal.records(code) for code in codes] == [[("sync", 2, "False")]] * 3


async def test_old_delivered_messages_go_and_what_reached_the_portal_stays(
    scene: Scene, portal: Portal, settings: Any
) -> None:
    portal.start()
    done = await full_life(scene)
    later = await scene.receive()
    stuck = await scene.receive()
    portal.failing[stuck] = 500
    await scene.run()
    assert portal.records(done) == FULL_LIFE
    assert portal.records(later) == [("sync", 2, "False")]
    advance(60 * 24 * (settings.outbox_keep_days + 1))  # more than the keeping time later
    await scene.run()  # the stuck one is dead by now; the delivered ones are removed
    async with scene.session() as s:
        stuck_id = (await s.execute(select(Dossier.id).where(Dossier.code == stuck))).scalar()
    assert [(d, state) for d, _seq, _kind, state in await messages(scene)] == [(stuck_id, "dead")]
    admin = scene.auth("admin")
    for code in (done, later):
        sync = (await scene.client.get(f"/api/v1/dossiers/{code}/sync", headers=admin)).json()
        assert [(x["destination"], x["state"], x["pending"]) for x in sync] == [
            ("dvcqg", "synced", 0)
        ]
        assert sync[0]["synced_at"] is not None
    # The portal holds the record: the next one is an update, as before the removal.
    await scene.act("clerk", later, "transfer")
    await scene.run()
    assert portal.records(later)[:2] == [("sync", 2, "False"), ("sync", 4, "True")]
    async with scene.session() as s:
        reached = (await s.execute(select(func.count()).select_from(OutboxDelivered))).scalar()
    assert reached == 2  # done and later; never the stuck one
