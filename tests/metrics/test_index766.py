"""GET /api/v1/reports/index-766: indicators 2.1 and 5.4 (4.1–4.3: tests/documents), the nine
evaluation indicators (auto scores, manager entries, classification), and POST
/api/v1/reports/evaluation-entries."""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest
import tests.dossiers.conftest as dossier_fixtures
from sqlalchemy import select
from tests.dossiers.conftest import Headers, act, set_clock
from tests.factories import World
from tests.metrics.reports_support import (
    JUSTICE,
    ROOT,
    URL,
    finish,
    follow,
    processed,
    receive,
    rows_of,
    supplement,
    to_processing,
)

from onestop.auth.models import AuditEntry
from onestop.dossiers.models import Dossier, DossierStep
from onestop.metrics.index766.evaluation import classify
from onestop.metrics.index766.models import EvaluationEntry

world = dossier_fixtures.world  # the fixtures of the dossier tests
auth = dossier_fixtures.auth

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.mark.parametrize(
    ("total", "label"),
    [
        ("18", "Xuất sắc"),
        ("15.01", "Xuất sắc"),
        ("15", "Tốt"),
        ("12", "Tốt"),
        ("11.99", "Khá"),
        ("9", "Khá"),
        ("8.99", "Trung bình"),
        ("6", "Trung bình"),
        ("5.99", "Yếu"),
        ("0", "Yếu"),
    ],
)
def test_classification_thresholds(total: str, label: str) -> None:
    assert classify(Decimal(total)) == label


async def scenario(client: httpx.AsyncClient, auth: Headers) -> dict[str, Any]:
    m: dict[str, Any] = {}
    a = await processed(client, auth, "2026-03-10 09:00", "2026-03-10 15:00")  # early
    await act(client, auth("clerk"), a.code, "return", {})
    await client.post(
        f"/api/v1/dossiers/{a.code}/rating", json={"level": "khong_hai_long", "secret": a.secret}
    )
    m["a"] = a
    b = await receive(client, auth, "2026-03-11 09:00", channel="postal", return_method="postal")
    await to_processing(client, auth, b)
    await supplement(client, auth, b, "2026-03-11 10:00", "2026-03-11 11:00")
    await finish(client, auth, b, "2026-03-12 08:00")  # due Thu 10:00 → on time
    m["b"] = b
    m["c"] = await processed(client, auth, "2026-03-12 09:00", "2026-03-13 15:00")  # late
    m["d"] = await processed(client, auth, "2026-03-16 09:00", None)  # overdue at the end
    m["e"] = await processed(client, auth, "2026-03-31 09:00", None)  # due 1 April: in time
    m["f"] = await processed(
        client, auth, "2026-03-17 09:00", "2026-03-18 09:00", procedure="1.005129"
    )
    set_clock("2026-04-02 09:00")
    return m


def q(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


async def step_points(app: Any, codes: list[str], own: dict[str, int]) -> float:
    """Indicator 2 recomputed from the step rows (the oracle)."""
    total = 0
    async with app.state.sessionmaker() as s:
        for code in codes:
            d = (await s.execute(select(Dossier).where(Dossier.code == code))).scalar_one()
            outcomes = [
                o
                for o in (
                    await s.execute(
                        select(DossierStep.outcome).where(DossierStep.dossier_id == d.id)
                    )
                ).scalars()
                if o is not None
            ]
            if "late" in outcomes:
                total += 0
            elif outcomes and all(o == "early" for o in outcomes):
                total += 2
            elif outcomes:
                total += 1
            else:
                total += own[code]
    return q(Decimal(total) / Decimal(len(codes)))


async def test_indicators_and_evaluation(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    m = await scenario(client, auth)
    headers = auth("manager")
    resp = await client.get(f"{URL}/index-766", params=MARCH, headers=headers)
    assert resp.status_code == 200, resp.text
    report = resp.json()
    by_id = {i["id"]: i for i in report["indicators"]}
    assert list(by_id) == ["1.4", "2.1", "4.1", "4.2", "4.3", "5.4"]
    progress, satisfaction = by_id["2.1"], by_id["5.4"]
    assert (progress["id"], progress["numerator"], progress["denominator"]) == ("2.1", 4, 6)
    assert (progress["ratio"], progress["score"], progress["max_score"]) == (66.67, 13.33, 20.0)
    assert progress["detail"] == {"early": 2, "on_time": 1, "in_time": 1}
    got = sum(
        [
            len(await follow(client, headers, progress["links"][k]))
            for k in ("early", "on_time", "in_time")
        ]
    )
    assert got == 4
    assert len(await follow(client, headers, progress["links"]["denominator"])) == 6
    assert satisfaction["id"] == "5.4"
    assert (satisfaction["ratio"], satisfaction["score"]) == (50.0, 3.33)
    assert satisfaction["detail"]["overdue"] == 2 and satisfaction["detail"]["dissatisfied"] == 1
    assert len(await follow(client, headers, satisfaction["links"]["dissatisfied"])) == 1

    ev = report["evaluation"]
    scores = {i["number"]: i["score"] for i in ev["indicators"]}
    sources = {i["number"]: i["source"] for i in ev["indicators"]}
    codes = [m[k].code for k in ("a", "b", "c", "f")]
    own = {m["a"].code: 2, m["b"].code: 1, m["c"].code: 0, m["f"].code: 2}
    assert scores[1] == 1.25
    assert scores[2] == await step_points(app, codes, own)
    assert scores[3] == 1.75  # one supplement request on b
    assert scores[4] == 1.25  # b: by post both ways
    assert scores[7] == 0.75  # a was rated "không hài lòng"
    assert all(sources[n] == "auto" for n in (1, 2, 3, 4, 7))
    assert ev["missing"] == [5, 6, 8, 9] and ev["complete"] is False
    assert ev["classification"] is None
    assert {i["basis"] for i in ev["indicators"] if i["source"] == "auto"} == {4}

    for indicator, score in ((5, 2), (6, 2), (8, 1), (9, 2)):
        resp = await client.post(
            f"{URL}/evaluation-entries",
            json={
                "unit": ROOT,
                **MARCH,
                "indicator": indicator,
                "score": score,
                "note": "Theo kết quả kiểm tra",
            },
            headers=headers,
        )
        assert resp.status_code == 201, resp.text
    report = (await client.get(f"{URL}/index-766", params=MARCH, headers=headers)).json()
    ev = report["evaluation"]
    assert ev["complete"] is True and ev["missing"] == []
    expected = Decimal(str(1.25 + scores[2] + 1.75 + 1.25 + 0.75)) + 7
    assert ev["total"] == q(expected)
    assert ev["classification"] == classify(expected)
    assert ev["indicators"][4]["source"] == "entry" and ev["indicators"][4]["score"] == 2.0

    resp = await client.get(f"{URL}/index-766", params={**MARCH, "format": "csv"}, headers=headers)
    lines = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert lines[0] == [
        "Mã",
        "Chỉ số / tiêu chí",
        "Tử số",
        "Mẫu số",
        "Tỷ lệ (%)",
        "Điểm",
        "Điểm tối đa",
        "Nguồn",
    ]
    assert lines[2][:6] == ["2.1", progress["name"], "4", "6", "66.67", "13.33"]


async def test_entries_replace_and_are_audited(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    url = f"{URL}/evaluation-entries"
    body = {"unit": JUSTICE, **MARCH, "indicator": 6, "score": 1}
    assert (await client.post(url, json=body, headers=auth("manager"))).status_code == 201
    resp = await client.post(url, json={**body, "score": 2}, headers=auth("manager"))
    assert resp.status_code == 200 and resp.json()["score"] == 2
    assert resp.json()["entered_by"] == "user:manager"
    assert await rows_of(app, EvaluationEntry) == 1
    async with app.state.sessionmaker() as s:
        audits = (
            (await s.execute(select(AuditEntry).where(AuditEntry.action == "evaluation-entry")))
            .scalars()
            .all()
        )
    assert len(audits) == 2 and audits[1].detail["before"] == {"score": 1, "note": None}


async def test_entry_bad_input_writes_nothing(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    url = f"{URL}/evaluation-entries"
    body = {"unit": JUSTICE, **MARCH, "indicator": 5, "score": 2}
    for who, payload, status in [
        ("officer", body, 403),
        ("leader", body, 403),
        ("manager", {**body, "indicator": 1}, 422),
        ("manager", {**body, "score": 3}, 422),
        ("manager", {**body, "unit": "000.99.99.H99"}, 404),
        ("manager", {**body, "from": "2026-04-01"}, 422),
        ("manager", {**body, "extra": True}, 422),
    ]:
        resp = await client.post(url, json=payload, headers=auth(who))
        assert resp.status_code == status, (who, payload, resp.text)
    assert await rows_of(app, EvaluationEntry) == 0


async def test_empty_period_has_no_scores(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    resp = await client.get(f"{URL}/index-766", params=MARCH, headers=auth("manager"))
    report = resp.json()
    assert [i["score"] for i in report["indicators"]] == [None] * 6
    assert report["evaluation"]["missing"] == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    resp = await client.get(
        f"{URL}/index-766", params={**MARCH, "format": "xlsx"}, headers=auth("manager")
    )
    assert resp.status_code == 200 and resp.content[:2] == b"PK"
