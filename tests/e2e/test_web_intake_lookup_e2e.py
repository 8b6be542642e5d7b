"""In Chromium at the counter's 1366×768 and a phone's 390×844: the clerk's intake shows every
error next to its field at once (caret on the first, nothing saved), reviews before filing, and
the citizen opens the dossier from the link printed on the receipt (Form 01) — progress in plain
words, the agency, the footer, no sideways scroll. Screenshots: test-artifacts/e2e/."""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.e2e.conftest import EXPECTED_CONSOLE, Scenario, login, shot

SIZES = {"1366x768": (1366, 768), "390x844": (390, 844)}


@pytest.fixture(params=list(SIZES))
def sized(request: pytest.FixtureRequest, browser: Browser, scenario: Scenario) -> Iterator[Page]:
    """A fresh context at each screen size, in an English-language browser (the pages must not
    depend on the browser's language)."""
    width, height = SIZES[request.param]
    context = browser.new_context(
        base_url=scenario.base_url, viewport={"width": width, "height": height}, locale="en-US"
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))

    def console(msg: Any) -> None:
        if msg.type == "error" and not msg.text.startswith(EXPECTED_CONSOLE):
            errors.append(msg.text)

    tab.on("console", console)
    tab.size = request.param  # type: ignore[attr-defined]
    yield tab
    context.close()
    assert not errors, errors


def _receipt_link(page: Page, code: str, secret: str) -> str:
    """The lookup link printed on Form 01, read back from the PDF (path and query only)."""
    pdf = page.request.get(f"/web/dossiers/{code}/forms/01.pdf?secret={secret}")
    assert pdf.status == 200
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "form01.pdf"
        path.write_bytes(pdf.body())
        text = subprocess.run(
            ["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, text=True
        ).stdout
    compact = "".join(text.split())  # the link may wrap over two lines
    found = re.search(r"(/tra-cuu\?code=[^&]+&secret=[A-Z0-9]{10})", compact)
    assert found, text
    return found.group(1)


def test_intake_errors_next_to_fields_then_review_then_citizen_link(
    sized: Page, browser: Browser, scenario: Scenario
) -> None:
    page = sized
    size = page.size  # type: ignore[attr-defined]
    width = SIZES[size][0]
    login(page, "clerk")
    page.goto("/web/counter")
    page.locator("input[name=q]").fill("ly lich tu phap")
    expect(page.locator("[data-picker-option]").first).to_contain_text("1.004746")
    page.locator("input[name=q]").press("Enter")
    expect(page.locator("[data-chosen-procedure]")).to_contain_text("Cấp Phiếu lý lịch tư pháp")
    page.locator("input[name=applicant_name]").fill("Phạm Thị Hoa")
    page.locator("input[name=applicant_id_number]").fill("12ab")
    page.locator("input[name=applicant_phone]").fill("abc-xyz")
    page.locator("input[name=applicant_email]").fill("hang@@mail")
    page.locator("input[name=applicant_email]").press("Enter")  # nothing is filed on Enter

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Chưa tiếp nhận — chưa có gì được lưu.")
    for field, words in (
        ("applicant_id_number", "12 chữ số (CCCD)"),
        ("applicant_phone", "không phải số điện thoại Việt Nam"),
        ("applicant_email", "không đúng dạng thư điện tử"),
        ("documents", "thiếu giấy tờ bắt buộc"),
    ):
        message = page.locator(f"[data-field-error={field}]")
        expect(message).to_be_visible()
        expect(message).to_contain_text(words)
    expect(page.locator("input[name=applicant_id_number]")).to_be_focused()  # the first one
    expect(page.locator("input[name=applicant_phone]")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("dossier-code")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("(no ")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, f"30-counter-errors-next-to-fields-{size}", full_page=True)

    page.locator("input[name=applicant_id_number]").fill("001 190 067 890")
    page.locator("input[name=applicant_phone]").fill("0912 345 678")
    page.locator("input[name=applicant_email]").fill("hoa.pham@example.vn")
    page.get_by_role("button", name="Đủ tất cả").click()
    page.locator("input[name=applicant_phone]").press("Enter")
    expect(page.get_by_test_id("review")).to_contain_text("0912 345 678")
    expect(page.get_by_role("button", name="Xác nhận tiếp nhận hồ sơ")).to_be_focused()
    expect(page.get_by_test_id("dossier-code")).to_have_count(0)
    shot(page, f"31-counter-review-{size}", full_page=True)
    page.keyboard.press("Enter")
    code = page.get_by_test_id("dossier-code")
    expect(code).to_have_text(re.compile(r"^000\.00\.01\.H99-260310-\d{4}$"))
    secret = page.get_by_test_id("lookup-secret").inner_text()
    link = _receipt_link(page, code.inner_text(), secret)

    # the citizen, on a phone (or the counter PC), with a fresh browser: the link opens it
    citizen_context = browser.new_context(
        base_url=scenario.base_url,
        viewport={"width": width, "height": SIZES[size][1]},
        locale="en-US",
    )
    try:
        citizen = citizen_context.new_page()
        citizen.goto(link)
        result = citizen.locator("section.result")
        expect(result).to_contain_text(code.inner_text())
        expect(result).to_contain_text("Phạm T*** H*")
        expect(citizen.get_by_test_id("progress")).to_contain_text(
            "Hồ sơ đã được tiếp nhận tại Trung tâm Phục vụ hành chính công tỉnh Demo"
        )
        expect(citizen.get_by_test_id("agency")).to_contain_text("Cơ quan tiếp nhận hồ sơ")
        expect(citizen.get_by_test_id("footer")).to_be_visible()
        assert citizen.evaluate("document.documentElement.scrollWidth") <= width
        shot(citizen, f"32-citizen-from-receipt-link-{size}", full_page=True)
        # typed as printed, lower case, with spaces: the same dossier
        citizen.goto("/tra-cuu")
        citizen.get_by_label("Mã hồ sơ").fill(code.inner_text().lower())
        citizen.get_by_label("Mã tra cứu").fill(f"{secret[:5].lower()} {secret[5:].lower()}")
        citizen.get_by_role("button", name="Tra cứu").click()
        expect(citizen.locator("section.result")).to_contain_text(code.inner_text())
        shot(citizen, f"33-citizen-typed-lowercase-{size}", full_page=True)
    finally:
        citizen_context.close()
