"""History import: each NDJSON line replayed through the same rules; bad lines rejected alone."""

from __future__ import annotations

import json
from typing import Any

import httpx
from tests.dossiers.conftest import Headers, table_counts
from tests.factories import World

from onestop.metrics import rollups

URL = "/api/v1/dossiers/import"
APPLICANT = {"name": "Đỗ Thị Hoa", "phone": "0900000000"}
DOCS = [{"code": "TP1"}]


def line(events: list[dict[str, Any]], **over: Any) -> str:
    body: dict[str, Any] = {
        "procedure": "2.000908",
        "receiving_unit": "000.00.01.H99",
        "applicant": APPLICANT,
        "documents": DOCS,
        "events": events,
    }
    body.update(over)
    return json.dumps(body, ensure_ascii=False)


def ev(type_: str, at: str, body: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": type_, "at": at, "actor": "nguyenvana"}
    if body is not None:
        out["body"] = body
    out.update(kw)
    return out


COMPLETE = [
    ev("receive", "2026-03-02T08:00:00+07:00"),
    ev("transfer", "2026-03-02T08:30:00+07:00", unit="000.00.01.H99"),
    ev("assign", "2026-03-02T09:00:00+07:00", {"handler": "officer"}, unit="000.00.10.H99"),
    ev("transfer", "2026-03-02T10:00:00+07:00"),
    ev("finish", "2026-03-02T14:00:00+07:00", {"result_number": "5/CT"}),
    ev("return", "2026-03-02T15:00:00+07:00", {"method": "counter"}),
]


async def post(
    client: httpx.AsyncClient, headers: dict[str, str], *lines: str, mode: str | None = None
) -> httpx.Response:
    return await client.post(
        URL,
        content="\n".join(lines).encode(),
        headers={**headers, "content-type": "application/x-ndjson"},
        params={"mode": mode} if mode else None,
    )


async def rollups_exact(app: Any) -> bool:
    async with app.state.sessionmaker() as session:
        return await rollups.differences(session) == {}


async def test_replays_a_complete_history(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    resp = await post(client, auth("admin"), line(COMPLETE))
    assert resp.status_code == 200, resp.text
    result = resp.json()
    assert (result["accepted"], result["rejected"]) == (1, 0)
    code = result["lines"][0]["code"]
    assert code == "000.00.01.H99-260302-0001"  # the code of the day of receipt
    d = (await client.get(f"/api/v1/dossiers/{code}", headers=auth("admin"))).json()
    assert (d["status"], d["received_at"], d["due_at"]) == (
        10,
        "2026-03-02T08:00:00+07:00",
        "2026-03-03T08:00:00+07:00",
    )
    assert (d["finished_at"], d["timing"]) == ("2026-03-02T14:00:00+07:00", "early")
    assert [s["name"] for s in d["steps"]] == ["Tiếp nhận", "Thẩm định", "Ký duyệt", "Trả kết quả"]
    events = (await client.get(f"/api/v1/dossiers/{code}/events", headers=auth("admin"))).json()[
        "items"
    ]
    assert [e["type"] for e in events] == [
        "receive",
        "transfer",
        "assign",
        "transfer",
        "finish",
        "return",
    ]
    assert events[0]["at"] == "2026-03-02T08:00:00+07:00"
    assert events[0]["recorded_at"] == "2026-03-10T09:00:00+07:00"  # when onestop wrote it
    assert {e["actor"] for e in events} == {"import:nguyenvana"}
    assert events[2]["unit"] == "000.00.10.H99"
    assert events[0]["payload"]["imported_by"] == "user:admin"


async def test_online_history_with_late_supplement(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    events = [
        ev("submit", "2026-03-02T20:00:00+07:00"),
        ev("accept", "2026-03-03T08:00:00+07:00"),
        ev("transfer", "2026-03-03T08:10:00+07:00"),
        ev("request-supplement", "2026-03-03T09:00:00+07:00", {"items": ["a"], "reason": "b"}),
        ev("supplement-received", "2026-03-04T09:00:00+07:00"),
        ev(
            "request-supplement",
            "2026-03-04T10:00:00+07:00",
            {"items": ["c"], "reason": "d", "override_reason": "Lãnh đạo đồng ý"},
        ),
        ev("supplement-received", "2026-03-05T10:00:00+07:00"),
        ev("finish", "2026-03-05T11:00:00+07:00"),
    ]
    resp = await post(
        client, auth("admin"), line(events, code="G09.20-20260302-0000001", portal_ref="P-1")
    )
    assert resp.status_code == 200, resp.text
    code = resp.json()["lines"][0]["code"]
    assert code == "G09.20-20260302-0000001"
    d = (await client.get(f"/api/v1/dossiers/{code}", headers=auth("admin"))).json()
    assert (d["channel"], d["received_at"]) == ("online", "2026-03-03T08:00:00+07:00")
    assert (d["supplement_count"], d["late_flag"], d["timing"]) == (2, True, "late")
    assert d["due_at_original"] == "2026-03-04T08:00:00+07:00"
    assert d["due_at"] == "2026-03-06T08:00:00+07:00"  # two pauses of 8 working hours


async def test_per_line_mode_rejects_bad_lines_alone(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    good = line(COMPLETE)
    lines = [
        good,
        line([ev("receive", "2026-03-11T08:00:00+07:00")]),  # future (now: 10/03 09:00)
        line(
            [
                ev("receive", "2026-03-02T08:00:00+07:00"),
                ev("transfer", "2026-03-01T08:00:00+07:00"),
            ]
        ),
        line([ev("receive", "2026-03-02T08:00:00")]),  # naive
        line(
            [ev("receive", "2026-03-02T08:00:00+07:00"), ev("finish", "2026-03-02T09:00:00+07:00")]
        ),
        line([ev("receive", "2026-03-02T08:00:00+07:00")], documents=[]),
        "{not json",
        line([ev("receive", "2026-03-02T08:00:00+07:00")], procedure="9.999999"),
        line(
            [
                ev("receive", "2026-03-02T08:00:00+07:00"),
                ev(
                    "request-supplement",
                    "2026-03-02T09:00:00+07:00",
                    {"items": ["a"], "reason": "b"},
                ),
                ev("supplement-received", "2026-03-02T10:00:00+07:00"),
                ev(
                    "request-supplement",
                    "2026-03-02T11:00:00+07:00",
                    {"items": ["a"], "reason": "b"},
                ),
            ]
        ),
        line([ev("accept", "2026-03-02T08:00:00+07:00")]),
        line(
            [
                ev("receive", "2026-03-02T08:00:00+07:00"),
                ev("teleport", "2026-03-02T09:00:00+07:00"),
            ]
        ),
        line(
            [
                ev("receive", "2026-03-02T08:00:00+07:00"),
                ev("assign", "2026-03-02T09:00:00+07:00", {"who": 1}),
            ]
        ),
        line([ev("receive", "2026-03-02T08:00:00+07:00")], channel="online"),
    ]
    resp = await post(client, auth("admin"), *lines, mode="per-line")
    assert resp.status_code == 200, resp.text
    result = resp.json()
    assert (result["accepted"], result["rejected"]) == (1, 12)
    by_line = {r["line"]: r for r in result["lines"]}
    assert by_line[1]["status"] == "accepted"
    problems = {n: by_line[n]["problem"] for n in range(2, 14)}
    assert problems == {
        2: "future-timestamp",
        3: "events-out-of-order",
        4: "naive-timestamp",
        5: "illegal-action",
        6: "missing-documents",
        7: "invalid-input",
        8: "unknown-procedure",
        9: "supplement-limit",
        10: "bad-first-event",
        11: "unknown-action",
        12: "invalid-input",
        13: "channel-mismatch",
    }
    assert "event 2" in by_line[3]["reason"]
    assert all(by_line[n]["reason"] for n in range(2, 14))
    counts = await table_counts(app)
    assert (counts["dossier"], counts["dossier_event"]) == (1, 6)
    assert counts["dossier_code_counter"] == 1  # the rejected lines gave their numbers back


async def test_nothing_accepted_is_a_problem_and_writes_nothing(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    before = await table_counts(app)
    for bad in (
        line([ev("receive", "2027-01-01T08:00:00+07:00")]),
        line(
            [
                ev("receive", "2026-03-02T09:00:00+07:00"),
                ev("transfer", "2026-03-02T08:00:00+07:00"),
            ]
        ),
        line([ev("receive", "2026-03-02T08:00:00")]),
    ):
        resp = await post(client, auth("admin"), bad)
        assert resp.status_code == 422, resp.text
        problem = resp.json()
        assert problem["type"] == "/problems/import-rejected"
        assert problem["lines"][0]["line"] == 1
    assert await table_counts(app) == before


async def test_import_rights_and_empty_body(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    resp = await post(client, auth("clerk"), line(COMPLETE))
    assert resp.status_code == 403 and resp.json()["right"] == "dossier:import"
    resp = await post(client, auth("portal"), line(COMPLETE))
    assert resp.status_code == 403
    resp = await post(client, auth("admin"), "", "  ")
    assert resp.status_code == 422 and resp.json()["type"] == "/problems/empty-import"
    assert (await table_counts(app))["dossier"] == 0


async def test_duplicate_code_on_import(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    first = line(COMPLETE, code="LEGACY-0001")
    resp = await post(client, auth("admin"), first, first, mode="per-line")
    result = resp.json()
    assert (result["accepted"], result["rejected"]) == (1, 1)
    assert result["lines"][1]["problem"] == "duplicate-code"
    resp = await post(client, auth("admin"), line(COMPLETE, code="LEGACY-0002"), first)
    assert resp.status_code == 422  # all or nothing: the line that would come second is refused
    assert [(r["line"], r["problem"]) for r in resp.json()["lines"]] == [(2, "duplicate-code")]


# -- all or nothing, or line by line --------------------------------------------------------------
SECOND = [
    ev("receive", "2026-03-03T08:00:00+07:00"),
    ev("transfer", "2026-03-03T08:30:00+07:00"),
]


async def test_one_bad_line_in_the_middle_writes_nothing(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    """By default an import is all or nothing: the good lines before and after a bad one are not
    written either, and the 422 names every bad line and the field at fault."""
    before = await table_counts(app)
    bad_name = line(COMPLETE, applicant={"name": "", "phone": "0900000000"})
    future = line([ev("receive", "2026-03-11T08:00:00+07:00")])
    resp = await post(client, auth("admin"), line(COMPLETE), bad_name, line(SECOND), future)
    assert resp.status_code == 422, resp.text
    problem = resp.json()
    assert problem["type"] == "/problems/import-rejected"
    assert (problem["accepted"], problem["rejected"]) == (0, 2)
    assert "nothing was imported" in problem["detail"]
    by_line = {r["line"]: r for r in problem["lines"]}
    assert set(by_line) == {2, 4}
    assert [e["loc"] for e in by_line[2]["errors"]] == [["applicant", "name"]]
    assert (by_line[4]["problem"], by_line[4]["errors"][0]["loc"]) == (
        "future-timestamp",
        ["events", 0, "at"],
    )
    assert [e["loc"] for e in problem["errors"]] == [
        ["body", "2", "applicant", "name"],
        ["body", "4", "events", "0", "at"],
    ]
    assert await table_counts(app) == before
    assert await rollups_exact(app)
    listed = await client.get("/api/v1/dossiers", headers=auth("admin"))
    assert listed.json()["items"] == []


async def test_a_rule_broken_late_in_a_line_writes_nothing(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    """The bad line had already written its dossier and events when its fifth event broke a
    rule: its savepoint and the whole transaction leave nothing behind."""
    before = await table_counts(app)
    broken = line([*COMPLETE[:4], ev("transfer", "2026-03-02T15:00:00+07:00", unit="nowhere")])
    resp = await post(client, auth("admin"), line(SECOND), broken)
    assert resp.status_code == 422, resp.text
    (bad,) = resp.json()["lines"]
    assert bad["line"] == 2 and bad["errors"][0]["loc"][:2] == ["events", 4]
    assert await table_counts(app) == before
    assert await rollups_exact(app)


async def test_per_line_mode_writes_the_good_lines(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    bad = line([ev("receive", "2026-03-02T08:00:00+07:00")], documents=[])
    resp = await post(client, auth("admin"), line(COMPLETE), bad, line(SECOND), mode="per-line")
    assert resp.status_code == 200, resp.text
    result = resp.json()
    assert (result["accepted"], result["rejected"]) == (2, 1)
    assert [(r["line"], r["status"]) for r in result["lines"]] == [
        (1, "accepted"),
        (2, "rejected"),
        (3, "accepted"),
    ]
    assert result["lines"][1]["problem"] == "missing-documents"
    assert result["lines"][1]["errors"] and result["lines"][1]["reason"]
    counts = await table_counts(app)
    assert (counts["dossier"], counts["dossier_event"]) == (2, 8)
    assert await rollups_exact(app)
    codes = {r["code"] for r in result["lines"] if r["code"]}
    listed = await client.get("/api/v1/dossiers", headers=auth("admin"))
    assert {d["code"] for d in listed.json()["items"]} == codes


async def test_all_good_lines_are_written_in_either_mode(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    resp = await post(client, auth("admin"), line(COMPLETE), line(SECOND))
    assert resp.status_code == 200, resp.text
    assert (resp.json()["accepted"], resp.json()["rejected"]) == (2, 0)
    resp = await post(client, auth("admin"), line(SECOND), mode="per-line")
    assert (resp.json()["accepted"], resp.json()["rejected"]) == (1, 0)
    assert (await table_counts(app))["dossier"] == 3
    assert await rollups_exact(app)
    resp = await post(client, auth("admin"), line(SECOND), mode="some")
    assert resp.status_code == 422 and resp.json()["errors"][0]["loc"] == ["query", "mode"]


def test_the_mode_is_documented() -> None:
    from pathlib import Path

    document = json.loads((Path(__file__).parents[2] / "openapi" / "openapi.json").read_text())
    params = document["paths"]["/api/v1/dossiers/import"]["post"]["parameters"]
    (mode,) = [p for p in params if p["name"] == "mode"]
    assert mode["in"] == "query" and mode["schema"]["enum"] == ["all", "per-line"]
    assert mode["schema"]["default"] == "all"
