"""``as_of`` in the past: the overdue and due-soon lists judged from each dossier's history at that
instant (its status, due instant and pauses then), not from its state today; and the same answer
as the current lists when ``as_of`` is now.

2.000908 (Sở Tư pháp) is due one working day after receipt (07:00–11:30, 13:30–17:00)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import tests.dossiers.conftest as dossier_fixtures
from tests.dossiers.conftest import Headers, act, create, set_clock
from tests.factories import World
from tests.metrics.test_worklists import build

from onestop.metrics.worklists import history as worklists_history, service as worklists_service

world = dossier_fixtures.world
auth = dossier_fixtures.auth

URL = "/api/v1/reports"
SEP_30 = "2026-09-30T09:00:00+07:00"


async def received(client: httpx.AsyncClient, auth: Headers, when: str) -> str:
    set_clock(when)
    code: str = (await create(client, auth("clerk")))["code"]
    await act(client, auth("clerk"), code, "transfer", {})
    return code


async def listed(
    client: httpx.AsyncClient, headers: dict[str, str], kind: str, **params: Any
) -> dict[str, Any]:
    resp = await client.get(f"{URL}/{kind}", params=params, headers=headers)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def codes(page: dict[str, Any]) -> list[str]:
    return [item["code"] for item in page["items"]]


async def september(client: httpx.AsyncClient, auth: Headers) -> dict[str, str]:
    """LATE: overdue on 30/09 (due Tue 29/09 08:00), finished on Fri 02/10.
    PAUSED: due 29/09 09:00 too, but waiting for a supplement from 28/09 14:00 to Thu 01/10 09:00.
    SOON: due Wed 30/09 15:00, finished on 30/09 at 14:00. LATER: received on 01/10."""
    c = {
        "LATE": await received(client, auth, "2026-09-28 08:00"),
        "PAUSED": await received(client, auth, "2026-09-28 09:00"),
    }
    set_clock("2026-09-28 14:00")
    await act(
        client,
        auth("officer"),
        c["PAUSED"],
        "request-supplement",
        {"items": ["Bản sao giấy khai sinh"], "reason": "Thiếu giấy tờ"},
    )
    c["SOON"] = await received(client, auth, "2026-09-29 15:00")
    set_clock("2026-09-30 14:00")
    await act(client, auth("officer"), c["SOON"], "finish")
    set_clock("2026-10-01 09:00")
    await act(client, auth("officer"), c["PAUSED"], "supplement-received")
    c["LATER"] = await received(client, auth, "2026-10-01 10:00")
    set_clock("2026-10-02 10:00")
    await act(
        client,
        auth("leader"),
        c["LATE"],
        "apologize",
        {"reason": "Chờ xác minh", "new_appointment_at": "2026-10-05T09:00:00+07:00"},
    )
    await act(client, auth("officer"), c["LATE"], "finish")
    set_clock("2026-10-05 09:00")
    return c


async def test_overdue_on_30_09_though_finished_in_october(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    c = await september(client, auth)
    leader = auth("leader")
    assert c["LATE"] not in codes(await listed(client, leader, "overdue"))  # closed today
    page = await listed(client, leader, "overdue", as_of=SEP_30, total="true")
    assert codes(page) == [c["LATE"]]
    assert page["total"] == 1 and page["as_of"] == SEP_30
    (item,) = page["items"]
    assert (item["status"], item["due_at"]) == (4, "2026-09-29T08:00:00+07:00")
    assert item["working_time_late"] == {"hours": 9.0, "days": 1.12}  # Tue 08:00 → Wed 09:00
    assert item["apology"]["status"] == "none"  # the apology came on 02/10
    assert item["appointment_at"] == "2026-09-29T08:00:00+07:00"
    assert not item["late_again"]
    assert item["current_step"]["name"] == "Thẩm định"
    # the export (the documented route) and the fast JSON page say the same
    resp = await client.get(
        f"{URL}/overdue", params={"as_of": SEP_30, "format": "csv"}, headers=leader
    )
    assert resp.status_code == 200 and c["LATE"] in resp.text and c["PAUSED"] not in resp.text


async def test_a_dossier_paused_for_a_supplement_then_is_on_no_list(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    c = await september(client, auth)
    leader = auth("leader")
    assert c["PAUSED"] not in codes(await listed(client, leader, "overdue", as_of=SEP_30))
    assert c["PAUSED"] not in codes(await listed(client, leader, "due-soon", as_of=SEP_30))
    # once the papers came back, its due instant had moved by the pause: 5 working hours were
    # left (14:00–17:00 on 28/09, 07:00–09:00 on 29/09), counted from Thu 01/10 09:00
    after = await listed(client, leader, "overdue", as_of="2026-10-01T16:30:00+07:00")
    (item,) = [i for i in after["items"] if i["code"] == c["PAUSED"]]
    assert item["due_at"] == "2026-10-01T16:00:00+07:00"
    assert item["due_at_original"] == "2026-09-29T09:00:00+07:00"
    soon = await listed(client, leader, "due-soon", as_of="2026-10-01T10:00:00+07:00")
    assert c["PAUSED"] in codes(soon)


async def test_due_soon_on_30_09_and_nothing_received_later(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    c = await september(client, auth)
    leader = auth("leader")
    page = await listed(client, leader, "due-soon", as_of=SEP_30)
    assert codes(page) == [c["SOON"]]
    assert page["items"][0]["working_time_left"] == {"hours": 4.0, "days": 0.5}
    before = await listed(client, leader, "overdue", as_of="2026-09-28T07:00:00+07:00")
    assert before["items"] == []  # nothing had been received yet
    assert c["LATER"] not in codes(await listed(client, leader, "due-soon", as_of=SEP_30))


async def test_pages_of_a_past_list_follow_each_other(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    c = await september(client, auth)
    leader = auth("leader")
    at = "2026-10-02T09:00:00+07:00"  # LATE and PAUSED both overdue then
    whole = codes(await listed(client, leader, "overdue", as_of=at))
    assert whole == [c["LATE"], c["PAUSED"]]  # most late first
    first = await listed(client, leader, "overdue", as_of=at, limit=1, total="true")
    assert codes(first) == [c["LATE"]] and first["total"] == 2
    second = await listed(client, leader, "overdue", as_of=at, limit=1, cursor=first["next_cursor"])
    assert codes(second) == [c["PAUSED"]] and second["next_cursor"] is None


@pytest.mark.parametrize("kind", ["overdue", "due-soon"])
async def test_judged_from_history_now_is_the_current_list(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    """The worklist scenario (overdue, due soon, finished, waiting for a supplement, apologised)
    judged from history at now answers exactly as the current list: page, totals, cursors."""
    await build(client, auth)
    now = "2026-03-11T10:00:00+07:00"  # build() leaves the clock there
    for who in ("leader", "manager"):
        for params in ({}, {"limit": 1}, {"total": "true"}, {"unit": "000.00.10.H99"}):
            current = await listed(client, auth(who), kind, as_of=now, **params)
            with monkeypatch.context() as m:
                m.setattr(worklists_service, "source", lambda _as_of: worklists_history)
                judged = await listed(client, auth(who), kind, as_of=now, **params)
            assert judged == current
            assert current["items"] or who == "leader"


async def test_step_warnings_as_they_stood(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    """Thẩm định has 3 working hours. At 28/09 13:00 LATE's step (from 08:00, due 11:00) was
    over its budget while the dossier was on time; PAUSED's (from 09:00) was due at 14:00, the
    instant its pause began. On 01/10 at 10:00, running again and on time, it was over."""
    c = await september(client, auth)
    leader = auth("leader")
    assert (await listed(client, leader, "step-warnings"))["items"] == []  # both closed or later
    page = await listed(client, leader, "step-warnings", as_of="2026-09-28T13:00:00+07:00")
    assert codes(page) == [c["LATE"]]
    (item,) = page["items"]
    assert item["step"]["due_at"] == "2026-09-28T11:00:00+07:00"
    assert item["dossier_due_at"] == "2026-09-29T08:00:00+07:00"
    assert item["working_time_over"] == {"hours": 0.5, "days": 0.06}  # 11:00–11:30
    paused = await listed(client, leader, "step-warnings", as_of="2026-09-30T10:00:00+07:00")
    assert c["PAUSED"] not in codes(paused)  # its clock stood still
    resumed = await listed(client, leader, "step-warnings", as_of="2026-10-01T10:00:00+07:00")
    (item,) = [i for i in resumed["items"] if i["code"] == c["PAUSED"]]
    assert item["step"]["due_at"] == "2026-09-28T14:00:00+07:00"
    assert item["dossier_due_at"] == "2026-10-01T16:00:00+07:00"


async def test_step_warnings_judged_from_history_now_are_the_current_ones(
    client: httpx.AsyncClient, world: World, auth: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await received(client, auth, "2026-03-10 07:00")  # its step is due at 10:00
    paused = await received(client, auth, "2026-03-10 07:30")  # 11:30, after its pause
    second = await received(client, auth, "2026-03-10 08:00")  # 11:00
    set_clock("2026-03-10 09:00")
    body = {"items": ["Bản sao"], "reason": "Thiếu giấy tờ"}
    await act(client, auth("officer"), paused, "request-supplement", body)
    set_clock("2026-03-10 10:00")
    await act(client, auth("officer"), paused, "supplement-received")
    set_clock("2026-03-10 14:00")
    now = "2026-03-10T14:00:00+07:00"
    for params in ({}, {"limit": 1}, {"unit": "000.00.10.H99"}):
        current = await listed(client, auth("manager"), "step-warnings", as_of=now, **params)
        with monkeypatch.context() as m:
            m.setattr(worklists_service, "step_source", lambda _a: worklists_history.step_page)
            judged = await listed(client, auth("manager"), "step-warnings", as_of=now, **params)
        assert judged == current
    assert codes(current) == [first, second, paused]
