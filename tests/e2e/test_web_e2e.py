"""The web client in Chromium at 1366×768: a clerk receives a dossier with the keyboard only, a
leader works the overdue list and signs an apology, an officer sees a refused action explained,
a citizen looks a dossier up and rates it. Screenshots: test-artifacts/e2e/."""

from __future__ import annotations

import itertools
import re

from playwright.sync_api import Page, expect
from tests.e2e.conftest import Scenario, login, shot


def test_clerk_receives_a_dossier_with_the_keyboard(page: Page, scenario: Scenario) -> None:
    page.goto("/web/counter")
    expect(page).to_have_url(re.compile(r"/web/login\?next=%2Fweb%2Fcounter$"))
    shot(page, "00-login")
    login(page, "clerk")
    expect(page).to_have_url(re.compile(r"/web/counter$"))
    search = page.locator("input[name=q]")
    expect(search).to_be_focused()  # the caret waits in the procedure search
    shot(page, "01-counter-empty")

    page.keyboard.type("ly lich tu phap")  # no diacritics: still found
    expect(page.locator("[data-picker-option]").first).to_contain_text("1.004746")
    shot(page, "02-counter-picker")
    page.keyboard.press("Enter")  # picks the first result, does not submit
    expect(page.locator("[data-chosen-procedure]")).to_contain_text("Cấp Phiếu lý lịch tư pháp")
    expect(page.locator("select[name=competent_unit]")).to_have_value("000.00.10.H99")
    expect(page.locator("input[name=applicant_name]")).to_be_focused()

    page.keyboard.type("Phạm Thị Hoa")
    page.keyboard.press("Tab")
    page.keyboard.type("001190067890")
    page.keyboard.press("Tab")
    page.keyboard.type("0912345678")
    page.keyboard.press("Tab")
    page.keyboard.type("Số 5 đường Lê Lợi, phường Trung Tâm")
    page.keyboard.press("Tab")  # e-mail: left empty
    page.keyboard.press("Tab")  # the "all documents" button
    page.keyboard.press("Tab")
    expect(page.locator("input[name=documents]").first).to_be_focused()
    page.keyboard.press("Space")
    shot(page, "03-counter-filled")
    page.keyboard.press("Enter")  # Enter in a field reviews, it never files
    review = page.get_by_test_id("review")
    expect(review).to_contain_text("Xem lại trước khi tiếp nhận — chưa có gì được lưu")
    expect(review).to_contain_text("Phạm Thị Hoa")
    confirm = page.get_by_role("button", name="Xác nhận tiếp nhận hồ sơ")
    expect(confirm).to_be_focused()
    expect(page.get_by_test_id("dossier-code")).to_have_count(0)
    page.keyboard.press("Enter")  # the explicit confirmation files it

    code = page.get_by_test_id("dossier-code")
    expect(code).to_have_text(re.compile(r"^000\.00\.01\.H99-260310-\d{4}$"))
    # 10 working days from Tue 10/03/2026 14:00
    expect(page.get_by_test_id("appointment")).to_have_text(
        "14 giờ 00 phút, thứ Ba ngày 24/03/2026"
    )
    expect(page.get_by_test_id("lookup-secret")).to_have_text(re.compile(r"^[A-Z2-9]{10}$"))
    print_link = page.get_by_role("link", name="In Giấy tiếp nhận (Mẫu 01)")
    expect(print_link).to_be_focused()
    secret = page.get_by_test_id("lookup-secret").inner_text()
    href = f"/web/dossiers/{code.inner_text()}/forms/01.pdf?secret={secret}"
    expect(print_link).to_have_attribute("href", href)
    pdf = page.request.get(href)  # with the session cookie of this browser
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    expect(page.locator("details.explain")).not_to_have_attribute("open", "")
    expect(page.locator("input[name=applicant_name]")).to_have_value("")  # ready for the next
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366  # no sideways scroll
    shot(page, "04-counter-receipt")
    page.locator("details.explain summary").click()
    shot(page, "05-counter-explanation", full_page=True)

    # Alt+N returns to the search; an empty intake is refused with the reason, nothing saved
    page.keyboard.press("Alt+n")
    expect(search).to_be_focused()
    page.get_by_role("button", name="Xem lại trước khi tiếp nhận").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Chưa tiếp nhận — chưa có gì được lưu.")
    expect(alert).to_contain_text("Thủ tục: chưa chọn")
    shot(page, "06-counter-error")


#: Where the focus is: the element's name (or role) and its box on the page.
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const r = e.getBoundingClientRect();
  return {name: e.getAttribute("name") || e.tagName.toLowerCase(), x: r.left + scrollX,
          y: r.top + scrollY, h: r.height, inForm: !!e.closest("form")};
}"""


def test_tab_on_the_counter_form_follows_the_visual_order(page: Page, scenario: Scenario) -> None:
    """From the applicant's name, each Tab moves to a field at the right of the one before on the
    same line, or to a field further down: never up, never back to the left on a line."""
    page.goto("/web/counter")
    login(page, "clerk")
    page.keyboard.type("ly lich tu phap")
    expect(page.locator("[data-picker-option]").first).to_contain_text("1.004746")
    page.keyboard.press("Enter")
    expect(page.locator("input[name=applicant_name]")).to_be_focused()
    stops = [page.evaluate(FOCUSED)]
    for _ in range(14):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUSED)
        if stop is None or not stop["inForm"]:
            break
        stops.append(stop)
    names = [s["name"] for s in stops]
    assert names[:4] == [
        "applicant_name",
        "applicant_id_number",
        "applicant_phone",
        "applicant_address",
    ]
    assert "documents" in names, names
    for before, after in itertools.pairwise(stops):
        same_line = abs(after["y"] - before["y"]) < min(before["h"], after["h"]) / 2
        assert (after["x"] > before["x"]) if same_line else (after["y"] > before["y"]), (
            before,
            after,
        )
    shot(page, "04-counter-tab-order")


def test_leader_works_the_overdue_list(page: Page, scenario: Scenario) -> None:
    login(page, "leader")
    expect(page).to_have_url(re.compile(r"/web/tong-quan$"))
    page.get_by_role("link", name="Theo dõi hạn").click()
    row = page.locator("tr", has_text=scenario.overdue_code)
    expect(row).to_contain_text("1 ngày 3 giờ")  # Mon 09:00 → Tue 14:00 in working time
    expect(row).to_contain_text("Chưa có văn bản xin lỗi")
    shot(page, "07-worklist-overdue")
    page.get_by_role("link", name="Sắp đến hạn").click()
    expect(page.locator("table.worklist tbody tr")).to_have_count(1)
    shot(page, "08-worklist-due-soon")

    page.get_by_role("link", name="Quá hạn").click()
    page.get_by_role("link", name=scenario.overdue_code).click()
    expect(page.locator("h1.code-title")).to_have_text(scenario.overdue_code)
    expect(page.locator(".head-chips")).to_contain_text("Mã 4 · Đang xử lý")
    expect(page.locator(".head-chips")).to_contain_text("Quá hạn 1 ngày 3 giờ")
    shot(page, "09-dossier-overdue", full_page=True)

    page.get_by_role("link", name="Xin lỗi, hẹn lại").click()
    form = page.locator("form.action-form")
    expect(form).to_be_visible()
    form.get_by_label("Lý do quá hạn").fill("Chờ kết quả xác minh của Công an tỉnh")
    form.get_by_label("Hẹn lại (ngày/tháng/năm giờ:phút)").fill("13/03/2026 09:00")
    shot(page, "10-dossier-apology-form")
    form.get_by_role("button", name="Ký văn bản xin lỗi").click()
    expect(page.locator(".alert-ok")).to_contain_text("Đã thực hiện: Xin lỗi, hẹn lại.")
    expect(page.locator(".timeline")).to_contain_text("Xin lỗi và hẹn lại ngày trả kết quả")
    expect(page.locator("body")).to_contain_text("09 giờ 00 phút, thứ Sáu ngày 13/03/2026")
    shot(page, "11-dossier-apologised")


def test_a_refused_action_is_explained_and_changes_nothing(page: Page, scenario: Scenario) -> None:
    login(page, "officer")
    page.goto("/web/dossiers?overdue=true")
    expect(page.locator("#dossier-rows")).to_contain_text(scenario.overdue_code)
    shot(page, "12-dossier-list-overdue")
    page.get_by_role("link", name=scenario.overdue_code).click()
    page.get_by_role("link", name="Dừng xử lý").click()
    page.get_by_role("button", name="Dừng xử lý").click()  # no legal ground given
    alert = page.locator("form.action-form").get_by_role("alert")
    expect(alert).to_contain_text("Chưa thực hiện được — hồ sơ không thay đổi.")
    expect(alert).to_contain_text("Căn cứ dừng: chưa nhập")
    ground = page.get_by_label("Căn cứ dừng")
    expect(ground).to_be_focused()  # the caret waits in the field to fix
    expect(ground).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".head-chips")).to_contain_text("Mã 4 · Đang xử lý")
    shot(page, "13-dossier-action-error")


def test_citizen_looks_up_and_rates(page: Page, scenario: Scenario) -> None:
    page.goto("/tra-cuu")
    page.keyboard.type(scenario.overdue_code)
    page.keyboard.press("Tab")
    page.keyboard.type("SAI1234567")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text(
        "Không tìm thấy hồ sơ với mã và mã tra cứu này"
    )
    shot(page, "14-lookup-not-found")

    page.get_by_label("Mã hồ sơ").fill(scenario.ready_code)
    page.get_by_label("Mã tra cứu").fill(scenario.ready_secret)
    page.get_by_role("button", name="Tra cứu").click()
    result = page.locator("section.result")
    expect(result).to_contain_text("Đã xử lý xong")
    expect(result).to_contain_text("Nguyễn V*** B*")
    expect(result).not_to_contain_text("Nguyễn Văn Bình")
    expect(result).to_contain_text("Trung tâm Phục vụ hành chính công tỉnh Demo")
    expect(result).to_contain_text("Đã có kết quả. Mời ông/bà mang Giấy tiếp nhận đến nhận")
    page.get_by_text("Hài lòng", exact=True).click()
    shot(page, "15-lookup-result")
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.locator(".rating")).to_contain_text("Cảm ơn ông/bà đã đánh giá: Hài lòng.")
    shot(page, "16-lookup-rated")
