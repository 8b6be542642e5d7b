"""Dossier codes: the strategy, the daily counter, and no duplicates or gaps under concurrency."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx
from sqlalchemy import select
from tests.dossiers.conftest import Headers, create, intake_body, set_clock, table_counts
from tests.factories import World

from onestop.dossiers.intake import codes
from onestop.dossiers.intake.codes import CodePlan, DvcqgStrategy, Tt01Strategy
from onestop.dossiers.models import DossierCodeCounter

DAY = dt.date(2026, 3, 10)


def test_tt01_shape() -> None:
    plan = Tt01Strategy().plan(unit_id=7, unit_code="000.00.01.H22", local_day=DAY)
    assert plan.render(1) == "000.00.01.H22-260310-0001"
    assert plan.render(42) == "000.00.01.H22-260310-0042"
    assert (plan.counter_unit_id, plan.counter_day) == (7, DAY)


def test_overflow_is_never_truncated() -> None:
    plan = Tt01Strategy().plan(unit_id=7, unit_code="X", local_day=DAY)
    assert plan.render(9999) == "X-260310-9999"
    assert plan.render(10000) == "X-260310-10000"


def test_dvcqg_shape() -> None:
    plan = DvcqgStrategy().plan(unit_id=1, unit_code="G09.20", local_day=dt.date(2026, 6, 9))
    assert plan.render(92637) == "G09.20-20260609-0092637"


def test_suffix() -> None:
    assert CodePlan(1, DAY, "A-", 3, "-Z").render(5) == "A-005-Z"


def test_strategy_is_pluggable() -> None:
    try:
        codes.set_strategy(DvcqgStrategy())
        assert isinstance(codes.get_strategy(), DvcqgStrategy)
    finally:
        codes.set_strategy(None)
    assert isinstance(codes.get_strategy(), Tt01Strategy)


async def test_counter_is_per_unit_and_local_day(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    first = await create(client, auth("clerk"))
    second = await create(client, auth("clerk"))
    other = await create(client, auth("clerk_a"))  # another receiving unit: its own sequence
    assert first["code"] == "000.00.01.H99-260310-0001"
    assert second["code"] == "000.00.01.H99-260310-0002"
    assert other["code"] == "000.01.20.H99-260310-0001"
    # 23:30 local on 10/03 is still 10/03 (16:30 UTC); 00:30 local is the next day
    set_clock("2026-03-10 23:30")
    assert (await create(client, auth("clerk")))["code"].endswith("-260310-0003")
    set_clock("2026-03-11 00:30")
    assert (await create(client, auth("clerk")))["code"].endswith("-260311-0001")
    async with app.state.sessionmaker() as s:
        rows = (await s.execute(select(DossierCodeCounter))).scalars().all()
        assert sorted((r.day.isoformat(), r.last_seq) for r in rows) == [
            ("2026-03-10", 1),
            ("2026-03-10", 3),
            ("2026-03-11", 1),
        ]


async def test_strategy_used_by_intake(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    try:
        codes.set_strategy(DvcqgStrategy())
        data = await create(client, auth("clerk"))
    finally:
        codes.set_strategy(None)
    assert data["code"] == "000.00.01.H99-20260310-0000001"


async def test_rejected_intake_leaves_no_gap(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    await create(client, auth("clerk"))
    bad = await client.post(
        "/api/v1/dossiers", json=intake_body(documents=[]), headers=auth("clerk")
    )
    assert bad.status_code == 422
    assert (await create(client, auth("clerk")))["code"].endswith("-0002")


async def test_parallel_intake_gives_consecutive_codes(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    """20 intakes at one counter at once: codes 0001..0020, no duplicate, no gap (PostgreSQL:
    concurrent transactions queue on the counter row; SQLite: one writer)."""
    headers = auth("clerk")

    async def one(i: int) -> httpx.Response:
        body = intake_body(applicant={"name": f"Người nộp {i}"})
        return await client.post("/api/v1/dossiers", json=body, headers=headers)

    responses = await asyncio.gather(*(one(i) for i in range(20)))
    assert [r.status_code for r in responses] == [201] * 20, [r.text for r in responses]
    got = sorted(r.json()["code"] for r in responses)
    assert got == [f"000.00.01.H99-260310-{n:04d}" for n in range(1, 21)]
    counts = await table_counts(app)
    assert counts["dossier"] == 20
    assert counts["dossier_event"] == 20
    assert counts["dossier_step"] == 20
