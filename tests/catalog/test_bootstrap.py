"""``onestop init`` as a service: on an empty database it makes the root unit and the first
administrator (who can then log in) with an audit entry; anything refused leaves the database
empty, and a database that has units is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine
from tests.catalog.install import ADMIN_PASSWORD, ROOT, audit_actions, install, state
from tests.factories import login

from onestop.auth.models import User
from onestop.catalog import bootstrap
from onestop.catalog.models import Unit
from onestop.core.errors import Conflict, InvalidInput
from onestop.wiring import make_sessionmaker


async def test_init_makes_the_root_unit_and_an_administrator_who_can_log_in(
    app: Any, client: httpx.AsyncClient
) -> None:
    installed = await install(app)

    assert installed == bootstrap.Installation(ROOT, "UBND tỉnh Mẫu", "province", "H98", "quantri")
    async with app.state.sessionmaker() as s:
        root = (await s.execute(select(Unit))).scalar_one()
        admin = (await s.execute(select(User))).scalar_one()
    assert (root.code, root.level, root.parent_id, root.province) == (ROOT, "province", None, "H98")
    assert root.path == f"/{root.id}/"
    assert (admin.username, admin.role, admin.unit_id) == ("quantri", "admin", root.id)
    assert admin.password_hash != ADMIN_PASSWORD
    assert await audit_actions(app) == [
        ("unit.create", ROOT, "system"),
        ("user.create", "quantri", "system"),
        ("install.init", ROOT, "system"),
    ]

    headers = await login(client, "quantri", ADMIN_PASSWORD)
    me = await client.get(f"/api/v1/units/{ROOT}", headers=headers)
    assert me.status_code == 200, me.text
    # The administrator of the root writes anywhere below it; a unit has a public hotline.
    unit = {"code": "000.00.10.H98", "name": "Sở Tư pháp", "level": "department"}
    created = await client.post(
        "/api/v1/units",
        headers=headers,
        json={**unit, "parent_code": ROOT, "hotline": "0298.3822.110"},
    )
    assert created.status_code == 201, created.text
    assert created.json()["hotline"] == "0298.3822.110"
    cleared = await client.patch(
        "/api/v1/units/000.00.10.H98", headers=headers, json={"hotline": None}
    )
    assert cleared.status_code == 200 and cleared.json()["hotline"] is None
    bad = await client.patch(
        "/api/v1/units/000.00.10.H98", headers=headers, json={"hotline": "gọi tôi"}
    )
    assert bad.status_code == 422, bad.text


async def test_a_database_with_units_is_refused_and_left_as_it_is(app: Any) -> None:
    await install(app)
    before = await state(app)

    with pytest.raises(Conflict) as refused:
        await install(app)

    assert refused.value.code == "already-initialised"
    assert "đã có 1 đơn vị" in refused.value.detail
    assert "already has units" in refused.value.detail
    assert await state(app) == before


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        ({"password": "ngan"}, "weak-password", "10–256"),
        ({"unit_code": "000 00 H98"}, "invalid-input", "--unit-code"),
        ({"level": "district"}, "district-level-abolished", "cấp huyện"),
        ({"admin": "Quản Trị"}, "invalid-identifier", "username"),
    ],
)
async def test_a_refused_init_writes_nothing(
    app: Any, change: dict[str, str], code: str, words: str
) -> None:
    values: dict[str, Any] = {
        "unit_code": ROOT,
        "unit_name": "UBND tỉnh Mẫu",
        "level": "province",
        "admin": "quantri",
        "password": ADMIN_PASSWORD,
    }
    with pytest.raises(InvalidInput) as refused:
        async with app.state.sessionmaker() as session:
            await bootstrap.initialise(session, **{**values, **change})

    assert refused.value.code == code
    assert words in refused.value.detail
    async with app.state.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Unit)) == 0
        assert await s.scalar(select(func.count()).select_from(User)) == 0
    assert await audit_actions(app) == []


async def test_a_database_without_the_schema_is_told_to_migrate(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        with pytest.raises(InvalidInput) as refused:
            async with make_sessionmaker(engine)() as session:
                await bootstrap.initialise(
                    session,
                    unit_code=ROOT,
                    unit_name="UBND tỉnh Mẫu",
                    level="province",
                    admin="quantri",
                    password=ADMIN_PASSWORD,
                )
    finally:
        await engine.dispose()
    assert refused.value.code == "not-migrated"
    assert "onestop migrate" in refused.value.detail


def test_the_province_comes_from_a_qcvn_102_code() -> None:
    assert bootstrap.province_of_code("000.00.00.H26") == "H26"
    assert bootstrap.province_of_code("000.00.00.h05") == "H05"
    assert bootstrap.province_of_code("G09.20") is None
