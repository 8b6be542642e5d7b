"""Procedure versions: dated rules, the version in force today, and rejected versions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from sqlalchemy import select
from tests.catalog.helpers import Unchanged, assert_problem
from tests.factories import World

from onestop.auth.models import AuditEntry
from onestop.catalog.models import ProcedureStep, ProcedureVersion

# -------------------------------------------------------------------------------------- versions


async def test_add_versions_and_mark_the_one_in_force(
    app: Any, client: httpx.AsyncClient, admin: dict[str, str], world: World
) -> None:
    url = "/api/v1/procedures/1.005129/versions"
    future = {
        "effective_from": "2026-07-01",
        "limit": {"amount": 10, "unit": "working_days"},
        "steps": [{"name": "Thẩm định", "budget": {"amount": 10, "unit": "working_days"}}],
    }
    resp = await client.post(url, json=future, headers=admin)
    assert resp.status_code == 201, resp.text
    assert resp.json()["in_force"] is False  # today is 10/03/2026
    assert resp.json()["steps"][0]["budget_hours"] == 80
    current = {"effective_from": "2026-01-01", "limit": {"amount": 12, "unit": "working_days"}}
    resp = await client.post(url, json=current, headers=admin)
    assert resp.status_code == 201, resp.text
    assert resp.json()["in_force"] is True and resp.json()["max_reappointments"] == 1
    detail = (await client.get("/api/v1/procedures/1.005129", headers=admin)).json()
    assert [(v["effective_from"], v["in_force"]) for v in detail["versions"]] == [
        ("2025-07-01", False),
        ("2026-01-01", True),
        ("2026-07-01", False),
    ]
    assert detail["in_force_from"] == "2026-01-01"
    listed = (
        await client.get("/api/v1/procedures", params={"q": "1.005129"}, headers=admin)
    ).json()
    assert listed["items"][0]["limit_in_force"]["amount"] == 12
    async with app.state.sessionmaker() as s:
        actions = (await s.execute(select(AuditEntry.action, AuditEntry.object_id))).all()
        assert actions.count(("procedure.version.create", "1.005129")) == 2
        steps = (
            (
                await s.execute(
                    select(ProcedureStep)
                    .join(ProcedureVersion)
                    .where(ProcedureVersion.effective_from == dt.date(2026, 7, 1))
                )
            )
            .scalars()
            .all()
        )
        assert len(steps) == 1


async def test_add_version_rejections_write_nothing(
    app: Any,
    client: httpx.AsyncClient,
    admin: dict[str, str],
    clerk: dict[str, str],
    justice_admin: dict[str, str],
) -> None:
    url = "/api/v1/procedures/1.005129/versions"
    same = {"effective_from": "2025-07-01", "limit": {"amount": 5, "unit": "working_days"}}
    async with Unchanged(app):
        problem = assert_problem(
            await client.post(url, json=same, headers=admin), 409, "duplicate-version"
        )
        assert "2025-07-01" in problem["detail"] and problem["effective_from"] == "2025-07-01"
        new = {**same, "effective_from": "2026-06-01"}
        resp = await client.post("/api/v1/procedures/9.999999/versions", json=new, headers=admin)
        assert_problem(resp, 404, "unknown-procedure")
        over = {
            **new,
            "steps": [{"name": "Thẩm định", "budget": {"amount": 6, "unit": "working_days"}}],
        }
        problem = assert_problem(
            await client.post(url, json=over, headers=admin), 422, "step-budget-exceeds-limit"
        )
        assert problem["budget_hours"] == 48 and problem["limit_hours"] == 40
        assert_problem(await client.post(url, json={**new, "extra": 1}, headers=admin), 422)
        assert_problem(
            await client.post(url, json={**new, "effective_from": "soon"}, headers=admin), 422
        )
        problem = assert_problem(
            await client.post(url, json=new, headers=clerk), 403, "missing-right"
        )
        assert problem["right"] == "catalog:write"
        # Sở Tư pháp's admin may not change a procedure of Sở Xây dựng
        assert_problem(
            await client.post(url, json=new, headers=justice_admin), 403, "outside-unit-scope"
        )
        resp = await client.post(
            url, content=b"[", headers={**admin, "Content-Type": "application/json"}
        )
        assert_problem(resp, 400, "malformed-json")
