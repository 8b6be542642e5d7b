"""Procedures: listing, detail with versions, creation, new versions, and every rejected write."""

from __future__ import annotations

import copy
from typing import Any

import httpx
from sqlalchemy import select
from tests.catalog.helpers import Unchanged, assert_problem
from tests.factories import World

from onestop.auth.models import AuditEntry

JUSTICE = "000.00.10.H99"
CONSTRUCTION = "000.00.11.H99"
COMMUNE_A = "000.01.20.H99"
CENTRE = "000.00.01.H99"

VERSION: dict[str, Any] = {
    "effective_from": "2025-07-01",
    "limit": {"amount": 3, "unit": "working_days"},
    "steps": [
        {
            "name": "Tiếp nhận hồ sơ",
            "role": "reception",
            "unit_code": CENTRE,
            "budget": {"amount": 4, "unit": "working_hours"},
        },
        {
            "name": "Thẩm định",
            "role": "competent",
            "budget": {"amount": 1.5, "unit": "working_days"},
        },
        {"name": "Ký duyệt", "budget": {"amount": 6, "unit": "working_hours"}},
        {"name": "Trả kết quả", "role": "return", "budget": {"amount": 2, "unit": "working_hours"}},
    ],
    "documents": [
        {"code": "TP1", "name": "Tờ khai đăng ký khai sinh", "copy_type": "original"},
        {"name": "Giấy chứng sinh", "copy_type": "copy", "quantity": 2, "required": False},
    ],
    "fees": [{"code": "LP1", "name": "Lệ phí", "amount": 8000}],
    "supplement_policy": "restart",
    "legal_basis": "Luật Hộ tịch 2014",
}
PROCEDURE: dict[str, Any] = {
    "code": "1.001193",
    "name": "Thủ tục đăng ký khai sinh",
    "field": "Hộ tịch",
    "field_code": "HT",
    "level": "commune",
    "competent_unit_codes": [COMMUNE_A, "000.01.21.H99"],
    "version": VERSION,
}


def _proc(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(PROCEDURE)
    body.update(changes)
    return body


def _version(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(VERSION)
    body.update(changes)
    return body


async def _post(client: httpx.AsyncClient, headers: dict[str, str], body: Any) -> httpx.Response:
    return await client.post("/api/v1/procedures", json=body, headers=headers)


# ------------------------------------------------------------------------------------------ reads


async def test_list_filters_and_pages(
    client: httpx.AsyncClient, clerk: dict[str, str], world: World
) -> None:
    async def codes(**params: Any) -> list[str]:
        resp = await client.get("/api/v1/procedures", params=params, headers=clerk)
        assert resp.status_code == 200, resp.text
        return [p["code"] for p in resp.json()["items"]]

    assert await codes() == ["1.005129", "2.000908"]
    assert await codes(unit=JUSTICE) == ["2.000908"]
    assert await codes(unit=CONSTRUCTION) == ["1.005129"]
    assert await codes(unit=CENTRE) == []
    assert await codes(field="Chứng thực") == ["1.005129", "2.000908"]
    assert await codes(field="Đất đai") == []
    assert await codes(q="xây dựng") == ["1.005129"]
    assert await codes(q="2.0009") == ["2.000908"]
    first = await client.get("/api/v1/procedures", params={"limit": 1}, headers=clerk)
    body = first.json()
    assert [p["code"] for p in body["items"]] == ["1.005129"] and body["next_cursor"]
    second = await client.get(
        "/api/v1/procedures", params={"limit": 1, "cursor": body["next_cursor"]}, headers=clerk
    )
    assert [p["code"] for p in second.json()["items"]] == ["2.000908"]
    assert second.json()["next_cursor"] is None
    item = body["items"][0]
    assert item["competent_unit_codes"] == [CONSTRUCTION]
    assert item["limit_in_force"] == {
        "amount": 15,
        "unit": "working_days",
        "cutoff": None,
        "hours": 120,
    }
    resp = await client.get("/api/v1/procedures", params={"unit": "000.09.99.H99"}, headers=clerk)
    assert_problem(resp, 404, "unknown-unit")
    assert_problem(await client.get("/api/v1/procedures"), 401)


async def test_detail_shows_units_versions_and_steps(
    client: httpx.AsyncClient, clerk: dict[str, str], world: World
) -> None:
    resp = await client.get("/api/v1/procedures/2.000908", headers=clerk)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert [u["code"] for u in body["competent_units"]] == [JUSTICE, COMMUNE_A]
    assert body["in_force_from"] == "2025-07-01"
    [version] = body["versions"]
    assert version["in_force"] is True
    assert version["limit"] == {"amount": 1, "unit": "working_days", "cutoff": None, "hours": 8}
    assert [(s["seq"], s["name"], s["budget_hours"]) for s in version["steps"]] == [
        (1, "Tiếp nhận", 2),
        (2, "Thẩm định", 3),
        (3, "Ký duyệt", 2),
        (4, "Trả kết quả", 1),
    ]
    assert version["budget_hours_total"] == 8
    assert version["fees"] == [{"code": "LP1", "name": "Lệ phí", "amount": 50000}]
    assert version["documents"][0]["name"] == "Đơn đề nghị"
    assert version["max_reappointments"] == 1 and version["supplement_policy"] == "pause"
    resp = await client.get("/api/v1/procedures/9.999999", headers=clerk)
    assert "9.999999" in assert_problem(resp, 404, "unknown-procedure")["detail"]


# ---------------------------------------------------------------------------------------- create


async def test_create_procedure_with_first_version(
    app: Any, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    resp = await _post(client, admin, PROCEDURE)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["code"] == "1.001193" and body["level"] == "commune"
    assert [u["code"] for u in body["competent_units"]] == [COMMUNE_A, "000.01.21.H99"]
    [v] = body["versions"]
    assert v["in_force"] is True and v["limit"]["hours"] == 24
    assert [s["budget_hours"] for s in v["steps"]] == [4, 12, 6, 2]
    assert v["steps"][0]["unit_code"] == CENTRE and v["steps"][1]["unit_code"] is None
    assert v["budget_hours_total"] == 24  # exactly the limit is allowed
    assert v["documents"][1] == {
        "code": "TP2",  # given its position: the counter ticks documents off by code
        "name": "Giấy chứng sinh",
        "copy_type": "copy",
        "quantity": 2,
        "required": False,
    }
    assert v["supplement_policy"] == "restart" and v["max_reappointments"] == 1
    async with app.state.sessionmaker() as s:
        [entry] = (
            (await s.execute(select(AuditEntry).where(AuditEntry.action == "procedure.create")))
            .scalars()
            .all()
        )
        assert entry.object_id == "1.001193" and entry.actor == "user:admin"
    listed = await client.get("/api/v1/procedures", params={"unit": COMMUNE_A}, headers=admin)
    assert "1.001193" in [p["code"] for p in listed.json()["items"]]


async def test_documents_without_a_code_get_one_that_can_be_handed_in(
    client: httpx.AsyncClient, admin: dict[str, str], clerk: dict[str, str]
) -> None:
    documents = [
        {"name": "Tờ khai"},
        {"code": "TP1", "name": "Giấy chứng sinh"},
        {"name": "Giấy uỷ quyền", "required": False},
    ]
    body = _proc(code="1.001194", version=_version(documents=documents))
    resp = await _post(client, admin, body)
    assert resp.status_code == 201, resp.text
    codes = [d["code"] for d in resp.json()["versions"][0]["documents"]]
    assert codes == ["TP1.2", "TP1", "TP3"]  # a code already taken gets a suffix
    intake = {
        "procedure": "1.001194",
        "applicant": {"name": "Nguyễn Văn A"},
        "documents": [{"code": "TP1.2"}, {"code": "TP1"}],
    }
    received = await client.post("/api/v1/dossiers", json=intake, headers=clerk)
    assert received.status_code == 201, received.text
    missing = await client.post(
        "/api/v1/dossiers", json={**intake, "documents": [{"code": "TP1"}]}, headers=clerk
    )
    assert missing.status_code == 422 and "TP1.2" in missing.text


async def test_create_other_limit_units(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    same_day = _proc(
        code="2.000815.H38",
        version=_version(
            limit={"unit": "same_day"},
            steps=[{"name": "Chứng thực", "budget": {"amount": 1, "unit": "working_days"}}],
        ),
    )
    resp = await _post(client, admin, same_day)
    assert resp.status_code == 201, resp.text
    assert resp.json()["versions"][0]["limit"] == {
        "amount": 1,
        "unit": "same_day",
        "cutoff": "15:00",
        "hours": 8,
    }
    calendar = _proc(
        code="1.000001",
        version=_version(
            limit={"amount": 30, "unit": "calendar_days"}, steps=[], max_reappointments=0
        ),
    )
    resp = await _post(client, admin, calendar)
    assert resp.status_code == 201, resp.text
    v = resp.json()["versions"][0]
    assert v["limit"]["hours"] == 240 and v["steps"] == [] and v["max_reappointments"] == 0
    hours = _proc(
        code="1.000002",
        version=_version(
            limit={"amount": 4, "unit": "working_hours"},
            steps=[{"name": "Xử lý", "budget": {"amount": 4, "unit": "working_hours"}}],
        ),
    )
    assert (await _post(client, admin, hours)).status_code == 201
    cutoff = _proc(
        code="1.000003", version=_version(limit={"unit": "same_day", "cutoff": "14:00"}, steps=[])
    )
    resp = await _post(client, admin, cutoff)
    assert resp.json()["versions"][0]["limit"]["cutoff"] == "14:00"


async def test_step_budgets_over_the_limit_are_refused(
    app: Any, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    cases = [
        # (limit, step budgets, budget hours, limit hours)
        (
            {"amount": 1, "unit": "working_days"},
            [{"amount": 1, "unit": "working_days"}, {"amount": 1, "unit": "working_hours"}],
            9,
            8,
        ),
        ({"amount": 3, "unit": "calendar_days"}, [{"amount": 25, "unit": "working_hours"}], 25, 24),
        ({"unit": "same_day"}, [{"amount": 8.5, "unit": "working_hours"}], 8.5, 8),
        ({"amount": 2, "unit": "working_hours"}, [{"amount": 0.5, "unit": "working_days"}], 4, 2),
    ]
    async with Unchanged(app):
        for limit, budgets, used, allowed in cases:
            steps = [{"name": f"Bước {i}", "budget": b} for i, b in enumerate(budgets)]
            body = _proc(version=_version(limit=limit, steps=steps))
            problem = assert_problem(
                await _post(client, admin, body), 422, "step-budget-exceeds-limit"
            )
            assert problem["budget_hours"] == used and problem["limit_hours"] == allowed
            assert f"{used} giờ" in problem["detail"] and f"{allowed} giờ" in problem["detail"]
            assert f"{used} working hours" in problem["detail"]
            assert f"{allowed} working hours" in problem["detail"]


async def test_create_rejects_bad_input_and_writes_nothing(
    app: Any, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    def step(**kw: Any) -> dict[str, Any]:
        return {"name": "Bước", "budget": {"amount": 1, "unit": "working_hours"}, **kw}

    invalid: list[dict[str, Any]] = [
        _proc(code="1.5129"),
        _proc(code="1.005129 "),
        _proc(code="1.005129.H 38"),
        _proc(code=""),
        _proc(name=""),
        _proc(competent_unit_codes=[]),
        _proc(competent_unit_codes="000.01.20.H99"),
        _proc(version=_version(limit={"amount": 0, "unit": "working_days"})),
        _proc(version=_version(limit={"unit": "working_days"})),
        _proc(version=_version(limit={"amount": 5, "unit": "weeks"})),
        _proc(version=_version(limit={"amount": 5, "unit": "working_days", "cutoff": "15:00"})),
        _proc(version=_version(limit={"amount": "five", "unit": "working_days"})),
        _proc(version=_version(steps=[step(budget={"amount": -1, "unit": "working_hours"})])),
        _proc(version=_version(steps=[step(budget={"amount": 1, "unit": "calendar_days"})])),
        _proc(version=_version(steps=[step(role="boss")])),
        _proc(version=_version(steps=[step(deadline="tomorrow")])),
        _proc(version=_version(fees=[{"name": "Lệ phí", "amount": -1000}])),
        _proc(version=_version(fees=[{"name": "Lệ phí", "amount": 1000.5}])),
        _proc(version=_version(fees=[{"name": "Lệ phí", "amount": "1000"}])),
        _proc(version=_version(documents=[{"name": "Đơn", "quantity": 0}])),
        _proc(version=_version(documents=[{"name": "Đơn", "copy_type": "fax"}])),
        _proc(version=_version(supplement_policy="sometimes")),
        _proc(version=_version(max_reappointments=-1)),
        _proc(version=_version(max_reappointments="once")),
        _proc(version=_version(effective_from="01/07/2025")),
        _proc(version=_version(unexpected=True)),
        _proc(status="active"),
    ]
    async with Unchanged(app):
        for body in invalid:
            resp = await _post(client, admin, body)
            assert_problem(resp, 422)
        problem = assert_problem(
            await _post(client, admin, _proc(level="district")), 422, "district-level-abolished"
        )
        assert "01/07/2025" in problem["detail"]
        assert_problem(await _post(client, admin, _proc(level="village")), 422, "invalid-level")
        resp = await _post(
            client, admin, _proc(version=_version(limit={"amount": 2.5, "unit": "calendar_days"}))
        )
        assert_problem(resp, 422, "invalid-time-limit")
        resp = await _post(
            client, admin, _proc(version=_version(limit={"amount": 2, "unit": "same_day"}))
        )
        assert_problem(resp, 422, "invalid-time-limit")
        resp = await _post(client, admin, _proc(competent_unit_codes=[COMMUNE_A, "000.09.99.H99"]))
        problem = assert_problem(resp, 404, "unknown-unit")
        assert problem["unknown_codes"] == ["000.09.99.H99"]
        resp = await _post(client, admin, _proc(version=_version(steps=[step(unit_code="Z.9")])))
        assert assert_problem(resp, 404, "unknown-unit")["unknown_codes"] == ["Z.9"]
        resp = await _post(client, admin, _proc(code="2.000908"))
        assert "2.000908" in assert_problem(resp, 409, "duplicate-procedure")["detail"]
        resp = await client.post(
            "/api/v1/procedures",
            content=b'{"code": "1.001193",',
            headers={**admin, "Content-Type": "application/json"},
        )
        assert_problem(resp, 400, "malformed-json")


async def test_create_needs_the_right_and_the_scope(
    app: Any,
    client: httpx.AsyncClient,
    clerk: dict[str, str],
    justice_admin: dict[str, str],
) -> None:
    async with Unchanged(app):
        body = assert_problem(await _post(client, clerk, PROCEDURE), 403, "missing-right")
        assert body["right"] == "catalog:write"
        resp = await _post(client, justice_admin, PROCEDURE)
        assert COMMUNE_A in assert_problem(resp, 403, "outside-unit-scope")["detail"]
    resp = await _post(client, justice_admin, _proc(competent_unit_codes=[JUSTICE], level=None))
    assert resp.status_code == 201, resp.text
