"""``?total=true`` on the due-soon and overdue worklists: the size of the whole list (every page),
within the caller's scope and filters; null unless asked for (e.g. the province overdue
count)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import tests.dossiers.conftest as dossier_fixtures
from tests.dossiers.conftest import Headers
from tests.factories import World, add_user
from tests.metrics.test_worklists import AS_OF, CENTRE, CONSTRUCTION, JUSTICE, URL, build

world = dossier_fixtures.world
auth = dossier_fixtures.auth

#: Weeks later: every dossier still open is overdue, D5 (Sở Xây dựng) among them.
LATER = "2026-04-15T10:00:00+07:00"


async def every_page(
    client: httpx.AsyncClient, headers: dict[str, str], path: str, **params: Any
) -> tuple[list[str], set[int | None]]:
    """The codes over all pages of one item each, and every ``total`` the pages reported."""
    codes: list[str] = []
    totals: set[int | None] = set()
    cursor = None
    while True:
        query = {"as_of": AS_OF, "limit": 1, "total": "true", **params}
        if cursor:
            query["cursor"] = cursor
        resp = await client.get(f"{URL}/{path}", params=query, headers=headers)
        assert resp.status_code == 200, resp.text
        page = resp.json()
        codes += [i["code"] for i in page["items"]]
        totals.add(page["total"])
        cursor = page["next_cursor"]
        if cursor is None:
            return codes, totals


async def total_of(
    client: httpx.AsyncClient, headers: dict[str, str], path: str, **params: Any
) -> int:
    query = {"as_of": AS_OF, "total": "true", **params}
    resp = await client.get(f"{URL}/{path}", params=query, headers=headers)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["next_cursor"] is None  # one page: its length is the whole list
    assert body["total"] == len(body["items"])
    return int(body["total"])


@pytest.fixture
async def manager_c(app: Any, world: World) -> None:
    async with app.state.sessionmaker() as session:
        world.users["manager_c"] = await add_user(
            session, "manager_c", "manager", world.units[CONSTRUCTION]
        )
        await session.commit()


@pytest.mark.parametrize(
    ("who", "path", "params"),
    [
        ("admin", "overdue", {}),
        ("admin", "overdue", {"as_of": LATER}),
        ("admin", "due-soon", {}),
        ("manager", "overdue", {"as_of": LATER}),
        ("leader", "overdue", {"as_of": LATER}),
        ("manager_c", "overdue", {"as_of": LATER}),
        ("officer_b", "overdue", {"as_of": LATER}),
        ("manager", "overdue", {"as_of": LATER, "unit": JUSTICE}),
        ("manager", "overdue", {"as_of": LATER, "unit": CONSTRUCTION}),
        ("manager", "overdue", {"as_of": LATER, "step_unit": CENTRE}),
        ("manager", "overdue", {"as_of": LATER, "officer": "officer"}),
        ("manager", "overdue", {"as_of": LATER, "procedure": "1.005129"}),
        ("manager", "due-soon", {"procedure": "2.000908"}),
    ],
)
async def test_total_counts_every_page_in_scope(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    manager_c: None,
    who: str,
    path: str,
    params: dict[str, Any],
) -> None:
    await build(client, auth)
    codes, totals = await every_page(client, auth(who), path, **params)
    assert totals == {len(codes)}, (codes, totals)
    assert len(set(codes)) == len(codes)
    assert await total_of(client, auth(who), path, **params) == len(codes)


async def test_scope_narrows_the_total(
    client: httpx.AsyncClient, world: World, auth: Headers, manager_c: None
) -> None:
    s = await build(client, auth)
    everything, _ = await every_page(client, auth("admin"), "overdue", as_of=LATER)
    justice, _ = await every_page(client, auth("leader"), "overdue", as_of=LATER)
    construction, _ = await every_page(client, auth("manager_c"), "overdue", as_of=LATER)
    assert s["D5"] in construction and s["D5"] not in justice
    assert s["D1"] in justice and s["D1"] not in construction
    assert set(justice) | set(construction) <= set(everything)
    assert len(construction) < len(everything) and len(justice) < len(everything)


async def test_total_is_null_unless_asked(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    await build(client, auth)
    for path in ("overdue", "due-soon"):
        resp = await client.get(f"{URL}/{path}", params={"as_of": AS_OF}, headers=auth("admin"))
        assert resp.status_code == 200 and resp.json()["total"] is None
        resp = await client.get(
            f"{URL}/{path}", params={"as_of": AS_OF, "total": "maybe"}, headers=auth("admin")
        )
        assert resp.status_code == 422
        assert resp.headers["content-type"].startswith("application/problem+json")
