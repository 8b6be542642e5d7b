"""The administrators' page of failing outgoing messages in Chromium at 1366×768: a fake national
portal (a real HTTP server in this process) refuses the overdue dossier, ``onestop worker --once``
passes until its sync is a dead letter, and the administrator finds it under "Đồng bộ lỗi" with
the destination, "Đã dừng gửi", the attempts and the portal's answer (the dossier's own page says
the same); once the portal accepts
again, "Gửi lại" shows it "Đang gửi lại" (no button, the answer that stopped it kept), and the next
pass delivers it and it leaves the list. A clerk has no such tab and
gets the Vietnamese 403 page at its address. Screenshots: test-artifacts/e2e/.

Each worker pass runs in a process of its own with the clock frozen at a chosen instant (the server
stays at ``NOW``), so the retry window runs out between two passes without waiting for it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.conftest import NOW, SECRET_KEY, Scenario, login, run_python, shot
from tests.integration.conftest import Portal
from tests.integration.helpers import free_port

PAGE = "/web/quan-tri/dong-bo"
WINDOW = dt.timedelta(minutes=10)
REFUSAL = "HTTP 200: error_code 1: Mã TTHC không hợp lệ"
EMPTY = "Không có hồ sơ nào đang lỗi đồng bộ hay gửi tin."
#: One ``onestop worker --once`` at the instant given as its first argument.
WORKER = (
    "import datetime as dt, sys; from onestop.core import clock;"
    " clock.set_now(dt.datetime.fromisoformat(sys.argv[1]));"
    " from onestop.cli import main; sys.exit(main(['worker', '--once']))"
)


@pytest.fixture(scope="module")
def portal() -> Iterator[Portal]:
    p = Portal(free_port())
    p.start()
    yield p
    p.stop()


@pytest.fixture(scope="module")
def server_env(portal: Portal) -> dict[str, str]:
    """The national portal's sync, with a retry window of minutes."""
    return {
        "ONESTOP_DVCQG_URL": portal.url,
        "ONESTOP_DVCQG_TOKEN_URL": portal.token_url,
        "ONESTOP_DVCQG_CLIENT_ID": "onestop",
        "ONESTOP_DVCQG_CLIENT_SECRET": "portal-secret",
        "ONESTOP_DVCQG_TIMEOUT_SECONDS": "5",
        "ONESTOP_OUTBOX_RETRY_BASE_SECONDS": "60",
        "ONESTOP_OUTBOX_RETRY_MAX_SECONDS": "300",
        "ONESTOP_OUTBOX_RETRY_WINDOW_SECONDS": str(int(WINDOW.total_seconds())),
    }


def run_worker(scenario: Scenario, server_env: dict[str, str], at: dt.datetime, cwd: Path) -> None:
    """One worker pass (the worklist job and the integration pass) over the server's database."""
    env = {
        **os.environ,
        "ONESTOP_DATABASE_URL": scenario.database_url,
        "ONESTOP_SECRET_KEY": SECRET_KEY,
        "ONESTOP_ENVIRONMENT": "test",
        "ONESTOP_LOG_LEVEL": "WARNING",
        **server_env,
    }
    run_python(WORKER, at.isoformat(), env=env, cwd=cwd)


def test_a_dead_letter_is_seen_and_sent_again(
    page: Page,
    scenario: Scenario,
    portal: Portal,
    server_env: dict[str, str],
    tmp_path: Path,
) -> None:
    code = scenario.overdue_code
    portal.failing[code] = "error"
    first = NOW + dt.timedelta(minutes=1)
    run_worker(scenario, server_env, first, tmp_path)  # refused: retried later
    assert portal.records(code) == []
    assert portal.records(scenario.ready_code)  # the others went through
    run_worker(scenario, server_env, first + WINDOW + dt.timedelta(minutes=1), tmp_path)
    assert portal.records(code) == []  # refused again, and the window is over

    login(page, "admin")
    page.get_by_role("navigation", name="Chức năng").get_by_role("link", name="Quản trị").click()
    page.get_by_role("navigation", name="Quản trị").get_by_role("link", name="Đồng bộ lỗi").click()
    expect(page).to_have_url(re.compile(rf"{PAGE}$"))
    expect(page.locator("h1")).to_have_text("Đồng bộ và gửi tin bị lỗi")
    expect(page.locator("main")).to_contain_text("đã dừng gửi sau 10 phút thử lại")  # the window
    rows = page.get_by_test_id("failing-list").locator("tbody tr")
    expect(rows).to_have_count(1)
    row = page.locator(f'tr[data-dossier="{code}"]')
    cells = row.locator("td")
    expect(cells.nth(0)).to_have_text(code)
    expect(cells.nth(1)).to_have_text("Cổng Dịch vụ công quốc gia")
    expect(cells.nth(2)).to_have_text("Đã dừng gửi")
    expect(cells.nth(3)).to_have_text(re.compile(r"14:01.*10/03/2026"))  # since the first pass
    expect(cells.nth(4)).to_have_text("2")
    expect(cells.nth(5)).to_have_text(REFUSAL)
    expect(page.locator(f'tr[data-dossier="{scenario.ready_code}"]')).to_have_count(0)
    shot(page, "80-admin-sync-dead-letter", full_page=True)
    # the dossier's own page says it too, from its link
    row.get_by_role("link", name=code).click()
    card = page.get_by_test_id("sync-card")
    expect(card).to_contain_text("Cổng Dịch vụ công quốc gia")
    expect(card).to_contain_text(re.compile(r"Gửi lỗi từ 14:01 10/03/2026"))
    expect(card).to_contain_text(REFUSAL)
    card.scroll_into_view_if_needed()
    shot(page, "84-dossier-sync-failing")
    page.goto(PAGE)

    # the portal takes the dossier again: sent again from the page, delivered by the next pass
    del portal.failing[code]
    row.get_by_role("button", name="Gửi lại").click()
    expect(page).to_have_url(re.compile(rf"{PAGE}\?xong=gui-lai$"))
    expect(page.get_by_test_id("notice")).to_have_text(
        "Đã đưa thông điệp vào hàng đợi: hệ thống gửi lại ngay trong lượt tới."
    )
    cells = page.locator(f'tr[data-dossier="{code}"]').locator("td")
    expect(cells.nth(2)).to_have_text("Đang gửi lại")
    expect(cells.nth(3)).to_have_text("")  # a fresh retry window
    expect(cells.nth(4)).to_have_text("0")
    expect(cells.nth(5)).to_have_text(REFUSAL)
    expect(cells.nth(6).get_by_role("button")).to_have_count(0)
    shot(page, "81-admin-sync-sent-again")
    run_worker(scenario, server_env, first + WINDOW + dt.timedelta(minutes=5), tmp_path)
    # the record as received, then the transfer that waited behind it, in order
    assert portal.records(code) == [("sync", 2, "False"), ("sync", 4, "True"), ("progress", 4)]
    page.goto(PAGE)
    expect(page.locator(f'tr[data-dossier="{code}"]')).to_have_count(0)
    expect(page.get_by_test_id("failing-list")).to_contain_text(EMPTY)
    shot(page, "82-admin-sync-delivered")


def test_a_clerk_has_no_sync_page(page: Page, scenario: Scenario) -> None:
    login(page, "clerk")
    menu = page.get_by_role("navigation", name="Chức năng")
    expect(menu.get_by_role("link", name="Tiếp nhận")).to_be_visible()
    expect(menu.get_by_role("link", name="Quản trị")).to_have_count(0)
    expect(page.get_by_role("link", name="Đồng bộ lỗi")).to_have_count(0)
    page.goto(PAGE)
    expect(page.locator("h1")).to_have_text("Không có quyền")
    expect(page.locator("main")).to_contain_text(
        "Tài khoản của ông/bà không có quyền quản lý đồng bộ với Cổng Dịch vụ công quốc gia."
    )
    shot(page, "83-admin-sync-403")
