"""GET /api/v1/reports/due-soon, /overdue and /step-warnings: selection in working time,
urgency order, scope, filters, masking, pagination, CSV / XLSX exports and bad input.

2.000908 (Sở Tư pháp) is due one working day after receipt; ``as_of`` is Wed 11/03/2026 10:00."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import tests.dossiers.conftest as dossier_fixtures
from sqlalchemy import func, select
from tests.dossiers.conftest import Headers, act, create, set_clock
from tests.factories import World, add_user

from onestop.metrics.alerts.models import Alert
from onestop.metrics.worklists import export as worklists_export

world = dossier_fixtures.world  # the fixtures of the dossier tests
auth = dossier_fixtures.auth

URL = "/api/v1/reports"
CENTRE = "000.00.01.H99"
JUSTICE = "000.00.10.H99"
CONSTRUCTION = "000.00.11.H99"
AS_OF = "2026-03-11T10:00:00+07:00"


@dataclass
class Scenario:
    codes: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.codes[key]


async def received(
    client: httpx.AsyncClient, auth: Headers, when: str, *, transfer: bool = True, **over: Any
) -> str:
    set_clock(when)
    code: str = (await create(client, auth("clerk"), **over))["code"]
    if transfer:
        body = {"to_unit": CONSTRUCTION} if over.get("procedure") == "1.005129" else {}
        await act(client, auth("clerk"), code, "transfer", body)
    return code


async def build(client: httpx.AsyncClient, auth: Headers) -> Scenario:
    """D1, D2 overdue at Wed 10:00 (2 h and 1 h late); D3, D4 due soon (6 h and 8 h left); the rest
    on no list: D5 far from due, D6 finished, D7 waiting for a supplement, D8 just outside the
    one-working-day window."""
    c: dict[str, str] = {}
    c["D1"] = await received(client, auth, "2026-03-10 08:00")  # due Wed 08:00
    await act(client, auth("leader"), c["D1"], "assign", {"handler": "officer"})
    c["D2"] = await received(
        client, auth, "2026-03-10 09:00", transfer=False
    )  # still at the counter
    c["D5"] = await received(client, auth, "2026-03-10 09:00", procedure="1.005129")
    c["D6"] = await received(client, auth, "2026-03-10 08:30")
    c["D7"] = await received(client, auth, "2026-03-10 08:15")
    set_clock("2026-03-10 10:00")
    await act(
        client,
        auth("officer"),
        c["D7"],
        "request-supplement",
        {"items": ["Bản sao giấy khai sinh"], "reason": "Thiếu giấy tờ"},
    )
    c["D3"] = await received(client, auth, "2026-03-11 08:00")  # due Thu 08:00
    set_clock("2026-03-11 09:30")
    await act(
        client,
        auth("leader"),
        c["D6"],
        "apologize",
        {"reason": "Chờ xác minh", "new_appointment_at": "2026-03-11T15:00:00+07:00"},
    )
    await act(client, auth("officer"), c["D6"], "finish")
    c["D4"] = await received(client, auth, "2026-03-11 10:00")  # due Thu 10:00
    c["D8"] = await received(client, auth, "2026-03-11 10:30")  # due Thu 10:30
    set_clock("2026-03-11 10:00")
    return Scenario(c)


async def apologize_d1(client: httpx.AsyncClient, auth: Headers, s: Scenario) -> None:
    """D1 (overdue) gets a late apology with a new appointment on Thu 12/03 09:00."""
    await act(
        client,
        auth("leader"),
        s["D1"],
        "apologize",
        {"reason": "Chờ xác minh", "new_appointment_at": "2026-03-12T09:00:00+07:00"},
    )


async def get(
    client: httpx.AsyncClient, headers: dict[str, str], path: str, **params: Any
) -> httpx.Response:
    params.setdefault("as_of", AS_OF)
    return await client.get(f"{URL}/{path}", params=params, headers=headers)


async def codes(
    client: httpx.AsyncClient, headers: dict[str, str], path: str, **params: Any
) -> list[str]:
    resp = await get(client, headers, path, **params)
    assert resp.status_code == 200, resp.text
    return [i["code"] for i in resp.json()["items"]]


async def test_overdue_and_due_soon_in_working_time(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    s = await build(client, auth)
    resp = await get(client, auth("leader"), "overdue")
    assert resp.status_code == 200, resp.text
    page = resp.json()
    assert (page["kind"], page["as_of"], page["next_cursor"]) == ("overdue", AS_OF, None)
    items = page["items"]
    assert [i["code"] for i in items] == [s["D1"], s["D2"]]  # most late first
    d1, d2 = items
    assert d1["working_time_late"] == {"hours": 2.0, "days": 0.25}
    assert d2["working_time_late"]["hours"] == 1.0 and d1["working_time_left"] is None
    assert (d1["due_at"], d1["due_at_original"]) == ("2026-03-11T08:00:00+07:00",) * 2
    assert d1["procedure"]["code"] == "2.000908" and d1["applicant_name"] == "Nguyễn Văn An"
    assert (d1["receiving_unit"]["code"], d1["competent_unit"]["code"]) == (CENTRE, JUSTICE)
    step = d1["current_step"]
    assert (step["name"], step["unit"]["code"], step["handler"], step["handler_name"]) == (
        "Thẩm định",
        JUSTICE,
        "officer",
        "Trần Văn Xử Lý",
    )
    assert d2["current_step"]["unit"]["code"] == CENTRE and d2["status"] == 2
    assert d1["apology"] == {
        "status": "none",
        "letter_number": None,
        "issued_at": None,
        "new_appointment_at": None,
    }

    soon = (await get(client, auth("leader"), "due-soon")).json()["items"]
    assert [i["code"] for i in soon] == [s["D3"], s["D4"]]  # least time left first
    assert soon[0]["working_time_left"] == {"hours": 6.0, "days": 0.75}
    assert soon[1]["working_time_left"] == {"hours": 8.0, "days": 1.0}
    assert soon[0]["working_time_late"] is None
    # default as_of is now
    assert [
        i["code"]
        for i in (await client.get(f"{URL}/overdue", headers=auth("leader"))).json()["items"]
    ] == [s["D1"], s["D2"]]
    # an hour earlier, D2 is not overdue yet and D1 is due soon no more: it is late
    assert await codes(client, auth("leader"), "overdue", as_of="2026-03-11T08:30:00+07:00") == [
        s["D1"]
    ]


async def test_apology_status_and_late_again(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    s = await build(client, auth)
    await apologize_d1(client, auth, s)
    item = (await get(client, auth("leader"), "overdue")).json()["items"][0]
    assert item["code"] == s["D1"] and item["appointment_at"] == "2026-03-12T09:00:00+07:00"
    assert item["apology"]["status"] == "late" and item["apology"]["letter_number"] == "2/PXL"
    assert item["apology"]["new_appointment_at"] == "2026-03-12T09:00:00+07:00"
    assert item["late_again"] is False and item["due_at"] == "2026-03-11T08:00:00+07:00"
    later = (await get(client, auth("leader"), "overdue", as_of="2026-03-12T09:30:00+07:00")).json()
    d1 = next(i for i in later["items"] if i["code"] == s["D1"])
    assert d1["late_again"] is True


async def test_scope_filters_and_masking(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    s = await build(client, auth)
    async with app.state.sessionmaker() as session:
        world.users["manager_c"] = await add_user(
            session, "manager_c", "manager", world.units[CONSTRUCTION]
        )
        await session.commit()
    resp = await get(client, auth("manager"), "overdue")
    items = resp.json()["items"]
    assert [i["code"] for i in items] == [s["D1"], s["D2"]]
    assert items[0]["applicant_name"] == "Nguyễn V*** A*"  # no personal-data:view
    assert await codes(client, auth("officer_b"), "overdue") == []
    assert await codes(client, auth("manager_c"), "overdue") == []
    assert await codes(client, auth("manager"), "overdue", unit=JUSTICE) == [s["D1"], s["D2"]]
    assert await codes(client, auth("manager"), "overdue", unit=CONSTRUCTION) == []
    assert await codes(client, auth("manager"), "overdue", step_unit=CENTRE) == [s["D2"]]
    assert await codes(client, auth("manager"), "overdue", officer="officer") == [s["D1"]]
    assert await codes(client, auth("manager"), "overdue", procedure="1.005129") == []
    assert await codes(client, auth("manager"), "due-soon", procedure="2.000908") == [
        s["D3"],
        s["D4"],
    ]
    assert await codes(client, auth("leader"), "overdue", unit=JUSTICE) == [s["D1"], s["D2"]]
    # an administrator at the root sees the whole tree
    assert await codes(client, auth("admin"), "due-soon") == [s["D3"], s["D4"]]


async def test_cursor_pages(client: httpx.AsyncClient, world: World, auth: Headers) -> None:
    s = await build(client, auth)
    first = (await get(client, auth("leader"), "overdue", limit=1)).json()
    assert [i["code"] for i in first["items"]] == [s["D1"]] and first["next_cursor"]
    second = (
        await get(client, auth("leader"), "overdue", limit=1, cursor=first["next_cursor"])
    ).json()
    assert [i["code"] for i in second["items"]] == [s["D2"]] and second["next_cursor"] is None


@pytest.mark.parametrize(
    ("who", "params", "status", "slug"),
    [
        ("clerk", {}, 403, "missing-right"),
        ("leader", {"unit": CONSTRUCTION}, 403, "outside-unit-scope"),
        ("manager_c", {"unit": JUSTICE}, 403, "outside-unit-scope"),
        ("manager", {"unit": "000.99.99.H99"}, 422, "unknown-unit"),
        ("manager", {"step_unit": "000.99.99.H99"}, 422, "unknown-unit"),
        ("manager", {"procedure": "9.999999"}, 422, "unknown-procedure"),
        ("manager", {"officer": "nobody"}, 422, "unknown-officer"),
        ("manager", {"as_of": "2026-03-11T10:00:00"}, 422, "invalid-as-of"),
        ("manager", {"as_of": "hôm qua"}, 422, "invalid-as-of"),
        ("manager", {"as_of": "0.5"}, 422, "invalid-as-of"),
        ("manager", {"as_of": "2200-01-01T10:00:00+07:00"}, 422, "invalid-as-of"),
        ("manager", {"format": "pdf"}, 422, "invalid-input"),
        ("manager", {"cursor": "bm9wZQ"}, 422, "invalid-input"),
        ("manager", {"limit": 0}, 422, "invalid-input"),
    ],
)
async def test_bad_requests(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    app: Any,
    who: str,
    params: dict[str, Any],
    status: int,
    slug: str,
) -> None:
    async with app.state.sessionmaker() as session:
        world.users["manager_c"] = await add_user(
            session, "manager_c", "manager", world.units[CONSTRUCTION]
        )
        await session.commit()
    await received(client, auth, "2026-03-10 08:00")
    for path in ("due-soon", "overdue", "step-warnings"):
        if path != "due-soon" and params.get("as_of", "").startswith("2200"):
            continue  # only the due-soon window needs the calendar of that year
        resp = await get(client, auth(who), path, **params)
        assert resp.status_code == status, (path, resp.text)
        assert resp.headers["content-type"].startswith("application/problem+json")
        problem = resp.json()
        assert problem["type"] == f"/problems/{slug}", problem
        if slug == "missing-right":
            assert problem["right"] == "report:view"
    resp = await client.get(f"{URL}/overdue")
    assert resp.status_code == 401


async def test_csv_export(client: httpx.AsyncClient, world: World, auth: Headers) -> None:
    s = await build(client, auth)
    resp = await get(client, auth("manager"), "overdue", format="csv", limit=1)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/csv")
    assert (
        resp.headers["content-disposition"]
        == 'attachment; filename="ho-so-qua-han-20260311-1000.csv"'
    )
    assert resp.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    header, *body = rows
    assert header[:4] == ["STT", "Mã hồ sơ", "Mã thủ tục", "Tên thủ tục"]
    assert "Số giờ làm việc quá hạn" in header and "Văn bản xin lỗi" in header
    assert [r[1] for r in body] == [s["D1"], s["D2"]]  # every row, not one page
    assert body[0][4] == "Nguyễn V*** A*"
    assert body[0][header.index("Hạn giải quyết")] == "11/03/2026 08:00"
    assert body[0][header.index("Số giờ làm việc quá hạn")] == "2"  # Vietnamese number
    assert body[0][header.index("Số ngày làm việc quá hạn")] == "0,25"
    assert body[0][header.index("Văn bản xin lỗi")] == "Chưa có"
    soon = await get(client, auth("leader"), "due-soon", format="csv")
    assert 'filename="ho-so-sap-den-han-20260311-1000.csv"' in soon.headers["content-disposition"]
    text = soon.content.decode("utf-8-sig")
    assert "Số giờ làm việc còn lại" in text and "Nguyễn Văn An" in text


async def test_xlsx_export(client: httpx.AsyncClient, world: World, auth: Headers) -> None:
    s = await build(client, auth)
    resp = await get(client, auth("manager"), "due-soon", format="xlsx")
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == worklists_export.XLSX_TYPE
    assert resp.headers["content-disposition"].endswith('.xlsx"')
    with zipfile.ZipFile(io.BytesIO(resp.content)) as z:
        strings = z.read("xl/sharedStrings.xml").decode()
        assert "xl/worksheets/sheet1.xml" in z.namelist()
    for text in (
        "Hồ sơ sắp đến hạn",
        "Mã hồ sơ",
        "Cơ quan giải quyết",
        "Số ngày làm việc còn lại",
        s["D3"],
        s["D4"],
        "Sở Tư pháp",
    ):
        assert text in strings, text
    assert s["D1"] not in strings


async def test_export_too_large(
    client: httpx.AsyncClient, world: World, auth: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    await build(client, auth)
    monkeypatch.setattr(worklists_export, "MAX_ROWS", 1)
    resp = await get(client, auth("manager"), "overdue", format="csv")
    assert resp.status_code == 422 and resp.json()["type"] == "/problems/export-too-large"


async def test_step_warnings_are_internal_only(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    """Thẩm định has a 3-hour budget: transferred Wed 09:00 → step due 14:00; at 15:00 the step is
    an hour over while the dossier (due Thu 09:00) is still on time."""
    late_overall = await received(client, auth, "2026-03-10 09:00")  # due Wed 09:00
    s1 = await received(client, auth, "2026-03-11 09:00")
    await act(client, auth("leader"), s1, "assign", {"handler": "officer"})
    as_of = "2026-03-11T15:00:00+07:00"
    resp = await get(client, auth("leader"), "step-warnings", as_of=as_of)
    assert resp.status_code == 200, resp.text
    page = resp.json()
    assert page["kind"] == "step_warnings" and [i["code"] for i in page["items"]] == [s1]
    item = page["items"][0]
    assert (item["step"]["name"], item["step"]["unit"]["code"], item["step"]["handler"]) == (
        "Thẩm định",
        JUSTICE,
        "officer",
    )
    assert (
        item["step"]["due_at"] == "2026-03-11T14:00:00+07:00"
        and item["step"]["budget_hours"] == 3.0
    )
    assert item["working_time_over"] == {"hours": 1.0, "days": 0.12}
    assert item["dossier_working_time_left"]["hours"] == 4.0
    assert item["dossier_due_at"] == "2026-03-12T09:00:00+07:00"
    # never a citizen-facing overdue; the dossier that is late overall is on the overdue list
    assert await codes(client, auth("leader"), "overdue", as_of=as_of) == [late_overall]
    assert await codes(client, auth("officer_b"), "step-warnings", as_of=as_of) == []
    assert await codes(client, auth("manager"), "step-warnings", as_of=as_of, unit=JUSTICE) == [s1]
    assert await codes(
        client, auth("manager"), "step-warnings", as_of=as_of, officer="officer"
    ) == [s1]
    assert (
        await codes(client, auth("manager"), "step-warnings", as_of=as_of, step_unit=CENTRE) == []
    )
    csv_resp = await get(client, auth("leader"), "step-warnings", as_of=as_of, format="csv")
    assert csv_resp.status_code == 200
    assert (
        'filename="canh-bao-buoc-qua-han-20260311-1500.csv"'
        in csv_resp.headers["content-disposition"]
    )
    assert "Số giờ làm việc quá hạn của bước" in csv_resp.content.decode("utf-8-sig")
    xlsx = await get(client, auth("leader"), "step-warnings", as_of=as_of, format="xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


async def test_reports_write_nothing(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    await build(client, auth)
    for path in ("due-soon", "overdue", "step-warnings"):
        assert (await get(client, auth("manager"), path)).status_code == 200
    async with app.state.sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(Alert))).scalar_one() == 0
