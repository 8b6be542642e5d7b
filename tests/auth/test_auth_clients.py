"""API clients (create, list, rotate the secret) and the service functions the CLI calls."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from tests.auth.helpers import assert_problem, audit_rows, snapshot
from tests.factories import CLIENT_SECRET, World, login

from onestop.auth import service
from onestop.auth.models import ApiClient, AuditEntry
from onestop.core.errors import Conflict, InvalidInput, NotFound

CLIENTS = "/api/v1/api-clients"
TOKEN = "/api/v1/auth/token"


def new_client(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "client_id": "importer",
        "name": "Nhập dữ liệu cũ",
        "scopes": ["dossier:import", "dossier:view"],
        "unit_codes": ["000.00.10.H99", "000.01.20.H99"],
    }
    body.update(over)
    return body


async def _client_token(client: httpx.AsyncClient, client_id: str, secret: str) -> httpx.Response:
    return await client.post(
        TOKEN,
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )


async def test_create_client_returns_secret_once(
    client: httpx.AsyncClient, app: Any, world: World, admin: dict[str, str]
) -> None:
    resp = await client.post(CLIENTS, json=new_client(), headers=admin)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    secret = body["client_secret"]
    assert len(secret) >= 40
    assert body["client"] == {
        "client_id": "importer",
        "name": "Nhập dữ liệu cũ",
        "scopes": ["dossier:import", "dossier:view"],
        "unit_codes": ["000.00.10.H99", "000.01.20.H99"],
        "is_active": True,
        "created_at": "2026-03-10T02:00:00Z",
    }
    # Stored only hashed; never listed again.
    async with app.state.sessionmaker() as s:
        stored = (
            await s.execute(select(ApiClient).where(ApiClient.client_id == "importer"))
        ).scalar_one()
    assert stored.secret_hash.startswith("$argon2") and secret not in stored.secret_hash
    listing = await client.get(CLIENTS, headers=admin)
    assert secret not in listing.text and "secret" not in listing.text
    assert [c["client_id"] for c in listing.json()["items"]] == ["portal", "importer"]
    [entry] = await audit_rows(app, action="api_client.create")
    assert entry.actor == "user:admin" and entry.object_id == "importer"
    assert secret not in str(entry.detail)
    # The secret works.
    token = await _client_token(client, "importer", secret)
    assert token.status_code == 200, token.text
    assert set(token.json()["scope"].split()) == {"dossier:import", "dossier:view"}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (new_client(client_id="portal"), 409, "duplicate-client-id"),
        (new_client(scopes=["dossier:view", "user:write"]), 422, "unknown-scope"),
        (new_client(scopes=[]), 422, "invalid-input"),
        (new_client(unit_codes=["000.00.10.H99", "999.99.99.H99"]), 404, "unknown-unit"),
        (new_client(unit_codes=[]), 422, "invalid-input"),
        (new_client(client_id="Bad Id"), 422, "invalid-input"),
        (new_client(secret="chosen-by-me"), 422, "invalid-input"),
        (new_client(scopes="dossier:view"), 422, "invalid-input"),
    ],
)
async def test_create_client_refused(
    client: httpx.AsyncClient,
    app: Any,
    world: World,
    admin: dict[str, str],
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    before = await snapshot(app)
    problem = assert_problem(await client.post(CLIENTS, json=body, headers=admin), status, code)
    if code == "unknown-scope":
        assert problem["scopes"] == ["user:write"]
    assert await snapshot(app) == before


async def test_create_client_malformed_json(
    client: httpx.AsyncClient, app: Any, world: World, admin: dict[str, str]
) -> None:
    before = await snapshot(app)
    resp = await client.post(
        CLIENTS, content=b"[", headers={**admin, "Content-Type": "application/json"}
    )
    assert_problem(resp, 400, "malformed-json")
    assert await snapshot(app) == before


async def test_rotate_secret(
    client: httpx.AsyncClient, app: Any, world: World, admin: dict[str, str]
) -> None:
    issued = await _client_token(client, "portal", CLIENT_SECRET)
    before = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    assert (await client.get("/api/v1/auth/me", headers=before)).status_code == 200
    resp = await client.post(f"{CLIENTS}/portal/rotate-secret", headers=admin)
    assert resp.status_code == 200, resp.text
    assert_problem(await client.get("/api/v1/auth/me", headers=before), 401, "token-revoked")
    new_secret = resp.json()["client_secret"]
    assert new_secret != CLIENT_SECRET
    assert resp.json()["client"]["client_id"] == "portal"
    assert_problem(await _client_token(client, "portal", CLIENT_SECRET), 401, "invalid-client")
    assert (await _client_token(client, "portal", new_secret)).status_code == 200
    [entry] = await audit_rows(app, action="api_client.rotate-secret")
    assert entry.object_id == "portal" and new_secret not in str(entry.detail)


async def test_rotate_unknown_client(
    client: httpx.AsyncClient, app: Any, world: World, admin: dict[str, str]
) -> None:
    before = await snapshot(app)
    resp = await client.post(f"{CLIENTS}/nobody/rotate-secret", headers=admin)
    assert_problem(resp, 404, "unknown-client")
    assert await snapshot(app) == before


async def test_list_clients_pages(
    client: httpx.AsyncClient, world: World, admin: dict[str, str]
) -> None:
    for i in range(3):
        resp = await client.post(CLIENTS, json=new_client(client_id=f"sys{i}"), headers=admin)
        assert resp.status_code == 201
    first = (await client.get(CLIENTS, params={"limit": 2}, headers=admin)).json()
    assert [c["client_id"] for c in first["items"]] == ["portal", "sys0"]
    second = (
        await client.get(
            CLIENTS, params={"limit": 2, "cursor": first["next_cursor"]}, headers=admin
        )
    ).json()
    assert [c["client_id"] for c in second["items"]] == ["sys1", "sys2"]
    assert second["next_cursor"] is None


# --- the service functions the CLI uses ----------------------------------------------------------


async def test_service_create_user_and_client(
    client: httpx.AsyncClient, app: Any, world: World
) -> None:
    async with app.state.sessionmaker() as s:
        user = await service.create_user(
            session=s,
            username="cli.user",
            password="cli-password-123",
            full_name="Người Dùng Dòng Lệnh",
            role="leader",
            unit_code="000.00.11.H99",
            title="Giám đốc",
        )
        assert user.id is not None and user.password_hash.startswith("$argon2")
        api_client, secret = await service.create_api_client(
            session=s,
            client_id="cli-client",
            name="Ứng dụng CLI",
            scopes=["dossier:submit"],
            unit_codes=["000.00.00.H99"],
            actor="system:cli",
        )
        assert api_client.scopes == ["dossier:submit"]
    await login(client, "cli.user", "cli-password-123")
    assert (await _client_token(client, "cli-client", secret)).status_code == 200
    actors = {e.action: e.actor for e in await audit_rows(app)}
    assert actors["user.create"] == "system"
    assert actors["api_client.create"] == "system:cli"


@pytest.mark.parametrize(
    ("kw", "error", "code"),
    [
        ({"username": "clerk"}, Conflict, "duplicate-username"),
        ({"role": "root"}, InvalidInput, "unknown-role"),
        ({"unit_code": "nope"}, NotFound, "unknown-unit"),
        ({"password": "short"}, InvalidInput, "weak-password"),
        ({"username": "UPPER"}, InvalidInput, "invalid-identifier"),
        ({"full_name": "  "}, InvalidInput, "invalid-input"),
    ],
)
async def test_service_create_user_refused(
    app: Any, world: World, kw: dict[str, Any], error: type[Exception], code: str
) -> None:
    args: dict[str, Any] = {
        "username": "cli.user",
        "password": "cli-password-123",
        "full_name": "Tên",
        "role": "clerk",
        "unit_code": "000.00.01.H99",
    }
    args.update(kw)
    before = await snapshot(app)
    async with app.state.sessionmaker() as s:
        with pytest.raises(error) as caught:
            await service.create_user(session=s, **args)
    assert getattr(caught.value, "code", None) == code
    assert await snapshot(app) == before


@pytest.mark.parametrize(
    ("kw", "error", "code"),
    [
        ({"client_id": "portal"}, Conflict, "duplicate-client-id"),
        ({"scopes": ["everything"]}, InvalidInput, "unknown-scope"),
        ({"unit_codes": ["nope"]}, NotFound, "unknown-unit"),
    ],
)
async def test_service_create_client_refused(
    app: Any, world: World, kw: dict[str, Any], error: type[Exception], code: str
) -> None:
    args: dict[str, Any] = {
        "client_id": "cli-client",
        "name": "CLI",
        "scopes": ["dossier:view"],
        "unit_codes": ["000.00.00.H99"],
    }
    args.update(kw)
    async with app.state.sessionmaker() as s:
        with pytest.raises(error) as caught:
            await service.create_api_client(session=s, **args)
        count = len(list((await s.execute(select(AuditEntry))).scalars()))
    assert getattr(caught.value, "code", None) == code
    assert count == 0
