"""scripts/backup-drill.sh on PostgreSQL: a pg_dump taken while intakes are written through the
API restores into a fresh database holding exactly the dump's rows, with exact rollups and every
dossier's first event; the script says PASS. Always on PostgreSQL (``ONESTOP_TEST_PG_URL``), in
scratch databases of its own (the test database's name + ``_drill``); ``-m "not postgres"``
leaves it out."""

from __future__ import annotations

import os
import subprocess
from urllib.parse import urlsplit

import pytest
from tests.catalog.install import REPO
from tests.conftest import PG_URL

pytestmark = pytest.mark.postgres


def test_the_backup_taken_under_load_restores_whole() -> None:
    server = urlsplit(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
    env = {
        **os.environ,
        "PGHOST": server.hostname or "127.0.0.1",
        "PGPORT": str(server.port or 5432),
        "PGUSER": server.username or "postgres",
        "DRILL_DB": f"{server.path.lstrip('/')}_drill",
    }
    env.pop("ONESTOP_DATABASE_URL", None)

    drill = subprocess.run(
        ["scripts/backup-drill.sh"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )

    out = drill.stdout
    assert drill.returncode == 0, out + drill.stderr
    assert out.rstrip().splitlines()[-1].startswith("PASS: ")
    rows = {
        line.split()[0]: line.split()[1:4]
        for line in out.splitlines()
        if line.startswith(("dossier", "report_"))
    }
    dumped, restored, live = (int(n) for n in rows["dossier"])
    assert dumped == restored > 0
    assert live > restored  # intakes went on after the dump: the restore is the dump's snapshot
    assert rows["dossier_event"][:2] == rows["dossier"][:2]
    assert int(rows["report_b06_total"][1]) > 0  # the intakes' rollup rows were restored
    assert "rollups exact: no cell differs" in out
    assert "restored dossiers without their first event: 0" in out
