"""Two ``onestop worker`` processes against one database, as on two machines: every alert and
task is raised once, whichever process gets there first, and a second pass of both adds nothing.

The scenario is the worklists' (tests/metrics/test_worklists.py); the real clock is months after
it, so every open dossier is overdue when the workers run."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import tests.dossiers.conftest as dossier_fixtures
from sqlalchemy import select
from tests.dossiers.conftest import Headers
from tests.factories import World
from tests.metrics.test_worklists import build

from onestop.core.settings import Settings
from onestop.metrics.alerts.models import Alert

pytestmark = pytest.mark.slow  # left out of `make check`

world = dossier_fixtures.world
auth = dossier_fixtures.auth


async def worker_pass(settings: Settings, cwd: Path, count: int) -> list[tuple[int, str]]:
    """``count`` worker processes started together, each running one pass; their exit codes and
    what they printed."""
    env = {**os.environ, "ONESTOP_DATABASE_URL": settings.database_url}

    async def one() -> tuple[int, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "onestop.cli",
            "worker",
            "--once",
            env=env,
            cwd=cwd,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(proc.communicate(), timeout=180)
        return proc.returncode or 0, err.decode()

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def alert_keys(app: Any) -> Counter[tuple[int, str, str]]:
    async with app.state.sessionmaker() as s:
        found = await s.execute(select(Alert.dossier_id, Alert.kind, Alert.threshold_key))
        return Counter((r[0], r[1], r[2]) for r in found)


async def test_two_worker_processes_raise_each_alert_once(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    app: Any,
    settings: Settings,
    tmp_path: Path,
) -> None:
    await build(client, auth)
    outcomes = await worker_pass(settings, tmp_path, 2)
    assert [code for code, _ in outcomes] == [0, 0], outcomes
    keys = await alert_keys(app)
    assert keys, "the workers raised nothing"
    assert max(keys.values()) == 1  # no (dossier, kind, threshold) twice
    overdue = {k for k in keys if k[1] == "overdue"}
    assert len(overdue) == 6  # D1–D5 and D8: as one process alone raises them

    again = await worker_pass(settings, tmp_path, 2)
    assert [code for code, _ in again] == [0, 0], again
    assert await alert_keys(app) == keys
