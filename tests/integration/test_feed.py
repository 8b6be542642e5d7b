"""The changes feed: every event in commit order from a durable cursor, none skipped when
transactions commit out of order (PostgreSQL), scoped like the dossier list."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from sqlalchemy import insert, select
from tests.dossiers.conftest import Headers, act, create
from tests.factories import World
from tests.integration.helpers import settled

from onestop.dossiers.models import Dossier, DossierEvent

URL = "/api/v1/changes"


async def read_all(
    client: httpx.AsyncClient, headers: dict[str, str], after: str | None = None, limit: int = 2
) -> tuple[list[dict[str, Any]], str]:
    """Every item from ``after`` on, page by page; and the cursor to resume from."""
    items: list[dict[str, Any]] = []
    while True:
        params: dict[str, Any] = {"limit": limit}
        if after is not None:
            params["after"] = after
        resp = await client.get(URL, params=params, headers=headers)
        assert resp.status_code == 200, resp.text
        page = resp.json()
        items += page["items"]
        after = page["next_cursor"]
        if not page["more"]:
            assert after is not None
            return items, after


async def test_feed_lists_every_event_in_order_and_resumes(
    app: Any, client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    first = (await create(client, auth("clerk")))["code"]
    second = (await create(client, auth("clerk")))["code"]
    await act(client, auth("clerk"), first, "transfer")
    await settled(app)
    items, cursor = await read_all(client, auth("admin"))
    assert [(i["dossier"], i["seq"], i["type"]) for i in items] == [
        (first, 1, "receive"),
        (second, 1, "receive"),
        (first, 2, "transfer"),
    ]
    assert (items[2]["from_status"], items[2]["to_status"], items[2]["unit"]) == (
        2,
        4,
        "000.00.01.H99",
    )
    assert items[0]["at"] == "2026-03-10T09:00:00+07:00"
    # Nothing new: the same position comes back; a new event follows it.
    again, same = await read_all(client, auth("admin"), cursor)
    assert (again, same) == ([], cursor)
    await act(client, auth("clerk"), second, "transfer")
    await settled(app)
    more, _ = await read_all(client, auth("admin"), cursor)
    assert [(i["dossier"], i["seq"]) for i in more] == [(second, 2)]


async def test_feed_is_scoped_like_the_dossier_list(
    app: Any, client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    await create(client, auth("clerk"))
    await settled(app)
    mine, _ = await read_all(client, auth("clerk"))
    assert len(mine) == 1
    others, _ = await read_all(client, auth("clerk_a"))  # a commune's clerk: another unit
    assert others == []


async def test_bad_cursor_is_a_422_naming_after(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    for bad in ("nonsense", "WzEsMiwzXQ", "WyJhIiwxXQ"):  # not base64 JSON; 3 parts; text part
        resp = await client.get(URL, params={"after": bad}, headers=auth("admin"))
        assert resp.status_code == 422, resp.text
        assert resp.headers["content-type"].startswith("application/problem+json")
        assert resp.json()["errors"][0]["loc"] == ["query", "after"]


async def test_a_transaction_that_commits_late_is_never_skipped(
    app: Any, client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    """T1 writes an event and stays open; T2 writes one and commits. The feed shows neither
    until T1 ends (T2's row sits after T1's), then both, in order, from the same cursor."""
    code = (await create(client, auth("clerk")))["code"]
    await settled(app)
    before, cursor = await read_all(client, auth("admin"))
    assert len(before) == 1
    async with app.state.sessionmaker() as s:
        dossier_id = (await s.execute(select(Dossier.id).where(Dossier.code == code))).scalar_one()
    engine = app.state.engine
    if engine.dialect.name != "postgresql":
        return  # SQLite runs one writer at a time: no second transaction can overlap
    async with app.state.sessionmaker() as s:  # the group-commit intake left txid to the server
        txids = (await s.execute(select(DossierEvent.txid))).scalars().all()
    assert txids and all(t > 0 for t in txids)
    now = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)

    def row(seq: int) -> dict[str, Any]:
        return {
            "dossier_id": dossier_id, "seq": seq, "type": "correction", "at": now,
            "recorded_at": now, "actor": "user:admin", "unit_id": None, "from_status": 2,
            "to_status": 2, "payload": {},
        }  # fmt: skip

    async with engine.connect() as t1, engine.connect() as t2:
        await t1.begin()
        await t1.execute(insert(DossierEvent).values(row(10)))
        await t2.begin()
        await t2.execute(insert(DossierEvent).values(row(11)))
        await t2.commit()
        held, held_cursor = await read_all(client, auth("admin"), cursor)
        assert (held, held_cursor) == ([], cursor)
        await t1.commit()
    await settled(app)
    after, _ = await read_all(client, auth("admin"), cursor)
    assert [i["seq"] for i in after] == [10, 11]
