"""Closing a period: frozen figures with a SHA-256 of their canonical JSON; a later
recomputation that differs is shown next to them, never in their place; corrections show."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import httpx
import orjson
import pytest
import tests.dossiers.conftest as dossier_fixtures
from sqlalchemy import select, update
from tests.dossiers.conftest import Headers, set_clock
from tests.factories import World
from tests.metrics.reports_support import JUSTICE, ROOT, URL, processed, rows_of

from onestop.dossiers.models import Dossier, DossierEvent
from onestop.metrics.models import ClosedPeriod

world = dossier_fixtures.world  # the fixtures of the dossier tests
auth = dossier_fixtures.auth

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


async def close(
    client: httpx.AsyncClient, headers: dict[str, str], kind: str, unit: str = ROOT
) -> httpx.Response:
    return await client.post(
        f"{URL}/periods",
        json={"kind": kind, "unit": unit, **MARCH, "note": "Chốt số liệu quý I"},
        headers=headers,
    )


@pytest.mark.parametrize("kind", ["on-time", "bieu-06"])
async def test_close_freeze_and_compare(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any, kind: str
) -> None:
    await processed(client, auth, "2026-03-10 09:00", "2026-03-10 15:00")
    await processed(client, auth, "2026-03-10 10:00", "2026-03-11 08:00")
    set_clock("2026-04-01 09:00")
    headers = auth("manager")
    resp = await close(client, headers, kind)
    assert resp.status_code == 201, resp.text
    closed = resp.json()
    assert resp.headers["location"] == f"/api/v1/reports/periods/{closed['id']}"
    figures = closed["figures"]
    digest = hashlib.sha256(orjson.dumps(figures, option=orjson.OPT_SORT_KEYS)).hexdigest()
    assert closed["content_hash"] == digest and closed["hash_valid"] is True
    assert closed["closed_by"] == "user:manager" and closed["period"] == MARCH
    assert figures["kind"] == kind and figures["unit"] == ROOT

    again = await close(client, headers, kind)
    assert again.status_code == 409 and again.json()["type"] == "/problems/period-already-closed"
    assert again.json()["period_id"] == closed["id"]
    assert await rows_of(app, ClosedPeriod) == 1

    url = f"{URL}/periods/{closed['id']}"
    same = (await client.get(url, headers=headers)).json()
    assert same["differs"] is False and same["current"] is None
    assert same["figures"] == figures and same["current_hash"] == closed["content_hash"]
    report_url = f"{URL}/{kind}"
    report = (await client.get(report_url, params=MARCH, headers=headers)).json()
    assert report["closed_period"]["id"] == closed["id"]
    assert report["closed_period"]["differs"] is False

    # A late-imported dossier finished in March changes today's figures: both are shown.
    await processed(client, auth, "2026-03-20 09:00", None)
    late = await processed(client, auth, "2026-03-20 09:30", None)
    async with app.state.sessionmaker() as s:
        d = (await s.execute(select(Dossier).where(Dossier.code == late.code))).scalar_one()
        d.finished_at = dt.datetime(2026, 3, 20, 8, 0, tzinfo=dt.UTC)
        d.ended_at = d.finished_at
        d.status = 9
        d.timing = "on_time"
        await s.commit()
    changed = (await client.get(url, headers=headers)).json()
    assert changed["differs"] is True
    assert changed["figures"] == figures  # never replaced
    assert changed["content_hash"] == closed["content_hash"]
    assert changed["current"] != figures and changed["current_hash"] != closed["content_hash"]
    report = (await client.get(report_url, params=MARCH, headers=headers)).json()
    assert report["closed_period"]["differs"] is True


async def test_tampered_figures_are_detected(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    await processed(client, auth, "2026-03-10 09:00", "2026-03-10 15:00")
    closed = (await close(client, auth("manager"), "on-time")).json()
    async with app.state.sessionmaker() as s:
        row = await s.get(ClosedPeriod, closed["id"])
        assert row is not None
        figures = dict(row.figures)
        figures["total"] = {**figures["total"], "late": 0, "early": 99}
        await s.execute(
            update(ClosedPeriod).where(ClosedPeriod.id == row.id).values(figures=figures)
        )
        await s.commit()
    got = (await client.get(f"{URL}/periods/{closed['id']}", headers=auth("manager"))).json()
    assert got["hash_valid"] is False and got["differs"] is True


async def test_list_and_bad_input(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    headers = auth("manager")
    assert (await close(client, headers, "on-time")).status_code == 201
    assert (await close(client, headers, "bieu-06", JUSTICE)).status_code == 201
    page = (await client.get(f"{URL}/periods", headers=headers)).json()
    assert [(p["kind"], p["unit"]["code"]) for p in page["items"]] == [("on-time", ROOT)]
    page = (
        await client.get(f"{URL}/periods", params={"unit": JUSTICE}, headers=auth("officer"))
    ).json()
    assert [p["kind"] for p in page["items"]] == ["bieu-06"]
    before = await rows_of(app, ClosedPeriod)
    for who, body, status in [
        ("officer", {"kind": "on-time", "unit": JUSTICE, **MARCH}, 403),
        ("manager", {"kind": "worklist", "unit": ROOT, **MARCH}, 422),
        ("manager", {"kind": "on-time", "unit": "nope", **MARCH}, 404),
        (
            "manager",
            {"kind": "on-time", "unit": ROOT, "from": "2026-03-31", "to": "2026-03-01"},
            422,
        ),
        (
            "manager",
            {"kind": "on-time", "unit": ROOT, "from": "2025-01-01", "to": "2026-03-01"},
            422,
        ),
    ]:
        resp = await client.post(f"{URL}/periods", json=body, headers=auth(who))
        assert resp.status_code == status, (body, resp.text)
    assert await rows_of(app, ClosedPeriod) == before
    assert (await client.get(f"{URL}/periods/999999", headers=headers)).status_code == 404
    closed_id = page["items"][0]["id"]
    assert (
        await client.get(f"{URL}/periods/{closed_id}", headers=auth("officer_b"))
    ).status_code == 403


async def test_corrections_are_shown(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    m = await processed(client, auth, "2026-03-10 09:00", "2026-03-10 15:00")
    async with app.state.sessionmaker() as s:
        d = (await s.execute(select(Dossier).where(Dossier.code == m.code))).scalar_one()
        at = dt.datetime(2026, 3, 12, 3, 0, tzinfo=dt.UTC)
        s.add(
            DossierEvent(
                dossier_id=d.id,
                seq=d.event_count + 1,
                type="correction",
                at=at,
                recorded_at=at,
                actor="user:admin",
                unit_id=d.competent_unit_id,
                from_status=9,
                to_status=9,
                payload={"reason": "Sửa ngày tiếp nhận nhập sai"},
            )
        )
        await s.commit()
    for kind in ("on-time", "bieu-06"):
        report = (await client.get(f"{URL}/{kind}", params=MARCH, headers=auth("manager"))).json()
        assert report["corrections"] == [
            {
                "dossier_code": m.code,
                "seq": 4,
                "at": "2026-03-12T10:00:00+07:00",
                "actor": "user:admin",
                "reason": "Sửa ngày tiếp nhận nhập sai",
            }
        ]
