"""In Chromium: the clerk prints Form 01, signed by the centre's certificate (the server is
configured with the test CA's key and trust folders), and anyone checks it on
``/web/kiem-tra-chu-ky``: "Hợp lệ", the signer, the time, unchanged. Screenshots:
test-artifacts/e2e/."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.conftest import Scenario, login, shot
from tests.signing.ca import TestCA, install, trust

CENTRE = "000.00.01.H99"  # the demo clerk's unit: it receives, so Form 01 is its


def _centre_name() -> str:
    catalog = resources.files("onestop.demo").joinpath("catalog.json").read_text(encoding="utf-8")
    return str(json.loads(catalog)["centre"]["name"])


@pytest.fixture(scope="module")
def server_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("signing")
    ca = TestCA()
    name = _centre_name()
    install(folder / "keys", CENTRE, ca.issue(name.upper(), name))
    trust(folder / "trust", ca)
    return {
        "ONESTOP_SIGNING_DIR": str(folder / "keys"),
        "ONESTOP_SIGNING_TRUST_DIR": str(folder / "trust"),
    }


def test_a_printed_receipt_is_checked_as_valid(page: Page, scenario: Scenario) -> None:
    login(page, "clerk")
    printed = page.request.get(f"/web/dossiers/{scenario.ready_code}/forms/01.pdf")
    assert printed.status == 200
    assert printed.body().startswith(b"%PDF-")

    page.goto("/web/kiem-tra-chu-ky")
    expect(page.get_by_role("heading", name="Kiểm tra chữ ký số trên văn bản PDF")).to_be_visible()
    page.locator("input[name=file]").set_input_files(
        {"name": "giay-tiep-nhan.pdf", "mimeType": "application/pdf", "buffer": printed.body()}
    )
    expect(page.get_by_text("giay-tiep-nhan.pdf")).to_be_visible()  # the chosen file, named
    page.get_by_role("button", name="Kiểm tra").click()
    result = page.get_by_test_id("check-result")
    expect(result.get_by_text("Hợp lệ", exact=True)).to_be_visible()
    signature = page.get_by_test_id("signature")
    expect(signature).to_contain_text(_centre_name().upper())
    expect(signature).to_contain_text("Không bị thay đổi")
    expect(signature).to_contain_text("14:00 10/03/2026")  # the server's frozen clock
    shot(page, "kiem-tra-chu-ky-hop-le", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: nothing runs off the side
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "kiem-tra-chu-ky-hop-le-390", full_page=True)


def test_a_file_that_is_not_a_pdf_is_explained(page: Page) -> None:
    page.goto("/web/kiem-tra-chu-ky")
    page.locator("input[name=file]").set_input_files(
        {"name": "anh.png", "mimeType": "image/png", "buffer": b"\x89PNG not a pdf"}
    )
    page.get_by_role("button", name="Kiểm tra").click()
    expect(page.get_by_role("alert")).to_contain_text("Tệp tải lên không phải tệp PDF")
    shot(page, "kiem-tra-chu-ky-khong-phai-pdf")
