"""Only Vietnamese where a person reads: login errors, permission pages, action-form errors, the
styled 404 and 500 pages of the web client (the API's problems keep their English), date-times
typed and shown as dd/mm/yyyy HH:MM, worklist CSV numbers with the decimal comma."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import httpx
import pytest
from tests.factories import World
from tests.web.conftest import ORIGIN, visible_text, web_login

from onestop.web.action_forms import local_datetime_text, parse_local_datetime

ENGLISH = re.compile(r"\b(wrong|missing|must|invalid|not found|error|password|right)\b", re.I)


def english_in(page: str) -> list[str]:
    """English words in the visible text (the page's own markup and code values aside)."""
    return ENGLISH.findall(visible_text(page))


async def test_a_wrong_password_is_said_in_vietnamese_only(
    client: httpx.AsyncClient, world: World
) -> None:
    resp = await client.post(
        "/web/login", data={"username": "clerk", "password": "sai-mat-khau"}, headers=ORIGIN
    )
    assert resp.status_code == 401
    assert "mật khẩu" in visible_text(resp.text).lower()
    assert 'lang="en"' not in resp.text and english_in(resp.text) == []


async def test_the_permission_page_names_the_right_in_words(
    client: httpx.AsyncClient, world: World
) -> None:
    await web_login(client, "clerk")
    resp = await client.get("/web/worklists")
    assert resp.status_code == 403
    text = visible_text(resp.text)
    assert "Không có quyền" in text and "không có quyền xem báo cáo" in text
    assert "report:view" not in text and english_in(resp.text) == []
    assert 'href="/web"' in resp.text  # a way back


@pytest.mark.no_database
@pytest.mark.parametrize("path", ["/web/khong-co-trang", "/web/dossiers/a/b/c/d", "/web/"])
async def test_an_unknown_web_address_is_a_styled_vietnamese_404(
    client: httpx.AsyncClient, path: str
) -> None:
    resp = await client.get(path)
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("text/html")
    text = visible_text(resp.text)
    assert "Không tìm thấy trang" in text
    assert '"detail"' not in resp.text and english_in(resp.text) == []
    assert 'href="/web"' in resp.text and 'href="/tra-cuu"' in resp.text
    assert "app.css" in resp.text  # the same look
    assert resp.headers["x-content-type-options"] == "nosniff"


@pytest.mark.no_database
async def test_static_files_and_the_api_are_untouched(client: httpx.AsyncClient) -> None:
    assert (await client.get("/web/static/app.css")).status_code == 200
    api = await client.get("/api/v1/khong-co")
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")


async def test_an_unexpected_error_is_a_vietnamese_500_page(
    client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from onestop.dossiers import reading

    async def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(reading, "public", broken)
    resp = await client.get("/tra-cuu", params={"code": "X", "secret": "Y"})
    assert resp.status_code == 500
    text = visible_text(resp.text)
    assert "Lỗi hệ thống" in text and "mã yêu cầu" in text
    assert "internal error" not in text and "boom" not in text
    assert 'href="/web"' in resp.text


@pytest.mark.parametrize(
    ("typed", "iso"),
    [
        ("12/03/2026 16:30", "2026-03-12T16:30:00+07:00"),
        ("1/3/2026 7:05", "2026-03-01T07:05:00+07:00"),
        ("12-03-2026 16h30", "2026-03-12T16:30:00+07:00"),
        ("2026-03-12T16:30", "2026-03-12T16:30:00+07:00"),
    ],
)
def test_date_times_are_read_day_first_on_the_24_hour_clock(typed: str, iso: str) -> None:
    value = parse_local_datetime(typed)
    assert value is not None and value.isoformat() == iso
    assert local_datetime_text(value) == f"{value:%d/%m/%Y %H:%M}"


@pytest.mark.parametrize("typed", ["03/13/2026 10:00", "12/03/2026 4:30 PM", "31/02/2026 10:00"])
def test_month_first_or_am_pm_is_refused(typed: str) -> None:
    assert parse_local_datetime(typed) is None


def test_worklist_csv_numbers_use_the_decimal_comma() -> None:
    from onestop.metrics.worklists.export import to_csv

    content = to_csv(["STT", "Số giờ", "Số ngày"], [["1", 8.0, 1.0], ["2", 2.5, 0.3125]])
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[1] == ["1", "8", "1"] and rows[2] == ["2", "2,5", "0,3125"]
