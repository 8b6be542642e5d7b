"""The counter screen: procedure type-ahead, intake through the form, the receipt, and refused
input that writes nothing."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from tests.factories import World, add_procedure
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


async def test_procedure_search_offers_only_active_procedures_in_force(
    app: Any, world: World, clerk: httpx.AsyncClient
) -> None:
    unit = world.units["000.00.01.H99"]
    async with app.state.sessionmaker() as s:
        stopped = await add_procedure(s, "9.000101", "Chứng thực bản sao điện tử", [unit])
        stopped.is_active = False
        await add_procedure(
            s, "9.000102", "Chứng thực hợp đồng", [unit], effective_from=dt.date(2026, 3, 11)
        )
        await s.commit()
    resp = await clerk.get("/web/counter/procedures", params={"q": "chung thuc"}, headers=HX)
    assert "<b>2.000908</b>" in resp.text
    assert "9.000101" not in resp.text
    assert "9.000102" not in resp.text


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
        ({"documents": []}, "thiếu giấy tờ bắt buộc: TP1 (Đơn đề nghị)", 422),
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
    # both problems at once; the caret on the first in page order (the phone)
    phone = resp.text[resp.text.index('name="applicant_phone"') :][:400]
    assert "autofocus" in phone and 'aria-invalid="true"' in phone
    text = visible_text(resp.text)
    assert "Số điện thoại: không phải số điện thoại Việt Nam" in text
    assert "Giấy tờ: thiếu giấy tờ bắt buộc: TP1 (Đơn đề nghị)" in text
    first_box = resp.text[resp.text.index('name="documents"') :][:120]
    assert "autofocus" not in first_box


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
    assert "không có quyền tiếp nhận hồ sơ" in visible_text(page.text)
    assert "missing right" not in page.text
    resp = await client.post("/web/counter/intake", data=intake_form(), headers=HX)
    assert resp.status_code == 403
    assert await counts(app) == (0, 0)


async def test_every_error_at_once_next_to_its_field_in_vietnamese(
    clerk: httpx.AsyncClient, app: Any
) -> None:
    """The junk of the report: CCCD "12ab", phone "abc-xyz", e-mail "hang@@mail", no procedure,
    no name — all said in one answer, each next to its field, nothing saved."""
    resp = await clerk.post(
        "/web/counter/intake",
        data=intake_form(
            procedure="",
            applicant_name="",
            applicant_id_number="12ab",
            applicant_phone="abc-xyz",
            applicant_email="hang@@mail",
        ),
        headers=HX,
    )
    assert resp.status_code == 422
    assert await counts(app) == (0, 0)
    text = visible_text(resp.text)
    assert "Chưa tiếp nhận — chưa có gì được lưu." in text
    for field, words in (
        ("procedure", "chưa chọn: gõ mã hoặc tên thủ tục"),
        ("applicant_name", "chưa nhập"),
        ("applicant_id_number", "phải gồm 12 chữ số (CCCD); CMND cũ 9 chữ số vẫn được chấp nhận"),
        ("applicant_phone", "không phải số điện thoại Việt Nam"),
        ("applicant_email", "không đúng dạng thư điện tử"),
    ):
        found = re.search(rf'data-field-error="{field}">([^<]+)<', resp.text)
        assert found and words in found.group(1), field
        assert f'aria-describedby="err-{field}"' in resp.text or field == "procedure"
    assert "(" + "no procedure" not in text and "must" not in text  # no English
    # the caret goes to the first field in error, in page order
    search = resp.text[resp.text.index('name="q"') :][:800]
    assert "autofocus" in search


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"applicant_id_number": "12345678901"}, "applicant_id_number"),  # 11 digits
        ({"applicant_id_number": "0012030045678"}, "applicant_id_number"),  # 13 digits
        ({"applicant_phone": "0123456789"}, "applicant_phone"),  # no such prefix
        ({"applicant_phone": "091234567"}, "applicant_phone"),  # 9 digits
        ({"applicant_email": "hang@mail"}, "applicant_email"),  # no domain
        ({"applicant_email": "hang mail@example.vn"}, "applicant_email"),
    ],
)
async def test_invalid_particulars_are_refused(
    clerk: httpx.AsyncClient, app: Any, over: dict[str, Any], field: str
) -> None:
    resp = await clerk.post("/web/counter/intake", data=intake_form(**over), headers=HX)
    assert resp.status_code == 422
    assert f'data-field-error="{field}"' in resp.text
    assert await counts(app) == (0, 0)


@pytest.mark.parametrize(
    "over",
    [
        {"applicant_id_number": "001 203 004 567"},
        {"applicant_id_number": "123456789"},  # the old CMND
        {"applicant_phone": "+84 912 345 678"},
        {"applicant_phone": "0238.3844.555"},
        {"applicant_phone": "(024) 3825-1234"},
        {"applicant_email": "nguyen.an+ho-so@mail.gov.vn"},
    ],
)
async def test_valid_particulars_as_people_write_them(
    clerk: httpx.AsyncClient, app: Any, over: dict[str, Any]
) -> None:
    resp = await clerk.post("/web/counter/intake", data=intake_form(**over), headers=HX)
    assert resp.status_code == 201, visible_text(resp.text)
    assert await counts(app) != (0, 0)


async def test_enter_in_a_field_reviews_and_only_the_confirmation_files(
    clerk: httpx.AsyncClient, app: Any
) -> None:
    """Enter submits with the default button (``step=review``, or no button at all): the
    summary and the confirm button come back, nothing is saved. The confirmation of the values
    reviewed files; a confirmation of changed values is reviewed again."""
    for step in ("review", ""):
        resp = await clerk.post(
            "/web/counter/intake", data=intake_form(step=step, form_token="tok-r"), headers=HX
        )
        assert resp.status_code == 200
        assert await counts(app) == (0, 0)
    text = visible_text(resp.text)
    assert "Xem lại trước khi tiếp nhận — chưa có gì được lưu" in text
    assert "Nguyễn Văn An" in text and "Đơn đề nghị" in text
    confirm = resp.text[resp.text.index('value="confirm"') :][:200]
    assert "autofocus" in confirm
    reviewed = re.search(r'name="reviewed" value="([0-9a-f]+)"', resp.text)
    assert reviewed
    # the default (first) submit button of the form is the review, never the confirmation
    first = re.search(r'<button[^>]*type="submit"[^>]*>', resp.text[resp.text.index("<form") :])
    assert first and 'value="review"' in first.group(0)
    changed = await clerk.post(
        "/web/counter/intake",
        data=intake_form(reviewed=reviewed.group(1), applicant_name="Trần Thị Bình"),
        headers=HX,
    )
    assert changed.status_code == 200 and "Xem lại trước khi tiếp nhận" in changed.text
    assert await counts(app) == (0, 0)
    filed = await clerk.post(
        "/web/counter/intake", data=intake_form(reviewed=reviewed.group(1)), headers=HX
    )
    assert filed.status_code == 201, visible_text(filed.text)
    assert receipt_code(filed.text)
