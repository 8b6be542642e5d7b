"""A province installed the way the README says, through the ``onestop`` command in a subprocess:
``migrate``, ``init`` (password from ONESTOP_ADMIN_PASSWORD), ``import-units``,
``import-procedures`` with the example files; exit 2 with the line and field on stderr for a bad
file, which writes nothing. And the password prompt of ``init``."""

from __future__ import annotations

import asyncio
import getpass as getpass_module
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from tests.catalog.install import ADMIN_PASSWORD, EXAMPLES, REPO, ROOT
from tests.conftest import _recreate_pg_database

from onestop import cli_commands


@pytest.fixture
def empty_db(database_url: str, tmp_path: Path) -> str:
    """A database of its own, empty (not even a schema), on the lane's backend."""
    if database_url.startswith("sqlite"):
        return f"sqlite+aiosqlite:///{tmp_path / 'install.db'}"
    url = f"{database_url}_install"
    asyncio.run(_recreate_pg_database(url))
    return url


def onestop(url: str, *args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != cli_commands.ADMIN_PASSWORD_ENV}
    env["ONESTOP_DATABASE_URL"] = url
    if password is not None:
        env[cli_commands.ADMIN_PASSWORD_ENV] = password
    return subprocess.run(
        [sys.executable, "-m", "onestop.cli", *args],
        env=env,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def count(url: str, sql: str) -> int:
    async def run() -> int:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                return int((await conn.execute(text(sql))).scalar_one())
        finally:
            await engine.dispose()

    return asyncio.run(run())


@pytest.mark.slow
def test_a_province_installs_without_the_demo(empty_db: str, tmp_path: Path) -> None:
    assert onestop(empty_db, "migrate").returncode == 0
    init = ("init", "--unit-code", ROOT, "--unit-name", "UBND tỉnh Mẫu", "--admin", "quantri")

    no_password = onestop(empty_db, *init)
    assert no_password.returncode == 2
    assert "ONESTOP_ADMIN_PASSWORD" in no_password.stderr
    assert count(empty_db, "SELECT count(*) FROM unit") == 0

    first = onestop(empty_db, *init, "--full-name", "Nguyễn Văn Quản Trị", password=ADMIN_PASSWORD)
    assert first.returncode == 0, first.stderr
    assert f"created the root unit {ROOT} and the administrator quantri" in first.stdout
    again = onestop(empty_db, *init, password=ADMIN_PASSWORD)
    assert again.returncode == 2
    assert "already has units" in again.stderr

    dry = onestop(empty_db, "import-units", str(EXAMPLES / "units.csv"), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "dry run: nothing was written" in dry.stdout
    assert count(empty_db, "SELECT count(*) FROM unit") == 1
    units = onestop(empty_db, "import-units", str(EXAMPLES / "units.json"))
    assert units.returncode == 0, units.stderr
    assert "(created 11, changed 1, unchanged 0)" in units.stdout
    same = onestop(empty_db, "import-units", str(EXAMPLES / "units.csv"))
    assert "(created 0, changed 0, unchanged 12)" in same.stdout
    assert "nothing changed" in same.stdout

    procedures = onestop(empty_db, "import-procedures", str(EXAMPLES / "procedures.csv"))
    assert procedures.returncode == 0, procedures.stderr
    assert "dòng     2  1.001193  tạo mới (created)" in procedures.stdout
    audited = count(empty_db, "SELECT count(*) FROM audit_log")

    lines = (EXAMPLES / "procedures.json").read_text(encoding="utf-8").splitlines()
    bad = [line.replace('"Ngày"', '"tuần"') for line in lines]
    (changed,) = [n for n, (a, b) in enumerate(zip(lines, bad, strict=True), 1) if a != b]
    (tmp_path / "procedures.json").write_text("\n".join(bad), encoding="utf-8")
    refused = onestop(empty_db, "import-procedures", str(tmp_path / "procedures.json"))
    assert refused.returncode == 2
    start = max(n for n, line in enumerate(lines[:changed], 1) if line == "  {")
    assert f"Dòng {start}, trường DonViThoiHan" in refused.stderr
    assert f"line {start}, field DonViThoiHan" in refused.stderr
    assert count(empty_db, "SELECT count(*) FROM audit_log") == audited

    as_json = onestop(empty_db, "import-procedures", str(EXAMPLES / "procedures.json"))
    assert "(created 0, changed 0, unchanged 7)" in as_json.stdout
    assert count(empty_db, "SELECT count(*) FROM procedure_version") == 7


def test_the_password_is_asked_twice_at_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cli_commands.ADMIN_PASSWORD_ENV, raising=False)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    answers = iter(["mat-khau-dai-du-10", "mat-khau-dai-du-10", "mot-mat-khau", "mat-khau-khac"])
    asked: list[str] = []

    def getpass(prompt: str) -> str:
        asked.append(prompt)
        return next(answers)

    monkeypatch.setattr(getpass_module, "getpass", getpass)

    assert cli_commands._admin_password() == "mat-khau-dai-du-10"
    assert len(asked) == 2
    assert cli_commands._admin_password() is None  # the two answers differ


def test_init_takes_no_password_argument(capsys: Any) -> None:
    from onestop.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(
            ["init", "--unit-code", ROOT, "--unit-name", "x", "--admin", "a", "--password", "p"]
        )
    assert "unrecognized arguments: --password" in capsys.readouterr().err
