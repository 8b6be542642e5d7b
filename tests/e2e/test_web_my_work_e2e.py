""" "Việc của tôi" in Chromium: the officer lands on their own work after login, at 1366×768 and
390×844: counts per state, the overdue dossier first with its working time late, the one just
handed over on track, and the way to each dossier. Screenshots: test-artifacts/e2e/."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect
from tests.e2e.conftest import PASSWORD, Scenario, login, shot


def _token(base: str, username: str) -> dict[str, str]:
    resp = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": username, "password": PASSWORD}
    )
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


def _hand_over_to_the_officer(scenario: Scenario) -> str:
    """The leader assigns the overdue dossier to the officer; a new dossier received now is
    handed to the officer with its step. Returns the new dossier's code."""
    base = scenario.base_url
    leader, clerk = _token(base, "leader"), _token(base, "clerk")
    assign = httpx.post(
        f"{base}/api/v1/dossiers/{scenario.overdue_code}/assign",
        json={"handler": "officer"},
        headers=leader,
    )
    assert assign.status_code == 200, assign.text
    body = {
        "procedure": "1.004746",
        "applicant": {"name": "Hoàng Thị Mai", "id_number": "001190054321"},
        "documents": [{"code": "TK"}],
    }
    created = httpx.post(f"{base}/api/v1/dossiers", json=body, headers=clerk)
    assert created.status_code == 201, created.text
    code: str = created.json()["code"]
    moved = httpx.post(
        f"{base}/api/v1/dossiers/{code}/transfer", json={"handler": "officer"}, headers=clerk
    )
    assert moved.status_code == 200, moved.text
    return code


def test_officer_lands_on_their_own_work(page: Page, scenario: Scenario) -> None:
    fresh = _hand_over_to_the_officer(scenario)
    login(page, "officer")
    expect(page).to_have_url(re.compile(r"/web/viec-cua-toi$"))
    expect(page.locator("h1")).to_have_text("Việc của tôi")
    expect(page.get_by_role("navigation", name="Chức năng")).to_contain_text("Việc của tôi")
    counts = page.get_by_role("list", name="Số hồ sơ theo tình trạng")
    expect(counts.locator(".work-overdue")).to_contain_text("1")
    expect(counts.locator(".work-on_track")).to_contain_text("1")
    rows = page.locator("table.my-work tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(scenario.overdue_code)  # most urgent first
    expect(rows.nth(0)).to_contain_text("Quá hạn")
    expect(rows.nth(1)).to_contain_text(fresh)
    expect(rows.nth(1)).to_contain_text("Còn 10 ngày")
    expect(page.locator("body")).to_contain_text("Tính đến 14:00 10/03/2026")
    shot(page, "50-my-work-1366", full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(rows.nth(0)).to_contain_text(scenario.overdue_code)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # the table scrolls inside its card, the page does not
    shot(page, "51-my-work-390", full_page=True)

    page.get_by_role("link", name=scenario.overdue_code).click()
    expect(page).to_have_url(re.compile(rf"/web/dossiers/{re.escape(scenario.overdue_code)}$"))
