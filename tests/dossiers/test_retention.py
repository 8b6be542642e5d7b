"""Idempotency keys are forgotten after their retention, by the worker, oldest first."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from tests.dossiers.conftest import Headers, at, intake_body, set_clock
from tests.factories import World

from onestop.dossiers.intake import idempotency
from onestop.dossiers.models import IdempotencyKey
from onestop.metrics.alerts import worker as alerts_worker

URL = "/api/v1/dossiers"


async def keys(app: Any) -> list[str]:
    async with app.state.sessionmaker() as session:
        rows = await session.execute(select(IdempotencyKey.key).order_by(IdempotencyKey.id))
        return list(rows.scalars())


async def post(client: httpx.AsyncClient, auth: Headers, key: str) -> httpx.Response:
    headers = {**auth("clerk"), "Idempotency-Key": key}
    return await client.post(URL, json=intake_body(), headers=headers)


async def test_keys_past_retention_are_forgotten(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    first: dict[str, str] = {}
    for key, day in (("k-mar-02", "2026-03-02"), ("k-mar-03", "2026-03-03"),
                     ("k-mar-20", "2026-03-20"), ("k-apr-06", "2026-04-06")):  # fmt: skip
        set_clock(f"{day} 09:00")
        resp = await post(client, auth, key)
        assert resp.status_code == 201, resp.text
        first[key] = resp.json()["code"]
    async with app.state.sessionmaker() as session:
        gone = await idempotency.forget_idempotency_keys(
            session, before=at("2026-03-10 00:00"), batch=1
        )
    assert gone == 2 and await keys(app) == ["k-mar-20", "k-apr-06"]

    # a remembered key still answers with the original receipt …
    again = await post(client, auth, "k-mar-20")
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["code"] == first["k-mar-20"]
    # … a forgotten one is a new request
    fresh = await post(client, auth, "k-mar-02")
    assert fresh.status_code == 201 and "idempotent-replayed" not in fresh.headers
    assert fresh.json()["code"] != first["k-mar-02"]

    # the worker's pass forgets what is older than its retention (30 days by default)
    set_clock("2026-04-20 09:00")
    assert await alerts_worker.run_loop(app.state.sessionmaker, once=True) == 0
    assert await keys(app) == ["k-apr-06", "k-mar-02"]
    assert await alerts_worker.run_loop(app.state.sessionmaker, once=True, key_days=1) == 0
    assert await keys(app) == []
