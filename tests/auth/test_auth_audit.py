"""GET /api/v1/audit: newest first, filters, keyset paging, bad queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from tests.auth.helpers import assert_problem
from tests.factories import World

from onestop.core import clock

AUDIT = "/api/v1/audit"


async def _history(
    client: httpx.AsyncClient, admin: dict[str, str], frozen_now: dt.datetime
) -> None:
    """Three writes a minute apart after the admin's login (at frozen_now)."""
    for minutes, (path, body) in enumerate(
        [
            ("/api/v1/users/clerk", {"title": "Tổ trưởng"}),
            ("/api/v1/users/officer", {"title": "Chuyên viên chính"}),
            ("/api/v1/users/clerk", {"full_name": "Nguyễn Thị Một Cửa"}),
        ],
        start=1,
    ):
        clock.set_now(frozen_now + dt.timedelta(minutes=minutes))
        resp = await client.patch(path, json=body, headers=admin)
        assert resp.status_code == 200, resp.text


async def test_audit_lists_newest_first(
    client: httpx.AsyncClient, world: World, admin: dict[str, str], frozen_now: dt.datetime
) -> None:
    await _history(client, admin, frozen_now)
    resp = await client.get(AUDIT, headers=admin)
    assert resp.status_code == 200, resp.text
    items = resp.json()["items"]
    assert [(e["action"], e["object_id"]) for e in items] == [
        ("user.update", "clerk"),
        ("user.update", "officer"),
        ("user.update", "clerk"),
        ("login.success", "admin"),
    ]
    assert items[0]["actor"] == "user:admin"
    assert items[0]["at"] == "2026-03-10T02:03:00Z"
    assert items[0]["detail"] == {"full_name": "Nguyễn Thị Một Cửa"}
    assert items[0]["request_id"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"object_type": "user", "object_id": "clerk"}, [3, 1]),
        ({"object_id": "officer"}, [2]),
        ({"actor": "user:admin"}, [3, 2, 1, 0]),
        ({"actor": "user:clerk"}, []),
        ({"object_type": "api_client"}, []),
        ({"from": "2026-03-10T09:02:00+07:00"}, [3, 2]),
        ({"to": "2026-03-10T02:02:00Z"}, [1, 0]),
        ({"from": "2026-03-10T02:01:00Z", "to": "2026-03-10T02:03:00Z"}, [2, 1]),
    ],
)
async def test_audit_filters(
    client: httpx.AsyncClient,
    world: World,
    admin: dict[str, str],
    frozen_now: dt.datetime,
    params: dict[str, str],
    expected: list[int],
) -> None:
    await _history(client, admin, frozen_now)
    items = (await client.get(AUDIT, params=params, headers=admin)).json()["items"]
    minute = {frozen_now + dt.timedelta(minutes=m): m for m in range(4)}
    assert [minute[dt.datetime.fromisoformat(e["at"])] for e in items] == expected


async def test_audit_pages(
    client: httpx.AsyncClient, world: World, admin: dict[str, str], frozen_now: dt.datetime
) -> None:
    await _history(client, admin, frozen_now)
    # Several entries at the same instant too: the id breaks ties.
    for _ in range(3):
        await client.patch("/api/v1/users/leader", json={"title": None}, headers=admin)
        await client.patch("/api/v1/users/leader", json={"title": "Phó Giám đốc"}, headers=admin)
    everything = (await client.get(AUDIT, headers=admin)).json()["items"]
    assert len(everything) == 10
    seen: list[int] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get(AUDIT, params=params, headers=admin)).json()
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [e["id"] for e in everything]


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-03-10T09:00:00"},  # no offset
        {"from": "yesterday"},
        {"to": "0.5"},  # not read as a Unix timestamp
        {"from": "2026-03-10T03:00:00Z", "to": "2026-03-10T02:00:00Z"},
        {"cursor": "WzFd"},  # [1]
        {"cursor": "WyJub3QgYSBkYXRlIiwgMV0"},  # ["not a date", 1]
        {"cursor": "%%%"},
        {"limit": 1000},
        {"from": "0001-01-01T00:00:00+05:00"},  # before year 1 in UTC
        {"to": "9999-12-31T23:59:59-05:00"},  # after year 9999 in UTC
        {"cursor": "WyIwMDAxLTAxLTAxVDAwOjAwOjAwKzA1OjAwIiwgMV0"},  # out-of-range instant
        {
            "cursor": "WyIyMDI2LTAzLTEwVDAyOjAwOjAwKzAwOjAwIiwgOTIyMzM3MjAzNjg1NDc3NTgwOF0"
        },  # id 2**63
    ],
)
async def test_audit_bad_query(
    client: httpx.AsyncClient, world: World, admin: dict[str, str], params: dict[str, Any]
) -> None:
    assert_problem(await client.get(AUDIT, params=params, headers=admin), 422)
