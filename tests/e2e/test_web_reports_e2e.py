"""Managers on the web in Chromium: the manager lands on the dashboard (1366×768 and 390 px wide),
sees the on-time rate with its status in words, and a count opens exactly its dossiers; downloads
the on-time report as CSV and XLSX and finds the page's numbers in both; closes the Biểu 06 period
and sees its hash, then "recomputed differs" after a correction. The leader records the follow-up
of a "không hài lòng" rating from the inbox. Screenshots: test-artifacts/e2e/."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from xml.etree import ElementTree

import httpx
from playwright.sync_api import Page, expect
from sqlalchemy import select
from tests.e2e.conftest import LOCAL, SECRET_KEY, Scenario, login, shot

from onestop.core.db import make_engine
from onestop.core.settings import Settings
from onestop.dossiers.models import Dossier, DossierEvent
from onestop.wiring import make_sessionmaker


def test_manager_lands_on_the_dashboard_and_opens_a_count(page: Page, scenario: Scenario) -> None:
    login(page, "manager")
    expect(page).to_have_url(re.compile(r"/web/tong-quan$"))
    expect(page.locator("h1")).to_contain_text("Tổng quan")
    expect(page.get_by_test_id("unit-rate")).to_contain_text("%")
    shot(page, "20-dashboard-1366", full_page=True)
    overdue = page.locator('tr.total-row [data-testid="open-overdue"]')
    number = int(overdue.inner_text().replace(".", ""))
    overdue.click()
    expect(page.locator('[data-testid="dossier-list"] tbody tr[data-code]')).to_have_count(number)
    expect(page.locator("body")).to_contain_text(scenario.overdue_code)
    shot(page, "21-dashboard-overdue-list")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/web/tong-quan")
    expect(page.get_by_test_id("unit-rate")).to_be_visible()
    shot(page, "22-dashboard-390", full_page=True)


def _csv_body(path: str, first: str = "STT") -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header = rows.index(next(r for r in rows if r and r[0] == first))
    return rows[header + 1 :]


def _xlsx_numbers(path: str) -> dict[int, dict[str, float]]:
    """Numeric cells of the first sheet, by Excel row number and column letter (the workbook is
    a zip of XML parts; no spreadsheet library is needed to read numbers back)."""
    with zipfile.ZipFile(path) as book:
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    out: dict[int, dict[str, float]] = {}
    for row in sheet.iterfind(".//m:sheetData/m:row", ns):
        cells = {}
        for c in row.iterfind("m:c", ns):
            v = c.find("m:v", ns)
            if c.get("t") is None and v is not None and v.text is not None:
                cells[re.sub(r"\d", "", c.get("r", ""))] = float(v.text)
        out[int(row.get("r", "0"))] = cells
    return out


def _number(text: str) -> int:
    return int(text.strip().replace(".", ""))


def test_manager_downloads_the_on_time_report_and_it_equals_the_page(page: Page) -> None:
    login(page, "manager")
    page.goto("/web/bao-cao/dung-han")
    table = page.get_by_test_id("report-table")
    expect(table).to_be_visible()
    shot(page, "23-ontime-report", full_page=True)
    rows = table.locator("tbody tr")
    shown = []
    for i in range(rows.count()):
        row = rows.nth(i)
        counts = [
            _number(row.get_by_test_id(b).inner_text())
            for b in ("early", "on_time", "late", "finished")
        ]
        shown.append((counts, row.get_by_test_id("rate").inner_text().strip()))
    assert any(c[3] > 0 for c, _ in shown)  # something was resolved in the quarter
    with page.expect_download() as got:
        page.get_by_test_id("csv").click()
    csv_file = got.value
    assert csv_file.suggested_filename.endswith(".csv")
    body = _csv_body(str(csv_file.path()))
    assert [([int(v) for v in r[3:7]], f"{r[7]} %" if r[7] != "—" else "—") for r in body] == (
        shown
    )
    with page.expect_download() as got:
        page.get_by_test_id("xlsx").click()
    xlsx_file = got.value
    assert xlsx_file.suggested_filename.endswith(".xlsx")
    numbers = _xlsx_numbers(str(xlsx_file.path()))
    first = 5  # title, subtitle, a blank line, the header: data from Excel row 5
    for i, (counts, rate) in enumerate(shown):
        cells = numbers[first + i]
        assert [int(cells[col]) for col in "DEFG"] == counts
        if rate != "—":
            assert f"{cells['H']:.2f}".replace(".", ",") + " %" == rate
        else:
            assert "H" not in cells


def _correct(url: str, code: str) -> None:
    """A correction of the record as an administrator records it (no page does): the overdue
    dossier was in fact resolved on time on 05/03, and a ``correction`` event says so."""

    async def run() -> None:
        engine = make_engine(Settings(database_url=url, secret_key=SECRET_KEY))
        try:
            async with make_sessionmaker(engine)() as s:
                d = (await s.execute(select(Dossier).where(Dossier.code == code))).scalar_one()
                at = dt.datetime(2026, 3, 10, 13, 30, tzinfo=LOCAL)
                d.finished_at = dt.datetime(2026, 3, 5, 10, 0, tzinfo=LOCAL)
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
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API runs a loop in this thread
        pool.submit(asyncio.run, run()).result()


def test_manager_closes_bieu06_then_a_correction_differs(page: Page, scenario: Scenario) -> None:
    login(page, "manager")
    page.goto("/web/bao-cao/bieu-06")
    status = page.get_by_test_id("period-status")
    expect(status).to_have_attribute("data-state", "open")
    total = page.locator('[data-testid="report-table"] tr.total-row').last
    received = _number(total.get_by_test_id("c3").inner_text())
    assert received > 0
    shot(page, "24-bieu06-open", full_page=True)
    page.get_by_test_id("close-period").click()
    expect(page.locator("h1")).to_contain_text("Khóa kỳ báo cáo Biểu 06")
    page.get_by_test_id("confirm").check()
    shot(page, "25-bieu06-confirm")
    page.get_by_test_id("confirm-close").click()
    expect(page.get_by_test_id("closed-now")).to_contain_text("Đã khóa kỳ báo cáo")
    digest = page.get_by_test_id("hash").inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    expect(page.get_by_test_id("closed-now")).to_contain_text(digest)
    expect(status).to_have_attribute("data-state", "closed")
    shot(page, "26-bieu06-closed", full_page=True)
    page.goto(
        page.url.replace("&khoa=1", "").replace(
            "/web/bao-cao/bieu-06?", "/web/bao-cao/bieu-06/khoa?"
        )
    )
    expect(page.get_by_test_id("close-error")).to_contain_text("không thể khóa lại")

    _correct(scenario.database_url, scenario.overdue_code)
    page.goto("/web/bao-cao/bieu-06")
    expect(status).to_have_attribute("data-state", "differs")
    expect(page.get_by_test_id("differs")).to_contain_text("Số liệu tính lại khác số đã khóa")
    expect(page.get_by_test_id("hash")).to_have_text(digest)  # the frozen hash is kept
    frozen_total = page.locator('[data-testid="frozen-table"] tr.total-row').last
    assert _number(frozen_total.get_by_test_id("c3").inner_text()) == received
    expect(page.get_by_test_id("differences").locator("tbody tr").first).to_be_visible()
    expect(page.get_by_test_id("corrections")).to_contain_text(scenario.overdue_code)
    shot(page, "27-bieu06-differs", full_page=True)
    page.goto("/web/tong-quan")
    expect(page.get_by_test_id("bieu06-differs")).to_be_visible()
    shot(page, "28-dashboard-bieu06-differs")


def test_leader_records_a_follow_up_from_the_inbox(page: Page, scenario: Scenario) -> None:
    rated = httpx.post(
        f"{scenario.base_url}/api/v1/dossiers/{scenario.ready_code}/rating",
        json={"level": "khong_hai_long", "comment": "Phải đi lại nhiều lần",
              "secret": scenario.ready_secret},
        timeout=10,
    )  # fmt: skip
    assert rated.status_code == 201, rated.text
    login(page, "leader")
    expect(page.get_by_test_id("inbox-badge")).to_be_visible()
    page.goto("/web/hop-thu")
    row = page.locator(f'[data-testid="followup-list"] tr[data-code="{scenario.ready_code}"]')
    expect(row).to_contain_text("Phải đi lại nhiều lần")
    row.locator("textarea[name=note]").fill("Đã gọi điện xin lỗi và hướng dẫn công dân")
    shot(page, "29-inbox-followup", full_page=True)
    row.get_by_role("button", name="Ghi nhận và đóng").click()
    expect(page.locator("body")).to_contain_text("Đã ghi nhận")
    expect(row).to_have_count(0)
    shot(page, "30-inbox-followup-done")
