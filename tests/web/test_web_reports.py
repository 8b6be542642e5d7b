"""The managers' dashboard, the on-time report page and its downloads, the drill-down lists
behind every number (as long as the number), bad periods and rights; the leader's inbox."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import httpx
import pytest
from tests.dossiers.conftest import Headers, set_clock
from tests.factories import PASSWORD, World
from tests.metrics.reports_support import ROOT, processed, receive, to_processing
from tests.web.conftest import ORIGIN, visible_text, web_login

MARCH = {"ky": "custom", "tu": "2026-03-01", "den": "2026-03-31"}


@pytest.fixture
async def march(client: httpx.AsyncClient, world: World, auth: Headers) -> dict[str, Any]:
    """Sở Tư pháp in March 2026: two dossiers finished on time, one late (apologised), one open
    and overdue without an apology, one open due soon; the clock at Fri 20/03/2026 10:00."""
    on_time = [
        await processed(client, auth, f"2026-03-1{i} 09:00", f"2026-03-1{i} 15:00") for i in (0, 1)
    ]
    late = await processed(client, auth, "2026-03-12 09:00", "2026-03-16 15:00")
    overdue = await receive(client, auth, "2026-03-17 09:00")
    await to_processing(client, auth, overdue)
    soon = await receive(client, auth, "2026-03-20 09:00")
    await to_processing(client, auth, soon)
    set_clock("2026-03-20 10:00")
    return {
        "on_time": [m.code for m in on_time],
        "late": late.code,
        "overdue": overdue.code,
        "soon": soon.code,
    }


def links(page: str, testid: str) -> list[tuple[str, int]]:
    """(href, number) of every link with this data-testid."""
    found = re.findall(rf'data-testid="{testid}" href="([^"]+)">([\d.]+)<', page)
    return [(href.replace("&amp;", "&"), int(n.replace(".", ""))) for href, n in found]


async def listed(client: httpx.AsyncClient, href: str) -> list[str]:
    codes: list[str] = []
    url: str | None = href
    while url:
        resp = await client.get(url)
        assert resp.status_code == 200, resp.text
        codes += re.findall(r'<tr data-code="([^"]+)"', resp.text)
        nxt = re.search(r'class="pager"><a class="btn" href="([^"]+)"', resp.text)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    return codes


async def test_manager_lands_on_the_dashboard_and_every_number_is_its_list(
    client: httpx.AsyncClient, march: dict[str, Any]
) -> None:
    await web_login(client, "manager")
    page = await client.get("/web/tong-quan", params=MARCH)
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "Tổng quan · UBND tỉnh Thử Nghiệm" in text
    assert "66,67 %" in text and "Không đạt" in text and "99,70 %" in text
    assert "Xu hướng 12 tháng" in text and "data:image/svg+xml;base64," in page.text
    checked = 0
    for testid in (
        "finished",
        "late",
        "open-overdue",
        "open-due_soon",
        "open-paused",
        "open-apology",
        "followups",
    ):
        for href, number in links(page.text, testid):
            assert len(await listed(client, href)) == number, (testid, href)
            checked += 1
    assert checked >= 20
    late_href = dict((n, h) for h, n in links(page.text, "late"))[1]
    assert await listed(client, late_href) == [march["late"]]
    overdue = [h for h, n in links(page.text, "open-overdue") if "unit=000.00.10.H99" in h]
    assert await listed(client, overdue[0]) == [march["overdue"]]
    assert "Nguyễn" not in page.text  # no applicant names anywhere


async def test_the_dashboard_is_the_leaders_and_managers_home(
    client: httpx.AsyncClient, world: World
) -> None:
    for username in ("manager", "leader"):
        resp = await client.post(
            "/web/login", data={"username": username, "password": PASSWORD}, headers=ORIGIN
        )
        assert resp.headers["location"] == "/web/tong-quan"
        nav = (await client.get("/web/tong-quan")).text
        assert 'href="/web/tong-quan" aria-current="page">Tổng quan' in nav
        assert 'href="/web/bao-cao/dung-han"' in nav
        await client.post("/web/logout", headers=ORIGIN)


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"ky": "custom", "tu": "2026-03-31", "den": "2026-03-01"}, 422, "sau ngày kết thúc"),
        ({"ky": "custom", "tu": "2025-01-01", "den": "2026-03-01"}, 422, "tối đa 366 ngày"),
        ({"ky": "custom", "tu": "03/31/2026", "den": "2026-04-01"}, 422, "không phải ngày hợp lệ"),
        ({"ky": "custom", "tu": "", "den": ""}, 422, "Hãy chọn cả ngày bắt đầu"),
        ({"unit": "000.99.99.H99"}, 404, "Không có đơn vị mã 000.99.99.H99"),
        ({"ky": "fortnight"}, 422, "không hợp lệ"),
    ],
)
async def test_bad_periods_and_units_are_refused_in_vietnamese(
    client: httpx.AsyncClient, world: World, params: dict[str, str], status: int, words: str
) -> None:
    await web_login(client, "manager")
    resp = await client.get("/web/tong-quan", params=params)
    assert resp.status_code == status
    assert words in visible_text(resp.text)
    assert resp.headers["content-type"].startswith("text/html")


async def test_the_period_is_typed_and_shown_day_first(
    client: httpx.AsyncClient, world: World
) -> None:
    await web_login(client, "manager")
    resp = await client.get(
        "/web/tong-quan", params={"ky": "custom", "tu": "01/03/2026", "den": "31/03/2026"}
    )
    assert resp.status_code == 200, resp.text
    assert 'type="date"' not in resp.text
    assert (
        'name="tu" value="01/03/2026"' in resp.text and 'name="den" value="31/03/2026"' in resp.text
    )
    assert 'placeholder="dd/mm/yyyy"' in resp.text


async def test_rights_clerk_and_a_unit_outside_the_subtree(
    client: httpx.AsyncClient, world: World
) -> None:
    await web_login(client, "clerk")
    resp = await client.get("/web/tong-quan")
    assert resp.status_code == 403 and "Không có quyền" in visible_text(resp.text)
    assert "/web/tong-quan" not in (await client.get("/web/counter")).text
    await client.post("/web/logout", headers=ORIGIN)
    await web_login(client, "leader")  # Sở Tư pháp's leader: the province is above them
    resp = await client.get("/web/tong-quan", params={"unit": ROOT})
    assert resp.status_code == 403 and "nằm ngoài phạm vi" in visible_text(resp.text)
    resp = await client.get("/web/tong-quan/ho-so", params={"unit": ROOT, "kind": "overdue"})
    assert resp.status_code == 403


@pytest.mark.parametrize("group", ["unit", "procedure", "field", "month"])
async def test_the_on_time_report_page_and_its_downloads_match(
    client: httpx.AsyncClient, march: dict[str, Any], group: str
) -> None:
    await web_login(client, "manager")
    page = await client.get("/web/bao-cao/dung-han", params={**MARCH, "nhom": group})
    assert page.status_code == 200
    rates = re.findall(r'data-testid="rate">([^<]+)<', page.text)
    for href, number in links(page.text, "late"):
        assert len(await listed(client, href)) == number
    csv_url = re.search(r'data-testid="csv" href="([^"]+)"', page.text)
    assert csv_url
    resp = await client.get(csv_url.group(1).replace("&amp;", "&"))
    assert resp.status_code == 200 and "attachment" in resp.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    header = rows.index(next(r for r in rows if r and r[0] == "STT"))
    shown = [f"{r[7]} %" if r[7] != "—" else "—" for r in rows[header + 1 :]]
    assert shown == [r.strip() for r in rates]
    assert "66,67 %" in shown
    xlsx = await client.get(csv_url.group(1).replace("&amp;", "&").replace("csv", "xlsx"))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


async def test_leader_records_the_follow_up_from_the_inbox(
    client: httpx.AsyncClient, march: dict[str, Any], auth: Headers
) -> None:
    from tests.metrics.test_satisfaction import returned

    m = await returned(client, auth, "2026-03-19 09:00")
    resp = await client.post(
        f"/api/v1/dossiers/{m.code}/rating",
        json={"level": "khong_hai_long", "comment": "Phải chờ lâu", "secret": m.secret},
    )
    assert resp.status_code == 201
    set_clock("2026-03-20 10:00")
    await web_login(client, "leader")
    badge = await client.get("/web/hop-thu/dem", headers={"HX-Request": "true"})
    inbox = await client.get("/web/hop-thu")
    assert inbox.status_code == 200
    text = visible_text(inbox.text)
    assert march["overdue"] in text and march["soon"] in text
    assert "Phải chờ lâu" in text
    # the apology list: most urgent (earliest due) first
    codes = re.findall(r'<tr data-code="([^"]+)"', inbox.text)
    assert codes.index(march["overdue"]) < codes.index(march["soon"])
    assert ">3<" in badge.text  # two dossiers to apologise for, one follow-up
    task = re.search(r'action="/web/hop-thu/theo-doi/(\d+)"', inbox.text)
    assert task
    url = f"/web/hop-thu/theo-doi/{task.group(1)}"
    empty = await client.post(url, data={"note": "  "}, headers=ORIGIN)
    assert empty.status_code == 422 and "Hãy ghi nội dung" in visible_text(empty.text)
    done = await client.post(url, data={"note": "Đã gọi điện xin lỗi công dân"}, headers=ORIGIN)
    assert done.status_code == 303
    after = await client.get("/web/hop-thu?saved=1")
    assert "Đã ghi nhận" in after.text and "Phải chờ lâu" not in after.text
    again = await client.post(url, data={"note": "lần nữa"}, headers=ORIGIN)
    assert again.status_code == 409 and "đã được xử lý" in visible_text(again.text)
    cross = await client.post(url, data={"note": "x"}, headers={"Origin": "http://evil.test"})
    assert cross.status_code == 403
    await client.post("/web/logout", headers=ORIGIN)
    await web_login(client, "manager")
    assert (await client.get("/web/hop-thu")).status_code == 403
