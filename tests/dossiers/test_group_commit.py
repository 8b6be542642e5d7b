"""Group commit: intakes that arrive together are written by one statement, each whole and with
its own code; a batch that fails is written again one intake at a time; a quiet counter's intake
is written at once, alone."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import httpx
from sqlalchemy import select
from tests.dossiers.conftest import Headers, create, intake_body, table_counts
from tests.factories import World

from onestop.dossiers.intake import group_commit, statement as intake_statement
from onestop.dossiers.models import Dossier, DossierEvent, DossierStep
from onestop.metrics.bieu06 import rebuild as bieu06_rebuild


class Recording:
    """A stand-in for the database: each write takes a turn of the event loop and fails for a
    batch holding a poisoned item."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    async def __call__(self, items: Sequence[intake_statement.Item]) -> list[tuple[int, str]]:
        names = [str(it.draft) for it in items]
        self.calls.append(names)
        await asyncio.sleep(0)
        if "poison" in names and len(names) > 1:
            raise RuntimeError("batch refused")
        if "poison" in names:
            raise ValueError("this one is bad")
        return [(len(self.calls) * 100 + i, n) for i, n in enumerate(names)]


def item(name: str) -> intake_statement.Item:
    return intake_statement.Item(name)  # type: ignore[arg-type]  # the stand-in reads only its name


async def test_a_quiet_intake_goes_alone_and_a_crowd_shares_one_write() -> None:
    db = Recording()
    queue = group_commit.GroupCommit(db)
    assert await queue.write(item("a")) == (100, "a")
    results = await asyncio.gather(*(queue.write(item(f"d{i}")) for i in range(6)))
    # The first found the queue idle and went alone; the five that came meanwhile went together.
    assert db.calls == [["a"], ["d0"], ["d1", "d2", "d3", "d4", "d5"]]
    assert queue.batch_sizes == [1, 1, 5]
    assert (queue.statements, queue.intakes) == (3, 7)
    assert results == [(200, "d0"), *((300 + i, f"d{i + 1}") for i in range(5))]


async def test_a_failing_batch_is_written_again_one_by_one() -> None:
    db = Recording()
    queue = group_commit.GroupCommit(db)
    outcomes = await asyncio.gather(
        *(queue.write(item(n)) for n in ("first", "x", "poison", "y")), return_exceptions=True
    )
    assert db.calls == [["first"], ["x", "poison", "y"], ["x"], ["poison"], ["y"]]
    assert outcomes[0] == (100, "first")
    assert outcomes[1] == (300, "x") and outcomes[3] == (500, "y")
    assert isinstance(outcomes[2], ValueError)  # its own error, not the batch's
    assert (queue.statements, queue.intakes) == (3, 3)  # "first", then "x" and "y" alone


async def test_intakes_arriving_together_are_each_written_whole(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    """32 intakes at two counters at once: consecutive codes per counter, each dossier with its
    own applicant, event and step, the Biểu 06 rollups exact; on PostgreSQL they shared
    statements (SQLite writes one at a time in the request's transaction)."""
    heads = [auth("clerk"), auth("clerk_a")]
    for h in heads:  # caches warm: the intakes below open no session transaction
        await create(client, h)

    async def one(i: int) -> httpx.Response:
        body = intake_body(applicant={"name": f"Người nộp {i:02d}"})
        return await client.post("/api/v1/dossiers", json=body, headers=heads[i % 2])

    responses = await asyncio.gather(*(one(i) for i in range(30)))
    assert [r.status_code for r in responses] == [201] * 30, [r.text for r in responses]
    by_code = {r.json()["code"]: r.json()["applicant"]["name"] for r in responses}
    for prefix in {code.rsplit("-", 1)[0] for code in by_code}:
        numbers = sorted(int(c.rsplit("-", 1)[1]) for c in by_code if c.startswith(prefix))
        assert numbers == list(range(2, 17)), numbers  # 0001 was the warm-up's
    async with app.state.sessionmaker() as s:
        rows = (
            await s.execute(
                select(Dossier.code, Dossier.applicant_name, DossierEvent.seq, DossierStep.seq)
                .join(DossierEvent, DossierEvent.dossier_id == Dossier.id)
                .join(DossierStep, DossierStep.dossier_id == Dossier.id)
                .where(Dossier.code.in_(by_code))
            )
        ).all()
        assert {r.code: r.applicant_name for r in rows} == by_code
        assert {(r.seq, r[3]) for r in rows} == {(1, 1)} and len(rows) == 30
        assert await bieu06_rebuild.differences(s) == {}
    counts = await table_counts(app)
    assert (counts["dossier"], counts["dossier_event"], counts["dossier_step"]) == (32, 32, 32)
    queue = group_commit.queue_of(app.state.engine)
    scraped = (await client.get("/metrics")).text
    if app.state.engine.dialect.name == "postgresql":
        assert queue is not None and max(queue.batch_sizes) > 1, queue and queue.batch_sizes
        assert queue.intakes == 32 > queue.statements  # the warm-ups and 30, fewer statements
        assert f"onestop_intake_group_intakes {queue.intakes:.1f}" in scraped
        assert f"onestop_intake_group_statements {queue.statements:.1f}" in scraped
    else:
        assert queue is None
        assert "onestop_intake_group_intakes 0.0" in scraped


async def test_one_key_sent_twice_at_once_gives_one_dossier(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    """Two requests with one Idempotency-Key among others: the batch holding both fails on the
    key and is written again one by one; the second is answered as a replay, nothing is lost,
    no code number is skipped."""
    headers = auth("clerk")
    await create(client, headers)
    same = intake_body(applicant={"name": "Người nộp trùng khóa"})

    async def one(i: int) -> httpx.Response:
        if i in (3, 4):
            keyed = {**headers, "Idempotency-Key": "k-twice"}
            return await client.post("/api/v1/dossiers", json=same, headers=keyed)
        body = intake_body(applicant={"name": f"Người nộp {i:02d}"})
        return await client.post("/api/v1/dossiers", json=body, headers=headers)

    responses = await asyncio.gather(*(one(i) for i in range(10)))
    assert [r.status_code for r in responses] == [201] * 10, [r.text for r in responses]
    twins = [responses[3], responses[4]]
    assert twins[0].json()["code"] == twins[1].json()["code"]
    assert sorted(r.headers.get("idempotent-replayed", "") for r in twins) == ["", "true"]
    numbers = sorted({int(r.json()["code"].rsplit("-", 1)[1]) for r in responses})
    assert numbers == list(range(2, 11))
    assert (await table_counts(app))["dossier"] == 10


async def test_counter_and_portal_intakes_written_together(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    """Counter intakes (received, with a reception step) and portal submissions (waiting, no
    step, each with an Idempotency-Key) arriving together at one counter: one numbering, steps
    for the counter ones only, every key kept and answered again with its dossier."""
    clerk, portal = auth("clerk"), auth("portal")
    await create(client, clerk)
    await create(client, portal, receiving_unit="000.00.01.H99")

    async def one(i: int) -> httpx.Response:
        if i % 2:
            body = intake_body(receiving_unit="000.00.01.H99", applicant={"name": f"Cổng {i}"})
            keyed = {**portal, "Idempotency-Key": f"portal-{i}"}
            return await client.post("/api/v1/dossiers", json=body, headers=keyed)
        body = intake_body(applicant={"name": f"Quầy {i}"})
        return await client.post("/api/v1/dossiers", json=body, headers=clerk)

    responses = await asyncio.gather(*(one(i) for i in range(12)))
    assert [r.status_code for r in responses] == [201] * 12, [r.text for r in responses]
    assert {r.json()["status"] for r in responses[1::2]} == {1}
    assert {r.json()["status"] for r in responses[::2]} == {2}
    numbers = sorted(int(r.json()["code"].rsplit("-", 1)[1]) for r in responses)
    assert numbers == list(range(3, 15))
    counts = await table_counts(app)
    assert (counts["dossier"], counts["dossier_step"], counts["idempotency_key"]) == (14, 7, 6)
    for i in (1, 7):
        again = await client.post(
            "/api/v1/dossiers",
            json=intake_body(receiving_unit="000.00.01.H99", applicant={"name": f"Cổng {i}"}),
            headers={**portal, "Idempotency-Key": f"portal-{i}"},
        )
        assert again.headers.get("idempotent-replayed") == "true"
        assert again.json()["code"] == responses[i].json()["code"]
    queue = group_commit.queue_of(app.state.engine)
    if app.state.engine.dialect.name == "postgresql":
        assert queue is not None and max(queue.batch_sizes) > 1
