"""POST /api/v1/dossiers/{code}/rating and GET /api/v1/reports/satisfaction."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import tests.dossiers.conftest as dossier_fixtures
from sqlalchemy import select
from tests.dossiers.conftest import Headers, act, set_clock
from tests.factories import World
from tests.metrics.reports_support import (
    CONSTRUCTION,
    JUSTICE,
    ROOT,
    URL,
    Made,
    follow,
    processed,
    rows_of,
)

from onestop.metrics import rollups
from onestop.metrics.alerts.models import Alert
from onestop.metrics.satisfaction.models import FollowupTask, Rating, RatingMonthly

world = dossier_fixtures.world  # the fixtures of the dossier tests
auth = dossier_fixtures.auth

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def rating_url(code: str) -> str:
    return f"/api/v1/dossiers/{code}/rating"


async def returned(client: httpx.AsyncClient, auth: Headers, when: str, **over: Any) -> Made:
    m = await processed(client, auth, when, when.replace("09:00", "15:00"), **over)
    await act(client, auth("clerk"), m.code, "return", {})
    return m


async def test_citizen_rates_once_with_the_receipt_secret(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    m = await returned(client, auth, "2026-03-10 09:00")
    set_clock("2026-03-11 10:00")
    resp = await client.post(
        rating_url(m.code),
        json={"level": "rat_hai_long", "comment": "  Nhanh, chu đáo ", "secret": m.secret.lower()},
    )
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body == {
        "dossier_code": m.code,
        "level": "rat_hai_long",
        "level_label": "Rất hài lòng",
        "comment": "Nhanh, chu đáo",
        "channel": "portal",
        "at": "2026-03-11T10:00:00+07:00",
        "followup_task_id": None,
    }
    again = await client.post(rating_url(m.code), json={"level": "hai_long", "secret": m.secret})
    assert again.status_code == 409 and again.json()["type"] == "/problems/already-rated"
    async with app.state.sessionmaker() as s:
        rating = (await s.execute(select(Rating))).scalar_one()
    assert (rating.level, rating.given_by, rating.unit_id) == (
        "rat_hai_long",
        "citizen",
        world.units[JUSTICE].id,
    )


async def test_wrong_secret_looks_like_an_unknown_code(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    m = await returned(client, auth, "2026-03-10 09:00")
    wrong = await client.post(
        rating_url(m.code), json={"level": "hai_long", "secret": "WRONG12345"}
    )
    unknown = await client.post(
        rating_url("000.00.01.H99-260310-9999"), json={"level": "hai_long", "secret": m.secret}
    )
    assert wrong.status_code == unknown.status_code == 404
    strip = ("instance", "request_id")
    assert {k: v for k, v in wrong.json().items() if k not in strip} == {
        k: v for k, v in unknown.json().items() if k not in strip
    }
    # the same holds for a dossier that is not ready: the secret is checked first
    open_ = await processed(client, auth, "2026-03-10 09:30", None)
    hidden = await client.post(
        rating_url(open_.code), json={"level": "hai_long", "secret": "WRONG12345"}
    )
    assert hidden.status_code == 404
    assert await rows_of(app, Rating) == 0


async def test_only_once_the_result_is_ready(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    m = await processed(client, auth, "2026-03-10 09:00", None)
    resp = await client.post(rating_url(m.code), json={"level": "hai_long", "secret": m.secret})
    assert resp.status_code == 409 and resp.json()["type"] == "/problems/rating-not-ready"
    assert await rows_of(app, Rating) == 0
    # status 9 (result ready, not yet handed over) is enough
    done = await processed(client, auth, "2026-03-10 09:30", "2026-03-10 14:00")
    resp = await client.post(
        rating_url(done.code), json={"level": "hai_long", "secret": done.secret, "channel": "kiosk"}
    )
    assert resp.status_code == 201 and resp.json()["channel"] == "kiosk"


async def test_clerk_records_at_the_counter(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    m = await returned(client, auth, "2026-03-10 09:00")
    # another commune's clerk cannot see the dossier (as unknown); an officer has no intake right
    for who, status in (("clerk_a", 404), ("officer", 403)):
        resp = await client.post(rating_url(m.code), json={"level": "hai_long"}, headers=auth(who))
        assert resp.status_code == status, resp.text
    resp = await client.post(
        rating_url("000.00.01.H99-260310-9999"), json={"level": "hai_long"}, headers=auth("clerk")
    )
    assert resp.status_code == 404
    resp = await client.post(rating_url(m.code), json={"level": "hai_long"}, headers=auth("clerk"))
    assert resp.status_code == 201 and resp.json()["channel"] == "counter"
    async with app.state.sessionmaker() as s:
        assert (await s.execute(select(Rating.given_by))).scalar_one() == "user:clerk"


async def test_dissatisfied_opens_a_task_for_the_leader(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    m = await returned(client, auth, "2026-03-10 09:00")
    resp = await client.post(
        rating_url(m.code),
        json={"level": "khong_hai_long", "comment": "Phải chờ lâu", "secret": m.secret},
    )
    assert resp.status_code == 201
    task_id = resp.json()["followup_task_id"]
    async with app.state.sessionmaker() as s:
        task = (await s.execute(select(FollowupTask))).scalar_one()
    assert task.id == task_id and task.kind == "dissatisfied_rating"
    assert task.unit_id == world.units[JUSTICE].id and task.resolved_at is None
    assert task.assignee_role == "leader" and m.code in task.title
    # the leader of the unit sees it; the worklist tasks API is not disturbed
    page = (await client.get(f"{URL}/satisfaction/followups", headers=auth("leader"))).json()
    assert [(t["id"], t["dossier_code"], t["level"], t["comment"]) for t in page["items"]] == [
        (task_id, m.code, "khong_hai_long", "Phải chờ lâu")
    ]
    other = await client.get(
        f"{URL}/satisfaction/followups", params={"unit": JUSTICE}, headers=auth("officer_b")
    )
    assert other.status_code == 403
    assert (await client.get("/api/v1/tasks", headers=auth("leader"))).status_code == 200
    assert await rows_of(app, Alert) == 0


async def test_bad_input_writes_nothing(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    m = await returned(client, auth, "2026-03-10 09:00")
    url = rating_url(m.code)
    cases: list[tuple[Any, int, str | None]] = [
        ({"level": "tot", "secret": m.secret}, 422, None),
        ({"level": "hai_long", "secret": m.secret, "comment": "x" * 1001}, 422, None),
        ({"level": "hai_long", "secret": m.secret, "stars": 5}, 422, None),
        ({"level": "hai_long", "secret": m.secret, "channel": "counter"}, 422, None),
        ({"level": "hai_long"}, 422, "/problems/secret-required"),
        ({"secret": m.secret}, 422, None),
    ]
    for body, status, problem in cases:
        resp = await client.post(url, json=body)
        assert resp.status_code == status, (body, resp.text)
        if problem:
            assert resp.json()["type"] == problem
    resp = await client.post(
        url, content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 400
    resp = await client.post(
        url, json={"level": "hai_long"}, headers={"Authorization": "Bearer nonsense"}
    )
    assert resp.status_code == 401
    assert await rows_of(app, Rating) == 0 and await rows_of(app, FollowupTask) == 0


async def test_report_per_unit_with_drill_down_and_csv(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    levels = ["rat_hai_long", "hai_long", "hai_long", "khong_hai_long"]
    for i, level in enumerate(levels):
        m = await returned(client, auth, f"2026-03-1{i} 09:00")
        await client.post(rating_url(m.code), json={"level": level, "secret": m.secret})
    b = await returned(client, auth, "2026-03-16 09:00", procedure="1.005129")
    await client.post(rating_url(b.code), json={"level": "khong_hai_long", "secret": b.secret})
    headers = auth("manager")
    resp = await client.get(f"{URL}/satisfaction", params=MARCH, headers=headers)
    assert resp.status_code == 200, resp.text
    report = resp.json()
    total = report["total"]
    assert (total["unit_code"], total["ratings"], total["rate"]) == (ROOT, 5, 60.0)
    assert total["target"] == 90.0 and total["status"] == "red"
    rows = {r["unit_code"]: r for r in report["rows"]}
    assert (rows[JUSTICE]["rat_hai_long"], rows[JUSTICE]["hai_long"]) == (1, 2)
    assert rows[JUSTICE]["rate"] == 75.0
    assert rows[CONSTRUCTION]["rate"] == 0.0 and rows["000.01.21.H99"]["rate"] is None
    for row in [total, *report["rows"]]:
        for key in ("rat_hai_long", "hai_long", "khong_hai_long", "ratings"):
            assert len(await follow(client, headers, row["links"][key])) == row[key]
    resp = await client.get(
        f"{URL}/satisfaction", params={**MARCH, "format": "csv"}, headers=headers
    )
    lines = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert lines[0][3:8] == [
        "Rất hài lòng",
        "Hài lòng",
        "Không hài lòng",
        "Tổng số đánh giá",
        "Tỷ lệ hài lòng (%)",
    ]
    assert lines[-1][1:8] == [ROOT, "Tổng cộng: UBND tỉnh Thử Nghiệm", "1", "2", "2", "5", "60.00"]
    # April has no ratings; an officer of another unit is refused
    resp = await client.get(
        f"{URL}/satisfaction", params={"from": "2026-04-01", "to": "2026-04-30"}, headers=headers
    )
    assert resp.json()["total"]["rate"] is None
    resp = await client.get(
        f"{URL}/satisfaction", params={**MARCH, "unit": CONSTRUCTION}, headers=auth("officer")
    )
    assert resp.status_code == 403


async def test_portal_relays_a_citizen_rating_with_the_secret(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    m = await returned(client, auth, "2026-03-10 09:00")
    portal = auth("portal")
    resp = await client.post(rating_url(m.code), json={"level": "hai_long"}, headers=portal)
    assert resp.status_code == 422 and resp.json()["type"] == "/problems/secret-required"
    resp = await client.post(
        rating_url(m.code), json={"level": "hai_long", "secret": "WRONG12345"}, headers=portal
    )
    assert resp.status_code == 404
    resp = await client.post(
        rating_url(m.code), json={"level": "hai_long", "secret": m.secret}, headers=portal
    )
    assert resp.status_code == 201 and resp.json()["channel"] == "portal"
    async with app.state.sessionmaker() as s:
        assert (
            await s.execute(select(Rating.given_by))
        ).scalar_one() == "citizen via client:portal"


async def test_whole_months_come_from_the_sums_and_other_days_from_the_ratings(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    # 31/03 23:30 in Viet Nam is 16:30 UTC: a March rating, though the month has ended in UTC
    # only 7 hours later; 01/04 00:30 is an April one.
    for day, moment, level in (
        ("2026-03-10 09:00", "2026-03-14 10:00", "hai_long"),
        ("2026-03-16 09:00", "2026-03-31 23:30", "khong_hai_long"),
        ("2026-03-17 09:00", "2026-04-01 00:30", "rat_hai_long"),
        ("2026-03-18 09:00", "2026-04-20 10:00", "hai_long"),
    ):
        m = await returned(client, auth, day)
        set_clock(moment)
        resp = await client.post(rating_url(m.code), json={"level": level, "secret": m.secret})
        assert resp.status_code == 201, resp.text
    async with app.state.sessionmaker() as s:
        assert await rollups.differences(s) == {}
        sums = (await s.execute(select(RatingMonthly.month, RatingMonthly.level))).all()
    assert sorted((str(month), level) for month, level in sums) == [
        ("2026-03-01", "hai_long"),
        ("2026-03-01", "khong_hai_long"),
        ("2026-04-01", "hai_long"),
        ("2026-04-01", "rat_hai_long"),
    ]
    # 15/03–30/04: the edge days of March from the ratings, the whole of April from the sums.
    for period, expected in (
        ({"from": "2026-03-15", "to": "2026-04-30"}, (1, 1, 3)),
        ({"from": "2026-03-01", "to": "2026-03-31"}, (0, 1, 2)),
        ({"from": "2026-04-01", "to": "2026-04-01"}, (1, 0, 1)),
    ):
        report = (
            await client.get(
                f"{URL}/satisfaction", params={**period, "unit": ROOT}, headers=auth("manager")
            )
        ).json()["total"]
        got = (report["rat_hai_long"], report["khong_hai_long"], report["ratings"])
        assert got == expected, period
