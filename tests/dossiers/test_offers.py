"""The actions offered on a dossier now: the same checks as the actions themselves, so an offered
action is not refused for a reason known beforehand, and a refused one names the problem the
action would be answered with.

2.000908 is due one working day after receipt: received Tue 10/03/2026 09:00 → due Wed 11/03
09:00 (Sở Tư pháp, whose leader is ``leader``); it allows one re-appointment."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from tests.dossiers.conftest import Headers, act, create, set_clock

from onestop.auth.models import User
from onestop.auth.service_common import principal_for
from onestop.core import clock
from onestop.dossiers.actions import registry
from onestop.dossiers.actions.offers import ActionOffer, offers
from onestop.dossiers.states import TRANSITIONS

URL = "/api/v1/dossiers"
APOLOGY = {
    "reason": "Chờ xác minh của Công an tỉnh",
    "new_appointment_at": "2026-03-12T10:00+07:00",
}
FORM_02 = {"items": ["Bản sao giấy khai sinh"], "reason": "Thiếu giấy tờ"}


async def offered(app: Any, code: str, username: str) -> dict[str, ActionOffer]:
    async with app.state.sessionmaker() as s:
        user_id = (await s.execute(select(User.id).where(User.username == username))).scalar_one()
        principal = await principal_for(s, "user", user_id)
        dossier = await registry.load(s, code)
        found = await offers(s, dossier, principal, at=clock.now())
    return {o.name: o for o in found}


async def in_process(client: httpx.AsyncClient, auth: Headers) -> str:
    code: str = (await create(client, auth("clerk")))["code"]
    await act(client, auth("clerk"), code, "transfer")
    return code


def primary(found: dict[str, ActionOffer]) -> str:
    (name,) = [o.name for o in found.values() if o.primary]
    return name


async def test_a_received_dossier_offers_the_next_step_first(
    client: httpx.AsyncClient, auth: Headers, app: Any
) -> None:
    code = (await create(client, auth("clerk")))["code"]
    async with app.state.sessionmaker() as s:
        found = await offers(
            s,
            await registry.load(s, code),
            await principal_for(s, "user", await _id(s, "clerk")),
            at=clock.now(),
        )
    assert found[0].name == "transfer" and found[0].primary and found[0].allowed
    by_name = {o.name: o for o in found}
    assert set(by_name) == {a for a, table in TRANSITIONS.items() if 2 in table}
    assign = by_name["assign"]  # a clerk holds no processing right: not even looked for
    assert (assign.allowed, assign.code, assign.expected) == (False, "missing-right", False)
    assert [o.allowed for o in found] == sorted((o.allowed for o in found), reverse=True)


async def _id(s: Any, username: str) -> int:
    return int((await s.execute(select(User.id).where(User.username == username))).scalar_one())


async def test_a_late_dossier_offers_the_apology_and_explains_the_refused_finish(
    client: httpx.AsyncClient, auth: Headers, app: Any
) -> None:
    code = await in_process(client, auth)
    set_clock("2026-03-11 10:00")  # one hour past due, no apology yet
    leader = await offered(app, code, "leader")
    assert primary(leader) == "apologize" and leader["apologize"].allowed
    finish = leader["finish"]
    assert (finish.allowed, finish.code, finish.expected) == (False, "apology-required", True)
    assert "chưa có văn bản xin lỗi" in finish.reason
    officer = await offered(app, code, "officer")
    assert officer["apologize"].code == "missing-right"  # only a leader signs: not offered
    assert officer["finish"].code == "apology-required"
    # the action answers with the very problem the offer named
    resp = await client.post(f"{URL}/{code}/finish", json={}, headers=auth("officer"))
    assert resp.status_code == 409 and resp.json()["type"] == "/problems/apology-required"


async def test_the_one_re_appointment_used_is_not_offered_again(
    client: httpx.AsyncClient, auth: Headers, app: Any
) -> None:
    code = await in_process(client, auth)
    set_clock("2026-03-11 10:00")
    await act(client, auth("leader"), code, "apologize", APOLOGY)
    found = await offered(app, code, "leader")
    again = found["apologize"]
    assert (again.allowed, again.code, again.expected) == (False, "reappointment-limit", True)
    assert "đã được hẹn lại 1 lần; tối đa 1 lần" in again.reason
    assert found["finish"].allowed
    assert primary(found) == "transfer"  # Thẩm định → Ký duyệt, then the result
    await act(client, auth("officer"), code, "transfer")
    assert primary(await offered(app, code, "leader")) == "finish"  # only the return step left
    resp = await client.post(
        f"{URL}/{code}/apologize",
        json={**APOLOGY, "new_appointment_at": "2026-03-13T10:00+07:00"},
        headers=auth("leader"),
    )
    assert resp.status_code == 409 and resp.json()["type"] == "/problems/reappointment-limit"


async def test_a_second_supplement_request_is_offered_to_the_leader_only(
    client: httpx.AsyncClient, auth: Headers, app: Any
) -> None:
    code = await in_process(client, auth)
    assert (await offered(app, code, "officer"))["request-supplement"].allowed
    await act(client, auth("officer"), code, "request-supplement", FORM_02)
    waiting = await offered(app, code, "officer")
    assert primary(waiting) == "supplement-received"
    assert "request-supplement" not in waiting  # status 5: not in the table at all
    await act(client, auth("officer"), code, "supplement-received")
    officer = (await offered(app, code, "officer"))["request-supplement"]
    assert (officer.allowed, officer.code, officer.expected) == (False, "supplement-limit", True)
    assert "Chỉ được yêu cầu bổ sung hồ sơ một lần" in officer.reason
    assert (await offered(app, code, "leader"))["request-supplement"].allowed
    resp = await client.post(
        f"{URL}/{code}/request-supplement", json=FORM_02, headers=auth("officer")
    )
    assert resp.status_code == 409 and resp.json()["type"] == "/problems/supplement-limit"


async def test_an_officer_of_another_unit_is_told_the_dossier_is_outside_their_unit(
    client: httpx.AsyncClient, auth: Headers, app: Any
) -> None:
    code = await in_process(client, auth)
    await act(client, auth("officer"), code, "transfer", {"to_unit": "000.00.11.H99"})
    assert (await offered(app, code, "officer_b"))["finish"].allowed
    await act(client, auth("officer_b"), code, "transfer", {"to_unit": "000.00.10.H99"})
    # back at Sở Tư pháp: Sở Xây dựng still sees the dossier it worked on, acts on it no more
    found = await offered(app, code, "officer_b")
    finish = found["finish"]
    assert (finish.allowed, finish.code, finish.expected) == (False, "outside-unit-scope", True)
    assert "ngoài phạm vi đơn vị" in finish.reason
    resp = await client.post(f"{URL}/{code}/finish", json={}, headers=auth("officer_b"))
    assert resp.status_code == 403 and resp.json()["type"] == "/problems/outside-unit-scope"
