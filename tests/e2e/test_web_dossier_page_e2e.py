"""The dossier page in Chromium at 1366×768: the leader of Sở Tư pháp opens the overdue dossier,
sees the apology offered first and the refused finish explained, reads the timeline in names,
assigns the step by choosing a person, signs the apology and opens the Form 04 it made; the header
then shows the new appointment beside "Quá hạn". Screenshots: test-artifacts/e2e/."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from tests.e2e.conftest import Scenario, login, shot


def test_the_leader_works_the_dossier_from_its_page(page: Page, scenario: Scenario) -> None:
    login(page, "leader")
    page.goto(f"/web/dossiers/{scenario.overdue_code}")
    first = page.locator(".action-buttons a").first
    expect(first).to_have_text("Xin lỗi, hẹn lại")
    expect(first).to_have_class("btn btn-primary")
    finish = page.locator(".refused-actions li", has_text="Có kết quả")
    expect(finish.get_by_role("button", name="Có kết quả")).to_be_disabled()
    expect(finish).to_contain_text("chưa có văn bản xin lỗi")
    expect(page.get_by_role("link", name="Có kết quả")).to_have_count(0)
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text("Lê Văn Thẩm Định · Sở Tư pháp · Được tiếp nhận → Đang xử lý")
    expect(timeline).to_contain_text("Trần Thị Tiếp Nhận")
    expect(timeline).not_to_contain_text("trạng thái 2 → 4")
    shot(page, "60-dossier-offers")

    page.get_by_role("link", name="Phân công").click()
    form = page.locator("form.action-form")
    person = form.get_by_label("Cán bộ xử lý")
    expect(person).to_be_focused()
    person.select_option(label="Lê Văn Thẩm Định — Chuyên viên")
    shot(page, "61-dossier-assign-form")
    form.get_by_role("button", name="Phân công").click()
    expect(page.locator(".alert-ok")).to_contain_text("Đã thực hiện: Phân công.")
    expect(page.locator("#step-title + p + dl")).to_contain_text("Lê Văn Thẩm Định")

    page.get_by_role("link", name="Xin lỗi, hẹn lại").click()
    form = page.locator("form.action-form")
    form.get_by_label("Lý do quá hạn").fill("Chờ kết quả xác minh của Công an tỉnh")
    form.get_by_label("Hẹn lại (ngày/tháng/năm giờ:phút)").fill("13/03/2026 09:00")
    form.get_by_role("button", name="Ký văn bản xin lỗi").click()
    done = page.locator(".alert-ok")
    expect(done).to_contain_text("Đã lập văn bản xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)")
    letter = done.get_by_role("link", name="Mở để in Mẫu 04")
    href = f"/web/dossiers/{scenario.overdue_code}/forms/04.pdf"
    expect(letter).to_have_attribute("href", href)
    pdf = page.request.get(href)
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    chips = page.locator(".head-chips")
    expect(chips).to_contain_text("Quá hạn")
    expect(page.get_by_test_id("new-appointment")).to_have_text("Hẹn trả mới: 13/03/2026 09:00")
    again = page.locator(".refused-actions li", has_text="Xin lỗi, hẹn lại")
    expect(again.get_by_role("button")).to_be_disabled()
    expect(again).to_contain_text("đã được hẹn lại 1 lần; tối đa 1 lần")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366  # no sideways scroll
    shot(page, "62-dossier-apologised-banner")
    shot(page, "63-dossier-apologised-full", full_page=True)
