"""Supplements while processing: at most once, the clock pauses (or restarts), due_at_original
never moves, a second request needs a leader's override and then counts late."""

from __future__ import annotations

from typing import Any

import httpx
from tests.dossiers.conftest import Headers, act, core, create, set_clock, table_counts
from tests.factories import World, add_procedure

URL = "/api/v1/dossiers"
FORM_02 = {
    "items": ["Bản sao CCCD có chứng thực"],
    "reason": "Bản sao không rõ",
    "contact": "0236.3000",
}


async def in_process(client: httpx.AsyncClient, auth: Headers) -> str:
    code: str = (await create(client, auth("clerk")))["code"]
    await act(client, auth("clerk"), code, "transfer")
    return code


async def test_pause_moves_due_at_by_the_paused_working_time(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    code = await in_process(client, auth)
    set_clock("2026-03-10 10:00")
    d = await act(client, auth("officer"), code, "request-supplement", FORM_02)
    assert (d["status"], d["supplement_count"], d["awaiting_supplement"]) == (5, 1, True)
    assert core(d["allowed_actions"]) == ["supplement-received", "withdraw", "stop"]
    assert d["due_explanation"]["paused_since"] == "2026-03-10T10:00:00+07:00"
    assert d["overdue"] is False
    set_clock("2026-03-11 10:00")  # 8 working hours later
    d = await act(
        client, auth("clerk"), code, "supplement-received", {"documents": [{"code": "TP1"}]}
    )
    assert d["status"] == 4
    assert d["due_at_original"] == "2026-03-11T09:00:00+07:00"  # never moves
    assert d["due_at"] == "2026-03-12T09:00:00+07:00"  # + 8 working hours
    assert d["appointment_at"] == d["due_at"]
    assert d["pauses"] == [
        {
            "kind": "supplement",
            "started_at": "2026-03-10T10:00:00+07:00",
            "ended_at": "2026-03-11T10:00:00+07:00",
        }
    ]
    explanation = d["due_explanation"]
    assert explanation["due_at"] == "2026-03-12T09:00:00+07:00"
    assert explanation["policy"] == "pause"
    assert [(p["from"], p["working_time"]) for p in explanation["pauses"]] == [
        ("2026-03-10T10:00:00+07:00", "PT8H")
    ]
    # the open step's own due instant moves by the same pause (3 h from 09:00 → 14:00, + 8 h)
    assert d["current_step"]["due_at"] == "2026-03-11T14:00:00+07:00"
    events = (await client.get(f"{URL}/{code}/events", headers=auth("officer"))).json()["items"]
    received = events[-1]
    assert received["type"] == "supplement-received"
    assert received["payload"]["due_at_before"] == "2026-03-11T09:00:00+07:00"
    assert received["payload"]["due_at"] == "2026-03-12T09:00:00+07:00"
    request = events[-2]
    assert request["payload"]["items"] == FORM_02["items"]
    assert request["payload"]["stage"] == "processing"


async def test_second_request_needs_a_leaders_override_and_counts_late(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    code = await in_process(client, auth)
    await act(client, auth("officer"), code, "request-supplement", FORM_02)
    await act(client, auth("officer"), code, "supplement-received")
    before = await table_counts(app)
    resp = await client.post(
        f"{URL}/{code}/request-supplement", json=FORM_02, headers=auth("officer")
    )
    assert resp.status_code == 409
    assert resp.json()["type"] == "/problems/supplement-limit"
    assert await table_counts(app) == before
    # an officer may not override
    resp = await client.post(
        f"{URL}/{code}/request-supplement",
        json={**FORM_02, "override_reason": "Cần thêm"},
        headers=auth("officer"),
    )
    assert resp.status_code == 403 and resp.json()["right"] == "dossier:override"
    assert await table_counts(app) == before
    d = await act(
        client,
        auth("leader"),
        code,
        "request-supplement",
        {**FORM_02, "override_reason": "Hồ sơ phát sinh yêu cầu mới theo văn bản 12/UBND"},
    )
    assert (d["supplement_count"], d["late_flag"]) == (2, True)
    await act(client, auth("officer"), code, "supplement-received")
    d = await act(client, auth("officer"), code, "finish")
    assert d["timing"] == "late"  # finished well before due_at, yet late in every metric


async def test_restart_policy_counts_the_full_limit_again(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    async with app.state.sessionmaker() as s:
        await add_procedure(
            s,
            "1.888001",
            "Thủ tục tính lại",
            [world.units["000.00.10.H99"]],
            limit=("5", "working_days"),
            supplement_policy="restart",
        )
        await s.commit()
    code = (await create(client, auth("clerk"), procedure="1.888001"))["code"]
    d = await act(client, auth("clerk"), code, "transfer", {"to_unit": "000.00.10.H99"})
    assert d["due_at"] == "2026-03-17T09:00:00+07:00"
    set_clock("2026-03-11 09:00")
    await act(client, auth("officer"), code, "request-supplement", FORM_02)
    set_clock("2026-03-13 09:00")
    d = await act(client, auth("officer"), code, "supplement-received")
    assert d["due_at"] == "2026-03-20T09:00:00+07:00"  # 5 working days from the receipt
    assert d["due_at_original"] == "2026-03-17T09:00:00+07:00"
    assert d["due_explanation"]["policy"] == "restart"


async def test_supplement_right_after_reception(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    """2 → 5 → 4: the competent side asks before any transfer."""
    code = (await create(client, auth("clerk")))["code"]
    d = await act(client, auth("officer"), code, "request-supplement", FORM_02)
    assert d["status"] == 5
    d = await act(client, auth("officer"), code, "supplement-received")
    assert d["status"] == 4


async def test_supplement_received_only_when_awaited(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    code = await in_process(client, auth)
    before = await table_counts(app)
    resp = await client.post(f"{URL}/{code}/supplement-received", json={}, headers=auth("officer"))
    assert resp.status_code == 409 and resp.json()["type"] == "/problems/illegal-action"
    assert await table_counts(app) == before
