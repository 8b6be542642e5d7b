"""Helpers for the auth tests: a snapshot of every account and audit row (so each refused
request can be shown to have written nothing), audit look-ups, problem assertions."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from onestop.auth.models import ApiClient, AuditEntry, LoginFailure, User


async def snapshot(app: Any) -> dict[str, Any]:
    """Everything an auth write could touch, in a comparable form."""
    async with app.state.sessionmaker() as s:
        users = (
            await s.execute(
                select(
                    User.username,
                    User.full_name,
                    User.title,
                    User.role,
                    User.unit_id,
                    User.password_hash,
                    User.is_active,
                ).order_by(User.id)
            )
        ).all()
        clients = (
            await s.execute(
                select(
                    ApiClient.client_id,
                    ApiClient.name,
                    ApiClient.secret_hash,
                    ApiClient.scopes,
                    ApiClient.unit_codes,
                    ApiClient.is_active,
                ).order_by(ApiClient.id)
            )
        ).all()
        audit = (await s.execute(select(func.count()).select_from(AuditEntry))).scalar_one()
        failures = (await s.execute(select(func.count()).select_from(LoginFailure))).scalar_one()
    return {
        "users": [tuple(r) for r in users],
        "clients": [tuple(r) for r in clients],
        "audit": audit,
        "failures": failures,
    }


async def audit_rows(app: Any, **where: Any) -> list[AuditEntry]:
    async with app.state.sessionmaker() as s:
        query = select(AuditEntry).order_by(AuditEntry.id)
        for key, value in where.items():
            query = query.where(getattr(AuditEntry, key) == value)
        return list((await s.execute(query)).scalars())


def assert_problem(resp: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = resp.json()
    assert body["status"] == status
    if code is not None:
        assert body["type"] == f"/problems/{code}", body
    return body
