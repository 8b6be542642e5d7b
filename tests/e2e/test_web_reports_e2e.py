"""Managers on the web in Chromium: the manager lands on the dashboard (1366×768 and 390 px wide),
sees the on-time rate with its status in words, and a count opens exactly its dossiers.
Screenshots: test-artifacts/e2e/."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from tests.e2e.conftest import Scenario, login, shot


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
