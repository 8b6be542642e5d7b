"""The demo province of `make run`: seeded once, and it shows the apology rules — a leader sees
the overdue and due-soon lists, cannot finish a late dossier before the apology, prints Form 04,
and the dossier is still counted late."""

from __future__ import annotations

from typing import Any

import httpx

from onestop.core.settings import Settings
from onestop.demo.seed import DEMO_PASSWORD, seed_demo


async def login(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    resp = await client.post(
        "/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD}
    )
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


async def test_demo_walkthrough(client: httpx.AsyncClient, app: Any, settings: Settings) -> None:
    async with app.state.sessionmaker() as session:
        assert await seed_demo(session, settings.secret_key) is True
        assert await seed_demo(session, settings.secret_key) is False  # seeds once

    leader = await login(client, "leader")
    overdue = (await client.get("/api/v1/reports/overdue", headers=leader)).json()["items"]
    due_soon = (await client.get("/api/v1/reports/due-soon", headers=leader)).json()["items"]
    # one dossier late for its resolution, one online dossier not accepted within 8 working hours
    assert sorted(item["deadline"] for item in overdue) == ["acceptance", "resolution"]
    assert len(due_soon) == 1
    [code] = [item["code"] for item in overdue if item["deadline"] == "resolution"]

    officer = await login(client, "officer")
    resp = await client.post(f"/api/v1/dossiers/{code}/finish", json={}, headers=officer)
    assert resp.status_code == 409 and resp.json()["type"] == "/problems/apology-required"

    detail = (await client.get(f"/api/v1/dossiers/{code}", headers=leader)).json()
    resp = await client.post(
        f"/api/v1/dossiers/{code}/apologize",
        json={
            "reason": "Chờ kết quả xác minh của cơ quan công an",
            "new_appointment_at": _next_working_morning(detail["due_at"]),
        },
        headers=leader,
    )
    assert resp.status_code == 200, resp.text
    form = await client.get(f"/api/v1/dossiers/{code}/forms/04.pdf", headers=leader)
    assert form.status_code == 200 and form.content.startswith(b"%PDF")

    resp = await client.post(f"/api/v1/dossiers/{code}/finish", json={}, headers=officer)
    assert resp.status_code == 200, resp.text
    finished = (await client.get(f"/api/v1/dossiers/{code}", headers=leader)).json()
    assert finished["timing"] == "late"
    assert finished["due_at"] == detail["due_at"]  # the apology moved nothing


def _next_working_morning(due_at: str) -> str:
    """An appointment inside working hours after the clock of the test (Tue 10/03/2026)."""
    assert due_at < "2026-03-11"
    return "2026-03-11T09:00:00+07:00"
