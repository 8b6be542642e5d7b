"""GET /api/v1/reports/bieu-06: the 13 columns and their membership rules (docs/rules.md §10),
sections by level and rows by field, the identities on random data, drill-down, CSV / XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import zipfile
from typing import Any

import httpx
import pytest
import tests.dossiers.conftest as dossier_fixtures
from sqlalchemy import select, update
from tests.dossiers.conftest import Headers, act, set_clock
from tests.factories import World
from tests.metrics.reports_support import (
    URL,
    Made,
    finish,
    follow,
    processed,
    receive,
    supplement,
    to_processing,
)
from tests.metrics.test_rollup_random import Driver

from onestop.catalog.models import Procedure
from onestop.core import clock
from onestop.dossiers.models import Dossier, DossierPause
from onestop.metrics.bieu06.models import Bieu06Daily
from onestop.metrics.bieu06.rollup import STRIPES
from onestop.metrics.ontime import rates

world = dossier_fixtures.world  # the fixtures of the dossier tests
auth = dossier_fixtures.auth

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
COLS = [f"c{n}" for n in range(3, 14)]


async def scenario(client: httpx.AsyncClient, auth: Headers, app: Any) -> dict[str, Made]:
    async with app.state.sessionmaker() as s:
        await s.execute(
            update(Procedure).where(Procedure.code == "1.005129").values(field="Xây dựng")
        )
        await s.commit()
    m: dict[str, Made] = {}
    m["done_in_feb"] = await processed(client, auth, "2026-02-20 09:00", "2026-02-20 15:00")
    m["carried_late"] = await processed(client, auth, "2026-02-26 09:00", "2026-03-10 10:00")
    m["carried_open"] = await processed(client, auth, "2026-02-27 09:00", None)
    m["early"] = await processed(client, auth, "2026-03-02 09:00", "2026-03-02 15:00")
    online = await receive(
        client, auth, "2026-03-03 08:00", clerk="portal", receiving_unit="000.00.01.H99"
    )
    await to_processing(client, auth, online)
    await finish(client, auth, online, "2026-03-04 07:30")  # due 08:00, opens 07:00
    m["online_on_time"] = online
    m["postal_late"] = await processed(
        client, auth, "2026-03-05 09:00", "2026-03-06 16:00", channel="postal"
    )
    w = await processed(client, auth, "2026-03-09 09:00", None)
    await act(client, auth("clerk"), w.code, "withdraw", {"reason": "Công dân rút hồ sơ"})
    m["withdrawn"] = w
    st = await processed(client, auth, "2026-03-09 10:00", None)
    await act(client, auth("officer"), st.code, "stop", {"legal_ground": "Điều 11"})
    m["stopped"] = st
    m["open_in_time"] = await processed(
        client, auth, "2026-03-20 09:00", None, procedure="1.005129"
    )
    paused = await processed(client, auth, "2026-03-23 09:00", None)
    await supplement(client, auth, paused, "2026-03-23 10:00", None)
    m["awaiting_supplement"] = paused
    m["open_overdue"] = await processed(client, auth, "2026-03-24 09:00", None)
    m["finished_in_april"] = await processed(client, auth, "2026-03-30 09:00", "2026-04-01 08:00")
    m["commune_open"] = await receive(client, auth, "2026-03-31 16:00", clerk="clerk_a")
    refused = await receive(
        client, auth, "2026-03-10 08:00", clerk="portal", receiving_unit="000.00.01.H99"
    )
    await act(client, auth("clerk"), refused.code, "refuse", {"reason": "Không thuộc thẩm quyền"})
    await receive(client, auth, "2026-03-11 08:00", clerk="portal", receiving_unit="000.00.01.H99")
    await processed(client, auth, "2026-04-01 09:00", None)
    set_clock("2026-04-02 09:00")
    return m


async def get(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> Any:
    resp = await client.get(f"{URL}/bieu-06", params=params, headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


def identities(c: dict[str, int]) -> None:
    assert c["c3"] == c["c4"] + c["c5"] + c["c6"]
    assert c["c3"] == c["c7"] + c["c11"]
    assert c["c7"] == c["c8"] + c["c9"] + c["c10"]
    assert c["c11"] == c["c12"] + c["c13"]


async def test_columns_follow_the_membership_rules(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    await scenario(client, auth, app)
    report = await get(client, auth("manager"), **MARCH)
    total = report["total"]["columns"]
    assert total == {
        "c3": 12,
        "c4": 1,
        "c5": 9,
        "c6": 2,
        "c7": 6,
        "c8": 1,
        "c9": 3,
        "c10": 2,
        "c11": 6,
        "c12": 3,
        "c13": 3,
    }
    assert report["total"]["withdrawn_stopped"] == 2
    assert [s["level"] for s in report["sections"]] == ["province", "commune"]
    province, commune = report["sections"]
    assert province["label"] == "Cấp tỉnh (sở, ban, ngành)" and province["subtotal"]["stt"] == "I"
    assert [(r["stt"], r["field"]) for r in province["rows"]] == [
        ("1", "Chứng thực"),
        ("2", "Xây dựng"),
    ]
    assert province["rows"][1]["columns"]["c12"] == 1 and province["rows"][1]["columns"]["c3"] == 1
    assert commune["subtotal"]["columns"]["c5"] == 1 and commune["subtotal"]["columns"]["c12"] == 1
    for row in [
        report["total"],
        *(r for s in report["sections"] for r in [s["subtotal"], *s["rows"]]),
    ]:
        identities(row["columns"])
    assert any("rút hoặc dừng" in n for n in report["notes"])


async def test_every_cell_links_to_its_dossiers(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    made = await scenario(client, auth, app)
    headers = auth("manager")
    report = await get(client, headers, **MARCH)
    rows = [report["total"], *(r for s in report["sections"] for r in [s["subtotal"], *s["rows"]])]
    for row in rows:
        for col in COLS:
            codes = await follow(client, headers, row["links"][col])
            assert len(codes) == row["columns"][col], (row["label"], col)
    cell = await follow(client, headers, report["total"]["links"]["c12"])
    assert sorted(cell) == sorted(
        [made["open_in_time"].code, made["awaiting_supplement"].code, made["commune_open"].code]
    )
    cell = await follow(client, headers, report["total"]["links"]["c6"])
    assert sorted(cell) == sorted([made["carried_late"].code, made["carried_open"].code])
    resp = await client.get(report["total"]["links"]["c13"], headers=headers)
    assert {i["column"] for i in resp.json()["items"]} == {13}


async def test_csv_and_xlsx(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    await scenario(client, auth, app)
    headers = auth("manager")
    resp = await client.get(f"{URL}/bieu-06", params={**MARCH, "format": "csv"}, headers=headers)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert lines[0][2] == "Số hồ sơ nhận giải quyết" and lines[0][6] == "Số hồ sơ đã giải quyết"
    assert lines[1][:4] == [
        "STT",
        "Lĩnh vực, công việc giải quyết theo cấp",
        "Tổng số (3)",
        "Trực tuyến (4)",
    ]
    assert lines[2][:3] == ["I", "Cấp tỉnh (sở, ban, ngành)", "11"]
    assert lines[-1] == ["", "Tổng cộng", "12", "1", "9", "2", "6", "1", "3", "2", "6", "3", "3"]
    resp = await client.get(f"{URL}/bieu-06", params={**MARCH, "format": "xlsx"}, headers=headers)
    with zipfile.ZipFile(io.BytesIO(resp.content)) as z:
        shared = z.read("xl/sharedStrings.xml").decode()
    assert "Số hồ sơ đang giải quyết" in shared and "Trực tuyến (4)" in shared


async def test_bad_input(client: httpx.AsyncClient, world: World, auth: Headers) -> None:
    headers = auth("manager")
    for params, status in [
        ({"from": "2026-03-02", "to": "2026-03-01"}, 422),
        ({"from": "2025-01-01", "to": "2026-12-31"}, 422),
        ({**MARCH, "unit": "nope"}, 404),
        ({**MARCH, "format": "doc"}, 422),
    ]:
        resp = await client.get(f"{URL}/bieu-06", params=params, headers=headers)
        assert resp.status_code == status, resp.text
    for params, status in [
        ({**MARCH, "column": "2"}, 422),
        ({**MARCH, "column": "14"}, 422),
        ({**MARCH}, 422),
        ({**MARCH, "column": "3", "unit": "000.00.11.H99"}, 403),
    ]:
        resp = await client.get(f"{URL}/bieu-06/dossiers", params=params, headers=auth("officer"))
        assert resp.status_code == status, resp.text


# -- random data: identities, and the columns equal an independent per-dossier oracle --------
def oracle(d: Any, pauses: list[Any], start: dt.date, end: dt.date) -> tuple[int, int, bool] | None:
    """(receipt column, resolution column, withdrawn/stopped) of one dossier, written from the
    rules in docs/rules.md §10.2 and ``bieu06.columns``' docstring, without the SQL."""
    s = clock.day_start(start)
    e = clock.day_start(end + dt.timedelta(days=1))
    if d.received_at is None or d.received_at >= e:
        return None
    if d.ended_at is not None and d.ended_at < s:
        return None
    receipt = 6 if d.received_at < s else (4 if d.channel == "online" else 5)
    if d.ended_at is not None and d.ended_at < e:
        if d.status in (7, 8):
            return receipt, 9, True
        return (
            receipt,
            {"early": 8, "on_time": 9, "late": 10}[rates.bucket_of(d) or "on_time"],
            False,
        )
    if d.late_flag or d.supplement_count > 1:
        return receipt, 13, False  # late whatever the instants, paused or not
    if any(p.started_at < e and (p.ended_at is None or p.ended_at >= e) for p in pauses):
        return receipt, 12, False
    due = d.due_at_original if any(p.started_at >= e for p in pauses) else d.due_at
    return receipt, 12 if due >= e else 13, False


@pytest.mark.slow
async def test_identities_and_oracle_on_random_data(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    for seed in (3, 11):
        driver = Driver(client, auth, random.Random(seed))
        for _ in range(14):
            driver.tick()
            await driver.intake()
        for _ in range(8):
            for m in list(driver.made):
                driver.tick()
                await driver.step(m)
    async with app.state.sessionmaker() as s:
        dossiers = list((await s.execute(select(Dossier))).scalars())
        pauses = list((await s.execute(select(DossierPause))).scalars())
    rng = random.Random(5)
    periods = [
        (dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
        (dt.date(2026, 3, 2), dt.date(2026, 3, 2)),
    ]
    for _ in range(6):
        a = dt.date(2026, 3, 1) + dt.timedelta(days=rng.randint(0, 25))
        periods.append((a, a + dt.timedelta(days=rng.randint(0, 12))))
    headers = auth("manager")
    for start, end in periods:
        report = await get(client, headers, **{"from": start.isoformat(), "to": end.isoformat()})
        c = report["total"]["columns"]
        identities(c)
        want = dict.fromkeys(COLS, 0)
        other = 0
        for d in dossiers:
            got = oracle(d, [p for p in pauses if p.dossier_id == d.id], start, end)
            if got is None:
                continue
            want[f"c{got[0]}"] += 1
            want[f"c{got[1]}"] += 1
            other += got[2]
        want["c3"] = want["c4"] + want["c5"] + want["c6"]
        want["c7"] = want["c8"] + want["c9"] + want["c10"]
        want["c11"] = want["c12"] + want["c13"]
        assert c == want, (start, end)
        assert report["total"]["withdrawn_stopped"] == other
        for col in ("c3", "c9", "c13"):
            assert len(await follow(client, headers, report["total"]["links"][col])) == c[col]


async def test_counters_stripe_one_units_rows(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    """Two counters receiving for one competent unit write to two rows (their stripes), so
    their intakes never wait on each other there; the report adds the stripes up."""
    a = await receive(client, auth, "2026-03-02 09:00")
    b = await receive(
        client, auth, "2026-03-02 09:30", clerk="clerk_a", competent_unit="000.00.10.H99"
    )
    assert a.data["competent_unit"] == b.data["competent_unit"]
    assert a.data["receiving_unit"] != b.data["receiving_unit"]
    justice = world.units[a.data["competent_unit"]["code"]]
    async with app.state.sessionmaker() as s:
        rows = (
            await s.execute(
                select(Bieu06Daily.grain, Bieu06Daily.stripe, Bieu06Daily.recv_other).where(
                    Bieu06Daily.day == dt.date(2026, 3, 2),
                    (Bieu06Daily.unit_id == justice.id) | (Bieu06Daily.grain == 1),
                )
            )
        ).all()
    counters = {world.units[m.data["receiving_unit"]["code"]].id % STRIPES for m in (a, b)}
    for grain in (0, 1):
        assert {(r.stripe, r.recv_other) for r in rows if r.grain == grain} == {
            (stripe, 1) for stripe in counters
        }
    for unit in (justice.code, "000.00.00.H99"):
        report = await get(client, auth("manager"), unit=unit, **MARCH)
        assert report["total"]["columns"]["c3"] == 2, unit
