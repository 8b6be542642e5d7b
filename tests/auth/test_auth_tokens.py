"""Bearer tokens and /auth/me: missing, malformed, forged, expired and disabled-account tokens get a
401 problem; a missing right gets a 403 problem naming it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from tests.auth.helpers import assert_problem, snapshot
from tests.factories import CLIENT_SECRET, World, login

from onestop.auth.principal import ROLE_RIGHTS
from onestop.auth.tokens import issue_token
from onestop.core import clock
from onestop.core.settings import Settings

ME = "/api/v1/auth/me"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_me_for_a_user(client: httpx.AsyncClient, world: World) -> None:
    resp = await client.get(ME, headers=await login(client, "leader"))
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "kind": "user",
        "username": "leader",
        "client_id": None,
        "full_name": "Lê Văn Lãnh Đạo",
        "title": "Phó Giám đốc",
        "role": "leader",
        "unit_code": "000.00.10.H99",
        "unit_name": "Sở Tư pháp",
        "rights": sorted(ROLE_RIGHTS["leader"]),
        "scopes": [],
        "unit_codes": [],
    }


async def test_me_for_a_client(client: httpx.AsyncClient, world: World) -> None:
    token = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "portal",
            "client_secret": CLIENT_SECRET,
        },
    )
    resp = await client.get(ME, headers=bearer(token.json()["access_token"]))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["kind"] == "client" and body["client_id"] == "portal"
    assert body["username"] is None and body["role"] is None
    assert body["full_name"] == "Cổng Dịch vụ công"
    assert body["scopes"] == ["dossier:submit", "dossier:view"]
    assert body["unit_codes"] == ["000.00.00.H99"]


async def test_missing_token(client: httpx.AsyncClient, world: World) -> None:
    resp = await client.get(ME)
    assert_problem(resp, 401, "unauthenticated")
    assert resp.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer not-a-jwt",
        "Bearer eyJhbGciOiJIUzI1NiJ9.e30.",
        "Bearer " + "a" * 2000,
        "Basic YWRtaW46cGFzc3dvcmQ=",
        "Bearer",
    ],
)
async def test_malformed_token(client: httpx.AsyncClient, world: World, authorization: str) -> None:
    resp = await client.get(ME, headers={"Authorization": authorization})
    assert_problem(resp, 401)


async def test_forged_token(client: httpx.AsyncClient, world: World) -> None:
    forged = issue_token(
        f"user:{world.users['admin'].id}", secret="some-other-secret-0123456789abcdef", minutes=60
    )
    assert_problem(await client.get(ME, headers=bearer(forged)), 401, "invalid-token")


async def test_token_with_alg_none_is_refused(client: httpx.AsyncClient, world: World) -> None:
    import jwt

    unsigned = jwt.encode(
        {"sub": f"user:{world.users['admin'].id}", "iss": "onestop", "exp": 4_102_444_800},
        key="",  # PyJWT's "none" algorithm takes no key: "" stands for none
        algorithm="none",
    )
    assert_problem(await client.get(ME, headers=bearer(unsigned)), 401, "invalid-token")


@pytest.mark.parametrize("subject", ["user:999999", "robot:1", "user:abc", "client:999999"])
async def test_token_for_no_such_account(
    client: httpx.AsyncClient, world: World, settings: Settings, subject: str
) -> None:
    token = issue_token(subject, secret=settings.secret_key, minutes=60)
    assert_problem(await client.get(ME, headers=bearer(token)), 401, "invalid-token")


async def test_expired_token(
    client: httpx.AsyncClient, world: World, frozen_now: dt.datetime
) -> None:
    headers = await login(client, "clerk")
    clock.set_now(frozen_now + dt.timedelta(minutes=59))
    assert (await client.get(ME, headers=headers)).status_code == 200
    clock.set_now(frozen_now + dt.timedelta(minutes=60))
    assert_problem(await client.get(ME, headers=headers), 401, "token-expired")


async def test_token_of_disabled_user(
    client: httpx.AsyncClient, world: World, admin: dict[str, str]
) -> None:
    headers = await login(client, "officer")
    assert (await client.get(ME, headers=headers)).status_code == 200
    resp = await client.patch("/api/v1/users/officer", json={"is_active": False}, headers=admin)
    assert resp.status_code == 200, resp.text
    assert_problem(await client.get(ME, headers=headers), 401, "invalid-token")
    # Enabled again, the same token works until it expires.
    await client.patch("/api/v1/users/officer", json={"is_active": True}, headers=admin)
    assert (await client.get(ME, headers=headers)).status_code == 200


@pytest.mark.parametrize(
    ("username", "method", "path", "right"),
    [
        ("clerk", "POST", "/api/v1/users", "user:write"),
        ("manager", "GET", "/api/v1/users", "user:write"),
        ("leader", "GET", "/api/v1/users/clerk", "user:write"),
        ("officer", "PATCH", "/api/v1/users/clerk", "user:write"),
        ("clerk", "POST", "/api/v1/api-clients", "user:write"),
        ("clerk", "GET", "/api/v1/api-clients", "user:write"),
        ("leader", "POST", "/api/v1/api-clients/portal/rotate-secret", "user:write"),
        ("manager", "GET", "/api/v1/audit", "audit:view"),
    ],
)
async def test_missing_right_is_a_403_naming_it(
    client: httpx.AsyncClient,
    app: Any,
    world: World,
    username: str,
    method: str,
    path: str,
    right: str,
) -> None:
    headers = await login(client, username)
    before = await snapshot(app)
    body_json = (
        {
            "username": "newbie",
            "password": "long-enough-pw",
            "full_name": "X",
            "role": "clerk",
            "unit_code": "000.00.01.H99",
        }
        if path == "/api/v1/users"
        else {"is_active": False}
        if method == "PATCH"
        else None
    )
    resp = await client.request(method, path, headers=headers, json=body_json)
    body = assert_problem(resp, 403, "missing-right")
    assert body["right"] == right
    assert right in body["detail"]
    assert await snapshot(app) == before


async def test_client_token_cannot_manage_users(client: httpx.AsyncClient, world: World) -> None:
    token = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "portal",
            "client_secret": CLIENT_SECRET,
        },
    )
    resp = await client.get("/api/v1/users", headers=bearer(token.json()["access_token"]))
    assert assert_problem(resp, 403, "missing-right")["right"] == "user:write"


async def test_account_change_made_by_another_worker_applies_within_the_cache_lifetime(
    client: httpx.AsyncClient, world: World, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import update

    from onestop.auth import service_common
    from onestop.auth.models import User

    headers = await login(client, "officer")
    assert (await client.get(ME, headers=headers)).status_code == 200
    # Another process disables the account: the row changes, this process is not told.
    async with app.state.sessionmaker() as s:
        await s.execute(update(User).where(User.username == "officer").values(is_active=False))
        await s.commit()
    assert (await client.get(ME, headers=headers)).status_code == 200  # the cached principal
    later = service_common._monotonic() + service_common.PRINCIPAL_TTL_SECONDS + 0.1
    monkeypatch.setattr(service_common, "_monotonic", lambda: later)
    assert_problem(await client.get(ME, headers=headers), 401, "invalid-token")
