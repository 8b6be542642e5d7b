"""Fixtures for the auth tests: the demo world and an administrator's headers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.factories import World, build_world, login


@pytest.fixture
async def world(app: Any) -> World:
    return await build_world(app)


@pytest.fixture
async def admin(client: httpx.AsyncClient, world: World) -> dict[str, str]:
    return await login(client, "admin")
