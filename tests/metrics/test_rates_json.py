"""The on-time report's JSON is written without a model per row (``ontime.encoding``): it must be
the bytes ``OnTimeReport`` itself writes, for every grouping, with and without links, targets with
statuses in every band, units without a rate, and periods with and without whole months."""

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
from tests.metrics.reports_support import JUSTICE, ROOT, URL
from tests.metrics.test_rates_report import scenario

from onestop.catalog import snapshots
from onestop.catalog.models import Unit
from onestop.metrics import periods
from onestop.metrics.ontime import encoding as ontime_json, rates, report as ontime_report

world = dossier_fixtures.world
auth = dossier_fixtures.auth

NOW = dt.datetime(2026, 4, 2, 3, 0, tzinfo=dt.UTC)
PERIODS = [
    (dt.date(2026, 3, 1), dt.date(2026, 3, 31)),  # one whole month
    (dt.date(2026, 3, 5), dt.date(2026, 4, 20)),  # days on both sides of a month
    (dt.date(2026, 3, 10), dt.date(2026, 3, 10)),  # one day
]


@pytest.mark.parametrize("target", ["50.00", "51.00", "52.00", "52.01", "99.70"])
async def test_json_bytes_equal_the_model(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any, target: str
) -> None:
    await scenario(client, auth)
    async with app.state.sessionmaker() as s:
        # Justice's rate is 50.00: green at ≤ 50, amber within 2 points below, red further.
        await s.execute(
            update(Unit).where(Unit.code == JUSTICE).values(on_time_target=Decimal(target))
        )
        await s.commit()
        unit = await snapshots.read_unit(s, ROOT)
        for start, end in PERIODS:
            p = periods.Period(start, end)
            for group_by in ("unit", "procedure", "field", "month"):
                for links in (True, False):
                    args: dict[str, Any] = {
                        "unit": unit,
                        "p": p,
                        "group_by": group_by,
                        "now": NOW,
                        "with_links": links,
                    }
                    model = await ontime_report.report(s, **args)
                    expected = model.model_dump_json(by_alias=True).encode()
                    assert await ontime_json.report_json(s, **args) == expected, (p, group_by)
    justice = next(
        r
        for r in (await get_report(client, auth))["rows"]
        if r["unit_code"] == JUSTICE  # the same over HTTP
    )
    assert (justice["rate"], justice["target"]) == (50.0, float(target))
    assert justice["status"] == rates.status(Decimal("50.00"), Decimal(target))


async def get_report(client: httpx.AsyncClient, auth: Headers) -> Any:
    params = {"from": "2026-03-01", "to": "2026-03-31", "unit": ROOT}
    resp = await client.get(f"{URL}/on-time", params=params, headers=auth("manager"))
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.mark.parametrize(
    ("early", "on_time", "finished"), [(0, 0, 1), (1, 1, 3), (2, 0, 3), (997, 0, 1000), (5, 5, 10)]
)
@pytest.mark.parametrize("target", ["99.70", "0", "66.67", "66.665", "100"])
def test_status_in_hundredths_matches_decimal_status(
    early: int, on_time: int, finished: int, target: str
) -> None:
    value = rates.rate(early, on_time, finished)
    assert value is not None
    h = rates.hundredths(early + on_time, finished)
    assert rates.status_hundredths(h, Decimal(target)) == rates.status(value, Decimal(target))
    assert h / 100 == float(value)
    assert rates.status_hundredths(None, Decimal(target)) is None
