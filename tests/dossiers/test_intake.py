"""Intake: counter and online receipt, Form 01 data, idempotency, portal references, bad input."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from tests.dossiers.conftest import Headers, act, core, create, intake_body, set_clock, table_counts
from tests.factories import World, add_procedure

from onestop.dossiers.models import Dossier, IdempotencyKey

URL = "/api/v1/dossiers"


async def test_counter_intake_is_received_now_with_form_01_data(
    client: httpx.AsyncClient, world: World, auth: Headers, frozen_now: dt.datetime
) -> None:
    data = await create(client, auth("clerk"), return_method="postal")
    assert data["code"] == "000.00.01.H99-260310-0001"
    assert (data["status"], data["state"], data["status_label"]) == (
        2,
        "received",
        "Được tiếp nhận",
    )
    assert data["channel"] == "counter"
    assert data["received_at"] == "2026-03-10T09:00:00+07:00"
    # 1 working day from Tue 09:00 → Wed 09:00 (the appointment printed on Form 01)
    assert data["due_at"] == "2026-03-11T09:00:00+07:00"
    assert data["time_limit"] == {"amount": 1, "unit": "working_days", "text": "1 working_days"}
    assert data["procedure"]["code"] == "2.000908"
    assert data["receiving_unit"]["code"] == "000.00.01.H99"
    assert data["competent_unit"]["code"] == "000.00.10.H99"  # first competent unit
    assert data["returning_unit"]["code"] == "000.00.01.H99"
    assert data["documents"] == [
        {
            "code": "TP1",
            "name": "Đơn đề nghị",
            "copy_type": "original",
            "quantity": 1,
            "required": True,
        }
    ]
    assert data["fees"] == [{"code": "LP1", "name": "Lệ phí", "amount": 50000}]
    assert data["fee_total"] == 50000
    assert data["return_method"] == "postal"
    assert data["applicant"]["phone"] == "0912345678"
    assert data["received_by"] == "Nguyễn Thị Tiếp Nhận"
    assert len(data["lookup_secret"]) == 10
    assert data["lookup_path"] == f"/api/v1/public/dossiers/{data['code']}"
    assert len(data["calendar_fingerprint"]) == 16

    detail = (await client.get(f"{URL}/{data['code']}", headers=auth("clerk"))).json()
    assert detail["due_at_original"] == detail["due_at"] == "2026-03-11T09:00:00+07:00"
    assert detail["current_step"]["name"] == "Tiếp nhận"
    assert detail["current_step"]["due_at"] == "2026-03-10T11:00:00+07:00"  # 2 h budget
    assert detail["due_explanation"]["due_at"] == "2026-03-11T09:00:00+07:00"
    assert core(detail["allowed_actions"]) == [
        "assign",
        "transfer",
        "request-supplement",
        "withdraw",
    ]
    events = (await client.get(f"{URL}/{data['code']}/events", headers=auth("clerk"))).json()
    assert [(e["seq"], e["type"], e["from_status"], e["to_status"]) for e in events["items"]] == [
        (1, "receive", None, 2)
    ]
    assert events["items"][0]["actor"] == "user:clerk"
    assert "0912345678" not in str(events)  # no personal data in the history


async def test_due_counts_working_days_on_the_competent_calendar(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    # Thu 12/02/2026 16:30 + 15 working days: Fri 13/02, then Tết 14–22/02 is skipped
    set_clock("2026-02-12 16:30")
    data = await create(client, auth("clerk"), procedure="1.005129")
    assert data["competent_unit"]["code"] == "000.00.11.H99"
    assert data["due_at"] == "2026-03-12T16:30:00+07:00"


async def test_location_independent_reception(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    """Phi địa giới: a commune counter receives a provincial department's procedure."""
    data = await create(client, auth("clerk_a"), procedure="1.005129")
    assert data["receiving_unit"]["code"] == "000.01.20.H99"
    assert data["competent_unit"]["code"] == "000.00.11.H99"
    assert data["code"].startswith("000.01.20.H99-260310-")
    # a commune that is itself competent is the default competent unit
    own = await create(client, auth("clerk_a"))
    assert own["competent_unit"]["code"] == "000.01.20.H99"


async def test_online_intake_waits_for_acceptance(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    data = await create(
        client,
        auth("portal"),
        receiving_unit="000.00.01.H99",
        submitted_at="2026-03-10T08:30:00+07:00",
    )
    assert (data["status"], data["channel"]) == (1, "online")
    assert data["received_at"] is None and data["due_at"] is None
    # 8 working hours to accept or answer, from submission
    assert data["accept_due_at"] == "2026-03-11T08:30:00+07:00"
    code = data["code"]
    detail = (await client.get(f"{URL}/{code}", headers=auth("clerk"))).json()
    assert core(detail["allowed_actions"]) == ["accept", "refuse", "request-supplement"]
    assert detail["steps"] == [] and detail["due_explanation"] is None

    set_clock("2026-03-10 14:00")
    accepted = await act(client, auth("clerk"), code, "accept")
    assert accepted["status"] == 2
    assert accepted["received_at"] == "2026-03-10T14:00:00+07:00"  # the clock starts now
    assert accepted["due_at"] == "2026-03-11T14:00:00+07:00"
    assert accepted["current_step"]["kind"] == "reception"


async def test_late_to_accept_is_listed(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    data = await create(client, auth("portal"), receiving_unit="000.00.01.H99")
    set_clock("2026-03-11 10:00")  # more than 8 working hours later
    page = (await client.get(URL, params={"late_to_accept": "true"}, headers=auth("clerk"))).json()
    assert [d["code"] for d in page["items"]] == [data["code"]]
    assert page["items"][0]["late_to_accept"] is True
    accepted = await act(client, auth("clerk"), data["code"], "accept")
    assert accepted["late_to_accept"] is False


async def test_guidance_at_reception_keeps_the_clock_stopped(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    code = (await create(client, auth("portal"), receiving_unit="000.00.01.H99"))["code"]
    form02 = {"items": ["Bản sao giấy khai sinh"], "reason": "Thiếu giấy tờ"}
    guided = await act(client, auth("clerk"), code, "request-supplement", form02)
    assert (guided["status"], guided["awaiting_supplement"], guided["received_at"]) == (
        1,
        True,
        None,
    )
    assert guided["reception_supplement_count"] == 1 and guided["supplement_count"] == 0
    assert core(guided["allowed_actions"]) == ["refuse", "supplement-received"]
    problem = await act(client, auth("clerk"), code, "accept", expect=409)
    assert core(problem["allowed_actions"]) == ["refuse", "supplement-received"]
    set_clock("2026-03-12 10:00")
    await act(
        client,
        auth("clerk"),
        code,
        "supplement-received",
        {"documents": [{"code": "TP2", "name": "Giấy khai sinh"}]},
    )
    set_clock("2026-03-12 10:30")
    accepted = await act(client, auth("clerk"), code, "accept")
    assert accepted["received_at"] == "2026-03-12T10:30:00+07:00"
    assert [d["code"] for d in accepted["documents"]] == ["TP1", "TP2"]


async def test_refusal_needs_a_reason(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    code = (await create(client, auth("portal"), receiving_unit="000.00.01.H99"))["code"]
    before = await table_counts(app)
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        resp = await client.post(f"{URL}/{code}/refuse", json=body, headers=auth("clerk"))
        assert resp.status_code == 422, resp.text
    assert await table_counts(app) == before
    refused = await act(
        client, auth("clerk"), code, "refuse", {"reason": "Hồ sơ không thuộc thẩm quyền"}
    )
    assert (refused["status"], refused["end_reason"]) == (3, "Hồ sơ không thuộc thẩm quyền")
    assert refused["ended_at"] == "2026-03-10T09:00:00+07:00"
    assert core(refused["allowed_actions"]) == []


# -- bad input: a problem, nothing written -----------------------------------------------
BAD_BODIES: list[tuple[str, dict[str, Any], int, str]] = [
    ("unknown procedure", {"procedure": "9.999999"}, 422, "unknown-procedure"),
    ("unknown unit", {"receiving_unit": "000.99.99.H99"}, 422, "unknown-unit"),
    ("unknown competent unit", {"competent_unit": "nope"}, 422, "unknown-unit"),
    ("not competent", {"competent_unit": "000.00.11.H99"}, 422, "unit-not-competent"),
    ("missing document", {"documents": []}, 422, "missing-documents"),
    (
        "unlisted document without name",
        {"documents": [{"code": "TP1"}, {"code": "ZZ"}]},
        422,
        "unknown-document",
    ),
    ("outside scope", {"receiving_unit": "000.01.20.H99"}, 403, "outside-unit-scope"),
    (
        "future submission",
        {"submitted_at": "2026-03-10T10:00:00+07:00"},
        422,
        "submitted-in-future",
    ),
    ("naive submission", {"submitted_at": "2026-03-10T08:00:00"}, 422, "invalid-input"),
    ("extra field", {"colour": "blue"}, 422, "invalid-input"),
    ("wrong type", {"quantity": "many"}, 422, "invalid-input"),
    ("empty name", {"applicant": {"name": ""}}, 422, "invalid-input"),
    ("bad channel", {"channel": "fax"}, 422, "invalid-input"),
    ("bad portal code", {"code": "bad code!"}, 422, "invalid-code"),
]


@pytest.mark.parametrize(
    ("case", "over", "status", "slug"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES]
)
async def test_bad_intake_writes_nothing(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    app: Any,
    case: str,
    over: dict[str, Any],
    status: int,
    slug: str,
) -> None:
    before = await table_counts(app)
    resp = await client.post(URL, json=intake_body(**over), headers=auth("clerk"))
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["type"] == f"/problems/{slug}"
    assert await table_counts(app) == before


async def test_missing_documents_are_named(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    resp = await client.post(URL, json=intake_body(documents=[]), headers=auth("clerk"))
    assert resp.json()["missing"] == [{"code": "TP1", "name": "Đơn đề nghị"}]


async def test_version_not_yet_in_force(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    async with app.state.sessionmaker() as s:
        await add_procedure(
            s,
            "1.999001",
            "Thủ tục mới",
            [world.units["000.00.10.H99"]],
            effective_from=dt.date(2026, 4, 1),
        )
        await s.commit()
    before = await table_counts(app)
    resp = await client.post(URL, json=intake_body(procedure="1.999001"), headers=auth("clerk"))
    assert resp.status_code == 422
    assert resp.json()["type"] == "/problems/procedure-not-in-force"
    assert await table_counts(app) == before
    set_clock("2026-04-01 08:00")
    assert (await create(client, auth("clerk"), procedure="1.999001"))["status"] == 2


async def test_malformed_json(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    before = await table_counts(app)
    resp = await client.post(
        URL,
        content=b'{"procedure": ',
        headers={**auth("clerk"), "content-type": "application/json"},
    )
    assert resp.status_code == 400
    assert resp.json()["type"] == "/problems/malformed-json"
    assert await table_counts(app) == before


@pytest.mark.parametrize(
    ("who", "over", "status", "slug"),
    [
        ("officer", {}, 403, "missing-right"),
        ("manager", {}, 403, "missing-right"),
        ("portal", {"channel": "counter"}, 422, "counter-needs-clerk"),
    ],
)
async def test_who_may_receive(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    app: Any,
    who: str,
    over: dict[str, Any],
    status: int,
    slug: str,
) -> None:
    before = await table_counts(app)
    resp = await client.post(URL, json=intake_body(**over), headers=auth(who))
    assert resp.status_code == status, resp.text
    assert resp.json()["type"] == f"/problems/{slug}"
    if slug == "missing-right":
        assert resp.json()["right"] == "dossier:intake"
    assert await table_counts(app) == before


async def test_unauthenticated(client: httpx.AsyncClient, world: World) -> None:
    resp = await client.post(URL, json=intake_body())
    assert resp.status_code == 401


async def test_client_outside_its_units(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    assert world.client is not None
    async with app.state.sessionmaker() as s:
        c = await s.get(type(world.client), world.client.id)
        assert c is not None
        c.unit_codes = ["000.01.21.H99"]
        await s.commit()
    resp = await client.post(
        URL, json=intake_body(receiving_unit="000.00.01.H99"), headers=auth("portal")
    )
    assert resp.status_code == 403
    assert resp.json()["type"] == "/problems/outside-unit-scope"


# -- idempotency and portal references -------------------------------------------------------------
async def test_idempotent_replay_returns_the_original_response(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    headers = {**auth("clerk"), "Idempotency-Key": "k-1"}
    first = await client.post(URL, json=intake_body(), headers=headers)
    again = await client.post(URL, json=intake_body(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()  # same code, same secret
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (await table_counts(app))["dossier"] == 1
    # only a hash of the lookup secret is stored, in the dossier; never the secret itself
    secret = first.json()["lookup_secret"]
    async with app.state.sessionmaker() as s:
        stored = (await s.execute(select(IdempotencyKey.response))).scalar_one()
        hashes = (await s.execute(select(Dossier.secret_hash))).scalar_one()
    assert secret not in json.dumps(stored) and secret not in hashes
    assert "0912345678" not in json.dumps(stored)  # nor personal data
    # the key is per principal: another clerk's "k-1" is a new intake
    other = await client.post(
        URL, json=intake_body(), headers={**auth("clerk_a"), "Idempotency-Key": "k-1"}
    )
    assert other.status_code == 201 and other.json()["code"] != first.json()["code"]


async def test_idempotency_key_with_another_body_is_a_conflict(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    headers = {**auth("clerk"), "Idempotency-Key": "k-2"}
    first = await client.post(URL, json=intake_body(), headers=headers)
    before = await table_counts(app)
    resp = await client.post(URL, json=intake_body(quantity=2), headers=headers)
    assert resp.status_code == 409
    assert resp.json()["type"] == "/problems/idempotency-key-reused"
    assert resp.json()["dossier_code"] == first.json()["code"]
    assert await table_counts(app) == before


async def test_parallel_replays_make_one_dossier(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    import asyncio

    headers = {**auth("portal"), "Idempotency-Key": "same"}
    body = intake_body(receiving_unit="000.00.01.H99")
    responses = await asyncio.gather(
        *(client.post(URL, json=body, headers=headers) for _ in range(5))
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["code"] for r in responses}) == 1
    assert (await table_counts(app))["dossier"] == 1


async def test_portal_reference_received_twice(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    first = await create(
        client, auth("portal"), receiving_unit="000.00.01.H99", portal_ref="DVC-123"
    )
    before = await table_counts(app)
    resp = await client.post(
        URL,
        json=intake_body(receiving_unit="000.00.01.H99", portal_ref="DVC-123"),
        headers=auth("portal"),
    )
    assert resp.status_code == 409
    assert resp.json()["type"] == "/problems/duplicate-portal-ref"
    assert resp.json()["dossier_code"] == first["code"]
    assert first["code"] in resp.json()["detail"]
    assert await table_counts(app) == before


async def test_portal_code_is_canonical(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    data = await create(
        client, auth("portal"), receiving_unit="000.00.01.H99", code="G09.20-20260310-0092637"
    )
    assert data["code"] == "G09.20-20260310-0092637"
    counts = await table_counts(app)
    assert counts["dossier_code_counter"] == 0  # no number taken from the counter
    resp = await client.post(
        URL,
        json=intake_body(receiving_unit="000.00.01.H99", code="G09.20-20260310-0092637"),
        headers=auth("portal"),
    )
    assert resp.status_code == 409 and resp.json()["type"] == "/problems/duplicate-code"
    assert await table_counts(app) == counts
