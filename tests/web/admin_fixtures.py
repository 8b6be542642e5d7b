"""Fixtures of the administrator pages' tests: a commune administrator (UBND xã An Bình, whose
subtree holds one village office), and reading back what was written and audited."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from tests.factories import World, add_unit, add_user
from tests.web.conftest import ORIGIN, visible_text

from onestop.auth.models import ApiClient, AuditEntry, User
from onestop.catalog.models import Unit

COMMUNE = "000.01.20.H99"  # UBND xã An Bình
VILLAGE = "000.01.20.01.H99"  # below it
FOREIGN = "000.00.10.H99"  # Sở Tư pháp: outside the commune's subtree


@pytest.fixture
async def commune_admin(app: Any, world: World) -> str:
    """``admin_a``, administrator of UBND xã An Bình, and a village office below the commune."""
    async with app.state.sessionmaker() as s:
        commune = await s.get(Unit, world.units[COMMUNE].id)
        assert commune is not None
        village = await add_unit(s, VILLAGE, "Bộ phận một cửa thôn Đông", "centre", commune)
        world.units[VILLAGE] = village
        await add_user(s, "admin_a", "admin", commune, "Đỗ Văn Quản Trị Xã")
        await s.commit()
    return "admin_a"


async def refused(
    client: httpx.AsyncClient, url: str, data: dict[str, Any], field: str, words: str
) -> str:
    """Post an administrator's form that must be refused: a 409 or 422 with the Vietnamese
    message next to ``field`` and the page saying nothing changed; the page's HTML."""
    resp = await client.post(url, data=data, headers=ORIGIN)
    assert resp.status_code in {409, 422}, resp.status_code
    assert f'data-field-error="{field}"' in resp.text
    text = visible_text(resp.text)
    assert words in text
    assert "Chưa lưu — không có gì thay đổi." in text
    return resp.text


async def audit_rows(app: Any, action: str) -> list[AuditEntry]:
    async with app.state.sessionmaker() as s:
        rows = await s.execute(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
        return list(rows.scalars())


async def unit_row(app: Any, code: str) -> Unit | None:
    async with app.state.sessionmaker() as s:
        return (await s.execute(select(Unit).where(Unit.code == code))).scalar_one_or_none()


async def user_row(app: Any, username: str) -> User | None:
    async with app.state.sessionmaker() as s:
        return (await s.execute(select(User).where(User.username == username))).scalar_one_or_none()


async def client_row(app: Any, client_id: str) -> ApiClient | None:
    async with app.state.sessionmaker() as s:
        return (
            await s.execute(select(ApiClient).where(ApiClient.client_id == client_id))
        ).scalar_one_or_none()
