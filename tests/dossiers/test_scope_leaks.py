"""A dossier the caller may not see answers exactly as an unknown code (404 ``unknown-dossier``,
the same body apart from ``instance`` and ``request_id``) on every route that names a dossier,
before its rights or its state are looked at; a portal reference of another client's dossier is a
409 that names no dossier."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from tests.dossiers.conftest import Headers, act, create, intake_body, table_counts
from tests.factories import World, add_user

from onestop.auth.models import ApiClient, AuditEntry
from onestop.auth.tokens import issue_token
from onestop.core import clock
from onestop.core.settings import Settings
from onestop.dossiers.actions import registry

URL = "/api/v1/dossiers"
UNKNOWN = "000.00.01.H99-260310-9999"
CONSTRUCTION = "000.00.11.H99"

#: A valid body for every action, so the dispatcher itself answers (not body validation).
BODIES: dict[str, dict[str, Any]] = {
    "accept": {},
    "refuse": {"reason": "Thiếu giấy tờ"},
    "assign": {"handler": "officer"},
    "transfer": {},
    "request-supplement": {"items": ["Bản sao CCCD"], "reason": "Thiếu giấy tờ"},
    "supplement-received": {},
    "request-payment": {"items": [{"name": "Lệ phí", "amount": 10000}]},
    "payment-received": {},
    "finish": {},
    "return": {},
    "withdraw": {"reason": "Công dân rút hồ sơ"},
    "stop": {"legal_ground": "Điều 18"},
    "apologize": {"reason": "Cần xác minh", "new_appointment_at": "2026-03-12T10:00:00+07:00"},
}


def test_every_action_has_a_body_here() -> None:
    assert set(BODIES) == set(registry.ACTIONS)


def as_unknown(resp: httpx.Response, code: str) -> dict[str, Any]:
    """The problem without its per-request members, the dossier's code written as ``{code}``."""
    assert resp.headers["content-type"] == "application/problem+json", resp.text
    body = {k: v for k, v in resp.json().items() if k not in {"instance", "request_id"}}
    return {k: v.replace(code, "{code}") if isinstance(v, str) else v for k, v in body.items()}


async def audit_count(app: Any) -> int:
    async with app.state.sessionmaker() as s:
        return int((await s.execute(select(func.count()).select_from(AuditEntry))).scalar_one())


@pytest.fixture
async def outsiders(app: Any, world: World) -> World:
    """A leader of Sở Xây dựng, which takes no part in the justice dossiers (it may sign, and
    process, and print: only the scope keeps it out)."""
    async with app.state.sessionmaker() as s:
        world.users["leader_b"] = await add_user(s, "leader_b", "leader", world.units[CONSTRUCTION])
        await s.commit()
    return world


async def _same_as_unknown(
    client: httpx.AsyncClient, method: str, path: str, code: str, **kw: Any
) -> None:
    seen = await client.request(method, path.format(code=code), **kw)
    unknown = await client.request(method, path.format(code=UNKNOWN), **kw)
    assert (seen.status_code, unknown.status_code) == (404, 404), (path, seen.text)
    assert as_unknown(seen, code) == as_unknown(unknown, UNKNOWN), path
    assert as_unknown(seen, code)["type"] == "/problems/unknown-dossier"


@pytest.mark.parametrize("who", ["leader_b", "officer_b", "clerk_a"])
async def test_a_dossier_out_of_sight_is_an_unknown_code_on_every_route(
    client: httpx.AsyncClient, outsiders: World, auth: Headers, app: Any, who: str
) -> None:
    in_process = (await create(client, auth("clerk")))["code"]
    await act(client, auth("clerk"), in_process, "transfer")
    finished = (await create(client, auth("clerk")))["code"]
    await act(client, auth("clerk"), finished, "transfer")
    await act(client, auth("officer"), finished, "finish")
    before, audits = await table_counts(app), await audit_count(app)
    headers = auth(who)
    for code in (in_process, finished):
        await _same_as_unknown(client, "GET", URL + "/{code}", code, headers=headers)
        await _same_as_unknown(client, "GET", URL + "/{code}/events", code, headers=headers)
        for action, body in BODIES.items():
            await _same_as_unknown(
                client, "POST", f"{URL}/{{code}}/{action}", code, json=body, headers=headers
            )
        for form in ("01", "02", "03", "04", "05", "06"):
            await _same_as_unknown(
                client, "GET", f"{URL}/{{code}}/forms/{form}.pdf", code, headers=headers
            )
    assert await table_counts(app) == before
    assert await audit_count(app) == audits


async def test_another_units_leader_learns_nothing_from_apologize(
    client: httpx.AsyncClient, outsiders: World, auth: Headers, app: Any
) -> None:
    """Before its scope was checked, ``apologize`` told any leader the dossier's state (409
    ``illegal-action`` with the status and the allowed actions)."""
    received = (await create(client, auth("clerk")))["code"]  # status 2: apologize is illegal
    body = {**BODIES["apologize"], "issuing_unit": CONSTRUCTION}
    for sent in (BODIES["apologize"], body):
        resp = await client.post(f"{URL}/{received}/apologize", json=sent, headers=auth("leader_b"))
        assert resp.status_code == 404, resp.text
        assert "current_status" not in resp.json() and "allowed_actions" not in resp.json()
    # the justice leader sees the dossier, and so its state
    resp = await client.post(
        f"{URL}/{received}/apologize", json=BODIES["apologize"], headers=auth("leader")
    )
    assert resp.status_code == 409 and resp.json()["type"] == "/problems/illegal-action"


async def test_a_clerk_out_of_sight_rates_an_unknown_dossier(
    client: httpx.AsyncClient, outsiders: World, auth: Headers, app: Any
) -> None:
    code = (await create(client, auth("clerk")))["code"]
    await _same_as_unknown(
        client,
        "POST",
        URL + "/{code}/rating",
        code,
        json={"level": "hai_long"},
        headers=auth("clerk_a"),
    )
    # without the intake right the answer is the same 403 for every code, known or not
    for target in (code, UNKNOWN):
        resp = await client.post(
            f"{URL}/{target}/rating", json={"level": "hai_long"}, headers=auth("officer_b")
        )
        assert resp.status_code == 403 and resp.json()["type"] == "/problems/missing-right"


async def test_without_the_view_right_every_code_gets_the_same_403(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any, settings: Settings
) -> None:
    code = (await create(client, auth("clerk")))["code"]
    async with app.state.sessionmaker() as s:
        blind = ApiClient(
            client_id="submit-only",
            name="Chỉ nộp hồ sơ",
            secret_hash="x",
            scopes=["dossier:submit"],
            unit_codes=["000.00.00.H99"],
            created_at=clock.now(),
        )
        s.add(blind)
        await s.commit()
    token = issue_token(f"client:{blind.id}", secret=settings.secret_key, minutes=60)
    headers = {"Authorization": f"Bearer {token}"}
    for path in ("", "/events"):
        seen = await client.get(f"{URL}/{code}{path}", headers=headers)
        unknown = await client.get(f"{URL}/{UNKNOWN}{path}", headers=headers)
        assert seen.status_code == unknown.status_code == 403
        assert as_unknown(seen, code) == as_unknown(unknown, UNKNOWN)


async def test_a_portal_reference_of_another_client_names_no_dossier(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any, settings: Settings
) -> None:
    first = await create(
        client, auth("portal"), receiving_unit="000.00.01.H99", portal_ref="DVC-777"
    )
    async with app.state.sessionmaker() as s:
        other = ApiClient(
            client_id="portal-tinh",
            name="Cổng tỉnh",
            secret_hash="x",
            scopes=["dossier:submit", "dossier:view"],
            unit_codes=["000.00.00.H99"],
            created_at=clock.now(),
        )
        s.add(other)
        await s.commit()
    token = issue_token(f"client:{other.id}", secret=settings.secret_key, minutes=60)
    before = await table_counts(app)
    body = intake_body(receiving_unit="000.00.01.H99", portal_ref="DVC-777")
    resp = await client.post(URL, json=body, headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 409 and resp.json()["type"] == "/problems/duplicate-portal-ref"
    assert first["code"] not in resp.text and "dossier_code" not in resp.json()
    # the client that sent it is told which dossier holds it
    resp = await client.post(URL, json=body, headers=auth("portal"))
    assert resp.status_code == 409 and resp.json()["dossier_code"] == first["code"]
    assert await table_counts(app) == before
