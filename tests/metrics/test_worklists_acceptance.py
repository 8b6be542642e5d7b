"""The overdue worklist holds every dossier the dossier list calls late: past its due instant
(``?overdue=true``) or an online dossier not accepted within its 8 working hours
(``?late_to_accept=true``, "Quá hạn tiếp nhận"), in one urgency order, each item naming the
deadline that is past; now and at a past ``as_of`` (judged from the dossier's history).

The clock of ``tests.metrics.test_worklists.build`` ends on Wed 11/03/2026 10:00 (07:00–11:30,
13:30–17:00): D1 2 h late, D2 1 h late."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import tests.dossiers.conftest as dossier_fixtures
from tests.dossiers.conftest import Headers, act, create, set_clock
from tests.factories import World
from tests.metrics.test_worklists import CENTRE, Scenario, build

from onestop.metrics.worklists import history as worklists_history, service as worklists_service

world = dossier_fixtures.world
auth = dossier_fixtures.auth

URL = "/api/v1/reports/overdue"
NOW = "2026-03-11T10:00:00+07:00"


async def submitted(client: httpx.AsyncClient, auth: Headers, when: str) -> dict[str, Any]:
    """An online dossier submitted through the portal at ``when`` (status 1, not received)."""
    set_clock(when)
    return await create(client, auth("portal"), receiving_unit=CENTRE)


async def with_online(client: httpx.AsyncClient, auth: Headers) -> Scenario:
    """``build()``'s dossiers and four online ones: LATE_ACCEPT submitted Mon 09/03 13:30 (its
    8 working hours ran out on Tue 11:30, the most late of all); WAITING submitted Wed 08:00
    (due Thu); ACCEPTED submitted Mon 13:30 and accepted late on Tue 14:00 (received now,
    not overdue); REFUSED submitted Mon 13:30 and refused on Tue."""
    online = {
        "LATE_ACCEPT": await submitted(client, auth, "2026-03-09 13:30"),
        "ACCEPTED": await submitted(client, auth, "2026-03-09 13:30"),
        "REFUSED": await submitted(client, auth, "2026-03-09 13:30"),
    }
    assert online["LATE_ACCEPT"]["accept_due_at"] == "2026-03-10T11:30:00+07:00"
    set_clock("2026-03-10 14:00")
    await act(client, auth("clerk"), online["ACCEPTED"]["code"], "accept")
    await act(client, auth("clerk"), online["REFUSED"]["code"], "refuse", {"reason": "Sai nơi"})
    online["WAITING"] = await submitted(client, auth, "2026-03-11 08:00")
    s = await build(client, auth)  # leaves the clock on Wed 10:00
    return Scenario(s.codes | {k: v["code"] for k, v in online.items()})


async def every_page(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = params | ({"cursor": cursor} if cursor else {})
        resp = await client.get(path, params=query, headers=headers)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


async def called_late(client: httpx.AsyncClient, headers: dict[str, str]) -> set[str]:
    """What the dossier list calls late now: overdue, or late for acceptance."""
    late: set[str] = set()
    for flag in ("overdue", "late_to_accept"):
        found = await every_page(client, "/api/v1/dossiers", headers, **{flag: "true", "limit": 2})
        late |= {i["code"] for i in found}
    return late


@pytest.mark.parametrize("who", ["leader", "manager", "admin", "clerk_a"])
async def test_the_dossier_list_and_the_overdue_worklist_agree(
    client: httpx.AsyncClient, world: World, auth: Headers, who: str
) -> None:
    s = await with_online(client, auth)
    headers = auth(who)
    expected = await called_late(client, headers)
    if who == "clerk_a":  # a commune clerk: dossier:view, no report:view
        assert expected == set()
        resp = await client.get(URL, headers=headers)
        assert resp.status_code == 403
        return
    assert expected == {s["D1"], s["D2"], s["LATE_ACCEPT"]}
    listed = await every_page(client, URL, headers, limit=1)
    assert {i["code"] for i in listed} == expected
    assert [i["code"] for i in listed] == [s["LATE_ACCEPT"], s["D1"], s["D2"]]  # most late first
    # and the dossier list's flag on each row says the same
    for code in expected:
        (row,) = (await client.get("/api/v1/dossiers", params={"q": code}, headers=headers)).json()[
            "items"
        ]
        assert row["overdue"] or row["late_to_accept"]


async def test_an_item_late_for_acceptance_says_which_deadline(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    s = await with_online(client, auth)
    resp = await client.get(URL, params={"as_of": NOW, "total": "true"}, headers=auth("manager"))
    body = resp.json()
    assert body["total"] == 3
    late, d1, d2 = body["items"]
    assert late["code"] == s["LATE_ACCEPT"] and late["status"] == 1
    assert (late["deadline"], late["deadline_at"]) == ("acceptance", "2026-03-10T11:30:00+07:00")
    assert late["accept_due_at"] == late["deadline_at"] and late["due_at"] is None
    assert late["current_step"] is None and late["apology"]["status"] == "none"
    # Tue 11:30 → Wed 10:00: 3.5 h on Tuesday afternoon, 3 h on Wednesday morning
    assert late["working_time_late"] == {"hours": 6.5, "days": 0.81}
    assert late["applicant_name"] == "Nguyễn V*** A*"  # masked as every other row
    assert (d1["deadline"], d1["deadline_at"]) == ("resolution", d1["due_at"])
    assert d2["deadline"] == "resolution" and d1["accept_due_at"] is None
    # a step or an officer filter asks for dossiers at a step: one not accepted is at none
    for params in ({"step_unit": CENTRE}, {"officer": "officer"}):
        codes = {i["code"] for i in await every_page(client, URL, auth("manager"), **params)}
        assert s["LATE_ACCEPT"] not in codes
    # the CSV names the deadline too
    csv = await client.get(URL, params={"format": "csv"}, headers=auth("manager"))
    assert csv.status_code == 200
    assert "Hạn tiếp nhận" in csv.text and "10/03/2026 11:30" in csv.text


async def test_late_for_acceptance_at_a_past_instant(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    """Tue 14:00 (before ACCEPTED and REFUSED were answered, the same instant): all three online
    dossiers of Monday were late for acceptance. Later, once accepted or refused, they were not,
    and the list as of now holds only the one still waiting."""
    s = await with_online(client, auth)
    manager = auth("manager")
    tuesday = await every_page(client, URL, manager, as_of="2026-03-10T13:59:00+07:00")
    # the same deadline: in the order of submission (id)
    assert [i["code"] for i in tuesday] == [s["LATE_ACCEPT"], s["ACCEPTED"], s["REFUSED"]]
    assert {i["deadline"] for i in tuesday} == {"acceptance"}
    before_deadline = await every_page(client, URL, manager, as_of="2026-03-10T11:00:00+07:00")
    assert before_deadline == []
    set_clock("2026-03-11 15:00")
    await act(client, auth("clerk"), s["LATE_ACCEPT"], "accept")
    past = await every_page(client, URL, manager, as_of=NOW)  # judged from history
    assert [i["code"] for i in past] == [s["LATE_ACCEPT"], s["D1"], s["D2"]]
    assert past[0]["deadline"] == "acceptance" and past[0]["status"] == 1
    now = {i["code"]: i for i in await every_page(client, URL, manager)}
    assert s["LATE_ACCEPT"] not in now or now[s["LATE_ACCEPT"]]["deadline"] == "resolution"


@pytest.mark.parametrize("params", [{}, {"limit": 1}, {"total": "true"}, {"unit": CENTRE}])
async def test_judged_from_history_now_is_the_current_list(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    monkeypatch: pytest.MonkeyPatch,
    params: dict[str, Any],
) -> None:
    await with_online(client, auth)
    for who in ("leader", "manager") if "unit" not in params else ("manager",):
        current = await client.get(URL, params={"as_of": NOW, **params}, headers=auth(who))
        with monkeypatch.context() as m:
            m.setattr(worklists_service, "source", lambda _as_of: worklists_history)
            judged = await client.get(URL, params={"as_of": NOW, **params}, headers=auth(who))
        assert current.status_code == 200, current.text
        assert judged.json() == current.json()
