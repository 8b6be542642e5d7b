"""GET /api/v1/reports/on-time: classification, roll-up through the unit tree, groupings, targets
and statuses, drill-down lists that add up to their counts, CSV and XLSX."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import httpx
import pytest
import tests.dossiers.conftest as dossier_fixtures
from tests.dossiers.conftest import Headers
from tests.factories import World
from tests.metrics.reports_support import (
    CONSTRUCTION,
    JUSTICE,
    ROOT,
    URL,
    Made,
    finish,
    follow,
    processed,
    receive,
    supplement,
    to_processing,
)

world = dossier_fixtures.world  # the fixtures of the dossier tests
auth = dossier_fixtures.auth

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


async def scenario(client: httpx.AsyncClient, auth: Headers) -> dict[str, Made]:
    """2.000908 is due one working day after receipt (Tue 09:00 → Wed 09:00; Wed opens 07:00)."""
    made: dict[str, Made] = {}
    made["early"] = await processed(client, auth, "2026-03-10 09:00", "2026-03-10 15:00")
    made["on_time"] = await processed(client, auth, "2026-03-10 09:30", "2026-03-11 08:00")
    made["late"] = await processed(client, auth, "2026-03-10 10:00", "2026-03-11 14:00")
    # Finished early, but a second supplement request (a leader's override) makes it late.
    m = await receive(client, auth, "2026-03-10 10:30")
    await to_processing(client, auth, m)
    await supplement(client, auth, m, "2026-03-10 11:00", "2026-03-10 13:30")
    await supplement(client, auth, m, "2026-03-10 14:00", "2026-03-10 14:30", override=True)
    await finish(client, auth, m, "2026-03-10 15:00")
    made["two_supplements"] = m
    made["building"] = await processed(
        client, auth, "2026-03-10 11:00", "2026-03-12 10:00", procedure="1.005129"
    )
    made["open"] = await processed(client, auth, "2026-03-10 11:30", None)
    # Finished in April: outside March.
    made["april"] = await processed(client, auth, "2026-03-31 09:00", "2026-04-01 08:00")
    return made


async def get(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> Any:
    resp = await client.get(f"{URL}/on-time", params=params, headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


def counts(row: dict[str, Any]) -> tuple[int, int, int, int]:
    return row["early"], row["on_time"], row["late"], row["finished"]


async def test_classification_and_unit_roll_up(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    made = await scenario(client, auth)
    details = {
        k: (await client.get(f"/api/v1/dossiers/{m.code}", headers=auth("admin"))).json()
        for k, m in made.items()
    }
    assert [details[k]["timing"] for k in ("early", "on_time", "late", "two_supplements")] == [
        "early",
        "on_time",
        "late",
        "late",
    ]
    report = await get(client, auth("manager"), **MARCH)
    assert report["unit"] == {"code": ROOT, "name": "UBND tỉnh Thử Nghiệm"}
    assert report["period"] == {"from": "2026-03-01", "to": "2026-03-31"}
    total = report["total"]
    assert counts(total) == (2, 1, 2, 5)
    assert total["rate"] == 60.0 and total["target"] == 99.7 and total["status"] == "red"
    rows = {r["unit_code"]: r for r in report["rows"]}
    assert ROOT not in rows and len(rows) == 5  # every unit below the root
    assert counts(rows[JUSTICE]) == (1, 1, 2, 4) and rows[JUSTICE]["rate"] == 50.0
    assert counts(rows[CONSTRUCTION]) == (1, 0, 0, 1)
    assert rows[CONSTRUCTION]["rate"] == 100.0 and rows[CONSTRUCTION]["status"] == "green"
    assert rows["000.01.21.H99"]["rate"] is None and rows["000.01.21.H99"]["status"] is None
    assert rows[JUSTICE]["parent_code"] == ROOT and rows[JUSTICE]["depth"] == 1
    assert report["corrections"] == [] and report["closed_period"] is None


async def test_every_count_links_to_exactly_its_dossiers(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    made = await scenario(client, auth)
    headers = auth("manager")
    for group_by in ("unit", "procedure", "field", "month"):
        report = await get(client, headers, **MARCH, group_by=group_by)
        for row in [report["total"], *report["rows"]]:
            for bucket in ("early", "on_time", "late", "finished"):
                codes = await follow(client, headers, row["links"][bucket])
                assert len(codes) == row[bucket], (group_by, row["key"], bucket)
    justice = next(
        r for r in (await get(client, headers, **MARCH))["rows"] if r["unit_code"] == JUSTICE
    )
    assert await follow(client, headers, justice["links"]["early"]) == [made["early"].code]
    late = await follow(client, headers, justice["links"]["late"])
    assert sorted(late) == sorted([made["late"].code, made["two_supplements"].code])
    resp = await client.get(justice["links"]["late"], headers=headers)
    item = next(i for i in resp.json()["items"] if i["code"] == made["two_supplements"].code)
    assert item["bucket"] == "late" and item["supplement_count"] == 2
    assert "applicant" not in str(item)  # no personal data in reports


async def test_groupings(client: httpx.AsyncClient, world: World, auth: Headers) -> None:
    await scenario(client, auth)
    headers = auth("manager")
    by_proc = await get(client, headers, **MARCH, group_by="procedure")
    assert [(r["key"], counts(r)) for r in by_proc["rows"]] == [
        ("1.005129", (1, 0, 0, 1)),
        ("2.000908", (1, 1, 2, 4)),
    ]
    by_field = await get(client, headers, **MARCH, group_by="field")
    assert [(r["key"], r["finished"]) for r in by_field["rows"]] == [("Chứng thực", 5)]
    by_month = await get(
        client, headers, **{"from": "2026-02-15", "to": "2026-04-30"}, group_by="month"
    )
    assert [(r["key"], r["label"], r["finished"]) for r in by_month["rows"]] == [
        ("2026-02", "Tháng 02/2026", 0),
        ("2026-03", "Tháng 03/2026", 5),
        ("2026-04", "Tháng 04/2026", 1),
    ]
    assert by_month["rows"][0]["rate"] is None
    assert "from=2026-02-15" in by_month["rows"][0]["links"]["finished"]
    assert "to=2026-04-30" in by_month["rows"][2]["links"]["finished"]
    # Edge days only, and whole months plus edge days: the same counts as the dossier rows.
    days = await get(client, headers, **{"from": "2026-03-10", "to": "2026-03-11"})
    assert counts(days["total"]) == (1, 1, 2, 4)
    mixed = await get(client, headers, **{"from": "2026-02-15", "to": "2026-04-30"})
    assert mixed["total"]["finished"] == 6
    for row in [days["total"], mixed["total"], *mixed["rows"]]:
        assert len(await follow(client, headers, row["links"]["finished"])) == row["finished"]
    compact = await get(client, headers, **MARCH, links="false")
    assert compact["total"]["links"] == {} and all(r["links"] == {} for r in compact["rows"])
    assert counts(compact["total"]) == (2, 1, 2, 5)
    # A department's own report: its unit is the total, no rows below it.
    own = await get(client, auth("officer"), **MARCH)
    assert own["unit"]["code"] == JUSTICE and counts(own["total"]) == (1, 1, 2, 4)
    assert own["rows"] == []


async def test_target_and_status_bands(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    from onestop.catalog.models import Unit

    async with app.state.sessionmaker() as s:
        unit = await s.get(Unit, world.units[JUSTICE].id)
        assert unit is not None
        unit.on_time_target = Decimal("51.00")
        await s.commit()
    await scenario(client, auth)
    report = await get(client, auth("manager"), **MARCH)
    justice = next(r for r in report["rows"] if r["unit_code"] == JUSTICE)
    assert (justice["rate"], justice["target"], justice["status"]) == (50.0, 51.0, "amber")
    assert set(report["thresholds"]) == {"green", "amber", "red"}


async def test_csv_and_xlsx(client: httpx.AsyncClient, world: World, auth: Headers) -> None:
    await scenario(client, auth)
    headers = auth("manager")
    resp = await client.get(f"{URL}/on-time", params={**MARCH, "format": "csv"}, headers=headers)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/csv")
    assert "attachment" in resp.headers["content-disposition"]
    text = resp.content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].split(",")[3:8] == [
        "Trước hạn",
        "Đúng hạn",
        "Quá hạn",
        "Tổng số đã giải quyết",
        "Tỷ lệ đúng hạn (%)",
    ]
    assert any(line.startswith(f"2,{JUSTICE},Sở Tư pháp,1,1,2,4,50.00") for line in lines)
    assert "—" in text  # a unit with nothing finished has no rate
    assert lines[-1].startswith(f",{ROOT},Tổng cộng")
    resp = await client.get(f"{URL}/on-time", params={**MARCH, "format": "xlsx"}, headers=headers)
    assert resp.status_code == 200 and resp.content[:2] == b"PK"
    import zipfile

    with zipfile.ZipFile(io.BytesIO(resp.content)) as z:
        shared = z.read("xl/sharedStrings.xml").decode()
    assert "Trước hạn" in shared and "Sở Tư pháp" in shared


@pytest.mark.parametrize(
    ("params", "status", "problem"),
    [
        ({"from": "2026-03-31", "to": "2026-03-01"}, 422, "invalid-period"),
        ({"from": "2025-01-01", "to": "2026-03-01"}, 422, "period-too-long"),
        ({**MARCH, "unit": "000.99.99.H99"}, 404, "unknown-unit"),
        ({**MARCH, "format": "pdf"}, 422, "invalid-input"),
        ({**MARCH, "group_by": "week"}, 422, "invalid-input"),
        ({"from": "2026-13-01", "to": "2026-03-01"}, 422, "invalid-input"),
        ({"to": "2026-03-01"}, 422, "invalid-input"),
    ],
)
async def test_bad_input(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    params: dict[str, str],
    status: int,
    problem: str,
) -> None:
    resp = await client.get(f"{URL}/on-time", params=params, headers=auth("manager"))
    assert resp.status_code == status, resp.text
    assert resp.json()["type"] == f"/problems/{problem}"


async def test_full_leap_year_is_allowed(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    report = await get(client, auth("manager"), **{"from": "2024-01-01", "to": "2024-12-31"})
    assert report["total"]["finished"] == 0 and report["total"]["rate"] is None


async def test_scope(client: httpx.AsyncClient, world: World, auth: Headers, app: Any) -> None:
    from tests.factories import add_user

    async with app.state.sessionmaker() as s:
        from onestop.catalog.models import Unit

        commune = await s.get(Unit, world.units["000.01.20.H99"].id)
        assert commune is not None
        await add_user(s, "manager_a", "manager", commune)
        await s.commit()
    from onestop.auth.tokens import issue_token

    user = await _user_id(app, "manager_a")
    token = issue_token(f"user:{user}", secret=app.state.settings.secret_key, minutes=60)
    headers = {"Authorization": f"Bearer {token}"}
    resp = await client.get(f"{URL}/on-time", params={**MARCH, "unit": JUSTICE}, headers=headers)
    assert resp.status_code == 403
    assert resp.json()["type"] == "/problems/outside-unit-scope"
    assert resp.json()["unit"] == JUSTICE
    resp = await client.get(f"{URL}/on-time", params=MARCH, headers=headers)
    assert resp.status_code == 200 and resp.json()["unit"]["code"] == "000.01.20.H99"
    # an officer sees only their own unit; a clerk has no report right
    resp = await client.get(
        f"{URL}/on-time", params={**MARCH, "unit": CONSTRUCTION}, headers=auth("officer")
    )
    assert resp.status_code == 403
    resp = await client.get(f"{URL}/on-time", params=MARCH, headers=auth("clerk"))
    assert resp.status_code == 403 and resp.json()["right"] == "report:view"
    resp = await client.get(
        f"{URL}/on-time/dossiers",
        params={**MARCH, "unit": JUSTICE, "bucket": "late"},
        headers=headers,
    )
    assert resp.status_code == 403
    assert (await client.get(f"{URL}/on-time", params=MARCH)).status_code == 401


async def _user_id(app: Any, username: str) -> int:
    from sqlalchemy import select

    from onestop.auth.models import User

    async with app.state.sessionmaker() as s:
        return int((await s.execute(select(User.id).where(User.username == username))).scalar_one())


async def test_drill_down_bad_input(client: httpx.AsyncClient, world: World, auth: Headers) -> None:
    headers = auth("manager")
    base = {**MARCH, "bucket": "late"}
    for params, status in [
        ({**base, "bucket": "soon"}, 422),
        ({**base, "procedure": "9.999999"}, 404),
        ({**base, "cursor": "not-a-cursor!"}, 422),
        ({**base, "limit": "0"}, 422),
        ({**MARCH}, 422),
    ]:
        resp = await client.get(f"{URL}/on-time/dossiers", params=params, headers=headers)
        assert resp.status_code == status, (params, resp.text)
