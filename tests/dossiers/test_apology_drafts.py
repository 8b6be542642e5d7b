"""Apology drafts: an officer drafts the apology (Form 04), the issuing unit's leader signs it (the
apologize action with the draft's content) or returns it with a note.

2.000908 is due one working day after receipt: received Tue 10/03/2026 09:00 → due Wed 11/03 09:00
(Sở Tư pháp: ``officer`` drafts, ``leader`` signs)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from tests.dossiers.conftest import Headers, act, create, set_clock
from tests.dossiers.test_apology import NEW, counts, events, in_process
from tests.factories import World, add_user

from onestop.dossiers.actions.apology.models import ApologyDraft

URL = "/api/v1/dossiers"
DRAFTS = "/api/v1/apology-drafts"
DUE = "2026-03-11T09:00:00+07:00"


def draft_body(**over: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "reason": "Cần xác minh thêm với cơ quan lưu trữ",
        "new_appointment_at": NEW,
        "note": "Đã liên hệ cơ quan lưu trữ",
    }
    out.update(over)
    return out


async def draft(
    client: httpx.AsyncClient, auth: Headers, code: str, who: str = "officer", **over: Any
) -> dict[str, Any]:
    resp = await client.post(
        f"{URL}/{code}/apology-drafts", json=draft_body(**over), headers=auth(who)
    )
    assert resp.status_code == 201, resp.text
    data: dict[str, Any] = resp.json()
    return data


async def test_officer_drafts_leader_signs_and_the_dossier_is_reappointed(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    code = await in_process(client, auth)
    d = await draft(client, auth, code)
    assert (d["status"], d["dossier_code"], d["issuing_unit"]) == ("pending", code, "000.00.10.H99")
    assert (d["new_appointment_at"], d["due_at"], d["drafted_by"]) == (NEW, DUE, "Trần Văn Xử Lý")
    assert d["letter_number"] is None and d["decided_by"] is None

    # the draft changes nothing on the dossier, and waits in the leader's list
    dossier = (await client.get(f"{URL}/{code}", headers=auth("leader"))).json()
    assert dossier["appointment_at"] in (None, DUE)
    listed = await client.get(DRAFTS, headers=auth("leader"))
    assert listed.status_code == 200
    assert [i["id"] for i in listed.json()["items"]] == [d["id"]]

    set_clock("2026-03-10 14:00")
    resp = await client.post(
        f"{URL}/{code}/apology-drafts/{d['id']}/sign",
        json={"signer_title": "KT. GIÁM ĐỐC"},
        headers=auth("leader"),
    )
    assert resp.status_code == 200, resp.text
    signed = resp.json()
    assert (signed["status"], signed["letter_number"], signed["decided_by"]) == (
        "signed",
        "1/PXL",
        "Lê Văn Lãnh Đạo",
    )
    assert signed["decided_at"] == "2026-03-10T14:00:00+07:00"
    dossier = (await client.get(f"{URL}/{code}", headers=auth("leader"))).json()
    assert (dossier["appointment_at"], dossier["due_at"], dossier["status"]) == (NEW, DUE, 4)
    timeline = await events(client, auth, code)
    assert [e["type"] for e in timeline][-1] == "apologize"
    apologize = timeline[-1]
    assert apologize["actor"] == "user:leader"
    assert apologize["payload"]["reason"] == "Cần xác minh thêm với cơ quan lưu trữ"
    assert apologize["payload"]["signer"] == {"name": "Lê Văn Lãnh Đạo", "title": "KT. GIÁM ĐỐC"}
    assert apologize["payload"]["note"] == "Đã liên hệ cơ quan lưu trữ"
    assert (await client.get(DRAFTS, headers=auth("leader"))).json()["items"] == []

    # signed once: a second signature is a conflict and issues nothing
    before = await counts(app)
    resp = await client.post(
        f"{URL}/{code}/apology-drafts/{d['id']}/sign", json={}, headers=auth("leader")
    )
    assert resp.status_code == 409 and resp.json()["type"] == "/problems/apology-draft-decided"
    assert await counts(app) == before


async def test_leader_returns_the_draft_with_a_note_and_nothing_else_changes(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    code = await in_process(client, auth)
    d = await draft(client, auth, code)
    before = await counts(app)
    resp = await client.post(
        f"{URL}/{code}/apology-drafts/{d['id']}/return",
        json={"note": "Ghi rõ giấy tờ còn thiếu"},
        headers=auth("leader"),
    )
    assert resp.status_code == 200, resp.text
    back = resp.json()
    assert (back["status"], back["return_note"], back["decided_by"]) == (
        "returned",
        "Ghi rõ giấy tờ còn thiếu",
        "Lê Văn Lãnh Đạo",
    )
    assert await counts(app) == before  # no apology, no event, no outbox
    assert (await client.get(DRAFTS, headers=auth("leader"))).json()["items"] == []
    resp = await client.post(
        f"{URL}/{code}/apology-drafts/{d['id']}/sign", json={}, headers=auth("leader")
    )
    assert resp.status_code == 409 and resp.json()["draft_status"] == "returned"
    # the officer drafts anew; a note is required to return one
    again = await draft(client, auth, code, reason="Chờ ý kiến Sở Xây dựng")
    resp = await client.post(
        f"{URL}/{code}/apology-drafts/{again['id']}/return",
        json={"note": "  "},
        headers=auth("leader"),
    )
    assert resp.status_code == 422 and resp.json()["type"] == "/problems/invalid-input"


async def test_another_units_leader_gets_404_and_an_officer_cannot_sign(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    async with app.state.sessionmaker() as s:
        world.users["leader_b"] = await add_user(
            s, "leader_b", "leader", world.units["000.00.11.H99"]
        )
        await s.commit()
    code = await in_process(client, auth)
    d = await draft(client, auth, code)
    before = await counts(app)
    for action, body in (("sign", {}), ("return", {"note": "Không"})):
        url = f"{URL}/{code}/apology-drafts/{d['id']}/{action}"
        resp = await client.post(url, json=body, headers=auth("leader_b"))
        assert resp.status_code == 404 and resp.json()["type"] == "/problems/unknown-dossier"
        resp = await client.post(url, json=body, headers=auth("officer"))
        assert resp.status_code == 403 and resp.json()["right"] == "dossier:sign"
    assert (await client.get(DRAFTS, headers=auth("leader_b"))).json()["items"] == []
    resp = await client.get(DRAFTS, headers=auth("officer"))
    assert resp.status_code == 403 and resp.json()["type"] == "/problems/missing-right"
    resp = await client.post(
        f"{URL}/{code}/apology-drafts", json=draft_body(), headers=auth("officer_b")
    )
    assert resp.status_code == 404  # outside the officer's unit: an unknown dossier
    resp = await client.post(
        f"{URL}/{code}/apology-drafts/{d['id'] + 1000}/sign", json={}, headers=auth("leader")
    )
    assert resp.status_code == 404 and resp.json()["type"] == "/problems/unknown-apology-draft"
    assert await counts(app) == before
    async with app.state.sessionmaker() as s:
        assert (await s.execute(select(ApologyDraft.status))).scalars().all() == ["pending"]


@pytest.mark.parametrize(
    ("payload", "status", "slug"),
    [
        (draft_body(reason=""), 422, "invalid-input"),
        (draft_body(new_appointment_at="2026-03-11T08:00:00+07:00"), 422, "appointment-not-later"),
        (
            draft_body(new_appointment_at="2026-03-14T09:00:00+07:00"),
            422,
            "appointment-outside-working-hours",
        ),
        (draft_body(issuing_unit="000.00.11.H99"), 422, "issuing-unit-not-involved"),
        (draft_body(extra="x"), 422, "invalid-input"),
    ],
)
async def test_bad_drafts_write_nothing(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    app: Any,
    payload: dict[str, Any],
    status: int,
    slug: str,
) -> None:
    code = await in_process(client, auth)
    resp = await client.post(f"{URL}/{code}/apology-drafts", json=payload, headers=auth("officer"))
    assert resp.status_code == status, resp.text
    assert resp.json()["type"] == f"/problems/{slug}"
    async with app.state.sessionmaker() as s:
        assert (await s.execute(select(ApologyDraft))).first() is None


async def test_one_pending_draft_per_dossier_and_rules_apply_at_signing(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    code = await in_process(client, auth)
    first = await draft(client, auth, code)
    resp = await client.post(
        f"{URL}/{code}/apology-drafts", json=draft_body(), headers=auth("officer")
    )
    assert resp.status_code == 409 and resp.json()["type"] == "/problems/apology-draft-pending"
    # the appointment has passed by the time the leader signs: the apology's rule refuses it
    set_clock("2026-03-12 11:00")
    before = await counts(app)
    resp = await client.post(
        f"{URL}/{code}/apology-drafts/{first['id']}/sign", json={}, headers=auth("leader")
    )
    assert resp.status_code == 422 and resp.json()["type"] == "/problems/appointment-in-past"
    assert await counts(app) == before
    async with app.state.sessionmaker() as s:
        assert (await s.execute(select(ApologyDraft.status))).scalar_one() == "pending"
    # a finished dossier takes no draft
    done = (await create(client, auth("clerk")))["code"]
    await act(client, auth("clerk"), done, "transfer")
    await act(client, auth("officer"), done, "finish")
    resp = await client.post(
        f"{URL}/{done}/apology-drafts", json=draft_body(), headers=auth("officer")
    )
    assert resp.status_code == 409 and resp.json()["type"] == "/problems/illegal-action"
