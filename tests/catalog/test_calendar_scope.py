"""Who may write calendar days: national days only the national root's administrators (or the
one root's), a province's days its root's administrators or those above it, nobody below."""

from __future__ import annotations

from typing import Any

import httpx
from tests.catalog.helpers import Unchanged, assert_problem
from tests.factories import World, add_unit, add_user, login

URL = "/api/v1/calendar/days"
DUE = "/api/v1/calendar/due"
CENTRE = "000.00.01.H99"
NATIONAL = {
    "day": "2026-11-24",
    "kind": "holiday",
    "source": "Bộ luật Lao động sửa đổi (Điều 112) — Ngày Văn hóa Việt Nam",
}
PROVINCIAL = {
    "day": "2026-03-11",
    "kind": "holiday",
    "name": "Ngày giải phóng tỉnh",
    "source": "Quyết định 12/QĐ-UBND tỉnh",
    "province": "H99",
}


async def _admin_of(app: Any, world: World, username: str, unit_code: str) -> None:
    async with app.state.sessionmaker() as s:
        world.users[username] = await add_user(s, username, "admin", world.units[unit_code])
        await s.commit()


async def _centre_due(client: httpx.AsyncClient, headers: dict[str, str], start: str) -> str:
    params: dict[str, str | int] = {
        "start": start,
        "amount": 1,
        "unit": "working_days",
        "unit_code": CENTRE,
    }
    resp = await client.get(DUE, params=params, headers=headers)
    assert resp.status_code == 200, resp.text
    due: str = resp.json()["due"]
    return due


async def test_commune_and_department_administrators_add_no_days(
    app: Any, client: httpx.AsyncClient, world: World, justice_admin: dict[str, str]
) -> None:
    await _admin_of(app, world, "commune_admin", "000.01.20.H99")
    commune = await login(client, "commune_admin")
    due = await _centre_due(client, commune, "2026-11-23T09:00:00+07:00")
    async with Unchanged(app):
        for headers in (commune, justice_admin):
            for day in (NATIONAL, {**NATIONAL, "province": None}, PROVINCIAL):
                problem = assert_problem(
                    await client.post(URL, json=day, headers=headers), 403, "outside-calendar-scope"
                )
                assert problem["right"] == "calendar-scope"
                assert problem["province"] == day.get("province")
            # refused before the day is looked at: an invalid one gets the same answer
            bad = {**NATIONAL, "day": "2070-11-24"}
            assert_problem(
                await client.post(URL, json=bad, headers=headers), 403, "outside-calendar-scope"
            )
    # the provincial centre's due date did not move
    assert await _centre_due(client, commune, "2026-11-23T09:00:00+07:00") == due


async def test_the_one_root_writes_national_and_provincial_days(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    for day in (NATIONAL, PROVINCIAL):
        resp = await client.post(URL, json=day, headers=admin)
        assert resp.status_code == 201, resp.text


async def test_under_a_ministry_a_province_writes_its_own_days_only(
    app: Any, client: httpx.AsyncClient, world: World, admin: dict[str, str]
) -> None:
    async with app.state.sessionmaker() as s:
        ministry = await add_unit(s, "000.00.00.G01", "Bộ Nội vụ", "ministry", province=None)
        other = await add_unit(s, "000.00.00.H98", "UBND tỉnh Bên Cạnh", "province", ministry)
        other.province = "H98"
        world.units[ministry.code] = ministry
        world.users["ministry_admin"] = await add_user(s, "ministry_admin", "admin", ministry)
        await s.commit()
    national = await login(client, "ministry_admin")
    h98 = {**PROVINCIAL, "province": "H98"}
    # two roots now: the province's root is not the root of the tree
    async with Unchanged(app):
        for day in (NATIONAL, h98):
            problem = assert_problem(
                await client.post(URL, json=day, headers=admin), 403, "outside-calendar-scope"
            )
            assert problem["province"] == day.get("province")
    resp = await client.post(URL, json=PROVINCIAL, headers=admin)
    assert resp.status_code == 201, resp.text
    for day in (NATIONAL, h98, {**PROVINCIAL, "day": "2026-03-12"}):
        resp = await client.post(URL, json=day, headers=national)
        assert resp.status_code == 201, resp.text
