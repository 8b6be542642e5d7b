"""Administrators in Chromium at 1366×768: from the "Quản trị" menu, a child unit is created and
renamed; a commune administrator is created; an API client is registered (its secret shown once)
and re-keyed; the pending 24/11/2026 is confirmed on the working calendar; a procedure's new
version is refused for step budgets over the legal limit, then created. The new commune
administrator sees only the commune's subtree and gets the Vietnamese 403 page for another unit.
Screenshots: test-artifacts/e2e/."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from tests.e2e.conftest import PASSWORD, Scenario, login, shot

COMMUNE = "000.01.20.H99"  # UBND phường Trung Tâm
NEW_UNIT = "000.01.20.01.H99"
PROCEDURE = "1.004746"  # 10 working days, steps 4 + 56 + 16 + 4 hours


def test_administrator_walks_the_admin_pages(page: Page, scenario: Scenario) -> None:
    login(page, "admin")
    page.get_by_role("link", name="Quản trị").click()
    expect(page).to_have_url(re.compile(r"/web/quan-tri/don-vi$"))
    expect(page.locator(f'[data-unit="{COMMUNE}"]')).to_be_visible()
    shot(page, "60-admin-units", full_page=True)

    # a child unit below the commune, then renamed
    form = page.get_by_test_id("unit-create")
    form.locator("select[name=parent_code]").select_option(COMMUNE)
    form.locator("input[name=code]").fill(NEW_UNIT)
    form.locator("input[name=name]").fill("Điểm tiếp nhận khu phố 1")
    form.locator("select[name=level]").select_option("centre")
    form.locator("input[name=hotline]").fill("0238.3844.555")
    form.get_by_role("button", name="Tạo đơn vị").click()
    expect(page.get_by_test_id("notice")).to_have_text("Đã tạo đơn vị.")
    edit = page.get_by_test_id("unit-edit")
    edit.locator("input[name=name]").fill("Điểm tiếp nhận khu phố Một")
    edit.locator("input[name=hours]").fill("07:00-11:00")  # not 8 hours: refused in words
    edit.get_by_role("button", name="Lưu thay đổi").click()
    expect(page.locator('[data-field-error="hours"]')).to_contain_text("Giờ làm việc không hợp lệ")
    shot(page, "61-admin-unit-refused")
    edit.locator("input[name=hours]").fill("07:30-11:30,13:00-17:00")
    edit.get_by_role("button", name="Lưu thay đổi").click()
    expect(page.get_by_test_id("notice")).to_have_text("Đã lưu thay đổi của đơn vị.")
    expect(page.locator("h1")).to_have_text("Điểm tiếp nhận khu phố Một")

    # a commune administrator
    page.get_by_role("link", name="Người dùng").click()
    create = page.get_by_test_id("user-create")
    create.locator("input[name=username]").fill("quantri.trungtam")
    create.locator("input[name=full_name]").fill("Bùi Văn Quản Trị")
    create.locator("input[name=password]").fill(PASSWORD)
    create.locator("select[name=role]").select_option("admin")
    create.locator("select[name=unit_code]").select_option(COMMUNE)
    create.get_by_role("button", name="Tạo tài khoản").click()
    expect(page.get_by_test_id("notice")).to_have_text("Đã tạo tài khoản.")
    page.get_by_role("link", name="← Danh sách người dùng").click()
    expect(page.locator('[data-user="quantri.trungtam"]')).to_be_visible()
    shot(page, "62-admin-users", full_page=True)

    # an API client: the secret once, then a new one
    page.get_by_role("link", name="Ứng dụng kết nối").click()
    client = page.get_by_test_id("client-create")
    client.locator("input[name=client_id]").fill("cong-phuong-trung-tam")
    client.locator("input[name=name]").fill("Cổng thông tin phường Trung Tâm")
    client.get_by_label("Nộp hồ sơ trực tuyến").check()
    client.locator("select[name=unit_codes]").select_option([COMMUNE])
    client.get_by_role("button", name="Đăng ký và tạo khóa bí mật").click()
    box = page.get_by_test_id("secret-box")
    expect(box).to_contain_text("chỉ hiển thị một lần")
    first = page.get_by_test_id("client-secret").inner_text()
    shot(page, "63-admin-client-secret")
    page.locator('[data-client="cong-phuong-trung-tam"]').get_by_role(
        "button", name="Đổi khóa bí mật"
    ).click()
    expect(page.get_by_test_id("client-secret")).not_to_have_text(first)

    # the working calendar: the pending 24/11/2026 confirmed with its document
    page.get_by_role("link", name="Lịch làm việc").click()
    pending = page.locator('.pending-day[data-day="2026-11-24"]')
    expect(pending).to_contain_text("24/11/2026")
    shot(page, "64-admin-calendar", full_page=True)
    pending.locator("input[name=source]").fill("Bộ luật Lao động sửa đổi 2026, Điều 112")
    pending.get_by_role("button", name="Xác nhận là ngày nghỉ").click()
    expect(page.get_by_test_id("notice")).to_contain_text("Đã xác nhận ngày nghỉ")
    expect(page.locator('tr[data-day="2026-11-24"]')).to_contain_text("Quản trị xác nhận")

    # a procedure: budgets over the limit refused next to the field, then a valid version
    page.get_by_role("link", name="Thủ tục").click()
    page.locator("input[name=q]").fill(PROCEDURE)
    page.get_by_role("button", name="Tìm").click()
    page.get_by_role("link", name=PROCEDURE).click()
    version = page.get_by_test_id("version-create")
    version.locator("input[name=effective_from]").fill("01/07/2026")
    version.locator("input[name=limit_amount]").fill("8")  # 64 h < 80 h of steps
    version.get_by_role("button", name="Tạo phiên bản").click()
    expect(page.locator('[data-field-error="budgets"]')).to_contain_text("vượt thời hạn giải quyết")
    expect(version.locator("input[name=effective_from]")).to_have_value("01/07/2026")
    shot(page, "65-admin-version-refused", full_page=True)
    version.locator("input[name=step_amount]").nth(1).fill("40")  # 4 + 40 + 16 + 4 = 64 h
    version.get_by_role("button", name="Tạo phiên bản").click()
    expect(page.get_by_test_id("notice")).to_have_text("Đã tạo phiên bản mới của thủ tục.")
    expect(page.locator('tr[data-version="2026-07-01"]')).to_contain_text("01/07/2026")
    shot(page, "66-admin-procedure", full_page=True)

    # the commune administrator: the commune's subtree only, the 403 page elsewhere
    page.get_by_role("button", name="Đăng xuất").click()
    login(page, "quantri.trungtam")
    page.goto("/web/quan-tri/don-vi")
    expect(page.locator(f'[data-unit="{NEW_UNIT}"]')).to_be_visible()
    expect(page.locator('[data-unit="000.00.10.H99"]')).to_have_count(0)
    page.goto("/web/quan-tri/don-vi/000.00.10.H99")
    expect(page.locator("h1")).to_have_text("Không có quyền")
    expect(page.locator("main")).to_contain_text("nằm ngoài phạm vi của tài khoản quantri.trungtam")
    shot(page, "67-admin-403")
