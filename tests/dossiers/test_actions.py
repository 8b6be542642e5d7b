"""Actions through the state machine: steps, rights, illegal actions and concurrent updates."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from tests.dossiers.conftest import Headers, act, at, core, create, set_clock, table_counts
from tests.factories import World

from onestop.core.errors import Conflict
from onestop.dossiers.access import Actor
from onestop.dossiers.actions import registry
from onestop.dossiers.actions.schemas import FinishBody, PaymentRequestBody
from onestop.dossiers.models import DossierEvent

URL = "/api/v1/dossiers"


async def in_process(client: httpx.AsyncClient, auth: Headers) -> str:
    code: str = (await create(client, auth("clerk")))["code"]
    await act(client, auth("clerk"), code, "transfer")
    return code


async def test_full_life_with_form_06_rows(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    code = (await create(client, auth("clerk")))["code"]
    set_clock("2026-03-10 09:30")
    d = await act(client, auth("clerk"), code, "transfer", {"note": "chuyển Sở Tư pháp"})
    assert (d["status"], d["current_step"]["name"], d["current_unit"]["code"]) == (
        4,
        "Thẩm định",
        "000.00.10.H99",
    )
    # 3 working hours from 09:30: 2 h to 11:30, 1 h after lunch → 14:30
    assert d["current_step"]["due_at"] == "2026-03-10T14:30:00+07:00"
    d = await act(client, auth("leader"), code, "assign", {"handler": "officer"})
    assert (d["handler"], d["current_step"]["handler"]) == ("officer", "officer")
    set_clock("2026-03-10 12:00")
    d = await act(client, auth("officer"), code, "transfer")
    assert d["current_step"]["name"] == "Ký duyệt"
    set_clock("2026-03-10 14:00")
    d = await act(client, auth("officer"), code, "finish", {"result_number": "123/CT"})
    assert (d["status"], d["finished_at"], d["timing"]) == (9, "2026-03-10T14:00:00+07:00", "early")
    # the result goes to the returning counter: the version's "return" step
    assert (d["current_step"]["name"], d["current_step"]["kind"]) == ("Trả kết quả", "return")
    assert d["current_unit"]["code"] == "000.00.01.H99"
    assert core(d["allowed_actions"]) == ["return"]
    set_clock("2026-03-10 15:00")
    d = await act(
        client, auth("clerk"), code, "return", {"method": "counter", "received_by": "Nguyễn Văn An"}
    )
    assert (d["status"], d["returned_at"], d["ended_at"]) == (
        10,
        "2026-03-10T15:00:00+07:00",
        "2026-03-10T14:00:00+07:00",
    )
    assert d["current_step"] is None and d["allowed_actions"] == []
    rows = [
        (s["name"], s["unit"]["code"], s["from_unit"] and s["from_unit"]["code"], s["outcome"])
        for s in d["steps"]
    ]
    assert rows == [
        ("Tiếp nhận", "000.00.01.H99", None, "on_time"),
        ("Thẩm định", "000.00.10.H99", "000.00.01.H99", "on_time"),
        ("Ký duyệt", "000.00.10.H99", "000.00.10.H99", "on_time"),
        ("Trả kết quả", "000.00.01.H99", "000.00.10.H99", "on_time"),
    ]
    events = (await client.get(f"{URL}/{code}/events", headers=auth("clerk"))).json()["items"]
    assert [(e["seq"], e["type"], e["from_status"], e["to_status"]) for e in events] == [
        (1, "receive", None, 2),
        (2, "transfer", 2, 4),
        (3, "assign", 4, 4),
        (4, "transfer", 4, 4),
        (5, "finish", 4, 9),
        (6, "return", 9, 10),
    ]
    assert events[1]["payload"]["started_step"]["unit"] == "000.00.10.H99"
    assert events[4]["actor"] == "user:officer" and events[4]["unit"] == "000.00.10.H99"


async def test_illegal_action_lists_allowed_ones_and_writes_nothing(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    code = (await create(client, auth("clerk")))["code"]
    before = await table_counts(app)
    resp = await client.post(f"{URL}/{code}/accept", json={}, headers=auth("clerk"))
    assert resp.status_code == 409
    problem = resp.json()
    assert problem["type"] == "/problems/illegal-action"
    assert core(problem["allowed_actions"]) == [
        "assign",
        "transfer",
        "request-supplement",
        "withdraw",
    ]
    assert (problem["current_status"], problem["state"], problem["action"]) == (
        2,
        "received",
        "accept",
    )
    assert await table_counts(app) == before
    finished = await in_process(client, auth)
    await act(client, auth("officer"), finished, "finish")
    resp = await client.post(f"{URL}/{finished}/transfer", json={}, headers=auth("officer"))
    assert resp.status_code == 409 and core(resp.json()["allowed_actions"]) == ["return"]


async def test_unknown_dossier_and_action(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    resp = await client.post(f"{URL}/NOPE-1/finish", json={}, headers=auth("officer"))
    assert resp.status_code == 404 and resp.json()["type"] == "/problems/unknown-dossier"
    code = (await create(client, auth("clerk")))["code"]
    resp = await client.post(f"{URL}/{code}/teleport", json={}, headers=auth("officer"))
    assert resp.status_code in (404, 405)


@pytest.mark.parametrize(
    ("who", "action", "body", "slug", "right"),
    [
        ("manager", "finish", {}, "missing-right", "dossier:process"),
        ("clerk", "finish", {}, "missing-right", "dossier:process"),
        ("portal", "stop", {"legal_ground": "x"}, "missing-right", "dossier:process"),
    ],
)
async def test_rights(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    app: Any,
    who: str,
    action: str,
    body: dict[str, Any],
    slug: str,
    right: str,
) -> None:
    code = await in_process(client, auth)
    before = await table_counts(app)
    resp = await client.post(f"{URL}/{code}/{action}", json=body, headers=auth(who))
    assert resp.status_code == 403, resp.text
    assert resp.json()["type"] == f"/problems/{slug}"
    assert resp.json()["right"] == right
    assert await table_counts(app) == before


async def test_bad_bodies(client: httpx.AsyncClient, world: World, auth: Headers, app: Any) -> None:
    code = await in_process(client, auth)
    before = await table_counts(app)
    cases = [
        ("assign", {"handler": "nobody"}, 422, "/problems/unknown-handler"),
        ("assign", {"handler": "officer_b"}, 422, "/problems/handler-not-in-unit"),
        ("assign", {"handler": "officer", "extra": 1}, 422, "/problems/invalid-input"),
        ("assign", {}, 422, "/problems/invalid-input"),
        ("transfer", {"to_unit": "000.99.99.H99"}, 422, "/problems/unknown-unit"),
        ("transfer", {"budget_hours": -1}, 422, "/problems/invalid-input"),
        ("stop", {}, 422, "/problems/invalid-input"),
        ("finish", {"result": "rejected"}, 422, "/problems/invalid-input"),
        ("request-supplement", {"items": [], "reason": "x"}, 422, "/problems/invalid-input"),
        (
            "request-payment",
            {"items": [{"name": "Thuế", "amount": -5}]},
            422,
            "/problems/invalid-input",
        ),
    ]
    for action, body, status, problem in cases:
        resp = await client.post(f"{URL}/{code}/{action}", json=body, headers=auth("officer"))
        assert (resp.status_code, resp.json()["type"]) == (status, problem), (action, resp.text)
    resp = await client.post(
        f"{URL}/{code}/finish",
        content=b"{",
        headers={**auth("officer"), "content-type": "application/json"},
    )
    assert resp.status_code == 400
    assert await table_counts(app) == before


async def test_inter_agency_transfer(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    code = await in_process(client, auth)
    d = await act(
        client,
        auth("officer"),
        code,
        "transfer",
        {"to_unit": "000.00.11.H99", "budget_hours": 4, "handler": "officer_b"},
    )
    step = d["current_step"]
    assert (step["kind"], step["name"], step["unit"]["code"], step["handler"]) == (
        "inter_agency",
        "Xử lý liên thông",
        "000.00.11.H99",
        "officer_b",
    )
    # 4 working hours from 09:00: 2.5 h to 11:30, 1.5 h from 13:30
    assert step["due_at"] == "2026-03-10T15:00:00+07:00"
    # receiving, competent and current units stay separate fields
    assert (
        d["receiving_unit"]["code"],
        d["competent_unit"]["code"],
        d["current_unit"]["code"],
    ) == ("000.00.01.H99", "000.00.10.H99", "000.00.11.H99")
    # the other agency's officer may now hand it back; the competent unit keeps its rights too
    back = await act(
        client,
        auth("officer_b"),
        code,
        "transfer",
        {"to_unit": "000.00.10.H99", "step_name": "Ký duyệt"},
    )
    assert back["current_step"]["kind"] == "competent"
    assert back["steps"][2]["outcome"] == "on_time"


async def test_no_next_step(client: httpx.AsyncClient, world: World, auth: Headers) -> None:
    code = (await create(client, auth("clerk"), procedure="1.005129"))["code"]  # no internal steps
    resp = await client.post(f"{URL}/{code}/transfer", json={}, headers=auth("clerk"))
    assert resp.status_code == 409 and resp.json()["type"] == "/problems/no-next-step"
    d = await act(client, auth("clerk"), code, "transfer", {"to_unit": "000.00.11.H99"})
    assert d["current_step"]["due_at"] is None  # no budget given


async def test_payment_wait(client: httpx.AsyncClient, world: World, auth: Headers) -> None:
    code = await in_process(client, auth)
    d = await act(
        client,
        auth("officer"),
        code,
        "request-payment",
        {"items": [{"name": "Lệ phí", "amount": 50000}]},
    )
    assert d["status"] == 6
    assert core(d["allowed_actions"]) == ["payment-received", "finish", "withdraw", "stop"]
    d = await act(
        client, auth("clerk"), code, "payment-received", {"receipt_number": "BL-1", "amount": 50000}
    )
    assert d["status"] == 4
    await act(
        client, auth("officer"), code, "request-payment", {"items": [{"name": "Thuế", "amount": 1}]}
    )
    d = await act(client, auth("officer"), code, "finish")  # 6 → 9
    assert d["status"] == 9


async def test_return_without_resolution(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    code = await in_process(client, auth)
    resp = await client.post(f"{URL}/{code}/return", json={}, headers=auth("officer"))
    assert resp.status_code == 409 and resp.json()["type"] == "/problems/illegal-action"
    set_clock("2026-03-10 10:00")
    d = await act(
        client,
        auth("officer"),
        code,
        "return",
        {"without_resolution": True, "reason": "Không đủ điều kiện"},
    )
    assert (d["status"], d["result"], d["end_reason"]) == (10, "rejected", "Không đủ điều kiện")
    assert d["finished_at"] == d["returned_at"] == "2026-03-10T10:00:00+07:00"


async def test_withdraw_and_stop(client: httpx.AsyncClient, world: World, auth: Headers) -> None:
    code = await in_process(client, auth)
    await act(client, auth("officer"), code, "request-supplement", {"items": ["a"], "reason": "b"})
    set_clock("2026-03-10 10:00")
    d = await act(client, auth("clerk"), code, "withdraw", {"reason": "Công dân xin rút"})
    assert (d["status"], d["ended_at"], d["awaiting_supplement"]) == (
        7,
        "2026-03-10T10:00:00+07:00",
        False,
    )
    assert d["pauses"][0]["ended_at"] == "2026-03-10T10:00:00+07:00"
    assert d["steps"][-1]["ended_at"] is not None and d["steps"][-1]["outcome"] is None
    other = await in_process(client, auth)
    d = await act(
        client,
        auth("leader"),
        other,
        "stop",
        {"legal_ground": "Khoản 2 Điều 19", "fee_handling": "Hoàn phí"},
    )
    assert (d["status"], d["end_reason"]) == (8, "Khoản 2 Điều 19")


async def test_concurrent_actions_one_wins(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    """Two finishes at once: one succeeds, the other is a 409 (concurrent update on PostgreSQL, or
    illegal in the new state when SQLite serialised them); never two finish events."""
    code = await in_process(client, auth)
    responses = await asyncio.gather(
        client.post(f"{URL}/{code}/finish", json={}, headers=auth("officer")),
        client.post(f"{URL}/{code}/finish", json={}, headers=auth("leader")),
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    loser = next(r for r in responses if r.status_code == 409).json()
    assert loser["type"] in ("/problems/concurrent-update", "/problems/illegal-action")
    async with app.state.sessionmaker() as s:
        types = (
            (await s.execute(select(DossierEvent.type).order_by(DossierEvent.seq))).scalars().all()
        )
    assert list(types) == ["receive", "transfer", "finish"]


async def test_optimistic_version_detects_a_lost_update(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    """Both sessions read version N; the second writer gets concurrent-update, nothing lost."""
    code = await in_process(client, auth)
    maker = app.state.sessionmaker
    when = at("2026-03-10 10:00")
    # SQLite has one connection per process: each session gives it back (commit) before the
    # other uses it. Objects stay loaded (expire_on_commit=False) with the version they read.
    async with maker() as first, maker() as second:
        a = await registry.load(first, code)
        await first.commit()
        b = await registry.load(second, code)
        await second.commit()
        await registry.apply_action(
            first, a, "finish", FinishBody(), at=when, actor=Actor("test:a"), principal=None
        )
        await first.commit()
        with pytest.raises(Conflict) as caught:
            await registry.apply_action(
                second,
                b,
                "request-payment",
                PaymentRequestBody(items=[{"name": "x", "amount": 1}]),
                at=when,
                actor=Actor("test:b"),
                principal=None,
            )
        assert caught.value.code == "concurrent-update"
        await second.rollback()
    events = (await client.get(f"{URL}/{code}/events", headers=auth("officer"))).json()["items"]
    assert [e["type"] for e in events] == ["receive", "transfer", "finish"]
