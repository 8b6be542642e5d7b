"""The dossier page's actions and history in people's words: only the actions offered now (the
next step first, the refused ones disabled with their reason), the timeline with names, units and
status names, the new appointment after an apology, banners that link the form just drawn up, and
assignment by choosing a person of the unit.

2.000908 is due one working day after receipt: received Tue 10/03/2026 09:00 → due Wed 11/03 09:00
at Sở Tư pháp (officer "Trần Văn Xử Lý", leader "Lê Văn Lãnh Đạo")."""

from __future__ import annotations

import re
from typing import Any

import httpx
from tests.dossiers.conftest import Headers, act, create, set_clock
from tests.factories import World, add_user
from tests.web.conftest import HX, ORIGIN, counts, visible_text, web_login

APOLOGY = {"reason": "Chờ xác minh của cơ quan khác", "new_appointment_at": "12/03/2026 09:00"}


def buttons(page: str) -> list[str]:
    """Texts of the enabled action buttons, in page order."""
    block = page.split('<div class="action-buttons">', 1)[1].split("</div>", 1)[0]
    return [visible_text(b) for b in re.findall(r"<a [^>]*>(.*?)</a>", block)]


def refused(page: str) -> dict[str, str]:
    """Disabled action → the reason shown beside it."""
    found = re.findall(
        r'<button class="btn btn-small" type="button" disabled aria-describedby="why-[^"]+">'
        r'(.*?)</button> <span class="refused-reason" id="why-[^"]+">(.*?)</span>',
        page,
    )
    return {visible_text(name): visible_text(reason) for name, reason in found}


async def in_process(client: httpx.AsyncClient, auth: Headers) -> str:
    code: str = (await create(client, auth("clerk")))["code"]
    await act(client, auth("clerk"), code, "transfer")
    return code


async def test_the_next_step_comes_first_and_unusable_actions_are_not_buttons(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    code = (await create(client, auth("clerk")))["code"]
    await web_login(client, "clerk")
    page = (await client.get(f"/web/dossiers/{code}")).text
    shown = buttons(page)
    assert shown[0] == "Chuyển xử lý"
    assert 'class="btn btn-primary"' in page and "data-primary" in page
    assert "Phân công" not in shown and "Phân công" not in refused(page)  # no processing right
    assert "Có kết quả" not in visible_text(page)  # not possible in status 2


async def test_a_late_dossier_explains_the_refused_finish_and_offers_the_apology_first(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    code = await in_process(client, auth)
    set_clock("2026-03-11 10:00")  # one hour past due
    await web_login(client, "officer")
    page = (await client.get(f"/web/dossiers/{code}")).text
    assert "Có kết quả" not in buttons(page)
    reason = refused(page)["Có kết quả"]
    assert "quá hạn" in reason and "chưa có văn bản xin lỗi" in reason
    assert "(" + "dossier" not in reason  # the Vietnamese part only
    assert "Xin lỗi, hẹn lại" not in visible_text(page)  # only a leader signs
    await client.post("/web/logout", headers=ORIGIN)
    await web_login(client, "leader")
    page = (await client.get(f"/web/dossiers/{code}")).text
    assert buttons(page)[0] == "Xin lỗi, hẹn lại"


async def test_after_the_apology_the_header_banner_and_offers_follow_it(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    code = await in_process(client, auth)
    set_clock("2026-03-11 10:00")
    await web_login(client, "leader")
    resp = await client.post(f"/web/dossiers/{code}/actions/apologize", data=APOLOGY, headers=HX)
    assert resp.status_code == 200, visible_text(resp.text)
    text = visible_text(resp.text)
    assert "Đã thực hiện: Xin lỗi, hẹn lại." in text
    assert "Đã lập văn bản xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)" in text
    link = re.search(r'<a href="([^"]+)"[^>]*>Mở để in Mẫu 04</a>', resp.text)
    assert link and link.group(1) == f"/web/dossiers/{code}/forms/04.pdf"
    pdf = await client.get(link.group(1))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    head = visible_text(resp.text.split("</header>", 1)[0])
    assert "Quá hạn 1 giờ" in head and "Hẹn trả mới: 12/03/2026 09:00" in head
    assert "Xin lỗi, hẹn lại" not in buttons(resp.text)
    assert "đã được hẹn lại 1 lần; tối đa 1 lần" in refused(resp.text)["Xin lỗi, hẹn lại"]
    before = await counts(app)
    again = await client.post(
        f"/web/dossiers/{code}/actions/apologize",
        data={**APOLOGY, "new_appointment_at": "13/03/2026 09:00"},
        headers=HX,
    )
    assert again.status_code == 409 and await counts(app) == before


async def test_a_supplement_request_banner_links_form_02(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    code = await in_process(client, auth)
    await web_login(client, "officer")
    resp = await client.post(
        f"/web/dossiers/{code}/actions/request-supplement",
        data={"items": "Bản sao giấy khai sinh", "reason": "Thiếu giấy tờ"},
        headers=HX,
    )
    assert resp.status_code == 200, visible_text(resp.text)
    assert "Đã lập phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)" in visible_text(resp.text)
    assert f'href="/web/dossiers/{code}/forms/02.pdf"' in resp.text
    assert buttons(resp.text)[0] == "Nhận bổ sung"
    plain = await client.post(
        f"/web/dossiers/{code}/actions/supplement-received", data={}, headers=HX
    )
    assert "Đã thực hiện: Nhận bổ sung." in visible_text(plain.text)
    assert "Mở để in" not in plain.text  # no form for this one


async def test_the_timeline_names_people_units_and_statuses(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    code = await in_process(client, auth)
    await act(client, auth("leader"), code, "assign", {"handler": "officer"})
    await web_login(client, "officer")
    page = (await client.get(f"/web/dossiers/{code}")).text
    timeline = visible_text(page.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0])
    assert (
        "Nguyễn Thị Tiếp Nhận · Trung tâm Phục vụ hành chính công tỉnh"
        " · Được tiếp nhận → Đang xử lý" in timeline
    )
    assert "Lê Văn Lãnh Đạo · Sở Tư pháp" in timeline
    assert "Người xử lý: Trần Văn Xử Lý" in timeline
    assert "trạng thái 2 → 4" not in timeline and "clerk ·" not in timeline
    assert "000.00.01.H99" not in timeline
    assert "Người xử lý Trần Văn Xử Lý" in visible_text(page)  # the current step


async def test_an_api_client_is_named_on_the_timeline(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    code = (await create(client, auth("portal"), receiving_unit="000.00.01.H99"))["code"]
    await web_login(client, "clerk")
    page = (await client.get(f"/web/dossiers/{code}")).text
    assert "Cổng Dịch vụ công · Trung tâm Phục vụ hành chính công tỉnh" in visible_text(page)


async def test_assignment_is_a_choice_of_the_units_people_by_name(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    code = await in_process(client, auth)
    async with app.state.sessionmaker() as s:  # a manager of Sở Tư pháp processes nothing
        await add_user(s, "manager_j", "manager", world.units["000.00.10.H99"], "Đỗ Thị Thống Kê")
        await s.commit()
    await web_login(client, "leader")
    form = (await client.get(f"/web/dossiers/{code}", params={"action": "assign"})).text
    select = form.split('<select name="handler"', 1)[1].split("</select>", 1)[0]
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)
    assert options == [
        ("", "— Chọn cán bộ —"),
        ("leader", "Lê Văn Lãnh Đạo — Phó Giám đốc"),
        ("officer", "Trần Văn Xử Lý — Chuyên viên"),
    ]
    assert 'name="handler" value=' not in form  # no login name to type
    before = await counts(app)
    for username, message in (
        ("officer_b", "Cán bộ officer_b không thuộc Sở Tư pháp"),
        ("manager_j", "Cán bộ manager_j không có quyền xử lý bước này"),
    ):
        resp = await client.post(
            f"/web/dossiers/{code}/actions/assign", data={"handler": username}, headers=HX
        )
        assert resp.status_code == 422
        error = re.search(
            r'<span class="field-error" id="err-handler"[^>]*>([^<]*)</span>', resp.text
        )
        assert error and error.group(1) == message  # next to the field, in Vietnamese
        assert 'aria-describedby="err-handler"' in resp.text
        assert await counts(app) == before
    resp = await client.post(
        f"/web/dossiers/{code}/actions/assign", data={"handler": "officer"}, headers=HX
    )
    assert resp.status_code == 200, visible_text(resp.text)
    assert "Người xử lý Trần Văn Xử Lý" in visible_text(resp.text)
