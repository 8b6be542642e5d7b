"""Logging out ends the token, not only the cookie: ``POST /web/logout`` and
``POST /api/v1/auth/logout`` raise the account's token version, which is part of the credential
tag every token carries; the worker that logged out forgets the cached principal at once, the
others within ``PRINCIPAL_TTL_SECONDS``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from tests.auth.helpers import assert_problem
from tests.factories import CLIENT_SECRET, PASSWORD, World, login

from onestop.app import create_app
from onestop.auth import service_common
from onestop.auth.models import AuditEntry
from onestop.core.settings import Settings

ME = "/api/v1/auth/me"
LOGOUT = "/api/v1/auth/logout"
ORIGIN = {"Origin": "http://onestop.test"}
COOKIE = "onestop_session"


async def test_api_logout_ends_every_token_of_the_account(
    client: httpx.AsyncClient, app: Any, world: World
) -> None:
    first = await login(client, "clerk")
    second = await login(client, "clerk")  # another device
    other = await login(client, "officer")
    assert (await client.get(ME, headers=first)).status_code == 200  # cached in this worker
    resp = await client.post(LOGOUT, headers=first)
    assert resp.status_code == 204 and resp.content == b""
    for headers in (first, second):
        problem = assert_problem(await client.get(ME, headers=headers), 401, "token-revoked")
        assert "đăng xuất" in problem["detail"]
    assert_problem(await client.post(LOGOUT, headers=first), 401, "token-revoked")
    assert (await client.get(ME, headers=other)).status_code == 200  # other accounts go on
    again = await login(client, "clerk")
    assert (await client.get(ME, headers=again)).status_code == 200
    async with app.state.sessionmaker() as s:
        rows = (await s.execute(select(AuditEntry).where(AuditEntry.action == "logout"))).all()
    assert [(r[0].actor, r[0].object_id) for r in rows] == [("user:clerk", "clerk")]


async def test_an_api_client_logs_out_too(client: httpx.AsyncClient, world: World) -> None:
    resp = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "portal",
            "client_secret": CLIENT_SECRET,
        },
    )
    headers = {"Authorization": f"Bearer {resp.json()['access_token']}"}
    assert (await client.get(ME, headers=headers)).status_code == 200
    assert (await client.post(LOGOUT, headers=headers)).status_code == 204
    assert_problem(await client.get(ME, headers=headers), 401, "token-revoked")
    assert_problem(await client.post(LOGOUT), 401)


async def test_web_logout_ends_the_cookies_token(client: httpx.AsyncClient, world: World) -> None:
    resp = await client.post(
        "/web/login", data={"username": "clerk", "password": PASSWORD}, headers=ORIGIN
    )
    assert resp.status_code == 303
    token = client.cookies[COOKIE]
    assert (await client.get("/web/counter")).status_code == 200
    resp = await client.post("/web/logout", headers=ORIGIN)
    assert resp.status_code == 303 and resp.headers["location"] == "/web/login"
    # a copy of the old cookie opens nothing: not the pages, not the API
    client.cookies.set(COOKIE, token, domain="onestop.test")
    resp = await client.get("/web/counter")
    assert resp.status_code == 303 and "expired=1" in resp.headers["location"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert_problem(await client.get(ME, headers=bearer), 401, "token-revoked")
    # logging out without a valid session just clears the cookie
    resp = await client.post("/web/logout", headers=ORIGIN)
    assert resp.status_code == 303


async def test_another_worker_accepts_the_token_at_most_the_cache_lifetime(
    client: httpx.AsyncClient,
    world: World,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A second application on the same database stands for another worker process."""
    now = [1000.0]
    monkeypatch.setattr(service_common, "_monotonic", lambda: now[0])
    other = create_app(settings)
    transport = httpx.ASGITransport(app=other)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://onestop.test") as w2:
            headers = await login(client, "clerk")
            assert (await w2.get(ME, headers=headers)).status_code == 200  # cached there
            assert (await client.post(LOGOUT, headers=headers)).status_code == 204
            assert_problem(await client.get(ME, headers=headers), 401, "token-revoked")
            now[0] += service_common.PRINCIPAL_TTL_SECONDS - 0.5
            assert (await w2.get(ME, headers=headers)).status_code == 200  # its stale copy
            now[0] += 1.0
            assert_problem(await w2.get(ME, headers=headers), 401, "token-revoked")
    finally:
        await other.state.engine.dispose()
