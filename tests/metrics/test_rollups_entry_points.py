"""Every entry point that writes dossiers keeps the report rollups (on-time and Biểu 06) exact:
the API (fast and documented intake, actions, apologies), the web counter and its action forms,
the NDJSON history import, ``onestop seed-demo`` and ``onestop worker --once`` as real
subprocesses. After each, ``metrics.rollups.differences`` — the stored sums against a
recomputation from the dossiers, on a session of ``wiring.make_sessionmaker`` — is empty.

And what a manager sees after ``seed-demo``: every count of the on-time report is the number of
dossiers its drill-down list gives, page after page."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import tests.dossiers.conftest as dossier_fixtures
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from tests.conftest import BACKENDS, _recreate_pg_database, pg_side_url
from tests.dossiers.conftest import Headers, act, create, intake_body, set_clock
from tests.dossiers.test_import import COMPLETE, ev, line
from tests.factories import World
from tests.metrics.reports_support import (
    Made,
    apologize,
    finish,
    follow,
    processed,
    receive,
    supplement,
    to_processing,
)
from tests.web.conftest import HX, intake_form, receipt_code, web_login

from onestop.app import create_app
from onestop.core import clock, migrate
from onestop.core.settings import Settings
from onestop.demo.seed import DEMO_PASSWORD
from onestop.dossiers.models import Dossier
from onestop.metrics import rollups
from onestop.metrics.bieu06 import rollup as bieu06_rollup
from onestop.metrics.ontime import rollup as ontime_rollup
from onestop.wiring import make_sessionmaker

world = dossier_fixtures.world  # the fixtures of the dossier tests
auth = dossier_fixtures.auth

ROLLUP_TABLES = (*ontime_rollup.TABLES, *bieu06_rollup.TABLES)
CENTRE = "000.00.01.H99"
DEMO_ROOT = "000.00.00.H99"
ROOT = Path(__file__).resolve().parents[2]  # the repository
BUCKETS = ("early", "on_time", "late", "finished")


async def differences(engine: AsyncEngine) -> rollups.Differences:
    async with make_sessionmaker(engine)() as session:
        return await rollups.differences(session)


async def rollup_rows(engine: AsyncEngine) -> dict[str, int]:
    """Rows per rollup table: an entry point that wrote nothing to them proves nothing."""
    async with engine.connect() as conn:
        return {
            t.name: int((await conn.execute(select(func.count()).select_from(t))).scalar_one())
            for t in ROLLUP_TABLES
        }


def cli(*args: str, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m onestop.cli …`` on the database at ``url``, as an operator runs it."""
    env = {**os.environ, "ONESTOP_DATABASE_URL": url, "ONESTOP_LOG_JSON": "true"}
    done = subprocess.run(
        [sys.executable, "-m", "onestop.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


# -- (a) the API ---------------------------------------------------------------------------------
async def test_api_intakes_and_actions_keep_the_rollups_exact(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    app: Any,
    settings: Settings,
    tmp_path: Path,
) -> None:
    engine = app.state.engine
    assert await rollup_rows(engine) == dict.fromkeys((t.name for t in ROLLUP_TABLES), 0)
    # Intakes: the fast path (application/json), the documented route, an API client's online
    # dossier, an idempotent replay, and a procedure of another department.
    early = await receive(client, auth, "2026-03-02 08:00")
    late = await receive(client, auth, "2026-03-02 09:00")
    set_clock("2026-03-02 09:30")
    documented = await client.post(
        "/api/v1/dossiers",
        content=httpx.Request("POST", "/", json=intake_body()).content,
        headers={**auth("clerk"), "Content-Type": "application/vnd.onestop+json"},
    )
    assert documented.status_code == 201, documented.text
    keyed = {**auth("portal"), "Idempotency-Key": "portal-0001"}
    portal_body = intake_body(portal_ref="P-1", receiving_unit=CENTRE)
    online = await client.post("/api/v1/dossiers", json=portal_body, headers=keyed)
    again = await client.post("/api/v1/dossiers", json=portal_body, headers=keyed)
    assert online.status_code == again.status_code == 201, online.text
    assert again.headers["idempotent-replayed"] == "true"
    building = await receive(client, auth, "2026-03-02 10:00", procedure="1.005129")
    assert await differences(engine) == {}
    rows = await rollup_rows(engine)
    assert rows["report_b06_daily"] > 0  # received dossiers are counted

    # Actions, in time order: finish early and return; an online dossier accepted, supplemented
    # and finished; a late one finished after the leader's apology; refusals, withdrawals, stops.
    set_clock("2026-03-02 10:30")
    online_made = Made(online.json()["code"], "", online.json())
    for m in (early, late, online_made, building):
        await to_processing(client, auth, m)
    await supplement(client, auth, online_made, "2026-03-02 11:00", None)
    await finish(client, auth, early, "2026-03-02 14:00")
    set_clock("2026-03-02 15:00")
    await act(client, auth("clerk"), early.code, "return", {"received_by": "Nguyễn Văn An"})
    set_clock("2026-03-03 09:00")
    await act(client, auth("clerk"), online_made.code, "supplement-received", {})
    assert await differences(engine) == {}
    moment = set_clock("2026-03-03 10:00")  # the late one is overdue now
    await apologize(client, auth, late, moment)
    assert await differences(engine) == {}  # an apology moves no count
    await finish(client, auth, online_made, "2026-03-03 11:00")
    set_clock("2026-03-04 09:00")
    refused = await create(client, auth("portal"), portal_ref="P-2", receiving_unit=CENTRE)
    await act(
        client, auth("clerk"), refused["code"], "refuse", {"reason": "Không thuộc thẩm quyền"}
    )
    withdrawn = await create(client, auth("clerk"))
    await act(client, auth("clerk"), withdrawn["code"], "withdraw", {"reason": "Người nộp rút"})
    stopped = await processed(client, auth, "2026-03-04 09:30", None)
    await act(client, auth("leader"), stopped.code, "stop", {"legal_ground": "Điều 19 NĐ 118"})
    await finish(client, auth, late, "2026-03-04 10:00")
    assert await differences(engine) == {}
    after = await rollup_rows(engine)
    assert (
        after["report_ontime_daily"] > 0 and after["report_b06_daily"] >= rows["report_b06_daily"]
    )

    # (e) the worker on the same database: alerts and tasks, and still exact rollups
    done = cli("worker", "--once", url=settings.database_url, cwd=tmp_path)
    assert "worklist job: raised" in done.stderr
    assert await differences(engine) == {}


async def test_differences_sees_a_write_that_bypassed_the_hooks(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    """The check has teeth: a change made behind the sessionmaker's back is reported, and a
    rebuild repairs it."""
    m = await processed(client, auth, "2026-03-02 08:00", "2026-03-02 14:00")
    engine = app.state.engine
    assert await differences(engine) == {}
    async with engine.begin() as conn:  # plain Core on the engine: no session, no hooks
        await conn.execute(update(Dossier).where(Dossier.code == m.code).values(late_flag=True))
    found = await differences(engine)
    assert found and rollups.cells(found) > 0
    assert set(found) <= {t.name for t in ROLLUP_TABLES}
    async with make_sessionmaker(engine)() as session:
        await rollups.rebuild(session)
        await session.commit()
    assert await differences(engine) == {}


# -- (b) the web client ----------------------------------------------------------------------------
async def test_web_counter_intake_and_action_forms_keep_the_rollups_exact(
    client: httpx.AsyncClient, world: World, app: Any
) -> None:
    engine = app.state.engine
    set_clock("2026-03-02 08:00")
    await web_login(client, "clerk")
    resp = await client.post("/web/counter/intake", data=intake_form(), headers=HX)
    assert resp.status_code == 201, resp.text
    first = receipt_code(resp.text)
    resp = await client.post(
        "/web/counter/intake", data=intake_form(form_token="tok-2"), headers=HX
    )
    assert resp.status_code == 201, resp.text
    second = receipt_code(resp.text)
    assert await differences(engine) == {}
    assert (await rollup_rows(engine))["report_b06_daily"] > 0
    for code in (first, second):
        resp = await client.post(f"/web/dossiers/{code}/actions/transfer", data={}, headers=HX)
        assert resp.status_code == 200, resp.text
    await client.post("/web/logout", headers={"Origin": "http://onestop.test"})
    set_clock("2026-03-02 14:00")
    await web_login(client, "officer")
    resp = await client.post(f"/web/dossiers/{first}/actions/finish", data={}, headers=HX)
    assert resp.status_code == 200, resp.text
    set_clock("2026-03-04 10:00")  # the second is late now
    await client.post("/web/logout", headers={"Origin": "http://onestop.test"})
    await web_login(client, "leader")
    resp = await client.post(
        f"/web/dossiers/{second}/actions/apologize",
        data={"reason": "Chờ xác minh của cơ quan khác", "new_appointment_at": "2026-03-05T09:00"},
        headers=HX,
    )
    assert resp.status_code == 200, resp.text
    resp = await client.post(f"/web/dossiers/{second}/actions/finish", data={}, headers=HX)
    assert resp.status_code == 200, resp.text
    assert await differences(engine) == {}
    assert (await rollup_rows(engine))["report_ontime_daily"] > 0


# -- (c) the NDJSON import -----------------------------------------------------------------------
async def test_the_history_import_keeps_the_rollups_exact(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    late_with_supplements = [
        ev("submit", "2026-03-02T20:00:00+07:00"),
        ev("accept", "2026-03-03T08:00:00+07:00"),
        ev("transfer", "2026-03-03T08:10:00+07:00"),
        ev("request-supplement", "2026-03-03T09:00:00+07:00", {"items": ["a"], "reason": "b"}),
        ev("supplement-received", "2026-03-04T09:00:00+07:00"),
        ev("finish", "2026-03-06T11:00:00+07:00"),
    ]
    still_open = COMPLETE[:3]
    lines = [
        line(COMPLETE),
        line(late_with_supplements, code="G09.20-20260302-0000001", portal_ref="P-9"),
        line(still_open),
        line([ev("finish", "2026-03-02T14:00:00+07:00")]),  # no receipt: rejected alone
    ]
    resp = await client.post(
        "/api/v1/dossiers/import",
        content="\n".join(lines).encode(),
        headers={**auth("admin"), "content-type": "application/x-ndjson"},
        params={"mode": "per-line"},  # the bad line rolled back alone
    )
    assert resp.status_code == 200, resp.text
    assert (resp.json()["accepted"], resp.json()["rejected"]) == (3, 1)
    engine = app.state.engine
    assert await differences(engine) == {}
    rows = await rollup_rows(engine)
    assert rows["report_ontime_daily"] > 0 and rows["report_b06_daily"] > 0
    # and live actions on an imported dossier afterwards: late, so apologised, then finished
    imported = resp.json()["lines"][2]["code"]
    set_clock("2026-03-10 09:00")
    await act(client, auth("officer"), imported, "finish", {}, expect=409)
    apology = {"reason": "Chờ xác minh", "new_appointment_at": "2026-03-11T09:00:00+07:00"}
    await act(client, auth("leader"), imported, "apologize", apology)
    await act(client, auth("officer"), imported, "finish")
    assert await differences(engine) == {}


# -- (d, e) seed-demo and the worker as subprocesses -----------------------------------------------
@pytest.fixture(scope="module", params=BACKENDS)
def demo_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh database, migrated and seeded by the CLI, as ``make run`` does it."""
    where = tmp_path_factory.mktemp("demo")
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{where / 'demo.db'}"
    else:
        url = pg_side_url("demo")
        asyncio.run(_recreate_pg_database(url))
    cli("migrate", url=url, cwd=where)  # outside the repository, as an operator may run it
    seeded = cli("seed-demo", url=url, cwd=where)
    assert "demo province seeded" in seeded.stdout
    yield url


@pytest.fixture
async def demo_engine(demo_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(demo_url, poolclass=NullPool)
    yield engine
    await engine.dispose()


@pytest.mark.slow
async def test_seed_demo_keeps_the_rollups_exact(demo_engine: AsyncEngine) -> None:
    assert await differences(demo_engine) == {}
    rows = await rollup_rows(demo_engine)
    assert rows["report_ontime_daily"] > 0 and rows["report_b06_daily"] > 0
    async with demo_engine.connect() as conn:
        finished = await conn.execute(
            text("SELECT count(*) FROM dossier WHERE finished_at IS NOT NULL")
        )
        assert finished.scalar_one() >= 2


@pytest.fixture
async def demo_client(demo_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app on the demo database, on the real clock (the demo is placed relative to today)."""
    clock.set_now(None)
    app = create_app(
        Settings(
            database_url=demo_url,
            environment="test",
            secret_key="test-secret-key-for-onestop-tests-0123456789",
            run_worker_in_app=False,
        )
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://onestop.test") as c:
        yield c
    await app.state.engine.dispose()


@pytest.mark.parametrize("group_by", ["unit", "procedure", "field", "month"])
async def test_demo_on_time_counts_equal_their_drill_down_lists(
    demo_client: httpx.AsyncClient, group_by: str
) -> None:
    token = await demo_client.post(
        "/api/v1/auth/token", data={"username": "manager", "password": DEMO_PASSWORD}
    )
    assert token.status_code == 200, token.text
    manager = {"Authorization": f"Bearer {token.json()['access_token']}"}
    today = clock.local_today()
    params = {
        "from": (today - dt.timedelta(days=365)).isoformat(),  # the demo's year, up to today
        "to": today.isoformat(),
        "unit": DEMO_ROOT,
        "group_by": group_by,
    }
    resp = await demo_client.get("/api/v1/reports/on-time", params=params, headers=manager)
    assert resp.status_code == 200, resp.text
    report = resp.json()
    total = report["total"]
    assert total["finished"] >= 2 and total["early"] >= 1 and total["late"] >= 1, total
    assert total["finished"] == total["early"] + total["on_time"] + total["late"]
    checked = 0
    for row in [total, *report["rows"]]:
        for bucket in BUCKETS:
            codes = await follow(demo_client, manager, row["links"][bucket])
            assert len(codes) == row[bucket], (row["key"], bucket, codes)
            checked += row[bucket]
    assert checked >= 2 * total["finished"]  # the total and at least its rows' counts


async def test_worker_once_keeps_the_demo_rollups_exact(
    demo_url: str, demo_engine: AsyncEngine, tmp_path: Path
) -> None:
    done = cli("worker", "--once", url=demo_url, cwd=tmp_path)
    assert "worklist job: raised" in done.stderr
    assert await differences(demo_engine) == {}


def test_migrate_finds_the_repository_from_another_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: after core.migrate moved to src/onestop/core/, ``parents[2]`` was src/ and
    ``onestop migrate`` failed outside a directory holding alembic.ini."""
    monkeypatch.chdir(tmp_path)
    assert migrate._project_dir() == ROOT
