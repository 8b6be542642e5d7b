"""The apology (Form 04) and the apology-required rule of finish / return (docs/rules.md §8).

2.000908 is due one working day after receipt: received Tue 10/03/2026 09:00 → due Wed 11/03 09:00
(Sở Tư pháp, whose leader is ``leader``)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from tests.dossiers.conftest import Headers, act, create, set_clock, table_counts
from tests.factories import World, add_procedure, add_user

from onestop.dossiers.actions.apology.models import Apology, ApologyLetterCounter
from onestop.dossiers.models import Dossier

URL = "/api/v1/dossiers"
JUSTICE = "000.00.10.H99"
CONSTRUCTION = "000.00.11.H99"
DUE = "2026-03-11T09:00:00+07:00"
NEW = "2026-03-12T10:00:00+07:00"


async def counts(app: Any) -> dict[str, int]:
    out = await table_counts(app)
    async with app.state.sessionmaker() as s:
        for model in (Apology, ApologyLetterCounter):
            out[model.__tablename__] = (
                await s.execute(select(func.count()).select_from(model))
            ).scalar_one()
        out["reappointments"] = (
            await s.execute(select(func.coalesce(func.sum(Dossier.reappointment_count), 0)))
        ).scalar_one()
    return out


async def in_process(client: httpx.AsyncClient, auth: Headers, **over: Any) -> str:
    code: str = (await create(client, auth("clerk"), **over))["code"]
    await act(client, auth("clerk"), code, "transfer")
    return code


def body(**over: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "reason": "Cần xác minh thêm với cơ quan lưu trữ",
        "new_appointment_at": NEW,
    }
    out.update(over)
    return out


async def events(client: httpx.AsyncClient, auth: Headers, code: str) -> list[dict[str, Any]]:
    resp = await client.get(f"{URL}/{code}/events", headers=auth("clerk"))
    assert resp.status_code == 200
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


async def test_late_dossier_needs_the_apology_and_stays_late(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    code = await in_process(client, auth)
    set_clock("2026-03-11 10:00")  # one hour past due
    before = await counts(app)
    resp = await client.post(f"{URL}/{code}/finish", json={}, headers=auth("officer"))
    assert resp.status_code == 409
    assert resp.headers["content-type"].startswith("application/problem+json")
    problem = resp.json()
    assert problem["type"] == "/problems/apology-required"
    assert (problem["dossier_code"], problem["due_at"], problem["late_unit"]) == (
        code,
        DUE,
        JUSTICE,
    )
    assert code in problem["detail"] and "Mẫu 04" in problem["detail"]
    assert "09:00 ngày 11/03/2026" in problem["detail"] and "leader" in problem["detail"]
    resp = await client.post(
        f"{URL}/{code}/return",
        json={"without_resolution": True, "reason": "Không đủ điều kiện"},
        headers=auth("officer"),
    )
    assert resp.status_code == 409 and resp.json()["type"] == "/problems/apology-required"
    assert await counts(app) == before

    d = await act(client, auth("leader"), code, "apologize", body())
    assert (d["status"], d["due_at"], d["due_at_original"], d["appointment_at"]) == (
        4,
        DUE,
        DUE,
        NEW,
    )
    assert d["overdue"] is True and d["timing"] is None
    async with app.state.sessionmaker() as s:
        apology = (await s.execute(select(Apology))).scalar_one()
    assert (apology.letter_number, apology.on_time, apology.signer_name) == (
        "1/PXL",
        False,
        "Lê Văn Lãnh Đạo",
    )
    assert (
        apology.signer_title == "Phó Giám đốc"
        and apology.issuing_unit_id == world.units[JUSTICE].id
    )

    d = await act(client, auth("officer"), code, "finish")
    assert (d["status"], d["timing"], d["due_at"], d["appointment_at"]) == (9, "late", DUE, NEW)
    timeline = await events(client, auth, code)
    assert [e["type"] for e in timeline] == [
        "receive",
        "transfer",
        "apologize",
        "finish",
    ]
    assert [e["seq"] for e in timeline] == [1, 2, 3, 4]
    apologize = timeline[2]
    assert (apologize["from_status"], apologize["to_status"], apologize["actor"]) == (
        4,
        4,
        "user:leader",
    )
    assert apologize["payload"]["on_time"] is False
    assert apologize["payload"]["new_appointment_at"] == NEW
    assert apologize["payload"]["previous_appointment_at"] == DUE
    assert "0912345678" not in str(timeline) and "an@example.vn" not in str(timeline)
    d = await act(client, auth("clerk"), code, "return", {"method": "counter"})
    assert d["status"] == 10 and d["timing"] == "late"


async def test_return_without_resolution_after_apology(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    code = await in_process(client, auth)
    set_clock("2026-03-11 10:00")
    await act(client, auth("leader"), code, "apologize", body())
    d = await act(
        client,
        auth("officer"),
        code,
        "return",
        {"without_resolution": True, "reason": "Không đủ điều kiện cấp"},
    )
    assert (d["status"], d["timing"], d["result"]) == (10, "late", "rejected")


async def test_on_time_finish_needs_no_apology(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    code = await in_process(client, auth)
    set_clock("2026-03-11 09:00")  # exactly the due instant: not after it
    d = await act(client, auth("officer"), code, "finish")
    assert d["timing"] == "on_time"


async def test_on_time_and_late_apologies_and_letter_numbers(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    first = await in_process(client, auth)
    # 09:00 → due 09:00 tomorrow: exactly one working day ahead ⇒ on time
    d = await act(client, auth("leader"), first, "apologize", body())
    set_clock("2026-03-10 09:30")
    second = await in_process(client, auth)  # due Wed 09:30
    set_clock("2026-03-10 14:00")  # 5.5 working hours before due: a late apology, not overdue
    await act(client, auth("leader"), second, "apologize", body(signer_title="KT. GIÁM ĐỐC"))
    third = await in_process(client, auth)
    await act(client, auth("leader"), third, "apologize", body(letter_number="77/PXL-STP"))
    async with app.state.sessionmaker() as s:
        rows = {a.dossier_id: a for a in (await s.execute(select(Apology))).scalars()}
        ids = {
            c: (await s.execute(select(Dossier.id).where(Dossier.code == c))).scalar_one()
            for c in (first, second, third)
        }
    a1, a2, a3 = rows[ids[first]], rows[ids[second]], rows[ids[third]]
    assert (a1.on_time, a1.letter_number, a1.year) == (True, "1/PXL", 2026)
    assert (a2.on_time, a2.letter_number, a2.signer_title) == (False, "2/PXL", "KT. GIÁM ĐỐC")
    assert (a3.letter_number, a3.number) == ("77/PXL-STP", 1)
    assert d["appointment_at"] == NEW and d["due_at"] == DUE


async def test_apology_while_waiting_for_payment(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    """The clock runs while the applicant pays (status 6) and finish is allowed from there, so
    the apology is too; naming the issuing unit explicitly works like the default."""
    code = (await create(client, auth("clerk")))["code"]
    await act(client, auth("clerk"), code, "transfer")
    await act(
        client,
        auth("officer"),
        code,
        "request-payment",
        {"items": [{"name": "Lệ phí", "amount": 1}]},
    )
    set_clock("2026-03-11 10:00")  # waiting for payment (status 6) and late
    resp = await client.post(f"{URL}/{code}/finish", json={}, headers=auth("officer"))
    assert resp.json()["type"] == "/problems/apology-required"
    d = await act(client, auth("leader"), code, "apologize", body(issuing_unit=JUSTICE))
    assert d["status"] == 6
    d = await act(client, auth("officer"), code, "finish")
    assert (d["status"], d["timing"]) == (9, "late")


async def test_leader_of_the_counter_signs_when_the_reception_step_is_late(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    async with app.state.sessionmaker() as s:
        world.users["leader_centre"] = await add_user(
            s, "leader_centre", "leader", world.units["000.00.01.H99"]
        )
        await s.commit()
    code = (await create(client, auth("clerk")))["code"]
    # transferred to the competent unit, then handed back to the centre (liên thông step)
    await act(client, auth("clerk"), code, "transfer")
    await act(
        client, auth("officer"), code, "transfer", {"to_unit": "000.00.01.H99", "budget_hours": 2}
    )
    resp = await client.post(f"{URL}/{code}/apologize", json=body(), headers=auth("leader"))
    assert resp.status_code == 403
    assert resp.json()["type"] == "/problems/not-leader-of-issuing-unit"
    assert (resp.json()["right"], resp.json()["unit"]) == ("dossier:sign", "000.00.01.H99")
    await act(client, auth("leader_centre"), code, "apologize", body())


async def test_a_version_may_allow_two_reappointments(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    async with app.state.sessionmaker() as s:
        await add_procedure(
            s,
            "9.000001",
            "Thủ tục thử hẹn lại hai lần",
            [world.units[JUSTICE]],
            limit=("1", "working_days"),
            steps=[("Tiếp nhận", "reception", "2"), ("Thẩm định", "competent", "6")],
            max_reappointments=2,
        )
        await s.commit()
    code = await in_process(client, auth, procedure="9.000001")
    await act(client, auth("leader"), code, "apologize", body())
    d = await act(
        client,
        auth("leader"),
        code,
        "apologize",
        body(new_appointment_at="2026-03-13T10:00:00+07:00"),
    )
    assert d["appointment_at"] == "2026-03-13T10:00:00+07:00" and d["due_at"] == DUE
    before = await counts(app)
    resp = await client.post(
        f"{URL}/{code}/apologize",
        json=body(new_appointment_at="2026-03-16T10:00:00+07:00"),
        headers=auth("leader"),
    )
    assert resp.status_code == 409 and resp.json()["type"] == "/problems/reappointment-limit"
    assert resp.json()["max_reappointments"] == 2
    assert await counts(app) == before


BAD = [
    ({"new_appointment_at": NEW}, 422, "invalid-input"),
    (body(reason="   "), 422, "invalid-input"),
    (body(reason=""), 422, "invalid-input"),
    ({"reason": "Lý do"}, 422, "invalid-input"),
    (body(new_appointment_at="2026-03-11T08:00:00+07:00"), 422, "appointment-not-later"),
    (body(new_appointment_at=DUE), 422, "appointment-not-later"),
    (
        body(new_appointment_at="2026-03-12T18:00:00+07:00"),
        422,
        "appointment-outside-working-hours",
    ),
    (
        body(new_appointment_at="2026-03-12T12:00:00+07:00"),
        422,
        "appointment-outside-working-hours",
    ),
    (
        body(new_appointment_at="2026-03-14T09:00:00+07:00"),
        422,
        "appointment-outside-working-hours",
    ),
    (
        body(new_appointment_at="2099-03-12T09:00:00+07:00"),
        422,
        "invalid-input",  # beyond the calendar's years: refused with the body's validation
    ),
    (body(new_appointment_at="2026-03-12T10:00:00"), 422, "invalid-input"),
    (body(new_appointment_at="not a date"), 422, "invalid-input"),
    (body(new_appointment_at=1773284400), 422, "invalid-input"),
    (body(issuing_unit="000.99.99.H99"), 422, "unknown-unit"),
    (body(issuing_unit=CONSTRUCTION), 422, "issuing-unit-not-involved"),
    (body(signer_name="Người Khác"), 422, "signer-mismatch"),
    (body(letter_number="số 1 !"), 422, "invalid-input"),
    (body(extra="x"), 422, "invalid-input"),
]


@pytest.mark.parametrize(("payload", "status", "slug"), BAD)
async def test_bad_apologies_write_nothing(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    app: Any,
    payload: dict[str, Any],
    status: int,
    slug: str,
) -> None:
    code = await in_process(client, auth)
    before = await counts(app)
    resp = await client.post(f"{URL}/{code}/apologize", json=payload, headers=auth("leader"))
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["type"] == f"/problems/{slug}"
    assert await counts(app) == before


async def test_malformed_json(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    code = await in_process(client, auth)
    before = await counts(app)
    resp = await client.post(
        f"{URL}/{code}/apologize",
        content=b"{nope",
        headers={**auth("leader"), "content-type": "application/json"},
    )
    assert resp.status_code == 400 and resp.json()["type"] == "/problems/malformed-json"
    assert await counts(app) == before


@pytest.mark.parametrize(
    ("who", "slug", "right"),
    [
        ("officer", "missing-right", "dossier:sign"),
        ("manager", "missing-right", "dossier:sign"),
        ("clerk", "missing-right", "dossier:sign"),
        ("portal", "missing-right", "dossier:sign"),
    ],
)
async def test_only_a_leader_of_the_issuing_unit_signs(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    app: Any,
    who: str,
    slug: str,
    right: str,
) -> None:
    code = await in_process(client, auth)
    before = await counts(app)
    resp = await client.post(f"{URL}/{code}/apologize", json=body(), headers=auth(who))
    assert resp.status_code == 403, resp.text
    problem = resp.json()
    assert (problem["type"], problem["right"]) == (f"/problems/{slug}", right)
    assert right in problem["detail"]
    assert await counts(app) == before


async def test_second_reappointment_and_closed_dossiers_are_conflicts(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    code = await in_process(client, auth)
    await act(client, auth("leader"), code, "apologize", body())
    before = await counts(app)
    resp = await client.post(
        f"{URL}/{code}/apologize",
        json=body(new_appointment_at="2026-03-13T10:00:00+07:00"),
        headers=auth("leader"),
    )
    assert resp.status_code == 409 and resp.json()["type"] == "/problems/reappointment-limit"
    assert await counts(app) == before

    done = await in_process(client, auth)
    await act(client, auth("officer"), done, "finish")
    before = await counts(app)
    resp = await client.post(f"{URL}/{done}/apologize", json=body(), headers=auth("leader"))
    assert resp.status_code == 409 and resp.json()["type"] == "/problems/illegal-action"
    await act(client, auth("clerk"), done, "return", {"method": "counter"})
    resp = await client.post(f"{URL}/{done}/apologize", json=body(), headers=auth("leader"))
    assert resp.status_code == 409 and resp.json()["type"] == "/problems/illegal-action"
    received = (await create(client, auth("clerk")))["code"]  # status 2: not yet processing
    resp = await client.post(f"{URL}/{received}/apologize", json=body(), headers=auth("leader"))
    assert resp.status_code == 409
    resp = await client.post(f"{URL}/NOPE-1/apologize", json=body(), headers=auth("leader"))
    assert resp.status_code == 404
    assert await counts(app) == {
        **before,
        "dossier": before["dossier"] + 1,
        "dossier_event": before["dossier_event"] + 2,
        "dossier_step": before["dossier_step"] + 1,
        "dossier_code_counter": before["dossier_code_counter"],
    }


async def test_duplicate_letter_number_is_a_conflict(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    first = await in_process(client, auth)
    await act(client, auth("leader"), first, "apologize", body(letter_number="1/PXL"))
    second = await in_process(client, auth)
    before = await counts(app)
    resp = await client.post(
        f"{URL}/{second}/apologize", json=body(letter_number="1/PXL"), headers=auth("leader")
    )
    assert resp.status_code == 409 and resp.json()["type"] == "/problems/duplicate-letter-number"
    assert await counts(app) == before
    # a generated number skips the one typed in by hand
    await act(client, auth("leader"), second, "apologize", body())
    async with app.state.sessionmaker() as s:
        numbers = sorted((await s.execute(select(Apology.letter_number))).scalars())
    assert numbers == ["1/PXL", "2/PXL"]


async def test_import_replays_apologies_and_records_a_missing_one(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    def line(events: list[dict[str, Any]]) -> str:
        return json.dumps(
            {
                "procedure": "2.000908",
                "receiving_unit": "000.00.01.H99",
                "applicant": {"name": "Đỗ Thị Hoa", "phone": "0900000000"},
                "documents": [{"code": "TP1"}],
                "events": events,
            },
            ensure_ascii=False,
        )

    def ev(type_: str, when: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"type": type_, "at": when, "actor": "legacy", "body": payload or {}}

    start = [
        ev("receive", "2026-03-02T08:00:00+07:00"),
        ev("transfer", "2026-03-02T08:30:00+07:00"),
    ]
    apology = ev(
        "apologize",
        "2026-03-03T07:30:00+07:00",
        {
            "reason": "Chờ xác minh",
            "new_appointment_at": "2026-03-04T10:00:00+07:00",
            "signer_name": "Giám đốc Sở",
            "signer_title": "GIÁM ĐỐC",
            "letter_number": "3/PXL",
        },
    )
    no_signer = ev(
        "apologize",
        "2026-03-03T07:30:00+07:00",
        {"reason": "Chờ xác minh", "new_appointment_at": "2026-03-04T10:00:00+07:00"},
    )
    late_finish = ev("finish", "2026-03-03T14:00:00+07:00")
    payload = "\n".join(
        [
            line([*start, apology, late_finish]),
            line([*start, late_finish]),
            line([*start, no_signer]),
        ]
    )
    resp = await client.post(
        f"{URL}/import",
        content=payload.encode(),
        headers={**auth("admin"), "content-type": "application/x-ndjson"},
        params={"mode": "per-line"},  # the good lines are written, the bad one reported
    )
    assert resp.status_code == 200, resp.text
    lines = resp.json()["lines"]
    assert [r["status"] for r in lines] == ["accepted", "accepted", "rejected"]
    assert lines[2]["problem"] == "signer-required"
    async with app.state.sessionmaker() as s:
        apology_row = (await s.execute(select(Apology))).scalar_one()
    assert (apology_row.signer_user_id, apology_row.signer_name, apology_row.on_time) == (
        None,
        "Giám đốc Sở",
        False,
    )
    apologised = await events(client, auth, lines[0]["code"])
    assert [e["type"] for e in apologised][-2:] == ["apologize", "finish"]
    missing = await events(client, auth, lines[1]["code"])
    assert missing[-1]["type"] == "finish" and missing[-1]["payload"]["apology_missing"] is True
    assert missing[-1]["payload"]["timing"] == "late"
