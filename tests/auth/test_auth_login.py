"""POST /api/v1/auth/token: password and client-credentials grants, refusals, the failed-login
limit (per name and per address, reset after the window), audit rows, the /docs login."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import httpx
import pytest
from tests.auth.helpers import assert_problem, audit_rows, snapshot
from tests.factories import CLIENT_SECRET, PASSWORD, World

from onestop.auth.principal import ROLE_RIGHTS
from onestop.core import clock

TOKEN = "/api/v1/auth/token"


def _client_from(app: Any, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://onestop.test")


@pytest.mark.parametrize(
    ("username", "unit_code"),
    [
        ("admin", "000.00.00.H99"),
        ("clerk", "000.00.01.H99"),
        ("officer", "000.00.10.H99"),
        ("leader", "000.00.10.H99"),
        ("manager", "000.00.00.H99"),
    ],
)
async def test_login_ok_for_each_role(
    client: httpx.AsyncClient, app: Any, world: World, username: str, unit_code: str
) -> None:
    resp = await client.post(TOKEN, data={"username": username, "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    assert resp.headers["cache-control"] == "no-store"
    body = resp.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["kind"] == "user"
    assert body["role"] == username
    assert body["unit_code"] == unit_code
    assert set(body["scope"].split()) == ROLE_RIGHTS[username]
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200 and me.json()["username"] == username
    [entry] = await audit_rows(app, action="login.success")
    assert entry.actor == f"user:{username}" and entry.object_id == username
    assert PASSWORD not in str(entry.detail)


async def test_explicit_password_grant(client: httpx.AsyncClient, world: World) -> None:
    resp = await client.post(
        TOKEN, data={"grant_type": "password", "username": "clerk", "password": PASSWORD}
    )
    assert resp.status_code == 200, resp.text


async def test_wrong_password_and_unknown_user_look_the_same(
    client: httpx.AsyncClient, app: Any, world: World
) -> None:
    before = await snapshot(app)
    wrong = await client.post(TOKEN, data={"username": "clerk", "password": "not-the-password"})
    body_wrong = assert_problem(wrong, 401, "invalid-credentials")
    unknown = await client.post(TOKEN, data={"username": "nobody", "password": PASSWORD})
    body_unknown = assert_problem(unknown, 401, "invalid-credentials")
    assert body_wrong["detail"] == body_unknown["detail"]
    assert "access_token" not in body_wrong
    after = await snapshot(app)
    # Accounts untouched; each refusal counted (name + address) and audited.
    assert after["users"] == before["users"] and after["clients"] == before["clients"]
    assert after["failures"] == before["failures"] + 4
    assert after["audit"] == before["audit"] + 2
    refused = await audit_rows(app, action="login.refused")
    assert [(e.object_id, e.detail["reason"]) for e in refused] == [
        ("clerk", "wrong-password"),
        ("nobody", "unknown-user"),
    ]
    assert all(e.actor == "anonymous" for e in refused)
    assert all(
        "not-the-password" not in str(e.detail) and PASSWORD not in str(e.detail) for e in refused
    )


async def test_disabled_user_cannot_log_in(
    client: httpx.AsyncClient, world: World, admin: dict[str, str]
) -> None:
    resp = await client.patch("/api/v1/users/clerk", json={"is_active": False}, headers=admin)
    assert resp.status_code == 200, resp.text
    refused = await client.post(TOKEN, data={"username": "clerk", "password": PASSWORD})
    assert_problem(refused, 401, "invalid-credentials")


@pytest.mark.parametrize(
    "data",
    [
        {"username": "clerk"},
        {"password": PASSWORD},
        {},
    ],
)
async def test_missing_fields_are_invalid(
    client: httpx.AsyncClient, app: Any, world: World, data: dict[str, str]
) -> None:
    before = await snapshot(app)
    assert_problem(await client.post(TOKEN, data=data), 422)
    assert await snapshot(app) == before


async def test_unknown_grant_type_is_invalid(
    client: httpx.AsyncClient, app: Any, world: World
) -> None:
    before = await snapshot(app)
    resp = await client.post(
        TOKEN, data={"grant_type": "implicit", "username": "clerk", "password": PASSWORD}
    )
    assert_problem(resp, 422, "invalid-input")
    assert await snapshot(app) == before


async def test_oversized_username_is_invalid(client: httpx.AsyncClient, world: World) -> None:
    resp = await client.post(TOKEN, data={"username": "x" * 500, "password": PASSWORD})
    assert_problem(resp, 422, "invalid-input")


async def test_rate_limit_per_username_and_reset_after_window(
    client: httpx.AsyncClient, app: Any, world: World, frozen_now: dt.datetime
) -> None:
    for _ in range(5):
        resp = await client.post(TOKEN, data={"username": "clerk", "password": "wrong-password"})
        assert_problem(resp, 401, "invalid-credentials")
    failures = (await snapshot(app))["failures"]
    # Even the right password is refused now, with a Retry-After (window is 300 s).
    blocked = await client.post(TOKEN, data={"username": "clerk", "password": PASSWORD})
    body = assert_problem(blocked, 429, "too-many-login-failures")
    assert blocked.headers["retry-after"] == "300"
    assert body["retry_after"] == 300
    assert "access_token" not in body
    # A blocked attempt is audited but does not extend the block.
    assert (await snapshot(app))["failures"] == failures
    [entry] = [
        e
        for e in await audit_rows(app, action="login.refused")
        if e.detail["reason"] == "rate-limited"
    ]
    assert entry.object_id == "clerk"

    clock.set_now(frozen_now + dt.timedelta(seconds=299))
    still = await client.post(TOKEN, data={"username": "clerk", "password": PASSWORD})
    assert_problem(still, 429)
    assert still.headers["retry-after"] == "1"

    clock.set_now(frozen_now + dt.timedelta(seconds=300))
    ok = await client.post(TOKEN, data={"username": "clerk", "password": PASSWORD})
    assert ok.status_code == 200, ok.text


async def test_rate_limit_per_address(client: httpx.AsyncClient, app: Any, world: World) -> None:
    # Five different names, one address: the address is blocked, for every name.
    for name in ("a1x", "a2x", "a3x", "a4x", "a5x"):
        resp = await client.post(TOKEN, data={"username": name, "password": "wrong-password"})
        assert_problem(resp, 401)
    blocked = await client.post(TOKEN, data={"username": "officer", "password": PASSWORD})
    assert_problem(blocked, 429, "too-many-login-failures")
    assert int(blocked.headers["retry-after"]) > 0
    # Another address is not affected.
    async with _client_from(app, "10.1.2.3") as other:
        ok = await other.post(TOKEN, data={"username": "officer", "password": PASSWORD})
    assert ok.status_code == 200, ok.text


async def test_rate_limit_applies_to_clients(
    client: httpx.AsyncClient, app: Any, world: World
) -> None:
    for i in range(5):
        async with _client_from(app, f"10.9.0.{i}") as c:
            resp = await c.post(
                TOKEN,
                data={
                    "grant_type": "client_credentials",
                    "client_id": "portal",
                    "client_secret": "wrong-secret",
                },
            )
            assert_problem(resp, 401, "invalid-client")
    blocked = await client.post(
        TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_id": "portal",
            "client_secret": CLIENT_SECRET,
        },
    )
    assert_problem(blocked, 429, "too-many-login-failures")
    assert "retry-after" in blocked.headers


async def test_success_resets_the_name_counter(app: Any, world: World) -> None:
    async def attempt(address: str, password: str) -> int:
        async with _client_from(app, address) as c:
            resp = await c.post(TOKEN, data={"username": "leader", "password": password})
            return resp.status_code

    for _ in range(4):
        assert await attempt("10.0.0.1", "wrong-password") == 401
    assert await attempt("10.0.0.2", PASSWORD) == 200
    for _ in range(4):
        assert await attempt("10.0.0.3", "wrong-password") == 401
    # 8 failures for the name in the window, but the success in between reset its counter.
    assert await attempt("10.0.0.4", PASSWORD) == 200


async def test_client_credentials_in_form(
    client: httpx.AsyncClient, app: Any, world: World
) -> None:
    resp = await client.post(
        TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_id": "portal",
            "client_secret": CLIENT_SECRET,
        },
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["kind"] == "client" and body["token_type"] == "bearer"
    assert set(body["scope"].split()) == {"dossier:submit", "dossier:view"}
    assert body["unit_codes"] == ["000.00.00.H99"]
    assert body["role"] is None
    [entry] = await audit_rows(app, action="login.success")
    assert entry.actor == "client:portal" and entry.object_type == "api_client"
    assert CLIENT_SECRET not in str(entry.detail)


async def test_client_credentials_in_basic_header(client: httpx.AsyncClient, world: World) -> None:
    basic = base64.b64encode(f"portal:{CLIENT_SECRET}".encode()).decode()
    resp = await client.post(
        TOKEN,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert resp.status_code == 200, resp.text
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {resp.json()['access_token']}"}
    )
    assert me.json()["client_id"] == "portal"


@pytest.mark.parametrize(
    ("data", "headers"),
    [
        ({"client_id": "portal", "client_secret": "wrong-secret"}, {}),
        ({"client_id": "nobody", "client_secret": CLIENT_SECRET}, {}),
        ({}, {}),
        ({}, {"Authorization": "Basic !!!not-base64"}),
        ({}, {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()}),
        ({}, {"Authorization": "Bearer abc"}),
    ],
)
async def test_client_credentials_refused(
    client: httpx.AsyncClient,
    app: Any,
    world: World,
    data: dict[str, str],
    headers: dict[str, str],
) -> None:
    before = await snapshot(app)
    resp = await client.post(
        TOKEN, data={"grant_type": "client_credentials", **data}, headers=headers
    )
    assert_problem(resp, 401, "invalid-client")
    after = await snapshot(app)
    assert after["users"] == before["users"] and after["clients"] == before["clients"]


async def test_wrong_and_unknown_client_look_the_same(
    client: httpx.AsyncClient, world: World
) -> None:
    a = await client.post(
        TOKEN,
        data={"grant_type": "client_credentials", "client_id": "portal", "client_secret": "x"},
    )
    b = await client.post(
        TOKEN,
        data={"grant_type": "client_credentials", "client_id": "nope", "client_secret": "x"},
    )
    assert a.json()["detail"] == b.json()["detail"]


@pytest.mark.no_database
async def test_docs_can_log_in(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    [scheme] = spec["components"]["securitySchemes"].values()
    assert scheme["type"] == "oauth2"
    assert scheme["flows"]["password"]["tokenUrl"] == TOKEN
    assert scheme["flows"]["clientCredentials"]["tokenUrl"] == TOKEN
    body = spec["paths"][TOKEN]["post"]["requestBody"]["content"]
    assert "application/x-www-form-urlencoded" in body
    assert (await client.get("/docs")).status_code == 200
