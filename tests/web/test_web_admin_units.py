"""The administrators' units page: the menu entry, the unit tree of the caller's subtree, a child
unit created, a unit renamed, moved, given working hours, address and hotline; the scope of a
commune administrator, the refusals said next to their fields, every change audited."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.web.admin_fixtures import (
    COMMUNE,
    FOREIGN,
    VILLAGE,
    audit_rows,
    commune_admin,
    refused,
    unit_row,
)
from tests.web.conftest import ORIGIN, auth, visible_text, web_login, world

__all__ = ["auth", "commune_admin", "world"]

UNITS = "/web/quan-tri/don-vi"


def new_unit(**over: str) -> dict[str, str]:
    data = {
        "parent_code": COMMUNE,
        "code": "000.01.20.02.H99",
        "name": "Bộ phận một cửa thôn Tây",
        "level": "centre",
        "hours": "",
        "address": "Thôn Tây, xã An Bình",
        "hotline": "0222.3822.123",
        "has_counter": "co",
    }
    data.update(over)
    return data


async def test_the_menu_entry_is_shown_to_administrators_only(
    client: httpx.AsyncClient, world: Any
) -> None:
    await web_login(client, "admin")
    page = await client.get("/web/dossiers")
    assert 'href="/web/quan-tri"' in page.text
    home = await client.get("/web/quan-tri")
    assert home.status_code == 303 and home.headers["location"] == UNITS
    client.cookies.clear()
    await web_login(client, "clerk")
    page = await client.get("/web/counter")
    assert "/web/quan-tri" not in page.text
    refused = await client.get(UNITS)
    assert refused.status_code == 403
    assert "không có quyền quản lý danh mục" in visible_text(refused.text)


async def test_the_tree_shows_the_callers_subtree(
    client: httpx.AsyncClient, commune_admin: str
) -> None:
    await web_login(client, commune_admin)
    page = await client.get(UNITS)
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "UBND xã An Bình" in text and "Bộ phận một cửa thôn Đông" in text
    assert "Sở Tư pháp" not in text and "UBND tỉnh Thử Nghiệm" not in text
    client.cookies.clear()
    await web_login(client, "admin")
    text = visible_text((await client.get(UNITS)).text)
    assert "Sở Tư pháp" in text and "Bộ phận một cửa thôn Đông" in text


async def test_a_child_unit_is_created_and_audited(
    app: Any, client: httpx.AsyncClient, commune_admin: str
) -> None:
    await web_login(client, commune_admin)
    resp = await client.post(UNITS, data=new_unit(), headers=ORIGIN)
    assert resp.status_code == 303
    assert resp.headers["location"] == f"{UNITS}/000.01.20.02.H99?xong=don-vi-tao"
    unit = await unit_row(app, "000.01.20.02.H99")
    parent = await unit_row(app, COMMUNE)
    assert unit is not None and parent is not None
    assert unit.parent_id == parent.id and unit.path.startswith(parent.path)
    assert unit.has_counter and unit.hotline == "0222.3822.123"
    assert unit.hours == parent.hours  # left empty: the parent's
    page = await client.get(resp.headers["location"])
    assert "Đã tạo đơn vị." in visible_text(page.text)
    [entry] = await audit_rows(app, "unit.create")
    assert entry.actor == "user:admin_a" and entry.object_id == "000.01.20.02.H99"


@pytest.mark.parametrize(
    ("over", "field", "words"),
    [
        ({"code": VILLAGE}, "code", f"Mã đơn vị {VILLAGE} đã tồn tại"),
        ({"hours": "07:00-11:00"}, "hours", "Giờ làm việc không hợp lệ"),
        ({"hotline": "gọi ngay"}, "hotline", "sai định dạng"),
        ({"name": ""}, "name", "chưa nhập"),
        ({"code": "mã có dấu"}, "code", "sai định dạng"),
    ],
)
async def test_a_refused_unit_is_said_next_to_its_field_and_nothing_is_written(
    app: Any,
    client: httpx.AsyncClient,
    commune_admin: str,
    over: dict[str, str],
    field: str,
    words: str,
) -> None:
    await web_login(client, commune_admin)
    await refused(client, UNITS, new_unit(**over), field, words)
    assert await unit_row(app, "000.01.20.02.H99") is None
    assert await audit_rows(app, "unit.create") == []


async def test_a_unit_is_renamed_moved_and_given_hours_address_and_hotline(
    app: Any, client: httpx.AsyncClient, commune_admin: str
) -> None:
    await web_login(client, commune_admin)
    assert (await client.post(UNITS, data=new_unit(), headers=ORIGIN)).status_code == 303
    form = await client.get(f"{UNITS}/{VILLAGE}")
    assert form.status_code == 200 and "Bộ phận một cửa thôn Đông" in form.text
    resp = await client.post(
        f"{UNITS}/{VILLAGE}",
        data={
            "name": "Điểm tiếp nhận thôn Đông",
            "parent_code": "000.01.20.02.H99",
            "hours": "07:30-11:30,13:00-17:00",
            "address": "Nhà văn hóa thôn Đông",
            "hotline": "1022",
        },
        headers=ORIGIN,
    )
    assert resp.status_code == 303, resp.text
    unit = await unit_row(app, VILLAGE)
    new_parent = await unit_row(app, "000.01.20.02.H99")
    assert unit is not None and new_parent is not None
    assert unit.name == "Điểm tiếp nhận thôn Đông" and unit.parent_id == new_parent.id
    assert unit.path == f"{new_parent.path}{unit.id}/"
    assert (unit.hours, unit.address, unit.hotline) == (
        "07:30-11:30,13:00-17:00",
        "Nhà văn hóa thôn Đông",
        "1022",
    )
    [entry] = await audit_rows(app, "unit.update")
    assert entry.actor == "user:admin_a"
    assert set(entry.detail) == {"name", "parent_code", "hours", "address", "hotline"}


async def test_a_move_below_its_own_child_is_refused_next_to_the_field(
    app: Any, client: httpx.AsyncClient, commune_admin: str
) -> None:
    await web_login(client, "admin")
    resp = await client.post(
        f"{UNITS}/{COMMUNE}",
        data={
            "name": "UBND xã An Bình",
            "parent_code": VILLAGE,
            "hours": "07:00-11:30,13:30-17:00",
        },
        headers=ORIGIN,
    )
    assert resp.status_code == 422
    assert 'data-field-error="parent_code"' in resp.text
    assert "vào đơn vị cấp dưới của chính nó" in visible_text(resp.text)
    assert await audit_rows(app, "unit.update") == []


async def test_the_administrators_own_unit_has_no_move_field(
    client: httpx.AsyncClient, commune_admin: str
) -> None:
    await web_login(client, commune_admin)
    page = await client.get(f"{UNITS}/{COMMUNE}")
    assert page.status_code == 200
    assert 'name="parent_code"' not in page.text


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("GET", f"{UNITS}/{FOREIGN}", None),
        ("POST", f"{UNITS}/{FOREIGN}", {"name": "Đổi tên", "hours": "07:00-11:30,13:30-17:00"}),
        ("POST", UNITS, new_unit(parent_code=FOREIGN)),
        (
            "POST",
            f"{UNITS}/{VILLAGE}",
            {"name": "Thôn", "parent_code": FOREIGN, "hours": "07:00-11:30,13:30-17:00"},
        ),
    ],
)
async def test_a_unit_outside_the_subtree_gets_the_vietnamese_403_page(
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
    assert "Không có quyền" in text
    assert "nằm ngoài phạm vi của tài khoản admin_a" in text
    assert "outside the scope" not in text
    foreign = await unit_row(app, FOREIGN)
    assert foreign is not None and foreign.name == "Sở Tư pháp"
    assert await audit_rows(app, "unit.update") == []
    assert await audit_rows(app, "unit.create") == []


async def test_a_post_from_another_site_is_refused(
    app: Any, client: httpx.AsyncClient, commune_admin: str
) -> None:
    await web_login(client, commune_admin)
    resp = await client.post(UNITS, data=new_unit(), headers={"Origin": "https://evil.example"})
    assert resp.status_code == 403
    assert await unit_row(app, "000.01.20.02.H99") is None
