"""Browser tests: a real uvicorn server in a subprocess (SQLite file in a temporary folder,
migrated with ``onestop migrate``, the demo province seeded, a few dossiers received in the past),
driven by Debian's Chromium through Playwright's sync API. Screenshots go to test-artifacts/e2e/
(git-ignored).

The server's clock is frozen at Tue 10/03/2026 14:00 +07:00 (``ONESTOP_E2E_NOW``), so every
appointment on screen is the same on every run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.models import User
from onestop.auth.principal import Principal
from onestop.auth.service_common import principal_for
from onestop.core import clock
from onestop.core.db import make_engine
from onestop.core.settings import Settings
from onestop.demo.seed import DEMO_PASSWORD, seed_demo
from onestop.dossiers.actions import registry
from onestop.dossiers.actions.schemas import FinishBody, TransferBody
from onestop.dossiers.intake import write as intake_write
from onestop.dossiers.schemas import DossierCreate
from onestop.wiring import make_sessionmaker

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
SERVE = Path(__file__).resolve().parent / "serve.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EXPECTED_CONSOLE = "Failed to load resource: the server responded with a status of 4"
LOCAL = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2026, 3, 10, 14, 0, tzinfo=LOCAL)  # Tuesday afternoon
SECRET_KEY = "e2e-secret-key-for-the-browser-tests-0123456789"
PASSWORD = DEMO_PASSWORD


@dataclass(frozen=True)
class Scenario:
    base_url: str
    #: Received Mon 23/02/2026 at Sở Tư pháp (10 working days): overdue since Mon 09/03 09:00.
    overdue_code: str
    #: Received and finished: the citizen can look it up and rate it.
    ready_code: str
    ready_secret: str
    #: The server's database (tests that record what no page records, e.g. a correction).
    database_url: str = ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _user(session: AsyncSession, username: str) -> Principal:
    user_id = (await session.execute(select(User.id).where(User.username == username))).scalar_one()
    return await principal_for(session, "user", user_id)


async def _receive(session: AsyncSession, at: str, name: str, procedure: str) -> Any:
    clock.set_now(dt.datetime.fromisoformat(at).replace(tzinfo=LOCAL))
    body = DossierCreate.model_validate(
        {
            "procedure": procedure,
            "applicant": {"name": name, "id_number": "001190012345", "phone": "0912000111"},
            "documents": [{"code": "TK"}],
        }
    )
    outcome = await intake_write.submit(
        session,
        principal=await _user(session, "clerk"),
        body=body,
        at=clock.now(),
        server_key=SECRET_KEY,
    )
    return outcome.receipt


async def _act(session: AsyncSession, at: str, code: str, name: str, body: Any) -> None:
    clock.set_now(dt.datetime.fromisoformat(at).replace(tzinfo=LOCAL))
    await registry.perform(
        session,
        code=code,
        name=name,
        body=body,
        principal=await _user(session, "officer"),
        at=clock.now(),
    )


def run_python(code: str, *args: str, env: dict[str, str], cwd: Path) -> None:
    """``python -c code args`` in a process of its own; the test fails with its output unless it
    exits 0."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _migrate(env: dict[str, str], cwd: Path) -> None:
    """The schema as production gets it: ``onestop migrate`` (Alembic)."""
    run_python(
        "import sys; from onestop.cli import main; sys.exit(main(['migrate']))", env=env, cwd=cwd
    )


async def _prepare(url: str) -> tuple[str, str, str]:
    """The demo province, and dossiers received in the past (on the migrated schema)."""
    engine = make_engine(Settings(database_url=url, secret_key=SECRET_KEY))
    maker = make_sessionmaker(engine)
    try:
        async with maker() as session:
            await seed_demo(session)
            late = await _receive(session, "2026-02-23 09:00", "Võ Minh Khang", "1.004746")
            await _act(session, "2026-02-23 10:00", late.code, "transfer", TransferBody())
            soon = await _receive(session, "2026-02-24 16:00", "Đặng Thu Trang", "1.004746")
            await _act(session, "2026-02-25 08:00", soon.code, "transfer", TransferBody())
            ready = await _receive(session, "2026-03-02 09:00", "Nguyễn Văn Bình", "1.004746")
            await _act(session, "2026-03-02 10:00", ready.code, "transfer", TransferBody())
            await _act(session, "2026-03-09 15:00", ready.code, "finish", FinishBody())
    finally:
        clock.set_now(None)
        await engine.dispose()
    return late.code, ready.code, ready.lookup_secret


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    """More ``ONESTOP_*`` settings for the module's server (a test module overrides it)."""
    return {}


@pytest.fixture(scope="module")
def scenario(
    tmp_path_factory: pytest.TempPathFactory, server_env: dict[str, str]
) -> Iterator[Scenario]:
    folder = tmp_path_factory.mktemp("e2e")
    url = f"sqlite+aiosqlite:///{folder / 'onestop.db'}"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "ONESTOP_DATABASE_URL": url,
        "ONESTOP_SECRET_KEY": SECRET_KEY,
        "ONESTOP_ENVIRONMENT": "test",
        "ONESTOP_RUN_WORKER_IN_APP": "false",
        "ONESTOP_PUBLIC_BASE_URL": base,
        "ONESTOP_LOG_LEVEL": "WARNING",
        "ONESTOP_E2E_NOW": NOW.isoformat(),
        **server_env,
    }
    _migrate(env, folder)
    # In a thread of its own: Playwright's sync API may already run an event loop in this one.
    with ThreadPoolExecutor(1) as pool:
        late, ready, secret = pool.submit(asyncio.run, _prepare(url)).result()
    log = (folder / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, str(SERVE), str(port)], cwd=folder, env=env, stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:  # migrated
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((folder / "server.log").read_text())
            time.sleep(0.2)
        yield Scenario(base, late, ready, secret, url)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, scenario: Scenario) -> Iterator[Page]:
    """A fresh browser context (no cookies) at the counter's screen size, 1366×768."""
    context = browser.new_context(
        base_url=scenario.base_url, viewport={"width": 1366, "height": 768}, locale="vi-VN"
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))

    def console(msg: Any) -> None:
        # A refused request (4xx) is an answer the page shows, not a fault of the page.
        if msg.type == "error" and not msg.text.startswith(EXPECTED_CONSOLE):
            errors.append(msg.text)

    tab.on("console", console)
    yield tab
    context.close()
    assert not errors, errors  # no script errors, no CSP violations


def shot(page: Page, name: str, *, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def login(page: Page, username: str) -> None:
    page.goto("/web/login")
    expect(page.locator("input[name=username]")).to_be_focused()  # the caret starts there
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/web/" in url and "/web/login" not in url)
