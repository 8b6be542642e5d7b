"""Apology drafts on the pages: the officer drafts from the dossier page, the leader signs or
returns the draft from the inbox ("Thư xin lỗi chờ ký"); the menu badge counts the drafts."""

from __future__ import annotations

import re
from typing import Any

import httpx
from tests.dossiers.conftest import Headers, act, create
from tests.factories import World
from tests.web.conftest import ORIGIN, visible_text, web_login

FORM = {
    "reason": "Cần xác minh thêm với cơ quan lưu trữ",
    "new_appointment_at": "12/03/2026 10:00",
    "note": "",
}


async def in_process(client: httpx.AsyncClient, auth: Headers) -> str:
    code: str = (await create(client, auth("clerk")))["code"]
    await act(client, auth("clerk"), code, "transfer")
    return code


async def officer_drafts(client: httpx.AsyncClient, code: str, **over: str) -> httpx.Response:
    await web_login(client, "officer")
    page = await client.get(f"/web/dossiers/{code}?action=apology-draft")
    assert page.status_code == 200 and "Trình lãnh đạo ký" in page.text
    assert "Ký văn bản xin lỗi" not in page.text  # the officer drafts, does not sign
    resp = await client.post(
        f"/web/dossiers/{code}/actions/apology-draft", data={**FORM, **over}, headers=ORIGIN
    )
    await client.post("/web/logout", headers=ORIGIN)
    return resp


def draft_forms(page: str) -> list[tuple[str, str]]:
    """(sign URL, return URL) of each draft in the inbox."""
    signs = re.findall(r'action="(/web/hop-thu/xin-loi/[^"]+/ky)"', page)
    returns = re.findall(r'action="(/web/hop-thu/xin-loi/[^"]+/tra-lai)"', page)
    return list(zip(signs, returns, strict=True))


async def test_leader_signs_the_officers_draft_from_the_inbox(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    code = await in_process(client, auth)
    bad = await officer_drafts(client, code, new_appointment_at="14/03/2026 09:00")
    assert bad.status_code == 422 and "giờ làm việc" in visible_text(bad.text)
    done = await officer_drafts(client, code)
    assert done.status_code == 200 and "Đã thực hiện" in visible_text(done.text)

    await web_login(client, "leader")
    badge = await client.get("/web/hop-thu/dem", headers={"HX-Request": "true"})
    assert ">2<" in badge.text  # the draft, and the dossier needing an apology
    inbox = await client.get("/web/hop-thu")
    text = visible_text(inbox.text)
    assert "Thư xin lỗi chờ ký" in text and "Trần Văn Xử Lý" in text
    assert "10:00 12/03/2026" in text
    [(sign, _back)] = draft_forms(inbox.text)
    resp = await client.post(sign, data={"signer_title": "KT. GIÁM ĐỐC"}, headers=ORIGIN)
    assert resp.status_code == 303 and resp.headers["location"] == "/web/hop-thu?xong=ky"
    after = await client.get("/web/hop-thu?xong=ky")
    assert "Đã ký văn bản xin lỗi" in visible_text(after.text)
    assert draft_forms(after.text) == []
    dossier = (await client.get(f"/api/v1/dossiers/{code}", headers=auth("leader"))).json()
    assert dossier["appointment_at"] == "2026-03-12T10:00:00+07:00"
    again = await client.post(sign, data={}, headers=ORIGIN)
    assert again.status_code == 409 and "đã được ký" in visible_text(again.text)
    cross = await client.post(sign, data={}, headers={"Origin": "http://evil.test"})
    assert cross.status_code == 403


async def test_leader_returns_a_draft_with_a_note(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    code = await in_process(client, auth)
    assert (await officer_drafts(client, code)).status_code == 200
    await web_login(client, "leader")
    [(_sign, back)] = draft_forms((await client.get("/web/hop-thu")).text)
    empty = await client.post(back, data={"note": " "}, headers=ORIGIN)
    assert empty.status_code == 422
    assert "Chưa thực hiện được" in visible_text(empty.text)
    resp = await client.post(back, data={"note": "Ghi rõ giấy tờ còn thiếu"}, headers=ORIGIN)
    assert resp.status_code == 303
    after = await client.get("/web/hop-thu?xong=tra")
    assert "Đã trả lại dự thảo" in visible_text(after.text) and draft_forms(after.text) == []
    dossier = (await client.get(f"/api/v1/dossiers/{code}", headers=auth("leader"))).json()
    assert dossier["appointment_at"] != "2026-03-12T10:00:00+07:00"
