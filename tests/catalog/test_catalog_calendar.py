"""Calendar endpoints: due dates with explanations, the days in force, and administrator days."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from tests.catalog.helpers import Unchanged, assert_problem
from tests.factories import World

from onestop.auth.models import AuditEntry
from onestop.catalog.models import CalendarDay

COMMUNE_A = "000.01.20.H99"
CONFIRM_2411 = {
    "day": "2026-11-24",
    "kind": "holiday",
    "source": "Bộ luật Lao động sửa đổi (Điều 112) — Ngày Văn hóa Việt Nam",
}


async def _due(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> httpx.Response:
    return await client.get("/api/v1/calendar/due", params=params, headers=headers)


# ------------------------------------------------------------------------------------------- due


async def test_worked_example_five_working_days_over_tet(
    client: httpx.AsyncClient, clerk: dict[str, str]
) -> None:
    resp = await _due(
        client, clerk, start="2026-02-12T16:30:00+07:00", amount=5, unit="working_days"
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["due"] == "2026-02-26T16:30:00+07:00"
    assert body["start"] == "2026-02-12T16:30:00+07:00"
    assert body["normalised_start"] == "2026-02-12T16:30:00+07:00"
    assert body["limit"] == {"amount": 5, "unit": "working_days", "cutoff": None, "hours": 40}
    assert body["province"] is None and body["hours"] == "07:00-11:30,13:30-17:00"
    explanation = body["explanation"]
    assert explanation["due_at"] == "2026-02-26T16:30:00+07:00"
    assert explanation["working_time_seconds"] == 40 * 3600
    by_date = {e["date"]: e for e in explanation["entries"]}
    assert by_date["2026-02-13"]["status"] == "counted"
    for day in ("2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20"):
        assert by_date[day]["status"] == "non_working" and by_date[day]["kind"] == "holiday"
        assert "9441/TB-BNV" in by_date[day]["source"]
    assert by_date["2026-02-14"]["kind"] == "weekend"
    assert body["calendar_fingerprint"] == explanation["fingerprint"]


async def test_due_accepts_any_offset_and_a_plus_lost_in_the_url(
    client: httpx.AsyncClient, clerk: dict[str, str]
) -> None:
    utc = await _due(client, clerk, start="2026-02-12T09:30:00Z", amount=5, unit="working_days")
    assert utc.status_code == 200, utc.text
    assert utc.json()["start"] == "2026-02-12T16:30:00+07:00"
    assert utc.json()["due"] == "2026-02-26T16:30:00+07:00"
    # "+07:00" typed into a browser's address bar arrives as " 07:00"
    raw = await client.get(
        "/api/v1/calendar/due?start=2026-02-12T16:30:00+07:00&amount=5&unit=working_days",
        headers=clerk,
    )
    assert raw.status_code == 200, raw.text
    assert raw.json()["due"] == "2026-02-26T16:30:00+07:00"


async def test_due_other_units(client: httpx.AsyncClient, clerk: dict[str, str]) -> None:
    # received after the 15:00 cut-off of a same-day procedure → closing time of the next day
    resp = await _due(client, clerk, start="2026-03-10T15:30:00+07:00", unit="same_day")
    assert resp.status_code == 200, resp.text
    assert resp.json()["due"] == "2026-03-11T17:00:00+07:00"
    assert resp.json()["limit"]["cutoff"] == "15:00"
    resp = await _due(
        client, clerk, start="2026-03-10T15:30:00+07:00", unit="same_day", cutoff="16:00"
    )
    assert resp.json()["due"] == "2026-03-10T17:00:00+07:00"
    resp = await _due(
        client, clerk, start="2026-03-10T09:00:00+07:00", amount=4, unit="working_hours"
    )
    assert resp.json()["due"] == "2026-03-10T15:00:00+07:00"  # 2.5 h before lunch, 1.5 h after
    # Fri 10/04 + 2 calendar days = Sun 12/04 → next working day Mon 13/04 at closing time
    resp = await _due(
        client, clerk, start="2026-04-10T09:00:00+07:00", amount=2, unit="calendar_days"
    )
    assert resp.json()["due"] == "2026-04-13T17:00:00+07:00"


async def test_due_uses_the_units_working_hours(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    params = {"start": "2026-02-12T17:15:00+07:00", "amount": 5, "unit": "working_days"}
    national = await _due(client, admin, **params)
    assert national.json()["normalised_start"] == "2026-02-13T07:00:00+07:00"
    assert national.json()["due"] == "2026-02-26T17:00:00+07:00"
    resp = await client.patch(
        f"/api/v1/units/{COMMUNE_A}", json={"hours": "07:30-11:30,13:30-17:30"}, headers=admin
    )
    assert resp.status_code == 200, resp.text
    unit = await _due(client, admin, unit_code=COMMUNE_A, **params)
    assert unit.status_code == 200, unit.text
    body = unit.json()
    assert body["due"] == "2026-02-26T17:15:00+07:00"
    assert body["province"] == "H99" and body["hours"] == "07:30-11:30,13:30-17:30"
    assert body["unit_code"] == COMMUNE_A


async def test_due_rejects_bad_input(client: httpx.AsyncClient, clerk: dict[str, str]) -> None:
    ok: dict[str, Any] = {"start": "2026-02-12T16:30:00+07:00", "amount": 5, "unit": "working_days"}
    body = assert_problem(
        await _due(client, clerk, **{**ok, "start": "2026-02-12T16:30:00"}), 422, "naive-start"
    )
    assert "+07:00" in body["detail"]
    assert_problem(
        await _due(client, clerk, **{**ok, "start": "12/02/2026 16:30"}), 422, "invalid-start"
    )
    assert_problem(await _due(client, clerk, **{**ok, "start": ""}), 422)
    assert_problem(await _due(client, clerk, **{**ok, "unit": "weeks"}), 422, "invalid-input")
    assert_problem(await _due(client, clerk, **{**ok, "amount": "five"}), 422, "invalid-input")
    assert_problem(await _due(client, clerk, **{**ok, "amount": -1}), 422)
    assert_problem(
        await _due(client, clerk, start=ok["start"], unit="working_days"), 422, "invalid-time-limit"
    )
    assert_problem(
        await _due(client, clerk, **{**ok, "cutoff": "15:00"}), 422, "invalid-time-limit"
    )
    assert_problem(
        await _due(client, clerk, **{**ok, "unit": "calendar_days", "amount": 1.5}),
        422,
        "invalid-time-limit",
    )
    assert_problem(
        await _due(client, clerk, **{**ok, "unit_code": "000.09.99.H99"}), 404, "unknown-unit"
    )
    assert_problem(
        await _due(client, clerk, **{**ok, "start": "1990-01-01T08:00:00+07:00"}),
        422,
        "out-of-range",
    )
    assert_problem(await client.get("/api/v1/calendar/due", params=ok), 401)


# ------------------------------------------------------------------------------------------ days


async def test_days_in_force_with_sources(client: httpx.AsyncClient, clerk: dict[str, str]) -> None:
    resp = await client.get("/api/v1/calendar/days", params={"year": 2026}, headers=clerk)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["year"] == 2026 and body["province"] is None
    assert body["working_hours"]["spec"] == "07:00-11:30,13:30-17:00"
    assert body["working_hours"]["hours_per_day"] == 8
    days = {d["date"]: d for d in body["days"]}
    assert days["2026-01-10"]["kind"] == "makeup_workday" and days["2026-01-10"]["working"]
    assert "12729/VPCP-KGVX" in days["2026-01-10"]["source"]
    assert days["2026-02-17"]["kind"] == "holiday" and not days["2026-02-17"]["working"]
    pending = days["2026-11-24"]
    assert pending["kind"] == "pending" and pending["working"] and pending["provisional"]
    assert pending["origin"] == "bundled" and pending["name"] == "Ngày Văn hóa Việt Nam"
    assert_problem(
        await client.get("/api/v1/calendar/days", params={"year": 2100}, headers=clerk),
        422,
        "out-of-range",
    )
    assert_problem(
        await client.get("/api/v1/calendar/days", params={"year": "next"}, headers=clerk), 422
    )
    assert_problem(await client.get("/api/v1/calendar/days", headers=clerk), 422)
    assert_problem(await client.get("/api/v1/calendar/days", params={"year": 2026}), 401)


async def test_confirming_24_11_moves_a_due_date_at_once(
    app: Any, client: httpx.AsyncClient, admin: dict[str, str], clerk: dict[str, str]
) -> None:
    params = {"start": "2026-11-23T09:00:00+07:00", "amount": 1, "unit": "working_days"}
    before = await _due(client, clerk, **params)
    assert before.json()["due"] == "2026-11-24T09:00:00+07:00"  # pending counts as working
    unit_before = await _due(client, clerk, unit_code=COMMUNE_A, **params)
    assert unit_before.json()["due"] == "2026-11-24T09:00:00+07:00"

    resp = await client.post("/api/v1/calendar/days", json=CONFIRM_2411, headers=admin)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["replaced_pending"] is True and body["name"] == "Ngày Văn hóa Việt Nam"
    assert body["created_by"] == "user:admin" and body["province"] is None

    after = await _due(client, clerk, **params)
    assert after.json()["due"] == "2026-11-25T09:00:00+07:00"
    assert after.json()["calendar_fingerprint"] != before.json()["calendar_fingerprint"]
    entry = next(e for e in after.json()["explanation"]["entries"] if e["date"] == "2026-11-24")
    assert entry["status"] == "non_working" and entry["source"] == CONFIRM_2411["source"]
    unit_after = await _due(client, clerk, unit_code=COMMUNE_A, **params)
    assert unit_after.json()["due"] == "2026-11-25T09:00:00+07:00"
    days = (await client.get("/api/v1/calendar/days", params={"year": 2026}, headers=clerk)).json()[
        "days"
    ]
    confirmed = next(d for d in days if d["date"] == "2026-11-24")
    assert confirmed["kind"] == "holiday" and confirmed["origin"] == "administrator"
    assert not confirmed["working"] and not confirmed["provisional"]
    async with app.state.sessionmaker() as s:
        [audit] = (
            (await s.execute(select(AuditEntry).where(AuditEntry.action == "calendar.day.add")))
            .scalars()
            .all()
        )
        assert audit.object_id == "2026-11-24/VN" and audit.detail["replaced_kind"] == "pending"
        assert audit.actor == "user:admin"


async def test_a_province_day_applies_to_that_province_only(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    day = {
        "day": "2026-03-11",
        "kind": "holiday",
        "name": "Ngày giải phóng tỉnh",
        "source": "Quyết định 12/QĐ-UBND tỉnh H99",
        "province": "h99",
    }
    resp = await client.post("/api/v1/calendar/days", json=day, headers=admin)
    assert resp.status_code == 201, resp.text
    assert resp.json()["province"] == "H99" and resp.json()["replaced_pending"] is False
    params = {"start": "2026-03-10T09:00:00+07:00", "amount": 1, "unit": "working_days"}
    assert (await _due(client, admin, **params)).json()["due"] == "2026-03-11T09:00:00+07:00"
    unit = await _due(client, admin, unit_code=COMMUNE_A, **params)
    assert unit.json()["due"] == "2026-03-12T09:00:00+07:00"
    h99 = await client.get(
        "/api/v1/calendar/days", params={"year": 2026, "province": "H99"}, headers=admin
    )
    assert h99.json()["province"] == "H99"
    assert "2026-03-11" in [d["date"] for d in h99.json()["days"]]
    national = await client.get("/api/v1/calendar/days", params={"year": 2026}, headers=admin)
    assert "2026-03-11" not in [d["date"] for d in national.json()["days"]]
    # the same date nationally is a different row, not a duplicate
    resp = await client.post(
        "/api/v1/calendar/days",
        json={**day, "province": None, "kind": "compensatory_off"},
        headers=admin,
    )
    assert resp.status_code == 201, resp.text


async def test_add_day_rejections_write_nothing(
    app: Any, client: httpx.AsyncClient, admin: dict[str, str], clerk: dict[str, str]
) -> None:
    url = "/api/v1/calendar/days"
    assert (await client.post(url, json=CONFIRM_2411, headers=admin)).status_code == 201
    async with Unchanged(app):
        problem = assert_problem(
            await client.post(url, json=CONFIRM_2411, headers=admin), 409, "duplicate-calendar-day"
        )
        assert "24/11/2026" in problem["detail"]
        # a make-up working day must be a weekend day; an off day must be a weekday
        problem = assert_problem(
            await client.post(
                url,
                json={**CONFIRM_2411, "day": "2026-11-25", "kind": "makeup_workday"},
                headers=admin,
            ),
            422,
            "invalid-calendar-day",
        )
        assert "not a Saturday or Sunday" in problem["detail"]
        assert_problem(
            await client.post(url, json={**CONFIRM_2411, "day": "2026-11-28"}, headers=admin),
            422,
            "invalid-calendar-day",
        )
        assert_problem(
            await client.post(url, json={**CONFIRM_2411, "day": "2070-11-24"}, headers=admin),
            422,
            "out-of-range",
        )
        for bad in (
            {**CONFIRM_2411, "source": "  "},
            {"day": "2026-11-25", "kind": "holiday"},
            {**CONFIRM_2411, "kind": "pending"},
            {**CONFIRM_2411, "kind": "weekend"},
            {**CONFIRM_2411, "day": "24/11/2026"},
            {**CONFIRM_2411, "day": 20261124},
            {**CONFIRM_2411, "province": "H 99"},
            {**CONFIRM_2411, "note": "x"},
        ):
            assert_problem(await client.post(url, json=bad, headers=admin), 422, "invalid-input")
        resp = await client.post(
            url, content=b'{"day": ', headers={**admin, "Content-Type": "application/json"}
        )
        assert_problem(resp, 400, "malformed-json")
        problem = assert_problem(
            await client.post(url, json={**CONFIRM_2411, "day": "2026-12-01"}, headers=clerk),
            403,
            "missing-right",
        )
        assert problem["right"] == "calendar:write" and "calendar:write" in problem["detail"]
        assert_problem(await client.post(url, json=CONFIRM_2411), 401)
    async with app.state.sessionmaker() as s:
        assert len((await s.execute(select(CalendarDay))).scalars().all()) == 1


async def test_a_workday_row_cancels_a_holiday(
    client: httpx.AsyncClient, admin: dict[str, str], world: World
) -> None:
    body = {"day": "2026-04-27", "kind": "workday", "source": "Thông báo thử nghiệm"}
    resp = await client.post("/api/v1/calendar/days", json=body, headers=admin)
    assert resp.status_code == 201, resp.text
    assert resp.json()["name"] == "Ngày làm việc"
    due = await _due(
        client, admin, start="2026-04-24T09:00:00+07:00", amount=1, unit="working_days"
    )
    assert due.json()["due"] == "2026-04-27T09:00:00+07:00"
