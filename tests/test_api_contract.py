"""In-process schemathesis run over the committed OpenAPI: every operation, generated inputs,
every response must be documented and match its schema (problem+json for errors)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance
from tests.factories import build_world

from onestop.app import create_app
from onestop.auth.tokens import issue_token
from onestop.core import clock, migrate
from onestop.core.settings import Settings

pytestmark = pytest.mark.slow  # left out of `make check`

SECRET = "schemathesis-secret-key-0123456789abcdef"


async def _prepare(url: str) -> tuple[Any, int]:
    app = create_app(
        Settings(database_url=url, environment="test", secret_key=SECRET, run_worker_in_app=False)
    )
    world = await build_world(app)
    await app.state.engine.dispose()  # the test client runs the app on its own event loop
    return app, world.users["admin"].id


def _contract_app() -> Any:
    """Built at import: schemathesis generates the test cases from the app's schema."""
    url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp(prefix='onestop-contract-')) / 'c.db'}"
    migrate.upgrade(url)  # migrated, so /readyz answers 200
    app, admin_id = asyncio.run(_prepare(url))
    clock.set_now(None)
    app.state.admin_token = issue_token(f"user:{admin_id}", secret=SECRET, minutes=600)
    return app


@schemathesis.serializer("application/x-ndjson")
def _ndjson(_ctx: Any, value: Any) -> bytes:
    """The import's NDJSON body as the schema describes it (a string), sent as it is: generated
    text is mostly not a dossier per line, which the import must refuse line by line."""
    return str(value).encode("utf-8", "surrogatepass")


contract_app = _contract_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", contract_app)


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_honours_its_contract(case: Any) -> None:
    headers = {"Authorization": f"Bearer {contract_app.state.admin_token}"}
    # Business rules the schema cannot express (an 8-hour working day, budgets within the legal
    # limit, unknown cursors…) legitimately refuse some schema-valid inputs with 4xx problems.
    case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
