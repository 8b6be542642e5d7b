""" "Việc của tôi" on the web: the officer's own dossiers with their state in Vietnamese, in the
menu of users who process dossiers only; and the overdue worklist naming a dossier late for
acceptance."""

from __future__ import annotations

import httpx
import pytest
from tests.dossiers.conftest import Headers, act, create, set_clock
from tests.factories import World
from tests.web.conftest import visible_text, web_login

MENU_ENTRY = 'href="/web/viec-cua-toi"'


@pytest.fixture
async def handed(client: httpx.AsyncClient, world: World, auth: Headers) -> list[str]:
    """At Tue 10/03/2026 14:00: one dossier of the officer 3 working hours late, one due in 6
    (due soon), one waiting for a supplement; one at the counter (nobody's step)."""
    set_clock("2026-03-09 09:00")
    late = (await create(client, auth("clerk")))["code"]
    await act(client, auth("clerk"), late, "transfer", {"handler": "officer"})
    paused = (await create(client, auth("clerk"), applicant={"name": "Trần Văn Bình"}))["code"]
    await act(client, auth("clerk"), paused, "transfer", {"handler": "officer"})
    await act(
        client,
        auth("officer"),
        paused,
        "request-supplement",
        {"items": ["Bản sao giấy khai sinh"], "reason": "Thiếu giấy tờ"},
    )
    set_clock("2026-03-10 10:00")
    soon = (await create(client, auth("clerk"), applicant={"name": "Lê Thị Cúc"}))["code"]
    await act(client, auth("clerk"), soon, "transfer", {"handler": "officer"})
    counter = (await create(client, auth("clerk")))["code"]
    set_clock("2026-03-10 14:00")
    return [late, soon, paused, counter]


async def test_the_officer_sees_their_work_most_urgent_first(
    client: httpx.AsyncClient, handed: list[str]
) -> None:
    late, soon, paused, counter = handed
    await web_login(client, "officer")
    resp = await client.get("/web/viec-cua-toi")
    assert resp.status_code == 200
    text = visible_text(resp.text)
    assert text.index(late) < text.index(paused) < text.index(soon)
    assert counter not in text
    assert "Quá hạn 3 giờ" in text and "Còn 6 giờ" in text
    assert "Tạm dừng: chờ bổ sung" in text
    assert "Lê Thị Cúc" in text  # an officer may read names
    assert "Tính đến 14:00 10/03/2026" in text
    assert f'href="/web/dossiers/{late}"' in resp.text
    assert MENU_ENTRY in resp.text


async def test_nobodys_work_and_who_sees_the_menu(
    client: httpx.AsyncClient, world: World, handed: list[str]
) -> None:
    await web_login(client, "leader")
    resp = await client.get("/web/viec-cua-toi")
    assert resp.status_code == 200
    assert "Chưa có hồ sơ nào được giao cho ông/bà." in visible_text(resp.text)
    assert MENU_ENTRY in resp.text
    await web_login(client, "manager")
    dashboard = await client.get("/web/tong-quan")
    assert MENU_ENTRY not in dashboard.text
    refused = await client.get("/web/viec-cua-toi")
    assert refused.status_code == 403
    assert "không có quyền xử lý hồ sơ" in visible_text(refused.text)


async def test_the_overdue_worklist_names_a_dossier_late_for_acceptance(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    set_clock("2026-03-09 08:00")  # 8 working hours: due Tue 08:00
    online = (await create(client, auth("portal"), receiving_unit="000.00.01.H99"))["code"]
    set_clock("2026-03-10 14:00")
    await web_login(client, "leader")
    text = visible_text((await client.get("/web/worklists")).text)
    assert online in text
    assert "Hạn tiếp nhận" in text and "Chờ tiếp nhận" in text
    assert "Quá hạn tiếp nhận 4 giờ" in text  # 08:00–11:30 and 13:30–14:00
