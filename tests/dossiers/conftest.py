"""Fixtures for the dossier tests: the small province of tests/factories.py and bearer tokens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from tests.factories import World, build_world

from onestop.auth.tokens import issue_token
from onestop.core import clock
from onestop.core.settings import Settings
from onestop.dossiers.models import (
    Dossier,
    DossierCodeCounter,
    DossierEvent,
    DossierPause,
    DossierStep,
    IdempotencyKey,
)

Headers = Callable[[str], dict[str, str]]
LOCAL = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture
async def world(app: Any) -> World:
    return await build_world(app)


@pytest.fixture
def auth(world: World, settings: Settings) -> Headers:
    """``auth("clerk")`` → Authorization header of that user (``"portal"``: the API client)."""

    def make(name: str) -> dict[str, str]:
        if name == "portal":
            assert world.client is not None
            subject = f"client:{world.client.id}"
        else:
            subject = f"user:{world.users[name].id}"
        token = issue_token(subject, secret=settings.secret_key, minutes=60 * 24 * 60)
        return {"Authorization": f"Bearer {token}"}

    return make


def at(text: str) -> dt.datetime:
    """Local wall-clock instant, e.g. ``at("2026-03-10 14:00")``."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=LOCAL)


def set_clock(text: str) -> dt.datetime:
    moment = at(text)
    clock.set_now(moment)
    return moment


def intake_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "procedure": "2.000908",
        "applicant": {
            "name": "Nguyễn Văn An",
            "id_number": "001203004567",
            "phone": "0912345678",
            "email": "an@example.vn",
            "address": "Số 12 đường Trần Phú, phường Điện Biên",
        },
        "documents": [{"code": "TP1", "quantity": 1}],
    }
    body.update(over)
    return body


#: Actions of this issue; later issues register more (e.g. apologize) in the same states.
CORE_ACTIONS = frozenset(
    {
        "accept",
        "refuse",
        "assign",
        "transfer",
        "request-supplement",
        "supplement-received",
        "request-payment",
        "payment-received",
        "finish",
        "return",
        "withdraw",
        "stop",
    }
)


def core(allowed: list[str]) -> list[str]:
    """The allowed actions of this issue, in order (actions added by later issues left out)."""
    return [a for a in allowed if a in CORE_ACTIONS]


TABLES = (Dossier, DossierEvent, DossierStep, DossierPause, DossierCodeCounter, IdempotencyKey)


async def table_counts(app: Any) -> dict[str, int]:
    """Rows per dossier table (to show a rejected request wrote nothing)."""
    out: dict[str, int] = {}
    async with app.state.sessionmaker() as s:
        for model in TABLES:
            out[model.__tablename__] = (
                await s.execute(select(func.count()).select_from(model))
            ).scalar_one()
    return out


async def create(client: httpx.AsyncClient, headers: dict[str, str], **over: Any) -> dict[str, Any]:
    resp = await client.post("/api/v1/dossiers", json=intake_body(**over), headers=headers)
    assert resp.status_code == 201, resp.text
    data: dict[str, Any] = resp.json()
    return data


async def act(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    code: str,
    action: str,
    body: dict[str, Any] | None = None,
    expect: int = 200,
) -> dict[str, Any]:
    resp = await client.post(
        f"/api/v1/dossiers/{code}/{action}", json=body if body is not None else {}, headers=headers
    )
    assert resp.status_code == expect, resp.text
    data: dict[str, Any] = resp.json()
    return data
