"""The administrators' accounts and API-client pages: users of the subtree listed, created,
given another role or unit, locked and unlocked; API clients registered, re-keyed (the secret
shown once), switched off; the scope of a commune administrator and the refusals in words."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.factories import CLIENT_SECRET
from tests.web.admin_fixtures import (
    COMMUNE,
    VILLAGE,
    audit_rows,
    client_row,
    commune_admin,
    refused,
    user_row,
)
from tests.web.conftest import ORIGIN, auth, visible_text, web_login, world

__all__ = ["auth", "commune_admin", "world"]

USERS = "/web/quan-tri/nguoi-dung"
CLIENTS = "/web/quan-tri/ung-dung"
NEW_PASSWORD = "mat-khau-moi-2026"


def new_user(**over: str) -> dict[str, str]:
    data = {
        "username": "tiepnhan.dong",
        "full_name": "Vũ Thị Tiếp Nhận",
        "title": "Công chức",
        "password": NEW_PASSWORD,
        "role": "clerk",
        "unit_code": VILLAGE,
    }
    data.update(over)
    return data


async def token_status(client: httpx.AsyncClient, client_id: str, secret: str) -> int:
    resp = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    return resp.status_code


def shown_secret(page: str) -> str:
    start = page.index('data-testid="client-secret">') + len('data-testid="client-secret">')
    return page[start : page.index("<", start)]


# ------------------------------------------------------------------------------------- users


async def test_the_list_holds_the_users_of_the_subtree_only(
    client: httpx.AsyncClient, commune_admin: str
) -> None:
    await web_login(client, commune_admin)
    page = await client.get(USERS)
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "clerk_a" in text and "admin_a" in text
    assert "officer_b" not in text and "Nguyễn Thị Tiếp Nhận" not in text
    filtered = visible_text((await client.get(USERS, params={"vai_tro": "admin"})).text)
    assert "admin_a" in filtered and "clerk_a" not in filtered


async def test_a_user_is_created_audited_and_can_log_in(
    app: Any, client: httpx.AsyncClient, commune_admin: str
) -> None:
    await web_login(client, commune_admin)
    resp = await client.post(USERS, data=new_user(), headers=ORIGIN)
    assert resp.status_code == 303
    assert resp.headers["location"] == f"{USERS}/tiepnhan.dong?xong=nguoi-dung-tao"
    page = await client.get(resp.headers["location"])
    assert "Đã tạo tài khoản." in visible_text(page.text)
    [entry] = await audit_rows(app, "user.create")
    assert entry.actor == "user:admin_a"
    assert entry.detail == {"role": "clerk", "unit_code": VILLAGE}
    assert NEW_PASSWORD not in str(entry.detail)
    login = await client.post(
        "/api/v1/auth/token", data={"username": "tiepnhan.dong", "password": NEW_PASSWORD}
    )
    assert login.status_code == 200


@pytest.mark.parametrize(
    ("over", "field", "words"),
    [
        ({"password": "ngan"}, "password", "phải dài từ 10 đến 256 ký tự"),
        ({"username": "Tiep Nhan"}, "username", "chỉ gồm 3–80 chữ thường"),
        ({"username": "clerk_a"}, "username", "tên đăng nhập này đã có người dùng"),
        ({"full_name": " "}, "full_name", "chưa nhập"),
    ],
)
async def test_a_refused_user_is_said_next_to_its_field_and_nothing_is_written(
    app: Any,
    client: httpx.AsyncClient,
    commune_admin: str,
    over: dict[str, str],
    field: str,
    words: str,
) -> None:
    await web_login(client, commune_admin)
    page = await refused(client, USERS, new_user(**over), field, words)
    assert NEW_PASSWORD not in page  # a typed password is never sent back
    assert await audit_rows(app, "user.create") == []
    assert await user_row(app, "tiepnhan.dong") is None


async def test_a_role_and_unit_are_changed(
    app: Any, client: httpx.AsyncClient, commune_admin: str
) -> None:
    await web_login(client, commune_admin)
    form = await client.get(f"{USERS}/clerk_a")
    assert form.status_code == 200 and 'name="role"' in form.text
    resp = await client.post(
        f"{USERS}/clerk_a",
        data={"full_name": "Cán bộ clerk_a", "title": "", "role": "officer", "unit_code": VILLAGE},
        headers=ORIGIN,
    )
    assert resp.status_code == 303
    user = await user_row(app, "clerk_a")
    village = await client.get(f"{USERS}/clerk_a")
    assert user is not None and user.role == "officer" and user.title is None
    assert "Bộ phận một cửa thôn Đông" in visible_text(village.text)
    [entry] = await audit_rows(app, "user.update")
    assert entry.actor == "user:admin_a"
    assert entry.detail["role"] == "officer" and entry.detail["unit_code"] == VILLAGE


async def test_a_locked_account_can_no_longer_log_in_and_is_unlocked(
    app: Any, client: httpx.AsyncClient, commune_admin: str
) -> None:
    await web_login(client, commune_admin)
    resp = await client.post(f"{USERS}/clerk_a/khoa", headers=ORIGIN)
    assert resp.status_code == 303
    page = await client.get(resp.headers["location"])
    assert "Đã khóa tài khoản" in visible_text(page.text)
    user = await user_row(app, "clerk_a")
    assert user is not None and not user.is_active
    login = await client.post("/api/v1/auth/token", data={"username": "clerk_a", "password": "x"})
    assert login.status_code in {400, 401}
    [entry] = await audit_rows(app, "user.update")
    assert entry.detail == {"is_active": False}
    assert (await client.post(f"{USERS}/clerk_a/mo-khoa", headers=ORIGIN)).status_code == 303
    user = await user_row(app, "clerk_a")
    assert user is not None and user.is_active


async def test_an_administrator_cannot_lock_themselves(
    app: Any, client: httpx.AsyncClient, commune_admin: str
) -> None:
    await web_login(client, commune_admin)
    page = await client.get(f"{USERS}/admin_a")
    assert "/khoa" not in page.text  # no button
    resp = await client.post(f"{USERS}/admin_a/khoa", headers=ORIGIN)
    assert resp.status_code == 409
    assert "Không thể tự khóa hoặc tự hạ quyền" in visible_text(resp.text)
    resp = await client.post(
        f"{USERS}/admin_a",
        data={
            "full_name": "Đỗ Văn Quản Trị Xã",
            "title": "",
            "role": "clerk",
            "unit_code": COMMUNE,
        },
        headers=ORIGIN,
    )
    assert resp.status_code == 409
    user = await user_row(app, "admin_a")
    assert user is not None and user.is_active and user.role == "admin"
    assert await audit_rows(app, "user.update") == []


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("GET", f"{USERS}/clerk", None),
        ("POST", f"{USERS}/clerk/khoa", None),
        ("POST", f"{USERS}/clerk", {"full_name": "X", "role": "clerk", "unit_code": COMMUNE}),
        (
            "POST",
            f"{USERS}/clerk_a",
            {"full_name": "X", "role": "clerk", "unit_code": "000.00.10.H99"},
        ),
        ("POST", USERS, new_user(unit_code="000.00.10.H99")),
        ("GET", USERS + "?don_vi=000.00.10.H99", None),
    ],
)
async def test_an_account_outside_the_subtree_gets_the_vietnamese_403_page(
    app: Any,
    client: httpx.AsyncClient,
    commune_admin: str,
    method: str,
    path: str,
    data: dict[str, str] | None,
) -> None:
    await web_login(client, commune_admin)
    resp = await client.request(method, path, data=data, headers=ORIGIN)
    assert resp.status_code == 403
    text = visible_text(resp.text)
    assert "Không có quyền" in text and "nằm ngoài phạm vi của tài khoản admin_a" in text
    clerk = await user_row(app, "clerk")
    assert clerk is not None and clerk.is_active and clerk.full_name == "Nguyễn Thị Tiếp Nhận"
    assert await audit_rows(app, "user.update") == []
    assert await audit_rows(app, "user.create") == []


# ------------------------------------------------------------------------------- API clients


def new_client(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "client_id": "cong-xa-an-binh",
        "name": "Cổng thông tin xã An Bình",
        "scopes": ["dossier:submit", "dossier:view"],
        "unit_codes": [COMMUNE],
    }
    data.update(over)
    return data


async def test_a_client_is_registered_with_its_secret_shown_once(
    app: Any, client: httpx.AsyncClient, commune_admin: str
) -> None:
    await web_login(client, commune_admin)
    resp = await client.post(CLIENTS, data=new_client(), headers=ORIGIN)
    assert resp.status_code == 200
    assert 'data-testid="secret-box"' in resp.text
    assert "chỉ hiển thị một lần" in visible_text(resp.text)
    secret = shown_secret(resp.text)
    assert await token_status(client, "cong-xa-an-binh", secret) == 200
    again = await client.get(CLIENTS)
    assert secret not in again.text and "cong-xa-an-binh" in again.text
    [entry] = await audit_rows(app, "api_client.create")
    assert entry.actor == "user:admin_a" and entry.detail["unit_codes"] == [COMMUNE]


async def test_a_rotated_secret_replaces_the_old_one(
    app: Any, client: httpx.AsyncClient, commune_admin: str
) -> None:
    await web_login(client, commune_admin)
    first = shown_secret((await client.post(CLIENTS, data=new_client(), headers=ORIGIN)).text)
    resp = await client.post(f"{CLIENTS}/cong-xa-an-binh/doi-khoa-bi-mat", headers=ORIGIN)
    assert resp.status_code == 200
    second = shown_secret(resp.text)
    assert second != first
    assert await token_status(client, "cong-xa-an-binh", first) == 401
    assert await token_status(client, "cong-xa-an-binh", second) == 200
    assert len(await audit_rows(app, "api_client.rotate-secret")) == 1


async def test_a_deactivated_client_can_no_longer_log_in(
    app: Any, client: httpx.AsyncClient, world: Any
) -> None:
    await web_login(client, "admin")
    assert await token_status(client, "portal", CLIENT_SECRET) == 200
    resp = await client.post(f"{CLIENTS}/portal/ngung", headers=ORIGIN)
    assert resp.status_code == 303
    page = await client.get(resp.headers["location"])
    assert "Đã ngừng ứng dụng" in visible_text(page.text)
    portal = await client_row(app, "portal")
    assert portal is not None and not portal.is_active
    assert await token_status(client, "portal", CLIENT_SECRET) == 401
    [entry] = await audit_rows(app, "api_client.deactivate")
    assert entry.actor == "user:admin" and entry.object_id == "portal"


@pytest.mark.parametrize(
    ("over", "field", "words"),
    [
        ({"scopes": []}, "scopes", "chọn ít nhất một quyền"),
        ({"unit_codes": []}, "unit_codes", "chọn ít nhất một đơn vị"),
        ({"client_id": "portal"}, "client_id", "mã ứng dụng này đã có"),
        ({"client_id": "Cổng"}, "client_id", "chỉ gồm 3–80 chữ thường"),
    ],
)
async def test_a_refused_client_is_said_next_to_its_field(
    app: Any,
    client: httpx.AsyncClient,
    commune_admin: str,
    over: dict[str, Any],
    field: str,
    words: str,
) -> None:
    await web_login(client, commune_admin)
    page = await refused(client, CLIENTS, new_client(**over), field, words)
    assert 'data-testid="secret-box"' not in page
    assert await audit_rows(app, "api_client.create") == []


@pytest.mark.parametrize(
    ("path", "data"),
    [
        (f"{CLIENTS}/portal/doi-khoa-bi-mat", None),
        (f"{CLIENTS}/portal/ngung", None),
        (CLIENTS, new_client(unit_codes=["000.00.10.H99"])),
    ],
)
async def test_a_client_outside_the_subtree_gets_the_vietnamese_403_page(
    app: Any,
    client: httpx.AsyncClient,
    commune_admin: str,
    path: str,
    data: dict[str, Any] | None,
) -> None:
    await web_login(client, commune_admin)
    assert "portal" not in visible_text((await client.get(CLIENTS)).text)
    resp = await client.post(path, data=data, headers=ORIGIN)
    assert resp.status_code == 403
    assert "nằm ngoài phạm vi của tài khoản admin_a" in visible_text(resp.text)
    assert await token_status(client, "portal", CLIENT_SECRET) == 200
    assert await audit_rows(app, "api_client.rotate-secret") == []
    assert await audit_rows(app, "api_client.deactivate") == []
