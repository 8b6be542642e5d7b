"""Test lanes: every database test runs on SQLite and on PostgreSQL.

A test runs once per backend of ONESTOP_TEST_BACKENDS (default ``sqlite,postgres``) when its
fixtures reach ``database_url``, and once otherwise. One that builds the app but never reaches
the database is marked ``no_database``: it runs on the first backend only, and fails if it checks
out a database connection after all.

PostgreSQL comes from ONESTOP_TEST_PG_URL (``make test`` starts a throwaway cluster when nothing
listens on 127.0.0.1:5432); the session drops that database and creates it again. A missing
PostgreSQL is an error, never a silent skip: the quick lane (``make check``) leaves PostgreSQL out
with ``ONESTOP_TEST_BACKENDS=sqlite -m "not postgres"``; every case parametrised with ``postgres``
carries the ``postgres`` marker, every test under tests/e2e the ``e2e`` marker and every one under
tests/ops the ``slow`` marker.

Under pytest-xdist (``make test`` runs two processes) each worker has a database of its own: the
URL's name + ``_gw0``, ``_gw1``…, written back to ONESTOP_TEST_PG_URL when this file is imported,
so the test modules that read the variable and the processes the tests start use the worker's
database. A test that needs more databases names them after that one (``pg_side_url``): two
workers never share a database.

``ONESTOP_TEST_FAST_HASH=1`` (set by ``make unit`` / ``make check``) hashes passwords and client
secrets with Argon2id at its cheapest parameters: a log-in then costs a fraction of a millisecond
instead of ~0.2 s of CPU, which is otherwise most of the quick lane's time. ``make test`` keeps
pwdlib's recommended parameters.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool, Pool

from onestop.app import create_app
from onestop.core import clock
from onestop.core.settings import Settings
from onestop.models import Base


def _worker_database(url: str) -> str:
    """``url`` with the xdist worker's name appended to its database (``onestop_test_gw0``);
    ``url`` itself outside xdist, or when it already names the worker's database."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    parsed = make_url(url)
    if not worker or parsed.database is None or parsed.database.endswith(f"_{worker}"):
        return url
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


PG_URL = _worker_database(
    os.environ.get(
        "ONESTOP_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/onestop_test"
    )
)
os.environ["ONESTOP_TEST_PG_URL"] = PG_URL
BACKENDS = [
    name.strip()
    for name in os.environ.get("ONESTOP_TEST_BACKENDS", "sqlite,postgres").split(",")
    if name.strip()
]
E2E = Path(__file__).resolve().parent / "e2e"  # browser tests: marker e2e
OPS = Path(__file__).resolve().parent / "ops"  # drills with real server processes: marker slow


def _use_fast_password_hash() -> None:
    """Argon2id at its minimum cost, for hashes made from now on (``PasswordHash.recommended()``)
    and for the hashers onestop's modules already hold (this file imported them above); the
    tests' own modules import later."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    cheap = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1),))
    # A stand-in for the classmethod (same call, same result type): mypy forbids assigning methods.
    PasswordHash.recommended = classmethod(lambda cls: cheap)  # type: ignore[assignment,method-assign]
    for name, module in list(sys.modules.items()):
        if name == "onestop" or name.startswith("onestop."):
            for attr, value in list(vars(module).items()):
                if isinstance(value, PasswordHash):
                    setattr(module, attr, cheap)


if os.environ.get("ONESTOP_TEST_FAST_HASH") == "1":
    _use_fast_password_hash()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One case per backend for the tests whose fixture closure includes ``database_url``; one
    case (the first backend) for those of them marked ``no_database``."""
    if "database_url" not in metafunc.fixturenames:
        return
    no_database = metafunc.definition.get_closest_marker("no_database") is not None
    backends = BACKENDS[:1] if no_database else BACKENDS
    metafunc.parametrize("database_url", backends, indirect=True, scope="session")


def _unique_nodeids(items: list[pytest.Item]) -> None:
    """Every test under an id of its own. On pytest 9.2, schemathesis's cases
    (tests/test_api_contract.py) all carry the test function's id; xdist's ``loadfile``
    scheduler keys the tests by id and would run the first of them only. Each such case gets its
    item's name back as its id (``…::test_every_operation_honours_its_contract[GET /healthz]``);
    under xdist, any id still shared is an error rather than tests silently left out."""
    counts = Counter(item.nodeid for item in items)
    for item in items:
        if counts[item.nodeid] > 1 and isinstance(item, pytest.Function):
            params = item.name.removeprefix(item.originalname)
            if item._id.params is None and params.startswith("[") and params.endswith("]"):
                item._id = item._id.with_params(params[1:-1])
    shared = sorted(n for n, count in Counter(i.nodeid for i in items).items() if count > 1)
    if shared and os.environ.get("PYTEST_XDIST_WORKER"):
        raise pytest.UsageError(f"tests collected under one id, xdist would run one: {shared[:5]}")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Ids of their own for schemathesis's cases; markers from where a test lives and what it is
    parametrised with."""
    _unique_nodeids(items)
    for item in items:
        if E2E in item.path.parents:
            item.add_marker(pytest.mark.e2e)
        if OPS in item.path.parents:
            item.add_marker(pytest.mark.slow)
        params = getattr(item, "callspec", None)
        values = params.params.values() if params is not None else ()
        if any(isinstance(v, str) and v == "postgres" for v in values):
            item.add_marker(pytest.mark.postgres)


_checkouts = 0  # database connections checked out, by any engine of this process
_schema_checkouts = 0  # of those, the ones that created a session's schema (not the test's)


@event.listens_for(Pool, "checkout")
def _count_checkout(*_: object) -> None:
    global _checkouts
    _checkouts += 1


def _guard_no_database(item: pytest.Item, start: int) -> None:
    if (
        item.get_closest_marker("no_database") is not None
        and _checkouts - _schema_checkouts != start
    ):
        pytest.fail(f"{item.nodeid} is marked no_database but checked out a database connection")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> object:
    start = _checkouts - _schema_checkouts
    result = yield
    _guard_no_database(item, start)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> object:
    start = _checkouts - _schema_checkouts
    result = yield
    _guard_no_database(item, start)
    return result


def pg_side_url(suffix: str) -> str:
    """A further database on PG_URL's server, named after the test database (``<name>_<suffix>``):
    a test that migrates or seeds one of its own keeps off the shared schema and off the other
    workers' databases."""
    parsed = make_url(PG_URL)
    return parsed.set(database=f"{parsed.database}_{suffix}").render_as_string(hide_password=False)


async def _recreate_pg_database(url: str) -> None:
    import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information

    base, _, dbname = url.replace("postgresql+asyncpg://", "postgresql://").rpartition("/")
    conn = await asyncpg.connect(f"{base}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{dbname}"')
    finally:
        await conn.close()


async def _create_schema(url: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()


_databases: dict[str, str] = {}  # backend → its database, made once per process


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated-equivalent empty schema on the backend (create_all here; migrations are tested
    separately in tests/test_migrations.py). Parametrised by ``pytest_generate_tests``.

    Made once per backend and process: pytest sets this fixture up again whenever the next test
    is on the other backend (under xdist, at about every module), and dropping a PostgreSQL
    database forces a checkpoint of the whole server. The tables are emptied after each test
    (``app``), as between the tests of one backend."""
    if request.param in _databases:
        return _databases[request.param]
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "onestop.db"
        url = f"sqlite+aiosqlite:///{path}"
    else:
        url = PG_URL
        asyncio.run(_recreate_pg_database(url))
    global _schema_checkouts
    before = _checkouts
    asyncio.run(_create_schema(url))
    _schema_checkouts += _checkouts - before
    _databases[request.param] = url
    return url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        environment="test",
        secret_key="test-secret-key-for-onestop-tests-0123456789",
        log_json=True,
        db_pool_size=5,
        run_worker_in_app=False,  # tests run the worklist job explicitly
    )


@pytest.fixture
def frozen_now() -> Iterator[dt.datetime]:
    """Freeze the injected clock at Tue 10/03/2026 09:00 +07:00 (a working morning)."""
    at = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
    clock.set_now(at)
    yield at
    clock.set_now(None)


@pytest.fixture
async def app(settings: Settings, frozen_now: dt.datetime) -> AsyncIterator[object]:
    application = create_app(settings)
    yield application
    await _truncate(application.state.engine)
    await application.state.engine.dispose()


RESTART_SEQUENCES = """
SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'S' AND n.nspname = current_schema()
"""


async def _truncate(engine: object) -> None:
    from sqlalchemy.ext.asyncio import AsyncEngine

    assert isinstance(engine, AsyncEngine)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:  # foreign keys unchecked: the tables empty in any order
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
        for t in tables:
            await conn.execute(text(f'DELETE FROM "{t}"'))
        if postgres:
            # Ids from 1 again, as after a TRUNCATE … RESTART IDENTITY: that took ten times as
            # long (new files for every table) for the few rows a test leaves.
            await conn.execute(text(RESTART_SEQUENCES))


@pytest.fixture
async def client(app: object) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://onestop.test") as c:
        yield c
