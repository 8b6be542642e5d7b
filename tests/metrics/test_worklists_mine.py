"""GET /api/v1/worklists/mine ("Việc của tôi"): the caller's open steps, most urgent first, with
counts per state, only the caller's, in keyset pages.

2.000908 (Sở Tư pháp) is due one working day after receipt (07:00–11:30, 13:30–17:00); the list
is read on Wed 11/03/2026 10:00."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import tests.dossiers.conftest as dossier_fixtures
from tests.dossiers.conftest import Headers, act, set_clock
from tests.factories import World, add_user
from tests.metrics.test_worklists import JUSTICE, received

world = dossier_fixtures.world
auth = dossier_fixtures.auth

URL = "/api/v1/worklists/mine"
ALL_ZERO = {"overdue": 0, "due_soon": 0, "on_track": 0, "paused": 0}


async def assigned(
    client: httpx.AsyncClient, auth: Headers, when: str, officer: str = "officer"
) -> str:
    code = await received(client, auth, when)
    await act(client, auth("leader"), code, "assign", {"handler": officer})
    return code


async def my_dossiers(
    client: httpx.AsyncClient, auth: Headers, app: Any, world: World
) -> dict[str, str]:
    """OVER due Wed 08:00; PAUSED due Wed 09:00 but waiting for a supplement since Tue 10:00;
    SOON due Thu 08:00 (inside the one-working-day window); TRACK due Thu 10:30 (outside it).
    Not the officer's: OTHER (officer2's), DONE (finished), COUNTER (at the reception step)."""
    async with app.state.sessionmaker() as session:
        world.users["officer2"] = await add_user(
            session, "officer2", "officer", world.units[JUSTICE]
        )
        await session.commit()
    c = {
        "OVER": await assigned(client, auth, "2026-03-10 08:00"),
        "PAUSED": await assigned(client, auth, "2026-03-10 09:00"),
        "DONE": await assigned(client, auth, "2026-03-10 09:30"),
        "OTHER": await assigned(client, auth, "2026-03-10 08:30", officer="officer2"),
        "COUNTER": await received(client, auth, "2026-03-10 08:45", transfer=False),
    }
    set_clock("2026-03-10 10:00")
    await act(
        client,
        auth("officer"),
        c["PAUSED"],
        "request-supplement",
        {"items": ["Bản sao giấy khai sinh"], "reason": "Thiếu giấy tờ"},
    )
    await act(client, auth("officer"), c["DONE"], "finish")
    c["SOON"] = await assigned(client, auth, "2026-03-11 08:00")
    c["TRACK"] = await assigned(client, auth, "2026-03-11 10:30")
    set_clock("2026-03-11 10:00")
    return c


async def mine(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    resp = await client.get(URL, params=params, headers=headers)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def test_my_work_most_urgent_first_with_counts(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    c = await my_dossiers(client, auth, app, world)
    body = await mine(client, auth("officer"))
    assert [i["code"] for i in body["items"]] == [c["OVER"], c["PAUSED"], c["SOON"], c["TRACK"]]
    assert [i["state"] for i in body["items"]] == ["overdue", "paused", "due_soon", "on_track"]
    assert body["counts"] == {"overdue": 1, "due_soon": 1, "on_track": 1, "paused": 1}
    assert body["as_of"] == "2026-03-11T10:00:00+07:00" and body["next_cursor"] is None
    over, paused, soon, track = body["items"]
    assert over["working_time_late"] == {"hours": 2.0, "days": 0.25}
    assert soon["working_time_left"] == {"hours": 6.0, "days": 0.75}
    assert track["working_time_late"] is None and track["working_time_left"]["hours"] == 8.5
    assert paused["status"] == 5 and paused["due_at"] == "2026-03-11T09:00:00+07:00"
    step = over["current_step"]
    assert (step["handler"], step["unit"]["code"], over["deadline"]) == (
        "officer",
        JUSTICE,
        "resolution",
    )
    # an officer holds personal-data:view: the name as on the other worklists
    assert over["applicant_name"] == "Nguyễn Văn An"


async def test_only_the_callers_work(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    c = await my_dossiers(client, auth, app, world)
    other = await mine(client, auth("officer2"))
    assert [i["code"] for i in other["items"]] == [c["OTHER"]]
    assert other["counts"] == ALL_ZERO | {"overdue": 1}
    leader = await mine(client, auth("leader"))
    assert leader["items"] == [] and leader["counts"] == ALL_ZERO
    # a dossier reassigned leaves the first officer's list for the second's
    await act(client, auth("leader"), c["OVER"], "assign", {"handler": "officer2"})
    assert c["OVER"] not in [i["code"] for i in (await mine(client, auth("officer")))["items"]]
    moved = await mine(client, auth("officer2"))
    assert [i["code"] for i in moved["items"]] == [c["OVER"], c["OTHER"]]


async def test_pages_follow_each_other_with_the_same_counts(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    c = await my_dossiers(client, auth, app, world)
    seen: list[str] = []
    cursor = None
    for _ in range(4):
        page = await mine(
            client, auth("officer"), limit=1, **({"cursor": cursor} if cursor else {})
        )
        assert page["counts"] == {"overdue": 1, "due_soon": 1, "on_track": 1, "paused": 1}
        seen += [i["code"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert cursor is None
    assert seen == [c["OVER"], c["PAUSED"], c["SOON"], c["TRACK"]]


@pytest.mark.parametrize(
    ("who", "params", "status", "slug"),
    [
        ("clerk", {}, 403, "missing-right"),
        ("manager", {}, 403, "missing-right"),
        ("portal", {}, 403, "missing-right"),
        ("officer", {"limit": 0}, 422, "invalid-input"),
        ("officer", {"limit": 501}, 422, "invalid-input"),
        ("officer", {"cursor": "bm9wZQ"}, 422, "invalid-input"),
    ],
)
async def test_refused(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    who: str,
    params: dict[str, Any],
    status: int,
    slug: str,
) -> None:
    resp = await client.get(URL, params=params, headers=auth(who))
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["type"] == f"/problems/{slug}"


async def test_no_login(client: httpx.AsyncClient, world: World) -> None:
    assert (await client.get(URL)).status_code == 401
