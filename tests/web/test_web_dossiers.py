"""Dossier search and the dossier page: state, dates, timeline, and actions posted through the
action services; a refused action shows its Vietnamese message and changes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from tests.dossiers.conftest import Headers, act, create, set_clock
from tests.factories import World
from tests.web.conftest import HX, counts, visible_text, web_login

from onestop.dossiers.models import Dossier


async def _status(app: Any, code: str) -> int:
    async with app.state.sessionmaker() as s:
        d = (await s.execute(select(Dossier).where(Dossier.code == code))).scalar_one()
    return int(d.status)


@pytest.fixture
async def two(client: httpx.AsyncClient, auth: Headers) -> list[str]:
    a = await create(client, auth("clerk"))
    b = await create(
        client,
        auth("clerk"),
        procedure="1.005129",
        applicant={"name": "Trần Thị Bích"},
        documents=[{"code": "TP1"}],
    )
    return [a["code"], b["code"]]


async def test_the_list_shows_the_dossiers_in_scope_with_status_chips(
    client: httpx.AsyncClient, world: World, two: list[str]
) -> None:
    await web_login(client, "clerk")
    page = await client.get("/web/dossiers")
    assert page.status_code == 200
    text = visible_text(page.text)
    for code in two:
        assert code in text
    assert "2 · Được tiếp nhận" in text
    assert "Còn " in text  # working time left on each open dossier
    assert "Nguyễn Văn An" in text  # the clerk may see names


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"q": "tran thi"}, 1, 0),  # folded name search
        ({"procedure": "2.000908"}, 0, 1),
        ({"status": "open"}, 0, None),
        ({"status": "9"}, None, 0),
        ({"overdue": "true"}, None, 0),
    ],
)
async def test_filters_narrow_the_list(
    client: httpx.AsyncClient,
    world: World,
    two: list[str],
    params: dict[str, str],
    shown: int | None,
    hidden: int | None,
) -> None:
    await web_login(client, "clerk")
    resp = await client.get("/web/dossiers", params=params, headers=HX)
    assert resp.status_code == 200
    assert "<html" not in resp.text  # htmx gets the rows only
    if shown is not None:
        assert two[shown] in resp.text
    if hidden is not None:
        assert two[hidden] not in resp.text


async def test_an_unknown_procedure_filter_is_explained(
    client: httpx.AsyncClient, world: World, two: list[str]
) -> None:
    await web_login(client, "clerk")
    resp = await client.get("/web/dossiers", params={"procedure": "9.999"}, headers=HX)
    assert resp.status_code == 422
    assert "9.999" in visible_text(resp.text)


async def test_the_dossier_page_shows_state_dates_step_timeline_and_actions(
    client: httpx.AsyncClient, world: World, two: list[str]
) -> None:
    await web_login(client, "officer")
    resp = await client.get(f"/web/dossiers/{two[0]}")
    assert resp.status_code == 200
    text = visible_text(resp.text)
    assert "Mã 2 · Được tiếp nhận" in text
    assert "Chứng thực bản sao từ bản chính giấy tờ, văn bản" in text
    assert "10:00 11/03/2026" not in text
    assert "09:00 11/03/2026" in text  # the due instant
    assert "09 giờ 00 phút, thứ Tư ngày 11/03/2026" in text  # the appointment
    assert "Tiếp nhận hồ sơ tại quầy" in text  # the first event
    assert "Bước hiện tại Tiếp nhận" in text
    assert "001203004567" in text  # personal data for an officer (audited)
    assert "Cách tính hạn giải quyết" in text
    for button in ("Phân công", "Chuyển xử lý", "Yêu cầu bổ sung", "Rút hồ sơ"):
        assert f">{button}</a>" in resp.text, button
    assert ">Có kết quả</a>" not in resp.text  # not allowed in status 2
    assert f'href="/web/dossiers/{two[0]}/forms/01.pdf"' in resp.text
    assert f'href="/web/dossiers/{two[0]}/forms/06.pdf"' in resp.text


async def test_an_action_button_opens_its_form(
    client: httpx.AsyncClient, world: World, two: list[str]
) -> None:
    await web_login(client, "officer")
    resp = await client.get(f"/web/dossiers/{two[0]}", params={"action": "transfer"}, headers=HX)
    assert resp.status_code == 200
    assert "<html" not in resp.text
    assert f'hx-post="/web/dossiers/{two[0]}/actions/transfer"' in resp.text
    assert '<option value="000.00.11.H99">Sở Xây dựng (000.00.11.H99)</option>' in resp.text
    # an action that is not allowed now opens nothing
    resp = await client.get(f"/web/dossiers/{two[0]}", params={"action": "finish"})
    assert "/actions/finish" not in resp.text


async def test_an_action_goes_through_the_service(
    client: httpx.AsyncClient, world: World, two: list[str], app: Any
) -> None:
    await web_login(client, "officer")
    before = await counts(app)
    resp = await client.post(
        f"/web/dossiers/{two[0]}/actions/transfer", data={"note": "chuyển thẩm định"}, headers=HX
    )
    assert resp.status_code == 200, visible_text(resp.text)
    text = visible_text(resp.text)
    assert "Đã thực hiện: Chuyển xử lý." in text
    assert "Mã 4 · Đang xử lý" in text
    assert "Ghi chú: chuyển thẩm định" in text
    assert await _status(app, two[0]) == 4
    assert (await counts(app))[1] == before[1] + 1


async def test_a_refused_action_explains_why_and_changes_nothing(
    client: httpx.AsyncClient, world: World, two: list[str], app: Any
) -> None:
    await web_login(client, "officer")
    before = await counts(app)
    resp = await client.post(f"/web/dossiers/{two[0]}/actions/finish", data={}, headers=HX)
    assert resp.status_code == 409
    text = visible_text(resp.text)
    assert "Chưa thực hiện được — hồ sơ không thay đổi." in text
    assert "Không thể thực hiện 'finish' khi hồ sơ ở trạng thái 2" in text
    assert await counts(app) == before
    assert await _status(app, two[0]) == 2


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("request-supplement", {"reason": "Thiếu bản sao"}, "Giấy tờ cần bổ sung: chưa nhập"),
        ("withdraw", {"reason": "  "}, "Lý do: chưa nhập"),
        ("transfer", {"budget_hours": "nhiều"}, "Thời gian cho bước: phải là số"),
        ("transfer", {"to_unit": "9.9.9"}, "9.9.9"),
    ],
)
async def test_bad_action_input_keeps_the_form_open_with_the_message(
    client: httpx.AsyncClient,
    world: World,
    two: list[str],
    app: Any,
    action: str,
    data: dict[str, str],
    message: str,
) -> None:
    await web_login(client, "officer")
    before = await counts(app)
    resp = await client.post(f"/web/dossiers/{two[0]}/actions/{action}", data=data, headers=HX)
    assert resp.status_code == 422, visible_text(resp.text)
    text = visible_text(resp.text)
    assert message in text
    assert f'hx-post="/web/dossiers/{two[0]}/actions/{action}"' in resp.text  # still open
    for value in data.values():
        if value.strip():
            assert value in resp.text  # what was typed is kept
    assert await counts(app) == before


async def test_a_late_dossier_needs_the_leaders_apology_before_finishing(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    set_clock("2026-03-09 09:00")  # Monday; 1 working day → due Tue 09:00
    code = (await create(client, auth("clerk")))["code"]
    await act(client, auth("officer"), code, "transfer")
    set_clock("2026-03-10 14:00")
    await web_login(client, "officer")
    page = await client.get(f"/web/dossiers/{code}")
    assert "Quá hạn 3 giờ" in visible_text(page.text)
    assert ">Xin lỗi, hẹn lại</a>" not in page.text  # only a leader signs
    before = await counts(app)
    refused = await client.post(f"/web/dossiers/{code}/actions/finish", data={}, headers=HX)
    assert refused.status_code == 409
    assert "xin lỗi" in visible_text(refused.text).lower()
    assert await counts(app) == before
    await client.post("/web/logout", headers={"Origin": "http://onestop.test"})

    await web_login(client, "leader")
    page = await client.get(f"/web/dossiers/{code}", params={"action": "apologize"})
    assert 'type="datetime-local"' not in page.text  # not the browser's locale picker
    assert 'placeholder="dd/mm/yyyy hh:mm"' in page.text
    swapped = await client.post(
        f"/web/dossiers/{code}/actions/apologize",
        data={"reason": "Chờ xác minh", "new_appointment_at": "03/12/2026 9:00 AM"},
        headers=HX,
    )
    assert swapped.status_code == 422
    text = visible_text(swapped.text)
    assert "cần dạng ngày/tháng/năm giờ:phút, ví dụ 12/03/2026 16:30" in text
    assert "(" + "invalid" not in text.lower() and "must" not in text
    resp = await client.post(
        f"/web/dossiers/{code}/actions/apologize",
        data={"reason": "Chờ xác minh của cơ quan khác", "new_appointment_at": "12/03/2026 09:00"},
        headers=HX,
    )
    assert resp.status_code == 200, visible_text(resp.text)
    text = visible_text(resp.text)
    assert "Đã thực hiện: Xin lỗi, hẹn lại." in text
    assert "Xin lỗi và hẹn lại ngày trả kết quả" in text
    assert "09 giờ 00 phút, thứ Năm ngày 12/03/2026" in text  # the new appointment
    assert "Mẫu 04" in text


async def test_other_units_dossiers_and_unknown_codes_are_refused(
    client: httpx.AsyncClient, world: World, two: list[str]
) -> None:
    await web_login(client, "officer_b")  # Sở Xây dựng: not the justice dossier, as if unknown
    resp = await client.get(f"/web/dossiers/{two[0]}")
    assert resp.status_code == 404
    assert f"Không có hồ sơ mã {two[0]}" in visible_text(resp.text)
    resp = await client.get("/web/dossiers/KHONG-CO")
    assert resp.status_code == 404
    assert "Không có hồ sơ mã KHONG-CO" in visible_text(resp.text)
    resp = await client.post(f"/web/dossiers/{two[1]}/actions/fly", data={}, headers=HX)
    assert resp.status_code == 404


async def test_forms_print_from_the_pages_with_the_session(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    receipt = await create(client, auth("clerk"))
    code, secret = receipt["code"], receipt["lookup_secret"]
    assert (await client.get(f"/web/dossiers/{code}/forms/01.pdf")).status_code == 303  # login
    await web_login(client, "clerk")
    resp = await client.get(f"/web/dossiers/{code}/forms/01.pdf", params={"secret": secret})
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/pdf"
    assert resp.content.startswith(b"%PDF")
    assert resp.headers["cache-control"] == "no-store"
    assert (await client.get(f"/web/dossiers/{code}/forms/09.pdf")).status_code == 422
    await client.post("/web/logout", headers={"Origin": "http://onestop.test"})
    await web_login(client, "manager")  # sees dossiers, prints nothing
    resp = await client.get(f"/web/dossiers/{code}/forms/01.pdf")
    assert resp.status_code == 403
    assert "không có quyền in biểu mẫu" in visible_text(resp.text)


async def test_the_counter_accepts_an_online_dossier(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    code = (await create(client, auth("portal"), receiving_unit="000.00.01.H99"))["code"]
    await web_login(client, "clerk")
    page = await client.get(f"/web/dossiers/{code}")
    text = visible_text(page.text)
    assert "Mã 1 · Mới đăng ký" in text
    assert "Chờ tiếp nhận" in text
    for button in ("Tiếp nhận", "Từ chối tiếp nhận", "Yêu cầu bổ sung"):
        assert f">{button}</a>" in page.text, button
    refused = await client.post(f"/web/dossiers/{code}/actions/refuse", data={}, headers=HX)
    assert refused.status_code == 422
    assert "Lý do từ chối: chưa nhập" in visible_text(refused.text)
    assert await _status(app, code) == 1
    resp = await client.post(f"/web/dossiers/{code}/actions/accept", data={}, headers=HX)
    assert resp.status_code == 200, visible_text(resp.text)
    assert "Đã thực hiện: Tiếp nhận." in visible_text(resp.text)
    assert await _status(app, code) == 2
