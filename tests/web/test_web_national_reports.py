"""The national reports on the web: the Biểu 06 page (13 columns, every count its list, downloads
equal to the page), closing its period with a confirmation step and the frozen hash shown,
"recomputed differs" after a correction (on the page and on the dashboard), the satisfaction and
Decision 766 pages with their downloads and lists."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from tests.dossiers.conftest import Headers, set_clock
from tests.factories import World
from tests.metrics.reports_support import ROOT
from tests.web.conftest import ORIGIN, visible_text, web_login
from tests.web.test_web_reports import MARCH, links, listed, march

from onestop.dossiers.models import Dossier, DossierEvent
from onestop.metrics.index766 import digitisation
from onestop.metrics.models import ClosedPeriod

__all__ = ["march"]  # the fixture, used by the tests below

MARCH_Q = {"tu": "2026-03-01", "den": "2026-03-31", "unit": ROOT}
COLUMNS = [f"c{n}" for n in range(3, 14)]


def table_rows(page: str, testid: str = "report-table") -> list[list[int]]:
    """The 11 counts of every row of a Biểu 06 table, top to bottom."""
    table = page.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    out = []
    for row in re.findall(r"<tr class=\"[^\"]*\" data-row=.*?</tr>", table, re.S):
        cells = re.findall(r'data-testid="c\d+"[^>]*>([\d.]+)<', row)
        out.append([int(c.replace(".", "")) for c in cells])
    return out


def csv_rows(content: bytes, first: str = "STT") -> list[list[str]]:
    """The body of a downloaded CSV: the rows after the header (whose first cell is ``first``)."""
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    header = rows.index(next(r for r in rows if r and r[0] == first))
    return rows[header + 1 :]


async def test_bieu06_page_counts_links_and_downloads(
    client: httpx.AsyncClient, march: dict[str, Any]
) -> None:
    await web_login(client, "manager")
    page = await client.get("/web/bao-cao/bieu-06", params=MARCH)
    assert page.status_code == 200, page.text
    text = visible_text(page.text)
    assert "Biểu 06/VPCP/KSTT · UBND tỉnh Thử Nghiệm" in text
    assert all(f"({n})" in text for n in range(1, 14))
    assert "Số hồ sơ nhận giải quyết" in text and "Số hồ sơ đang giải quyết" in text
    assert "Trạng thái kỳ báo cáo: Chưa khóa" in text
    assert 'data-testid="close-period"' in page.text  # the manager may close it
    rows = table_rows(page.text)
    assert all(len(r) == 11 for r in rows)
    total = rows[-1]
    assert total[0] == 5  # five dossiers received in March
    assert total[0] == total[4] + total[8]  # (3) = (7) + (11)
    checked = 0
    for c in COLUMNS:
        for href, number in links(page.text, c):
            assert href.startswith("/web/bao-cao/bieu-06/ho-so?")
            assert len(await listed(client, href)) == number, (c, href)
            checked += 1
    assert checked == 11 * len(rows)
    # the downloads hold exactly the table on screen
    url = re.search(r'data-testid="csv" href="([^"]+)"', page.text)
    assert url
    resp = await client.get(url.group(1).replace("&amp;", "&"))
    assert resp.status_code == 200 and "bieu-06-" in resp.headers["content-disposition"]
    assert [[int(v) for v in r[2:]] for r in csv_rows(resp.content)] == rows
    xlsx = await client.get(url.group(1).replace("&amp;", "&").replace("csv", "xlsx"))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert "Nguyễn" not in page.text and "Nguyễn".encode() not in resp.content
    # a cell's list: the late dossier is the one resolved late (10)
    late = dict((n, h) for h, n in links(page.text, "c10"))
    assert await listed(client, late[1]) == [march["late"]]


async def correct(app: Any, code: str) -> None:
    """A correction of the record, as an administrator records it: the dossier's finishing
    instant is set earlier (inside March) and a ``correction`` event says why."""
    async with app.state.sessionmaker() as s:
        d = (await s.execute(select(Dossier).where(Dossier.code == code))).scalar_one()
        at = dt.datetime(2026, 3, 20, 2, 0, tzinfo=dt.UTC)
        d.finished_at = dt.datetime(2026, 3, 19, 8, 0, tzinfo=dt.UTC)
        d.ended_at = d.finished_at
        d.status = 9
        d.timing = "on_time"
        d.event_count += 1
        s.add(
            DossierEvent(
                dossier_id=d.id,
                seq=d.event_count,
                type="correction",
                at=at,
                recorded_at=at,
                actor="user:admin",
                unit_id=d.competent_unit_id,
                from_status=4,
                to_status=9,
                payload={"reason": "Nhập bổ sung ngày trả kết quả"},
            )
        )
        await s.commit()


async def test_closing_the_period_then_a_correction_differs(
    client: httpx.AsyncClient, march: dict[str, Any], app: Any
) -> None:
    await web_login(client, "manager")
    confirm = await client.get("/web/bao-cao/bieu-06/khoa", params=MARCH_Q)
    assert confirm.status_code == 200
    assert "Tôi xác nhận khóa số liệu Biểu 06" in visible_text(confirm.text)
    form = {"tu": "2026-03-01", "den": "2026-03-31", "unit": ROOT}
    # without the confirmation field: refused, nothing frozen
    unconfirmed = await client.post("/web/bao-cao/bieu-06/khoa", data=form, headers=ORIGIN)
    assert unconfirmed.status_code == 422
    assert "Hãy đánh dấu ô xác nhận" in visible_text(unconfirmed.text)
    assert await closed_count(app) == 0
    cross = await client.post(
        "/web/bao-cao/bieu-06/khoa",
        data={**form, "xac_nhan": "co"},
        headers={"Origin": "http://evil.test"},
    )
    assert cross.status_code == 403 and await closed_count(app) == 0
    done = await client.post(
        "/web/bao-cao/bieu-06/khoa",
        data={**form, "xac_nhan": "co", "ghi_chu": "Chốt số liệu tháng 3"},
        headers=ORIGIN,
    )
    assert done.status_code == 303
    page = await client.get(done.headers["location"])
    async with app.state.sessionmaker() as s:
        row = (await s.execute(select(ClosedPeriod))).scalar_one()
    assert row.kind == "bieu-06" and row.closed_by == "user:manager"
    text = visible_text(page.text)
    assert "Đã khóa kỳ báo cáo" in text and row.content_hash in text
    assert "Trạng thái kỳ báo cáo: Đã khóa" in text and "Chốt số liệu tháng 3" in text
    assert 'data-testid="close-period"' not in page.text
    # closing again: a clear message, nothing written
    again = await client.post(
        "/web/bao-cao/bieu-06/khoa", data={**form, "xac_nhan": "co"}, headers=ORIGIN
    )
    assert again.status_code == 409
    assert "đã được khóa" in visible_text(again.text) and await closed_count(app) == 1
    confirm = await client.get("/web/bao-cao/bieu-06/khoa", params=MARCH_Q)
    assert "không thể khóa lại" in visible_text(confirm.text) and "xac_nhan" not in confirm.text
    dashboard = await client.get("/web/tong-quan", params=MARCH)
    assert 'data-testid="bieu06-differs"' not in dashboard.text

    # a correction recorded afterwards: both figures side by side, flagged on the dashboard
    before = table_rows(page.text)
    await correct(app, march["overdue"])
    page = await client.get("/web/bao-cao/bieu-06", params=MARCH)
    text = visible_text(page.text)
    assert "Đã khóa · số liệu tính lại khác" in text and row.content_hash in text
    assert "Nhập bổ sung ngày trả kết quả" in text  # the correction is listed
    assert table_rows(page.text, "frozen-table") == before  # never replaced
    now = table_rows(page.text)
    assert now != before and now[-1][0] == before[-1][0]  # same dossiers, other columns
    frozen = [int(v) for v in re.findall(r'data-testid="frozen-value">([\d.]+)<', page.text)]
    current = [int(v) for v in re.findall(r'data-testid="current-value">([\d.]+)<', page.text)]
    assert frozen and len(frozen) == len(current) and frozen != current
    dashboard = await client.get("/web/tong-quan", params=MARCH)
    assert 'data-testid="bieu06-differs"' in dashboard.text
    assert "Biểu 06: số liệu tính lại khác kỳ đã khóa" in visible_text(dashboard.text)


async def closed_count(app: Any) -> int:
    async with app.state.sessionmaker() as s:
        return int((await s.execute(select(func.count()).select_from(ClosedPeriod))).scalar_one())


@pytest.mark.parametrize(
    ("user", "params", "status", "words"),
    [
        ("leader", MARCH_Q | {"unit": "000.00.10.H99"}, 403, "Không có quyền"),
        ("manager", {"tu": "2026-03-31", "den": "2026-03-01"}, 422, "sau ngày kết thúc"),
        ("manager", {**MARCH_Q, "unit": "000.99.99.H99"}, 404, "Không có đơn vị"),
    ],
)
async def test_closing_is_for_managers_and_checks_its_input(
    client: httpx.AsyncClient,
    world: World,
    app: Any,
    user: str,
    params: dict[str, str],
    status: int,
    words: str,
) -> None:
    await web_login(client, user)
    page = await client.get("/web/bao-cao/bieu-06/khoa", params=params)
    assert page.status_code == status and words in visible_text(page.text)
    posted = await client.post(
        "/web/bao-cao/bieu-06/khoa", data={**params, "xac_nhan": "co"}, headers=ORIGIN
    )
    assert posted.status_code == status and await closed_count(app) == 0


async def test_leader_sees_bieu06_without_the_close_button(
    client: httpx.AsyncClient, world: World
) -> None:
    await web_login(client, "leader")
    page = await client.get("/web/bao-cao/bieu-06", params={**MARCH, "unit": "000.00.10.H99"})
    assert page.status_code == 200 and 'data-testid="close-period"' not in page.text
    outside = await client.get("/web/bao-cao/bieu-06", params={**MARCH, "unit": ROOT})
    assert outside.status_code == 403 and "nằm ngoài phạm vi" in visible_text(outside.text)
    await client.post("/web/logout", headers=ORIGIN)
    await web_login(client, "clerk")
    assert (await client.get("/web/bao-cao/bieu-06")).status_code == 403
    assert (await client.get("/web/bao-cao/hai-long")).status_code == 403
    assert (await client.get("/web/bao-cao/chi-so-766")).status_code == 403


async def rate(client: httpx.AsyncClient, auth: Headers, level: str, comment: str) -> str:
    from tests.metrics.test_satisfaction import returned

    m = await returned(client, auth, "2026-03-19 09:00")
    resp = await client.post(
        f"/api/v1/dossiers/{m.code}/rating",
        json={"level": level, "comment": comment, "secret": m.secret},
    )
    assert resp.status_code == 201, resp.text
    return m.code


async def test_satisfaction_page_lists_and_downloads(
    client: httpx.AsyncClient, march: dict[str, Any], auth: Headers
) -> None:
    unhappy = await rate(client, auth, "khong_hai_long", "Phải chờ lâu")
    await rate(client, auth, "hai_long", "Tốt")
    set_clock("2026-03-20 10:00")
    await web_login(client, "manager")
    page = await client.get("/web/bao-cao/hai-long", params=MARCH)
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "Mức độ hài lòng của tổ chức, cá nhân" in text and "50,00 %" in text
    assert 'data-testid="menu-hai-long" href="/web/bao-cao/hai-long?' in page.text
    checked = 0
    for testid in ("rat_hai_long", "hai_long", "khong_hai_long", "ratings"):
        for href, number in links(page.text, testid):
            assert len(await listed(client, href)) == number, (testid, href)
            checked += 1
    assert checked >= 8
    worst = [h for h, n in links(page.text, "khong_hai_long") if n == 1]
    assert await listed(client, worst[0]) == [unhappy]
    ratings = await client.get(worst[0])
    assert "(ẩn)" in ratings.text and "Phải chờ lâu" not in ratings.text  # no personal words
    rates = [r.strip() for r in re.findall(r'data-testid="rate">([^<]+)<', page.text)]
    url = re.search(r'data-testid="csv" href="([^"]+)"', page.text)
    assert url
    resp = await client.get(url.group(1).replace("&amp;", "&"))
    body = csv_rows(resp.content)
    assert [f"{r[7]} %" if r[7] != "—" else "—" for r in body] == rates
    shown = [
        int(n.replace(".", ""))
        for _h, n in re.findall(r'data-testid="ratings" href="([^"]+)">([\d.]+)<', page.text)
    ]
    assert [int(r[6]) for r in body] == shown
    xlsx = await client.get(url.group(1).replace("&amp;", "&").replace("csv", "xlsx"))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    # the dashboard's satisfaction counts are links to the same lists
    dashboard = await client.get("/web/tong-quan", params=MARCH)
    for testid in ("sat-ratings", "sat-khong_hai_long"):
        found = links(dashboard.text, testid)
        assert found
        for href, number in found:
            assert len(await listed(client, href)) == number


async def test_index766_page_components_and_downloads(
    client: httpx.AsyncClient, march: dict[str, Any], auth: Headers
) -> None:
    await rate(client, auth, "khong_hai_long", "Chậm")
    set_clock("2026-03-20 10:00")
    await web_login(client, "manager")
    page = await client.get("/web/bao-cao/chi-so-766", params=MARCH)
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "Quyết định 766" in text and "Chỉ số 2.1: thành phần" in text
    checked = 0
    for href, number in links(page.text, "component"):
        assert len(await listed(client, href)) == number, href
        checked += 1
    assert checked == 8 + 2 * len(digitisation.SPECS)  # 2.1 and 5.4: 4 each; the others: 2
    # the table on screen is the CSV, cell for cell
    table = page.text.split('data-testid="report-table"', 1)[1].split("</table>", 1)[0]
    screen = []
    for row in re.findall(r"<tr[^>]*data-key=.*?</tr>", table, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        screen.append([visible_text(c) for c in cells])
    url = re.search(r'data-testid="csv" href="([^"]+)"', page.text)
    assert url
    resp = await client.get(url.group(1).replace("&amp;", "&"))
    body = csv_rows(resp.content, "Mã")
    assert len(body) == len(screen) == 2 + len(digitisation.SPECS) + 9 + 1
    for shown, written in zip(screen, body, strict=True):
        assert [s.replace(".", "") for s in shown] == [w.replace(".", "") for w in written]
    xlsx = await client.get(url.group(1).replace("&amp;", "&").replace("csv", "xlsx"))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    dashboard = await client.get("/web/tong-quan", params=MARCH)
    found = links(dashboard.text, "index-denominator")
    assert len(found) == 2
    for href, number in found:
        assert len(await listed(client, href)) == number
    assert 'data-testid="index-numerator" href="/web/bao-cao/chi-so-766?' in dashboard.text
