"""Catalog fixtures: the small world plus an administrator of Sở Tư pháp only, and bearer
headers (from POST /api/v1/auth/token) for the users the tests act as."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.factories import World, add_user, build_world, login


@pytest.fixture
async def world(app: Any) -> World:
    w = await build_world(app)
    async with app.state.sessionmaker() as s:
        # An administrator of Sở Tư pháp only: writes inside that subtree, nowhere else.
        w.users["justice_admin"] = await add_user(
            s, "justice_admin", "admin", w.units["000.00.10.H99"]
        )
        await s.commit()
    return w


@pytest.fixture
async def admin(client: httpx.AsyncClient, world: World) -> dict[str, str]:
    return await login(client, "admin")


@pytest.fixture
async def clerk(client: httpx.AsyncClient, world: World) -> dict[str, str]:
    return await login(client, "clerk")


@pytest.fixture
async def justice_admin(client: httpx.AsyncClient, world: World) -> dict[str, str]:
    return await login(client, "justice_admin")
