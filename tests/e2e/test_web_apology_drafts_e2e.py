"""Apology drafts in Chromium: the officer drafts the apology (Form 04) of the overdue dossier on
its page; the leader finds it in the inbox under "Thư xin lỗi chờ ký", signs it, and the dossier
shows the new appointment. Screenshots: test-artifacts/e2e/."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect
from tests.e2e.conftest import Scenario, login, shot


def _officer_drafts(browser: Browser, scenario: Scenario) -> None:
    context = browser.new_context(
        base_url=scenario.base_url, viewport={"width": 1366, "height": 768}, locale="vi-VN"
    )
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        login(page, "officer")
        page.goto(f"/web/dossiers/{scenario.overdue_code}")
        expect(page.get_by_role("link", name="Xin lỗi, hẹn lại")).to_have_count(0)
        page.get_by_role("link", name="Dự thảo xin lỗi").click()
        form = page.locator("form.action-form")
        form.get_by_label("Lý do quá hạn").fill("Chờ kết quả xác minh của Công an tỉnh")
        form.get_by_label("Đề nghị hẹn lại (ngày/tháng/năm giờ:phút)").fill("13/03/2026 09:00")
        shot(page, "40-apology-draft-form")
        form.get_by_role("button", name="Trình lãnh đạo ký").click()
        expect(page.locator(".alert-ok")).to_contain_text("Đã thực hiện: Dự thảo xin lỗi.")
    finally:
        context.close()


def test_leader_signs_an_apology_draft_from_the_inbox(
    page: Page, browser: Browser, scenario: Scenario
) -> None:
    _officer_drafts(browser, scenario)
    login(page, "leader")
    # the draft, and the two dossiers needing an apology (overdue, due within a working day)
    expect(page.get_by_test_id("inbox-badge")).to_have_text("3")
    page.get_by_role("link", name="Hộp thư").click()
    drafts = page.get_by_test_id("draft-list")
    row = drafts.locator("tr", has_text=scenario.overdue_code)
    expect(row).to_contain_text("Chờ kết quả xác minh của Công an tỉnh")
    expect(row).to_contain_text("09:00 13/03/2026")
    expect(row).to_contain_text("Lê Văn Thẩm Định")
    row.get_by_label("Chức danh người ký").fill("KT. GIÁM ĐỐC")
    shot(page, "41-inbox-apology-draft", full_page=True)
    row.get_by_role("button", name="Ký và ban hành").click()
    expect(page.get_by_test_id("inbox-done")).to_contain_text("Đã ký văn bản xin lỗi")
    expect(drafts).to_contain_text("Không có thư xin lỗi chờ ký.")
    shot(page, "42-inbox-apology-signed", full_page=True)
    page.goto(f"/web/dossiers/{scenario.overdue_code}")
    expect(page.locator(".timeline")).to_contain_text("Xin lỗi và hẹn lại ngày trả kết quả")
    expect(page.locator("body")).to_contain_text("09 giờ 00 phút, thứ Sáu ngày 13/03/2026")
