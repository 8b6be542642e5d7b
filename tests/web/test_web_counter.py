"""The counter screen: procedure type-ahead, intake through the form, the receipt, and refused
input that writes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from tests.factories import World
from tests.web.conftest import (
    HX,
    ORIGIN,
    counts,
    intake_form,
    receipt_code,
    visible_text,
    web_login,
)

from onestop.dossiers.models import Dossier


@pytest.fixture
async def clerk(client: httpx.AsyncClient, world: World) -> httpx.AsyncClient:
    await web_login(client, "clerk")
    return client


async def test_counter_page_has_the_intake_form_with_the_caret_in_the_search(
    clerk: httpx.AsyncClient,
) -> None:
    page = (await clerk.get("/web/counter")).text
    assert 'hx-post="/web/counter/intake"' in page
    assert 'name="form_token"' in page
    search = page[page.index('name="q"') : page.index('name="q"') + 700]
    assert "autofocus" in search


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("chung thuc", "2.000908"),
        ("Chứng thực", "2.000908"),
        ("1.005", "1.005129"),
        ("xây", "1.005129"),
    ],
)
async def test_procedure_search_matches_code_or_name_with_or_without_diacritics(
    clerk: httpx.AsyncClient, query: str, code: str
) -> None:
    resp = await clerk.get("/web/counter/procedures", params={"q": query}, headers=HX)
    assert resp.status_code == 200
    assert f"<b>{code}</b>" in resp.text


async def test_procedure_search_says_when_nothing_matches(clerk: httpx.AsyncClient) -> None:
    resp = await clerk.get("/web/counter/procedures", params={"q": "zzz"}, headers=HX)
    assert "Không tìm thấy thủ tục nào khớp" in visible_text(resp.text)
    empty = await clerk.get("/web/counter/procedures", params={"q": "  "}, headers=HX)
    assert "picker-option" not in empty.text


async def test_choosing_a_procedure_prefills_the_unit_and_lists_the_documents(
    clerk: httpx.AsyncClient,
) -> None:
    resp = await clerk.get("/web/counter/procedure", params={"code": "2.000908"}, headers=HX)
    assert resp.status_code == 200
    assert 'name="procedure" value="2.000908"' in resp.text
    # the clerk's centre is not competent: the first competent unit is chosen
    assert '<option value="000.00.10.H99" selected>Sở Tư pháp</option>' in resp.text
    assert 'name="documents" value="TP1"' in resp.text
    assert 'id="documents-slot" hx-swap-oob="true"' in resp.text
    assert "1 ngày làm việc" in resp.text


async def test_choosing_an_unknown_procedure_explains_it(clerk: httpx.AsyncClient) -> None:
    resp = await clerk.get("/web/counter/procedure", params={"code": "9.999999"}, headers=HX)
    assert resp.status_code == 422
    assert "9.999999" in visible_text(resp.text)
    page = await clerk.get("/web/counter", params={"procedure": "9.999999"})
    assert "9.999999" in visible_text(page.text)


async def test_without_htmx_choosing_leads_to_the_prefilled_form(clerk: httpx.AsyncClient) -> None:
    resp = await clerk.get("/web/counter/procedure", params={"code": "2.000908"})
    assert resp.status_code == 303
    page = await clerk.get(resp.headers["location"])
    assert 'name="procedure" value="2.000908"' in page.text
    name = page.text[page.text.index('name="applicant_name"') :][:400]
    assert "autofocus" in name


async def test_intake_through_the_form_creates_the_dossier_and_shows_the_receipt(
    clerk: httpx.AsyncClient, app: Any, frozen_now: dt.datetime
) -> None:
    resp = await clerk.post("/web/counter/intake", data=intake_form(), headers=HX)
    assert resp.status_code == 201, visible_text(resp.text)
    code = receipt_code(resp.text)
    text = visible_text(resp.text)
    assert "Đã tiếp nhận hồ sơ" in text
    # received Tue 10/03/2026 09:00, 1 working day → Wed 11/03/2026 09:00
    assert "09 giờ 00 phút, thứ Tư ngày 11/03/2026" in text
    secret = resp.text.split('data-testid="lookup-secret">')[1].split("<")[0]
    assert f'href="/web/dossiers/{code}/forms/01.pdf?secret={secret}"' in resp.text
    assert "In Giấy tiếp nhận (Mẫu 01)" in text
    assert "<details" in resp.text and "Vì sao hẹn ngày này?" in text
    assert 'name="applicant_name" value=""' in resp.text  # a fresh form for the next one
    assert "tok-1" not in resp.text  # with a new token
    async with app.state.sessionmaker() as s:
        d = (await s.execute(select(Dossier).where(Dossier.code == code))).scalar_one()
    assert d.status == 2
    assert d.channel == "counter"
    assert d.applicant_name == "Nguyễn Văn An"
    assert d.applicant_id_number == "001203004567"
    assert d.documents[0]["code"] == "TP1"
    assert len(secret) == 10
    # the dossier is in "today at the counter" from now on
    page = await clerk.get("/web/counter")
    assert code in page.text


async def test_a_double_submit_gives_the_same_receipt_not_a_second_dossier(
    clerk: httpx.AsyncClient, app: Any
) -> None:
    first = await clerk.post("/web/counter/intake", data=intake_form(), headers=HX)
    again = await clerk.post("/web/counter/intake", data=intake_form(), headers=HX)
    assert first.status_code == 201
    assert again.status_code == 200
    assert receipt_code(first.text) == receipt_code(again.text)
    assert "không tạo thêm hồ sơ" in visible_text(again.text)
    assert (await counts(app))[0] == 1


async def test_a_plain_form_post_works_without_htmx(clerk: httpx.AsyncClient, app: Any) -> None:
    resp = await clerk.post("/web/counter/intake", data=intake_form(), headers=ORIGIN)
    assert resp.status_code == 201
    assert "<!doctype html>" in resp.text  # the whole page
    assert (await counts(app))[0] == 1


@pytest.mark.parametrize(
    ("over", "message", "status"),
    [
        ({"applicant_name": ""}, "Họ tên người nộp: chưa nhập", 422),
        ({"applicant_name": "x" * 300}, "Họ tên người nộp: quá dài (tối đa 255 ký tự)", 422),
        ({"documents": []}, "Thiếu giấy tờ bắt buộc: TP1 (Đơn đề nghị)", 422),
        ({"procedure": ""}, "Chưa chọn thủ tục", 422),
        ({"procedure": "9.999999"}, "9.999999", 422),
        ({"competent_unit": "000.00.11.H99"}, "không có thẩm quyền giải quyết thủ tục", 422),
        ({"return_method": "pigeon"}, "Hình thức nhận kết quả: giá trị không hợp lệ", 422),
    ],
)
async def test_bad_input_shows_a_vietnamese_error_and_writes_nothing(
    clerk: httpx.AsyncClient, app: Any, over: dict[str, Any], message: str, status: int
) -> None:
    resp = await clerk.post("/web/counter/intake", data=intake_form(**over), headers=HX)
    assert resp.status_code == status, visible_text(resp.text)
    text = visible_text(resp.text)
    assert "Chưa tiếp nhận — chưa có gì được lưu." in text
    assert message in text
    assert await counts(app) == (0, 0)
    # what was typed is still there
    if over.get("applicant_name", "x") and "applicant_name" not in over:
        assert 'value="Nguyễn Văn An"' in resp.text


async def test_missing_documents_marks_the_documents_and_keeps_what_was_typed(
    clerk: httpx.AsyncClient,
) -> None:
    resp = await clerk.post(
        "/web/counter/intake", data=intake_form(documents=[], applicant_phone="0987"), headers=HX
    )
    assert resp.status_code == 422
    assert 'class="docs invalid"' in resp.text
    assert 'value="0987"' in resp.text
    first_box = resp.text[resp.text.index('name="documents"') :][:120]
    assert "autofocus" in first_box


async def test_postal_channel_waits_for_acceptance(clerk: httpx.AsyncClient, app: Any) -> None:
    resp = await clerk.post("/web/counter/intake", data=intake_form(channel="postal"), headers=HX)
    assert resp.status_code == 201
    assert "chờ tiếp nhận" in visible_text(resp.text)
    async with app.state.sessionmaker() as s:
        d = (await s.execute(select(Dossier))).scalar_one()
    assert d.status == 1


async def test_an_officer_cannot_open_the_counter(
    client: httpx.AsyncClient, world: World, app: Any
) -> None:
    await web_login(client, "officer")
    page = await client.get("/web/counter")
    assert page.status_code == 403
    assert "Thiếu quyền 'dossier:intake'" in visible_text(page.text)
    resp = await client.post("/web/counter/intake", data=intake_form(), headers=HX)
    assert resp.status_code == 403
    assert await counts(app) == (0, 0)
