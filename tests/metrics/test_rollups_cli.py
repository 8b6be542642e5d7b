"""``onestop rollups verify`` and ``rebuild`` as an operator runs them, and the last verification
on ``/metrics``: exact after the demo seed, a corrupted cell found and named, then repaired."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from onestop.core.settings import Settings

pytestmark = pytest.mark.slow  # left out of `make check`


def onestop(settings: Settings, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ONESTOP_DATABASE_URL": settings.database_url}
    return subprocess.run(
        [sys.executable, "-m", "onestop.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


async def drift(client: httpx.AsyncClient) -> float:
    body = (await client.get("/metrics")).text
    match = re.search(r"^onestop_rollup_drift_cells (\S+)$", body, re.M)
    assert match, body
    return float(match.group(1))


async def test_verify_finds_and_rebuild_repairs(
    app: Any, client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    assert await drift(client) == -1  # never verified

    seeded = onestop(settings, tmp_path, "seed-demo")
    assert seeded.returncode == 0, seeded.stderr
    exact = onestop(settings, tmp_path, "rollups", "verify")
    assert exact.returncode == 0, exact.stdout + exact.stderr
    assert "no cell differs" in exact.stdout
    assert await drift(client) == 0

    async with app.state.engine.begin() as conn:
        changed = await conn.execute(
            text("UPDATE report_ontime_unit_monthly SET late = late + 3 WHERE late = 0")
        )
        assert changed.rowcount >= 1
    broken = onestop(settings, tmp_path, "rollups", "verify")
    assert broken.returncode == 1
    assert "report_ontime_unit_monthly" in broken.stdout
    assert "rollup cells differ" in broken.stderr
    assert await drift(client) == changed.rowcount

    rebuilt = onestop(settings, tmp_path, "rollups", "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    again = onestop(settings, tmp_path, "rollups", "verify")
    assert again.returncode == 0, again.stdout
    assert await drift(client) == 0
