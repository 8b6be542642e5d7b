"""The on-time rules themselves: buckets, the half-up rate, status bands, periods, and "early"
judged against the opening of the due day in the competent unit's own hours."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import httpx
import pytest
import tests.dossiers.conftest as dossier_fixtures
from sqlalchemy import update
from tests.dossiers.conftest import Headers
from tests.factories import World
from tests.metrics.reports_support import JUSTICE, URL, processed

from onestop.catalog import lookups
from onestop.catalog.models import Unit
from onestop.core import clock
from onestop.core.errors import InvalidInput
from onestop.metrics import periods
from onestop.metrics.ontime import rates

world = dossier_fixtures.world  # the fixtures of the dossier tests
auth = dossier_fixtures.auth

UTC = dt.UTC
DUE = dt.datetime(2026, 3, 11, 2, 0, tzinfo=UTC)  # Wed 09:00 local


def b(finished: dt.datetime | None, **kw: Any) -> str | None:
    args: dict[str, Any] = {
        "finished_at": finished,
        "due_at": DUE,
        "timing": "on_time",
        "late_flag": False,
        "supplement_count": 0,
    }
    args.update(kw)
    return rates.bucket(**args)


def test_buckets() -> None:
    assert b(None) is None
    assert b(DUE) == "on_time"  # exactly at the due instant is on time
    assert b(DUE + dt.timedelta(seconds=1)) == "late"
    assert b(DUE - dt.timedelta(days=1), timing="early") == "early"
    assert b(DUE - dt.timedelta(days=1), timing="early", supplement_count=2) == "late"
    assert b(DUE - dt.timedelta(days=1), timing="early", late_flag=True) == "late"
    assert b(DUE - dt.timedelta(days=1), timing="late") == "late"
    assert b(DUE - dt.timedelta(hours=1), timing=None) == "on_time"


@pytest.mark.parametrize(
    ("early", "on_time", "finished", "expected"),
    [
        (0, 0, 0, None),
        (1, 1, 3, Decimal("66.67")),
        (0, 1, 8, Decimal("12.50")),
        (0, 1, 800, Decimal("0.13")),  # 0.125 → 0.13 half-up (not banker's 0.12)
        (997, 0, 1000, Decimal("99.70")),
        (3, 2, 5, Decimal("100.00")),
        (0, 0, 7, Decimal("0.00")),
    ],
)
def test_rate_half_up(early: int, on_time: int, finished: int, expected: Decimal | None) -> None:
    assert rates.rate(early, on_time, finished) == expected


@pytest.mark.parametrize(
    ("value", "status"),
    [
        (Decimal("99.70"), "green"),
        (Decimal("100"), "green"),
        (Decimal("99.69"), "amber"),
        (Decimal("97.70"), "amber"),
        (Decimal("97.69"), "red"),
        (None, None),
    ],
)
def test_status_bands(value: Decimal | None, status: str | None) -> None:
    assert rates.status(value, Decimal("99.70")) == status


def test_periods() -> None:
    p = periods.period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert p.start_at == dt.datetime(2026, 2, 28, 17, 0, tzinfo=UTC)
    assert p.end_at == dt.datetime(2026, 3, 31, 17, 0, tzinfo=UTC)
    assert periods.period(dt.date(2024, 1, 1), dt.date(2024, 12, 31)).days == 366
    with pytest.raises(InvalidInput) as err:
        periods.period(dt.date(2024, 1, 1), dt.date(2025, 1, 1))
    assert err.value.code == "period-too-long"
    with pytest.raises(InvalidInput) as err:
        periods.period(dt.date(2026, 3, 2), dt.date(2026, 3, 1))
    assert err.value.code == "invalid-period"
    assert clock.local_date(dt.datetime(2026, 3, 31, 17, 0, tzinfo=UTC)) == dt.date(2026, 4, 1)


@pytest.mark.parametrize(
    ("start", "end", "edges", "months"),
    [
        ("2026-03-01", "2026-03-31", [], ("2026-03-01", "2026-03-01")),
        ("2026-02-15", "2026-04-30", [("2026-02-15", "2026-02-28")], ("2026-03-01", "2026-04-01")),
        ("2026-01-01", "2026-03-15", [("2026-03-01", "2026-03-15")], ("2026-01-01", "2026-02-01")),
        ("2026-03-02", "2026-03-02", [("2026-03-02", "2026-03-02")], None),
        ("2026-03-10", "2026-04-05", [("2026-03-10", "2026-04-05")], None),
        (
            "2024-02-10",
            "2024-04-29",
            [("2024-02-10", "2024-02-29"), ("2024-04-01", "2024-04-29")],
            ("2024-03-01", "2024-03-01"),
        ),
    ],
)
def test_split_into_whole_months_and_edge_days(
    start: str, end: str, edges: list[tuple[str, str]], months: tuple[str, str] | None
) -> None:
    d = dt.date.fromisoformat
    got_edges, got_months = periods.whole_months(periods.Period(d(start), d(end)))
    assert got_edges == [(d(a), d(b)) for a, b in edges]
    assert got_months == ((d(months[0]), d(months[1])) if months else None)


async def test_early_uses_the_competent_units_opening_hour(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    # Default hours open at 07:00: finishing at 07:15 on the due day is on time.
    default = await processed(client, auth, "2026-03-10 09:00", "2026-03-11 07:15")
    async with app.state.sessionmaker() as s:
        await s.execute(
            update(Unit).where(Unit.code == JUSTICE).values(hours="07:30-11:30,13:30-17:30")
        )
        await s.commit()
        lookups.clear(s)
    # The department now opens at 07:30: 07:15 on the due day is before the opening → early.
    later = await processed(client, auth, "2026-03-12 09:00", "2026-03-13 07:15")
    headers = auth("manager")
    timings = [
        (await client.get(f"/api/v1/dossiers/{m.code}", headers=auth("admin"))).json()["timing"]
        for m in (default, later)
    ]
    assert timings == ["on_time", "early"]
    report = (
        await client.get(
            f"{URL}/on-time", params={"from": "2026-03-01", "to": "2026-03-31"}, headers=headers
        )
    ).json()
    assert (report["total"]["early"], report["total"]["on_time"]) == (1, 1)
