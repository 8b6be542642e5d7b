"""The administrators' working-calendar page: a year's non-standard days with their sources, the
pending 24/11/2026 (Ngày Văn hóa Việt Nam) confirmed or rejected with its document, refusals in
words, and the calendar scope (a commune administrator decides no day)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select
from tests.web.admin_fixtures import audit_rows, commune_admin
from tests.web.conftest import ORIGIN, auth, visible_text, web_login, world

from onestop.catalog.models import CalendarDay

__all__ = ["auth", "commune_admin", "world"]

CALENDAR = "/web/quan-tri/lich"
DECIDE = f"{CALENDAR}/quyet-dinh?nam=2026"
DOCUMENT = "Bộ luật Lao động sửa đổi 2026, Điều 112"


def decision(kind: str, **over: str) -> dict[str, str]:
    data = {"day": "24/11/2026", "province": "", "decision": kind, "source": DOCUMENT}
    data.update(over)
    return data


def row(page: str, iso: str) -> str:
    start = page.index(f'<tr data-day="{iso}"')
    return visible_text(page[start : page.index("</tr>", start)])


async def stored_days(app: Any) -> int:
    async with app.state.sessionmaker() as s:
        return int((await s.execute(select(func.count()).select_from(CalendarDay))).scalar_one())


async def test_the_year_shows_its_days_with_sources_and_the_pending_day(
    client: httpx.AsyncClient, world: Any
) -> None:
    await web_login(client, "admin")
    page = await client.get(CALENDAR, params={"nam": 2026})
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "Lịch làm việc năm 2026" in text
    assert "Ngày chờ xác nhận" in text and "Thứ Ba 24/11/2026" in text
    pending = row(page.text, "2026-11-24")
    assert "Chưa xác nhận" in pending and "Toàn quốc" in pending
    assert "Dữ liệu lịch kèm theo" in pending
    assert "Nghị quyết 80-NQ/TW" in pending  # the source document
    assert "Xác nhận là ngày nghỉ" in text and "Không nghỉ (vẫn làm việc)" in text
    assert "07:00-11:30,13:30-17:00" in text  # the unit's own working hours


async def test_confirming_the_pending_day_makes_it_a_holiday_audited_and_counted(
    app: Any, client: httpx.AsyncClient, world: Any, auth: Any
) -> None:
    due = {"start": "2026-11-23T09:00:00+07:00", "amount": "1", "unit": "working_days"}
    before = await client.get("/api/v1/calendar/due", params=due, headers=auth("admin"))
    assert before.json()["due"] == "2026-11-24T09:00:00+07:00"
    await web_login(client, "admin")
    resp = await client.post(DECIDE, data=decision("confirm"), headers=ORIGIN)
    assert resp.status_code == 303
    assert resp.headers["location"] == f"{CALENDAR}?nam=2026&xong=lich-xac-nhan"
    page = await client.get(resp.headers["location"])
    assert "Đã xác nhận ngày nghỉ" in visible_text(page.text)
    confirmed = row(page.text, "2026-11-24")
    assert "Nghỉ lễ" in confirmed and DOCUMENT in confirmed and "Quản trị xác nhận" in confirmed
    assert 'data-testid="pending"' not in page.text
    [entry] = await audit_rows(app, "calendar.day.add")
    assert entry.actor == "user:admin" and entry.detail["replaced_kind"] == "pending"
    assert entry.detail["kind"] == "holiday"
    after = await client.get("/api/v1/calendar/due", params=due, headers=auth("admin"))
    assert after.json()["due"] == "2026-11-25T09:00:00+07:00"


async def test_rejecting_the_pending_day_keeps_it_a_working_day(
    app: Any, client: httpx.AsyncClient, world: Any
) -> None:
    await web_login(client, "admin")
    resp = await client.post(DECIDE, data=decision("reject"), headers=ORIGIN)
    assert resp.status_code == 303
    page = await client.get(resp.headers["location"])
    assert "ngày này vẫn là ngày làm việc" in visible_text(page.text)
    assert "Ngày làm việc" in row(page.text, "2026-11-24")
    [entry] = await audit_rows(app, "calendar.day.add")
    assert entry.detail["kind"] == "workday"


async def test_a_decision_without_its_document_is_refused_next_to_the_field(
    app: Any, client: httpx.AsyncClient, world: Any
) -> None:
    await web_login(client, "admin")
    resp = await client.post(DECIDE, data=decision("confirm", source=" "), headers=ORIGIN)
    assert resp.status_code == 422
    assert 'data-field-error="source-2026-11-24"' in resp.text
    assert "chưa nhập" in visible_text(resp.text)
    assert await stored_days(app) == 0
    bad_day = await client.post(DECIDE, data=decision("confirm", day="11/24/2026"), headers=ORIGIN)
    assert bad_day.status_code == 422
    assert "cần dạng ngày/tháng/năm" in visible_text(bad_day.text)
    assert await stored_days(app) == 0


async def test_a_day_decided_twice_is_refused_in_words(
    app: Any, client: httpx.AsyncClient, world: Any
) -> None:
    await web_login(client, "admin")
    assert (await client.post(DECIDE, data=decision("confirm"), headers=ORIGIN)).status_code == 303
    again = await client.post(DECIDE, data=decision("reject"), headers=ORIGIN)
    assert again.status_code == 409
    assert "Ngày 24/11/2026 đã được xác nhận trước đó" in visible_text(again.text)
    assert await stored_days(app) == 1


async def test_a_commune_administrator_decides_no_day(
    app: Any, client: httpx.AsyncClient, commune_admin: str
) -> None:
    await web_login(client, commune_admin)
    page = await client.get(CALENDAR, params={"nam": 2026})
    assert page.status_code == 200
    assert "Xác nhận là ngày nghỉ" not in page.text
    assert "Chỉ quản trị của đơn vị gốc cấp trung ương" in visible_text(page.text)
    resp = await client.post(DECIDE, data=decision("confirm"), headers=ORIGIN)
    assert resp.status_code == 403
    text = visible_text(resp.text)
    assert "Không có quyền" in text and "Chỉ quản trị của đơn vị gốc" in text
    assert "only an administrator" not in text
    province = await client.post(DECIDE, data=decision("confirm", province="H99"), headers=ORIGIN)
    assert province.status_code == 403
    assert await stored_days(app) == 0
    assert await audit_rows(app, "calendar.day.add") == []


async def test_a_manager_has_no_calendar_page(client: httpx.AsyncClient, world: Any) -> None:
    await web_login(client, "manager")
    page = await client.get("/web/tong-quan")
    assert "/web/quan-tri" not in page.text
    resp = await client.get(CALENDAR)
    assert resp.status_code == 403
    assert "không có quyền quản lý lịch làm việc" in visible_text(resp.text)


async def test_a_year_outside_the_calendar_is_said_in_vietnamese(
    client: httpx.AsyncClient, world: Any
) -> None:
    await web_login(client, "admin")
    resp = await client.get(CALENDAR, params={"nam": 1990})
    assert resp.status_code == 422
    text = visible_text(resp.text)
    assert "Năm 1990 nằm ngoài lịch" in text and "outside" not in text
