"""Scans attached at the counter in Chromium at 1366×768: the clerk opens a dossier, attaches a
PDF and a JPEG to its component through the page's file input, sees both listed with their sizes
and downloads one; a file that is not a PDF, JPEG or PNG is refused with the reason on the page.
Screenshots: test-artifacts/e2e/."""

from __future__ import annotations

import io

from PIL import Image
from playwright.sync_api import Page, expect
from pypdf import PdfWriter
from tests.e2e.conftest import Scenario, login, shot


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (240, 240, 230)).save(out, "JPEG")
    return out.getvalue()


def _attach(page: Page, name: str, mime: str, data: bytes) -> None:
    form = page.get_by_test_id("attach-form")
    form.get_by_label("Tệp quét (PDF, JPEG hoặc PNG)").set_input_files(
        {"name": name, "mimeType": mime, "buffer": data}
    )
    form.get_by_role("button", name="Đính kèm").click()


def test_the_clerk_attaches_two_scans_to_a_dossier(page: Page, scenario: Scenario) -> None:
    login(page, "clerk")
    page.goto(f"/web/dossiers/{scenario.overdue_code}")
    card = page.locator("#ban-dien-tu")
    expect(card).to_contain_text("Chưa có bản điện tử nào.")
    form = page.get_by_test_id("attach-form")
    expect(form.get_by_label("Giấy tờ")).to_contain_text("TK · Tờ khai yêu cầu cấp Phiếu")

    _attach(page, "To khai - trang 1.pdf", "application/pdf", _pdf())
    expect(page.get_by_test_id("files").locator("li")).to_have_count(1)
    _attach(page, "CCCD mặt trước.jpg", "image/jpeg", _jpeg())
    files = page.get_by_test_id("files").locator("li")
    expect(files).to_have_count(2)
    expect(files.nth(0)).to_contain_text("To khai - trang 1.pdf")
    expect(files.nth(1)).to_contain_text("CCCD mặt trước.jpg")
    expect(files.nth(1)).to_contain_text("số hóa tại quầy")
    expect(page.locator(".timeline")).to_contain_text("Đính kèm bản điện tử")
    card.scroll_into_view_if_needed()
    shot(page, "70-dossier-two-scans-attached")

    href = files.nth(0).get_by_role("link").get_attribute("href")
    assert href is not None
    got = page.request.get(href)
    assert got.status == 200 and got.body().startswith(b"%PDF")
    assert got.headers["cache-control"] == "no-store"

    _attach(page, "virus.pdf", "application/pdf", b"MZ\x90\x00 an executable")
    expect(page.get_by_test_id("files-error")).to_contain_text("Chỉ nhận tệp PDF, JPEG hoặc PNG")
    expect(page.get_by_test_id("files").locator("li")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366  # no sideways scroll
    shot(page, "71-dossier-scan-refused")
