"""The on-time drill-down by Biểu 06 level group (``level_group``, on the page ``cap``): the list
of a group holds exactly the dossiers its row on the report page sums, the rolled-up counts of
the report unit's direct children of that group, each child's subtree included."""

from __future__ import annotations

import re
from typing import Any, get_args

import httpx
import pytest
import tests.dossiers.conftest as dossier_fixtures
from tests.dossiers.conftest import Headers
from tests.factories import World, add_unit
from tests.metrics.reports_support import CONSTRUCTION, JUSTICE, ROOT, URL, follow
from tests.metrics.test_rates_report import MARCH, counts, get, scenario
from tests.web.conftest import visible_text, web_login

from onestop.metrics import level_groups
from onestop.metrics.schemas import LevelGroup

world = dossier_fixtures.world  # the fixtures of the dossier tests
auth = dossier_fixtures.auth

BUCKETS = ("early", "on_time", "late", "finished")
#: A child of the root of a level in no named group, with Sở Xây dựng moved below it.
OFFICE = "000.02.00.H99"


@pytest.fixture
async def grouped(client: httpx.AsyncClient, world: World, auth: Headers, app: Any) -> None:
    """The root's children: the centre and Sở Tư pháp (province group, 4 dossiers finished in
    March), two communes (none), and an office of an unnamed level ("other") whose only dossier
    is Sở Xây dựng's, one level down."""
    from onestop.catalog import snapshots
    from onestop.catalog.models import Unit

    async with app.state.sessionmaker() as s:
        root = await s.get(Unit, world.units[ROOT].id)
        construction = await s.get(Unit, world.units[CONSTRUCTION].id)
        assert root is not None and construction is not None
        office = await add_unit(s, OFFICE, "Văn phòng đại diện", "office", root)
        construction.parent_id = office.id
        construction.path = f"{office.path}{construction.id}/"
        await s.commit()
    snapshots.clear()
    await scenario(client, auth)


def group_sums(report: dict[str, Any], group: str) -> tuple[int, ...]:
    """What the page's group row shows: the sums over the root's children in the group."""
    members = [
        r
        for r in report["rows"]
        if r["parent_code"] == report["unit"]["code"]
        and level_groups.level_group(r["level"]) == group
    ]
    return tuple(sum(counts(r)[i] for r in members) for i in range(4))


def test_the_api_values_are_the_groups() -> None:
    keys = [key for key, _label, _levels in level_groups.LEVEL_GROUPS]
    assert list(get_args(LevelGroup)) == [*keys, level_groups.OTHER_GROUP[0]]


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        ("province", (1, 1, 2, 4)),
        ("other", (1, 0, 0, 1)),
        ("commune", (0, 0, 0, 0)),
        ("district", (0, 0, 0, 0)),
    ],
)
async def test_each_group_lists_exactly_its_row(
    client: httpx.AsyncClient, grouped: None, auth: Headers, group: str, expected: tuple[int, ...]
) -> None:
    headers = auth("manager")
    report = await get(client, headers, **MARCH)
    assert group_sums(report, group) == expected
    for i, bucket in enumerate(BUCKETS):
        url = f"{URL}/on-time/dossiers?from=2026-03-01&to=2026-03-31&bucket={bucket}"
        codes = await follow(client, headers, f"{url}&level_group={group}")
        assert len(codes) == expected[i], (group, bucket)
    # A unit's own children: Sở Xây dựng is in the province group below the office.
    office = f"{URL}/on-time/dossiers?from=2026-03-01&to=2026-03-31&unit={OFFICE}&bucket=finished"
    assert len(await follow(client, headers, f"{office}&level_group=province")) == 1
    assert await follow(client, headers, f"{office}&level_group=other") == []


async def test_an_unknown_group_is_a_422(
    client: httpx.AsyncClient, grouped: None, auth: Headers
) -> None:
    params = {**MARCH, "bucket": "finished", "unit": JUSTICE}
    for bad in ("county", "", "Province"):
        resp = await client.get(
            f"{URL}/on-time/dossiers",
            params={**params, "level_group": bad},
            headers=auth("manager"),
        )
        assert resp.status_code == 422, (bad, resp.text)
        assert resp.json()["type"] == "/problems/invalid-input"


async def test_the_page_lists_the_group_by_cap(
    client: httpx.AsyncClient, grouped: None, auth: Headers
) -> None:
    report = await get(client, auth("manager"), **MARCH)
    await web_login(client, "manager")
    base = {**MARCH, "unit": ROOT, "bucket": "finished"}
    for group in ("province", "other", "commune"):
        resp = await client.get("/web/bao-cao/ho-so", params={**base, "cap": group})
        assert resp.status_code == 200, resp.text
        rows = re.findall(r'<tr data-code="([^"]+)"', resp.text)
        assert len(rows) == group_sums(report, group)[3], group
        text = visible_text(resp.text)
        assert level_groups.group_label(group) in text
        assert "đơn vị trực thuộc UBND tỉnh Thử Nghiệm" in text
    resp = await client.get("/web/bao-cao/ho-so", params={**base, "cap": ""})
    assert len(re.findall(r'<tr data-code="', resp.text)) == report["total"]["finished"] == 5
    resp = await client.get("/web/bao-cao/ho-so", params={**base, "cap": "county"})
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("text/html")
    assert "không hợp lệ" in visible_text(resp.text)
