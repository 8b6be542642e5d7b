"""Catalog test helpers: problem assertions, and a snapshot of every
catalog table (plus the audit log) to prove that a rejected write changed nothing."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text

TABLES = (
    "unit",
    "procedure",
    "procedure_unit",
    "procedure_version",
    "procedure_step",
    "calendar_day",
    "audit_log",
)


async def snapshot(app: Any) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with app.state.engine.connect() as conn:
        for table in TABLES:
            rows = (await conn.execute(text(f'SELECT * FROM "{table}"'))).all()
            out[table] = sorted((tuple(r) for r in rows), key=repr)
    return out


def assert_problem(resp: httpx.Response, status: int, slug: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json"), resp.headers
    body: dict[str, Any] = resp.json()
    assert body["status"] == status
    if slug is not None:
        assert body["type"] == f"/problems/{slug}", body
    return body


class Unchanged:
    """``async with Unchanged(app): <rejected request>`` asserts the database did not change."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.before: dict[str, list[tuple[Any, ...]]] = {}

    async def __aenter__(self) -> Unchanged:
        self.before = await snapshot(self.app)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if exc[0] is None:
            assert await snapshot(self.app) == self.before, "a rejected request changed the DB"
