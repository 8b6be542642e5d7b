"""Users: create, list, read, change; unit scope of administrators; every refusal writes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.auth.helpers import assert_problem, audit_rows, snapshot
from tests.factories import PASSWORD, World, login

USERS = "/api/v1/users"
NEW_PW = "a-new-password-42"


def new_user(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "username": "thu.ky",
        "password": NEW_PW,
        "full_name": "Đỗ Thị Thư Ký",
        "title": "Chuyên viên",
        "role": "clerk",
        "unit_code": "000.01.20.H99",
    }
    body.update(over)
    return body


async def test_create_user(
    client: httpx.AsyncClient, app: Any, world: World, admin: dict[str, str]
) -> None:
    resp = await client.post(USERS, json=new_user(), headers=admin)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body == {
        "username": "thu.ky",
        "full_name": "Đỗ Thị Thư Ký",
        "title": "Chuyên viên",
        "role": "clerk",
        "unit_code": "000.01.20.H99",
        "unit_name": "UBND xã An Bình",
        "is_active": True,
        "created_at": "2026-03-10T02:00:00Z",
    }
    assert "password" not in resp.text and "argon2" not in resp.text
    [entry] = await audit_rows(app, action="user.create")
    assert entry.actor == "user:admin" and entry.object_id == "thu.ky"
    assert entry.detail == {"role": "clerk", "unit_code": "000.01.20.H99"}
    assert entry.request_id == resp.headers["x-request-id"]
    # The new account can log in.
    headers = await login(client, "thu.ky", NEW_PW)
    me = (await client.get("/api/v1/auth/me", headers=headers)).json()
    assert me["unit_code"] == "000.01.20.H99" and me["role"] == "clerk"


async def test_create_user_without_title(
    client: httpx.AsyncClient, world: World, admin: dict[str, str]
) -> None:
    body = new_user()
    del body["title"]
    resp = await client.post(USERS, json=body, headers=admin)
    assert resp.status_code == 201 and resp.json()["title"] is None


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (new_user(username="clerk"), 409, "duplicate-username"),
        (new_user(unit_code="999.99.99.H99"), 404, "unknown-unit"),
        (new_user(role="superuser"), 422, "invalid-input"),
        (new_user(role=5), 422, "invalid-input"),
        (new_user(password="short"), 422, "invalid-input"),
        (new_user(password="x" * 300), 422, "invalid-input"),
        (new_user(username="Has Spaces"), 422, "invalid-input"),
        (new_user(username="x" * 81), 422, "invalid-input"),
        (new_user(full_name=""), 422, "invalid-input"),
        (new_user(full_name="   "), 422, "invalid-input"),
        (new_user(is_admin=True), 422, "invalid-input"),
        (new_user(password_hash="$argon2id$..."), 422, "invalid-input"),
        ({"username": "thu.ky"}, 422, "invalid-input"),
        ([new_user()], 422, "invalid-input"),
    ],
)
async def test_create_user_refused(
    client: httpx.AsyncClient,
    app: Any,
    world: World,
    admin: dict[str, str],
    body: Any,
    status: int,
    code: str,
) -> None:
    before = await snapshot(app)
    problem = assert_problem(await client.post(USERS, json=body, headers=admin), status, code)
    if code == "unknown-unit":
        assert problem["unit"] == "999.99.99.H99"
    assert await snapshot(app) == before


async def test_bad_role_error_names_the_field(
    client: httpx.AsyncClient, world: World, admin: dict[str, str]
) -> None:
    resp = await client.post(USERS, json=new_user(role="superuser"), headers=admin)
    errors = assert_problem(resp, 422)["errors"]
    assert any(e["loc"][-1] == "role" for e in errors)


async def test_malformed_json(
    client: httpx.AsyncClient, app: Any, world: World, admin: dict[str, str]
) -> None:
    before = await snapshot(app)
    resp = await client.post(
        USERS,
        content=b'{"username": "thu.ky", "password": ',
        headers={**admin, "Content-Type": "application/json"},
    )
    assert_problem(resp, 400, "malformed-json")
    assert await snapshot(app) == before


async def test_oversized_body(
    client: httpx.AsyncClient, app: Any, world: World, admin: dict[str, str]
) -> None:
    before = await snapshot(app)
    resp = await client.post(USERS, json=new_user(full_name="x" * 2_000_000), headers=admin)
    assert_problem(resp, 413)
    assert await snapshot(app) == before


async def test_get_user(client: httpx.AsyncClient, world: World, admin: dict[str, str]) -> None:
    resp = await client.get(f"{USERS}/officer", headers=admin)
    assert resp.status_code == 200, resp.text
    assert resp.json()["unit_code"] == "000.00.10.H99"
    assert "password" not in resp.text
    assert_problem(await client.get(f"{USERS}/nobody", headers=admin), 404, "unknown-user")


async def test_list_users_filters_and_pages(
    client: httpx.AsyncClient, world: World, admin: dict[str, str]
) -> None:
    everyone = (await client.get(USERS, headers=admin)).json()
    assert [u["username"] for u in everyone["items"]] == [
        "admin",
        "clerk",
        "officer",
        "leader",
        "manager",
        "clerk_a",
        "officer_b",
    ]
    assert everyone["next_cursor"] is None
    assert all("password" not in str(u) for u in everyone["items"])

    justice = (await client.get(USERS, params={"unit": "000.00.10.H99"}, headers=admin)).json()
    assert [u["username"] for u in justice["items"]] == ["officer", "leader"]
    clerks = (await client.get(USERS, params={"role": "clerk"}, headers=admin)).json()
    assert [u["username"] for u in clerks["items"]] == ["clerk", "clerk_a"]

    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get(USERS, params=params, headers=admin)).json()
        assert len(page["items"]) <= 3
        seen += [u["username"] for u in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [u["username"] for u in everyone["items"]]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"role": "superuser"}, 422),
        ({"unit": "999.99.99.H99"}, 404),
        ({"cursor": "not a cursor!"}, 422),
        ({"cursor": "WyJ4Il0"}, 422),  # ["x"]
        ({"cursor": "WzkyMjMzNzIwMzY4NTQ3NzU4MDhd"}, 422),  # [2**63]
        ({"limit": 0}, 422),
        ({"limit": 501}, 422),
    ],
)
async def test_list_users_bad_query(
    client: httpx.AsyncClient,
    world: World,
    admin: dict[str, str],
    params: dict[str, Any],
    status: int,
) -> None:
    assert_problem(await client.get(USERS, params=params, headers=admin), status)


async def test_update_user(
    client: httpx.AsyncClient, app: Any, world: World, admin: dict[str, str]
) -> None:
    resp = await client.patch(
        f"{USERS}/clerk_a",
        json={
            "role": "officer",
            "unit_code": "000.01.21.H99",
            "full_name": "Vũ Văn Mới",
            "title": None,
            "password": NEW_PW,
        },
        headers=admin,
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["role"], body["unit_code"], body["full_name"], body["title"]) == (
        "officer",
        "000.01.21.H99",
        "Vũ Văn Mới",
        None,
    )
    [entry] = await audit_rows(app, action="user.update")
    assert entry.object_id == "clerk_a" and entry.actor == "user:admin"
    assert entry.detail == {
        "role": "officer",
        "unit_code": "000.01.21.H99",
        "full_name": "Vũ Văn Mới",
        "title": None,
        "password_changed": True,
    }
    assert NEW_PW not in str(entry.detail)
    # The new password works, the old one no longer does.
    await login(client, "clerk_a", NEW_PW)
    old = await client.post(
        "/api/v1/auth/token", data={"username": "clerk_a", "password": PASSWORD}
    )
    assert_problem(old, 401)


async def test_a_new_password_ends_the_tokens_issued_before(
    client: httpx.AsyncClient, world: World, admin: dict[str, str]
) -> None:
    before = await login(client, "clerk_a")
    me = "/api/v1/auth/me"
    assert (await client.get(me, headers=before)).status_code == 200
    resp = await client.patch(f"{USERS}/clerk_a", json={"password": NEW_PW}, headers=admin)
    assert resp.status_code == 200, resp.text
    assert_problem(await client.get(me, headers=before), 401, "token-revoked")
    after = await login(client, "clerk_a", NEW_PW)
    assert (await client.get(me, headers=after)).status_code == 200
    # Other changes to the account leave its tokens valid.
    resp = await client.patch(f"{USERS}/clerk_a", json={"full_name": "Tên Mới"}, headers=admin)
    assert resp.status_code == 200, resp.text
    assert (await client.get(me, headers=after)).status_code == 200


async def test_empty_update_writes_nothing(
    client: httpx.AsyncClient, app: Any, world: World, admin: dict[str, str]
) -> None:
    before = await snapshot(app)
    resp = await client.patch(f"{USERS}/clerk", json={}, headers=admin)
    assert resp.status_code == 200 and resp.json()["username"] == "clerk"
    same = await client.patch(f"{USERS}/clerk", json={"role": "clerk"}, headers=admin)
    assert same.status_code == 200
    assert await snapshot(app) == before


@pytest.mark.parametrize(
    ("target", "body", "status", "code"),
    [
        ("clerk", {"role": "superuser"}, 422, "invalid-input"),
        ("clerk", {"unit_code": "999.99.99.H99"}, 404, "unknown-unit"),
        ("clerk", {"full_name": None}, 422, "invalid-input"),
        ("clerk", {"is_active": None}, 422, "invalid-input"),
        ("clerk", {"is_active": "perhaps"}, 422, "invalid-input"),
        ("clerk", {"password": "short"}, 422, "invalid-input"),
        ("clerk", {"username": "renamed"}, 422, "invalid-input"),
        ("clerk", {"role": "officer", "password_hash": "x"}, 422, "invalid-input"),
        ("nobody", {"role": "officer"}, 404, "unknown-user"),
        ("admin", {"role": "clerk"}, 409, "self-lockout"),
        ("admin", {"is_active": False}, 409, "self-lockout"),
    ],
)
async def test_update_user_refused(
    client: httpx.AsyncClient,
    app: Any,
    world: World,
    admin: dict[str, str],
    target: str,
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    before = await snapshot(app)
    assert_problem(await client.patch(f"{USERS}/{target}", json=body, headers=admin), status, code)
    assert await snapshot(app) == before


async def test_update_malformed_json(
    client: httpx.AsyncClient, app: Any, world: World, admin: dict[str, str]
) -> None:
    before = await snapshot(app)
    resp = await client.patch(
        f"{USERS}/clerk",
        content=b"{role: officer}",
        headers={**admin, "Content-Type": "application/json"},
    )
    assert_problem(resp, 400, "malformed-json")
    assert await snapshot(app) == before


async def _department_admin(client: httpx.AsyncClient, admin: dict[str, str]) -> dict[str, str]:
    """An administrator of Sở Tư pháp (000.00.10.H99) only."""
    resp = await client.post(
        USERS,
        json=new_user(username="qt.tuphap", role="admin", unit_code="000.00.10.H99"),
        headers=admin,
    )
    assert resp.status_code == 201, resp.text
    return await login(client, "qt.tuphap", NEW_PW)


async def test_admin_inside_scope(
    client: httpx.AsyncClient, world: World, admin: dict[str, str]
) -> None:
    dept = await _department_admin(client, admin)
    created = await client.post(
        USERS,
        json=new_user(username="cv.tuphap", unit_code="000.00.10.H99", role="officer"),
        headers=dept,
    )
    assert created.status_code == 201, created.text
    listed = (await client.get(USERS, headers=dept)).json()
    assert [u["username"] for u in listed["items"]] == [
        "officer",
        "leader",
        "qt.tuphap",
        "cv.tuphap",
    ]
    assert (await client.get(f"{USERS}/officer", headers=dept)).status_code == 200
    resp = await client.patch(f"{USERS}/leader", json={"title": "Giám đốc"}, headers=dept)
    assert resp.status_code == 200 and resp.json()["title"] == "Giám đốc"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", USERS, new_user(unit_code="000.00.11.H99")),
        ("GET", f"{USERS}/officer_b", None),
        ("PATCH", f"{USERS}/officer_b", {"title": "Trưởng phòng"}),
        ("PATCH", f"{USERS}/officer", {"unit_code": "000.00.11.H99"}),
        ("GET", USERS + "?unit=000.00.11.H99", None),
        (
            "POST",
            "/api/v1/api-clients",
            {
                "client_id": "other",
                "name": "Khác",
                "scopes": ["dossier:view"],
                "unit_codes": ["000.00.11.H99"],
            },
        ),
        ("POST", "/api/v1/api-clients/portal/rotate-secret", None),
    ],
)
async def test_admin_outside_scope(
    client: httpx.AsyncClient,
    app: Any,
    world: World,
    admin: dict[str, str],
    method: str,
    path: str,
    body: Any,
) -> None:
    dept = await _department_admin(client, admin)
    before = await snapshot(app)
    resp = await client.request(method, path, json=body, headers=dept)
    problem = assert_problem(resp, 403, "outside-unit-scope")
    assert problem["right"] == "unit-scope"
    assert await snapshot(app) == before
