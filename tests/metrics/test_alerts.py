"""The worklist job (``onestop worker``): alerts and apology tasks raised exactly once per
dossier and threshold, closed when they no longer apply; the tasks API; the worker loop, the
in-app worker under SQLite and the CLI command.

The scenario is the one of test_worklists (as of Wed 11/03/2026 10:00): D1 (justice) and D2 (still
at the centre's counter) overdue, D3 and D4 (justice) due soon, D8 due just outside the window."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import tests.dossiers.conftest as dossier_fixtures
from sqlalchemy import func, select
from tests.dossiers.conftest import Headers, act, at, set_clock
from tests.factories import World
from tests.metrics.test_worklists import Scenario, apologize_d1, build

from onestop.app import create_app
from onestop.auth.models import AuditEntry
from onestop.core.settings import Settings
from onestop.dossiers.models import Dossier
from onestop.metrics.alerts import job as alerts_job, worker as alerts_worker
from onestop.metrics.alerts.models import Alert

world = dossier_fixtures.world  # the fixtures of the dossier tests
auth = dossier_fixtures.auth

TASKS = "/api/v1/tasks"
CENTRE = "000.00.01.H99"
JUSTICE = "000.00.10.H99"
WED_10 = "2026-03-11 10:00"


async def run(app: Any, when: str) -> alerts_job.RunResult:
    async with app.state.sessionmaker() as session:
        return await alerts_job.run_once(session, now=at(when))


async def rows(app: Any) -> list[tuple[str, str, str, str | None]]:
    """(dossier code, kind, unit code, resolution) of every alert."""
    from onestop.catalog.models import Unit

    async with app.state.sessionmaker() as s:
        found = await s.execute(
            select(Dossier.code, Alert.kind, Unit.code, Alert.resolution)
            .join(Dossier, Dossier.id == Alert.dossier_id)
            .join(Unit, Unit.id == Alert.unit_id)
            .order_by(Alert.id)
        )
        return [(r[0], r[1], r[2], r[3]) for r in found]


def by_code(
    s: Scenario, found: list[tuple[str, str, str, str | None]]
) -> set[tuple[str, str, str]]:
    names = {v: k for k, v in s.codes.items()}
    return {(names[code], kind, unit) for code, kind, unit, _ in found}


async def test_one_pass_raises_each_alert_once(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    s = await build(client, auth)
    result = await run(app, WED_10)
    assert not result.skipped
    assert result.raised == {"due_soon": 2, "apology_needed": 4, "overdue": 2, "late_again": 0}
    assert by_code(s, await rows(app)) == {
        ("D1", "overdue", JUSTICE),
        ("D1", "apology_needed", JUSTICE),
        ("D2", "overdue", CENTRE),  # the counter still holds it: the counter is at fault
        ("D2", "apology_needed", CENTRE),
        ("D3", "due_soon", JUSTICE),
        ("D3", "apology_needed", JUSTICE),
        ("D4", "due_soon", JUSTICE),
        ("D4", "apology_needed", JUSTICE),
    }
    async with app.state.sessionmaker() as session:
        key = (
            await session.execute(
                select(Alert.threshold_key)
                .join(Dossier, Dossier.id == Alert.dossier_id)
                .where(Dossier.code == s["D1"], Alert.kind == "overdue")
            )
        ).scalar_one()
    assert key == "overdue@2026-03-11T01:00:00+00:00"
    # a restart, or the next tick: nothing new
    again = await run(app, WED_10)
    assert sum(again.raised.values()) == 0 and sum(again.resolved.values()) == 0
    assert len(await rows(app)) == 8


async def test_alerts_follow_the_dossier(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    s = await build(client, auth)
    await run(app, WED_10)
    await apologize_d1(client, auth, s)
    set_clock("2026-03-11 10:30")
    await act(client, auth("officer"), s["D3"], "finish")
    result = await run(app, "2026-03-11 10:30")
    assert result.resolved == {"closed": 2, "apologized": 1, "moved": 0, "superseded": 0}
    # D8 (due Thu 10:30) entered the one-working-day window
    assert result.raised == {"due_soon": 1, "apology_needed": 1, "overdue": 0, "late_again": 0}
    result = await run(app, "2026-03-12 09:30")  # D1 is past its new appointment too
    assert result.raised == {"due_soon": 0, "apology_needed": 0, "overdue": 0, "late_again": 1}
    result = await run(app, "2026-03-12 10:30")  # D4 falls due
    assert result.raised["overdue"] == 1 and result.resolved["superseded"] == 1
    assert ("D1", "late_again", JUSTICE) in by_code(s, await rows(app))


async def test_a_moved_due_instant_is_a_new_threshold(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    s = await build(client, auth)
    await run(app, WED_10)
    await act(
        client,
        auth("officer"),
        s["D3"],
        "request-supplement",
        {"items": ["Bản sao giấy khai sinh"], "reason": "Thiếu giấy tờ"},
    )
    set_clock("2026-03-11 14:00")  # two working hours later: due Thu 08:00 → Thu 10:00
    d = await act(client, auth("clerk"), s["D3"], "supplement-received", {})
    assert d["due_at"] == "2026-03-12T10:00:00+07:00"
    result = await run(app, "2026-03-11 14:00")
    assert result.resolved["moved"] == 2
    assert result.raised["due_soon"] == 2  # D3 at its new instant, and D8
    found = [(c, k, r) for c, k, _, r in await rows(app) if c == s["D3"]]
    assert sorted(found, key=str) == sorted(
        [
            (s["D3"], "due_soon", "moved"),
            (s["D3"], "apology_needed", "moved"),
            (s["D3"], "due_soon", None),
            (s["D3"], "apology_needed", None),
        ],
        key=str,
    )


async def test_concurrent_passes_never_duplicate(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    await build(client, auth)
    maker = app.state.sessionmaker
    async with maker() as s1, maker() as s2:
        r1, r2 = await asyncio.gather(
            alerts_job.run_once(s1, now=at(WED_10)), alerts_job.run_once(s2, now=at(WED_10))
        )
    assert sum(r1.raised.values()) + sum(r2.raised.values()) == 8
    assert len(await rows(app)) == 8
    # the unique key is the last guard: a racing insert of the same threshold does nothing
    async with maker() as session:
        one = (await session.execute(select(Alert).limit(1))).scalar_one()
        values = [
            {
                "dossier_id": one.dossier_id,
                "kind": one.kind,
                "threshold_key": one.threshold_key,
                "ref_at": one.ref_at,
                "unit_id": one.unit_id,
                "created_at": one.created_at,
            }
        ]
        assert await alerts_job.insert_alerts(session, values * 2) == 0
        await session.commit()
    assert len(await rows(app)) == 8


async def test_tasks_api(client: httpx.AsyncClient, world: World, auth: Headers, app: Any) -> None:
    s = await build(client, auth)
    await run(app, WED_10)
    resp = await client.get(TASKS, headers=auth("leader"))
    assert resp.status_code == 200, resp.text
    items = resp.json()["items"]
    names = {v: k for k, v in s.codes.items()}
    # most urgent first: by the instant the alert is about, then in the order raised
    assert [(names[i["dossier_code"]], i["kind"]) for i in items] == [
        ("D1", "apology_needed"),
        ("D1", "overdue"),
        ("D3", "due_soon"),
        ("D3", "apology_needed"),
        ("D4", "due_soon"),
        ("D4", "apology_needed"),
    ]
    first = items[0]
    assert first["unit"]["code"] == JUSTICE and first["ref_at"] == "2026-03-11T08:00:00+07:00"
    assert first["procedure"]["code"] == "2.000908" and first["resolved_at"] is None
    kinds = await client.get(TASKS, params={"kind": "apology_needed"}, headers=auth("leader"))
    assert [names[i["dossier_code"]] for i in kinds.json()["items"]] == ["D1", "D3", "D4"]
    page = (await client.get(TASKS, params={"limit": 4}, headers=auth("manager"))).json()
    rest = (
        await client.get(
            TASKS, params={"limit": 4, "cursor": page["next_cursor"]}, headers=auth("manager")
        )
    ).json()
    assert len(page["items"]) + len(rest["items"]) == 8 and rest["next_cursor"] is None
    assert (await client.get(TASKS, headers=auth("officer_b"))).json()["items"] == []
    resp = await client.get(TASKS, headers=auth("clerk"))
    assert resp.status_code == 403 and resp.json()["right"] == "report:view"
    assert (
        await client.get(TASKS, params={"kind": "bogus"}, headers=auth("leader"))
    ).status_code == 422

    task = next(i for i in kinds.json()["items"] if i["dossier_code"] == s["D1"])
    d2_task = next(
        i
        for i in (await client.get(TASKS, headers=auth("manager"))).json()["items"]
        if i["dossier_code"] == s["D2"]
    )

    async def audit_count() -> int:
        async with app.state.sessionmaker() as session:
            return int(
                (await session.execute(select(func.count()).select_from(AuditEntry))).scalar_one()
            )

    before = await audit_count()
    for who, task_id, status, slug in [
        ("officer", task["id"], 403, "missing-right"),
        ("leader", d2_task["id"], 403, "outside-unit-scope"),
        ("leader", 999_999, 404, "unknown-task"),
    ]:
        resp = await client.post(f"{TASKS}/{task_id}/resolve", json={}, headers=auth(who))
        assert (resp.status_code, resp.json()["type"]) == (status, f"/problems/{slug}")
    resp = await client.post(f"{TASKS}/{task['id']}/resolve", json={"x": 1}, headers=auth("leader"))
    assert resp.status_code == 422
    resp = await client.post(f"{TASKS}/abc/resolve", json={}, headers=auth("leader"))
    assert resp.status_code == 422
    assert await audit_count() == before

    resp = await client.post(
        f"{TASKS}/{task['id']}/resolve",
        json={"note": "Đã giao Phó GĐ xử lý"},
        headers=auth("leader"),
    )
    assert resp.status_code == 200, resp.text
    done = resp.json()
    assert (done["resolution"], done["resolved_by"], done["note"]) == (
        "manual",
        "user:leader",
        "Đã giao Phó GĐ xử lý",
    )
    assert done["resolved_at"] == "2026-03-11T10:00:00+07:00"
    assert await audit_count() == before + 1
    resp = await client.post(f"{TASKS}/{task['id']}/resolve", headers=auth("leader"))
    assert resp.status_code == 409 and resp.json()["type"] == "/problems/task-already-resolved"
    open_now = (await client.get(TASKS, headers=auth("leader"))).json()["items"]
    assert task["id"] not in [i["id"] for i in open_now] and len(open_now) == 5
    everything = await client.get(TASKS, params={"include_resolved": True}, headers=auth("leader"))
    assert len(everything.json()["items"]) == 6
    resp = await client.post(f"{TASKS}/{d2_task['id']}/resolve", headers=auth("manager"))
    assert resp.status_code == 200 and resp.json()["resolved_by"] == "user:manager"


async def test_worker_loop(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    app: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await build(client, auth)
    assert await alerts_worker.run_loop(app.state.sessionmaker, once=True) == 0
    assert len(await rows(app)) == 8
    stop = asyncio.Event()
    task = asyncio.create_task(
        alerts_worker.run_loop(app.state.sessionmaker, interval=0.01, stop=stop)
    )
    await asyncio.sleep(0.1)
    stop.set()
    assert await asyncio.wait_for(task, timeout=5) == 0
    assert len(await rows(app)) == 8

    async def broken(*_a: Any, **_k: Any) -> alerts_job.RunResult:
        raise RuntimeError("database away")

    monkeypatch.setattr(alerts_job, "run_once", broken)
    assert await alerts_worker.run_loop(app.state.sessionmaker, once=True) == 1


async def test_in_app_worker_only_on_sqlite(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any, settings: Settings
) -> None:
    await build(client, auth)
    enabled = settings.model_copy(
        update={"run_worker_in_app": True, "worker_interval_seconds": 0.05}
    )
    other = create_app(enabled)
    try:
        async with other.router.lifespan_context(other):
            for _ in range(100 if settings.is_sqlite else 4):
                if await rows(app):
                    break
                await asyncio.sleep(0.05)
    finally:
        await other.state.engine.dispose()
    assert len(await rows(app)) == (8 if settings.is_sqlite else 0)
    # and never when the setting is off (the tests' default)
    assert settings.run_worker_in_app is False


@pytest.mark.slow
def test_worker_command(settings: Settings, tmp_path: Path) -> None:
    env = {**os.environ, "ONESTOP_DATABASE_URL": settings.database_url, "ONESTOP_LOG_JSON": "true"}
    bad = subprocess.run(
        [sys.executable, "-m", "onestop.cli", "worker", "--interval", "0"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert bad.returncode != 0 and "--interval" in bad.stderr
    ok = subprocess.run(
        [sys.executable, "-m", "onestop.cli", "worker", "--once"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert "worklist job: raised" in ok.stderr


@pytest.mark.slow
async def test_worker_command_raises_alerts(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    app: Any,
    settings: Settings,
    tmp_path: Path,
) -> None:
    """The real clock is months after the scenario: every open dossier is overdue by now."""
    await build(client, auth)
    env = {**os.environ, "ONESTOP_DATABASE_URL": settings.database_url}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "onestop.cli",
        "worker",
        "--once",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode == 0, err.decode()
    found = await rows(app)
    # D1–D5 and D8; D6 is finished and D7 waits for a supplement
    assert len([r for r in found if r[1] == "overdue"]) == 6
