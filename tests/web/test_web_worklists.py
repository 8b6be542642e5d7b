"""Leaders' and managers' worklists: overdue and due soon with working time, the apology status,
links to the dossiers, and the CSV / XLSX downloads."""

from __future__ import annotations

import httpx
import pytest
from tests.dossiers.conftest import Headers, act, create, set_clock
from tests.factories import World
from tests.web.conftest import visible_text, web_login


@pytest.fixture
async def late_and_soon(client: httpx.AsyncClient, world: World, auth: Headers) -> list[str]:
    """At Tue 10/03/2026 14:00: one dossier 3 working hours late, one due in 6."""
    set_clock("2026-03-09 09:00")
    late = (await create(client, auth("clerk")))["code"]
    await act(client, auth("officer"), late, "transfer")
    set_clock("2026-03-10 10:00")
    soon = (await create(client, auth("clerk"), applicant={"name": "Lê Thị Cúc"}))["code"]
    set_clock("2026-03-10 14:00")
    return [late, soon]


@pytest.mark.parametrize("username", ["leader", "manager"])
async def test_the_overdue_list_shows_time_late_and_the_missing_apology(
    client: httpx.AsyncClient, late_and_soon: list[str], username: str
) -> None:
    late, soon = late_and_soon
    await web_login(client, username)
    resp = await client.get("/web/worklists")
    assert resp.status_code == 200
    text = visible_text(resp.text)
    assert late in text
    assert soon not in text
    assert "3 giờ" in text
    assert "Chưa có văn bản xin lỗi" in text
    assert f'href="/web/dossiers/{late}"' in resp.text
    assert "Tính đến 14:00 10/03/2026" in text


async def test_the_due_soon_list_shows_time_left(
    client: httpx.AsyncClient, late_and_soon: list[str]
) -> None:
    late, soon = late_and_soon
    await web_login(client, "leader")
    resp = await client.get("/web/worklists", params={"kind": "due_soon"})
    text = visible_text(resp.text)
    assert soon in text
    assert late not in text
    assert "6 giờ" in text  # 14:00–17:00 today and 07:00–10:00 tomorrow


async def test_filters_and_an_unknown_unit(
    client: httpx.AsyncClient, late_and_soon: list[str]
) -> None:
    await web_login(client, "manager")
    resp = await client.get("/web/worklists", params={"unit": "000.00.11.H99"})
    assert late_and_soon[0] not in resp.text  # Sở Xây dựng has no late dossier
    resp = await client.get("/web/worklists", params={"unit": "000.99.99.H99"})
    assert resp.status_code == 422
    assert "000.99.99.H99" in visible_text(resp.text)
    resp = await client.get("/web/worklists", params={"kind": "sideways"})
    assert resp.status_code == 422


@pytest.mark.parametrize(
    ("fmt", "media", "magic"),
    [("csv", "text/csv", "\ufeffSTT".encode()), ("xlsx", "spreadsheetml", b"PK")],
)
async def test_the_lists_download_as_csv_and_xlsx(
    client: httpx.AsyncClient, late_and_soon: list[str], fmt: str, media: str, magic: bytes
) -> None:
    await web_login(client, "leader")
    page = await client.get("/web/worklists")
    assert f"/web/worklists/export?kind=overdue&amp;format={fmt}" in page.text
    resp = await client.get("/web/worklists/export", params={"kind": "overdue", "format": fmt})
    assert resp.status_code == 200
    assert media in resp.headers["content-type"]
    assert "attachment" in resp.headers["content-disposition"]
    assert resp.content.startswith(magic)
    if fmt == "csv":
        assert late_and_soon[0] in resp.content.decode("utf-8-sig")


async def test_a_clerk_has_no_worklists(
    client: httpx.AsyncClient, late_and_soon: list[str]
) -> None:
    await web_login(client, "clerk")
    resp = await client.get("/web/worklists")
    assert resp.status_code == 403
    text = visible_text(resp.text)
    assert "Tài khoản của ông/bà không có quyền xem báo cáo" in text
    assert "report:view" not in text and "missing right" not in text
    resp = await client.get("/web/worklists/export", params={"format": "csv"})
    assert resp.status_code == 403
    page = await client.get("/web/counter")
    assert 'href="/web/worklists"' not in page.text  # not in the menu either
