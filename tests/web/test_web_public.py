"""The citizen's lookup (no login): code + secret → status, appointment and where to collect,
the name masked; a wrong secret reads exactly like an unknown code; the three-level rating."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from tests.dossiers.conftest import Headers, act, create
from tests.factories import World
from tests.web.conftest import HX, ORIGIN, visible_text

from onestop.metrics.satisfaction.models import Rating


@pytest.fixture
async def receipt(client: httpx.AsyncClient, world: World, auth: Headers) -> dict[str, Any]:
    return await create(client, auth("clerk"))


async def _lookup(client: httpx.AsyncClient, code: str, secret: str) -> httpx.Response:
    return await client.post("/tra-cuu", data={"code": code, "secret": secret}, headers=HX)


@pytest.mark.no_database
async def test_the_lookup_form_needs_no_login(client: httpx.AsyncClient) -> None:
    resp = await client.get("/tra-cuu")
    assert resp.status_code == 200
    assert "Tra cứu tình trạng hồ sơ" in resp.text
    assert "Đăng xuất" not in resp.text


async def test_code_and_secret_show_the_status_with_the_name_masked(
    client: httpx.AsyncClient, receipt: dict[str, Any]
) -> None:
    resp = await _lookup(client, receipt["code"], receipt["lookup_secret"])
    assert resp.status_code == 200
    text = visible_text(resp.text)
    assert "Được tiếp nhận" in text
    assert "Nguyễn V*** A*" in text
    assert "Nguyễn Văn An" not in text
    assert "001203004567" not in resp.text
    assert "09 giờ 00 phút, thứ Tư ngày 11/03/2026" in text
    assert "Trung tâm Phục vụ hành chính công tỉnh" in text  # where to collect
    assert "Đánh giá mức độ hài lòng" not in text  # no result yet


async def test_the_secret_is_case_insensitive(
    client: httpx.AsyncClient, receipt: dict[str, Any]
) -> None:
    resp = await _lookup(client, receipt["code"], " " + receipt["lookup_secret"].lower())
    assert resp.status_code == 200


async def test_a_wrong_secret_reads_exactly_like_an_unknown_code(
    client: httpx.AsyncClient, receipt: dict[str, Any]
) -> None:
    wrong = await _lookup(client, receipt["code"], "AAAAAAAAAA")
    unknown = await _lookup(client, "000.00.01.H99-990101-9999", "AAAAAAAAAA")
    assert wrong.status_code == unknown.status_code == 404
    assert "Không tìm thấy hồ sơ với mã và mã tra cứu này" in visible_text(wrong.text)
    assert visible_text(wrong.text) == visible_text(unknown.text)


@pytest.mark.no_database
async def test_empty_fields_are_asked_for(client: httpx.AsyncClient) -> None:
    resp = await _lookup(client, "", "")
    assert resp.status_code == 422
    assert "Hãy nhập mã hồ sơ và mã tra cứu" in visible_text(resp.text)


async def test_the_receipt_qr_link_opens_the_result(
    client: httpx.AsyncClient, receipt: dict[str, Any]
) -> None:
    resp = await client.get(f"/tra-cuu/{receipt['code']}", params={"ma": receipt["lookup_secret"]})
    assert resp.status_code == 200
    assert "<html" in resp.text
    assert "Nguyễn V*** A*" in visible_text(resp.text)
    assert resp.headers["referrer-policy"] == "same-origin"
    assert resp.headers["cache-control"] == "no-store"


async def test_a_ready_result_can_be_rated_once(
    client: httpx.AsyncClient, receipt: dict[str, Any], auth: Headers, app: Any
) -> None:
    code, secret = receipt["code"], receipt["lookup_secret"]
    await act(client, auth("officer"), code, "transfer")
    await act(client, auth("officer"), code, "finish")
    page = await _lookup(client, code, secret)
    text = visible_text(page.text)
    assert "Đã xử lý xong" in text
    for label in ("Rất hài lòng", "Hài lòng", "Không hài lòng"):
        assert label in text
    missing = await client.post(
        "/tra-cuu/danh-gia", data={"code": code, "secret": secret}, headers=HX
    )
    assert missing.status_code == 422
    assert "Hãy chọn một mức đánh giá" in visible_text(missing.text)
    wrong = await client.post(
        "/tra-cuu/danh-gia",
        data={"code": code, "secret": "AAAAAAAAAA", "level": "hai_long"},
        headers=HX,
    )
    assert wrong.status_code == 404
    rated = await client.post(
        "/tra-cuu/danh-gia",
        data={"code": code, "secret": secret, "level": "hai_long", "comment": "Nhanh"},
        headers=ORIGIN,
    )
    assert rated.status_code == 201
    assert "Cảm ơn ông/bà đã đánh giá: Hài lòng" in visible_text(rated.text)
    again = await client.post(
        "/tra-cuu/danh-gia",
        data={"code": code, "secret": secret, "level": "khong_hai_long"},
        headers=HX,
    )
    assert again.status_code == 409
    assert "đã được đánh giá" in visible_text(again.text)
    async with app.state.sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(Rating))).scalar_one() == 1


@pytest.mark.no_database
async def test_the_lookup_post_needs_the_same_origin(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        "/tra-cuu", data={"code": "x", "secret": "y"}, headers={"Origin": "https://evil.example"}
    )
    assert resp.status_code == 403


async def test_the_receipt_link_with_code_and_secret_opens_the_dossier(
    client: httpx.AsyncClient, receipt: dict[str, Any]
) -> None:
    """Form 01's QR code and printed link: ``/tra-cuu?code=…&secret=…``."""
    resp = await client.get(
        "/tra-cuu", params={"code": receipt["code"], "secret": receipt["lookup_secret"]}
    )
    assert resp.status_code == 200
    text = visible_text(resp.text)
    assert "Nguyễn V*** A*" in text and "Được tiếp nhận" in text
    assert 'value="' + receipt["code"] + '"' in resp.text  # the form keeps what was looked up
    wrong = await client.get("/tra-cuu", params={"code": receipt["code"], "secret": "AAAAAAAAAA"})
    assert wrong.status_code == 404
    assert "Không tìm thấy hồ sơ" in visible_text(wrong.text)


async def test_the_printed_link_on_form_01_is_the_one_the_page_opens(
    client: httpx.AsyncClient, receipt: dict[str, Any], auth: Headers, tmp_path: Any
) -> None:
    """The link read back from the receipt's PDF opens the dossier (no empty form)."""
    import re

    from tests.dossiers.test_forms_print import pdf_text

    code, secret = receipt["code"], receipt["lookup_secret"]
    pdf = await client.get(
        f"/api/v1/dossiers/{code}/forms/01.pdf", params={"secret": secret}, headers=auth("clerk")
    )
    assert pdf.status_code == 200
    text = pdf_text(pdf.content, tmp_path)
    compact = "".join(text.split())  # the link may wrap over two lines
    found = re.search(r"(/tra-cuu\?code=[^&]+&secret=[A-Z0-9]{10})", compact)
    assert found, text
    resp = await client.get(found.group(1))
    assert resp.status_code == 200
    assert "Nguyễn V*** A*" in visible_text(resp.text) and "Được tiếp nhận" in resp.text


@pytest.mark.parametrize(
    "typed",
    [
        lambda c, s: (c.lower(), s.lower()),
        lambda c, s: (f"  {c} ", f"{s[:4]} {s[4:8]} {s[8:]}"),
        lambda c, s: (c, f"{s[:5]}-{s[5:]}".lower()),
        lambda c, s: (c.replace("-", " - ").lower(), f" {s[:3]}.{s[3:]} "),
    ],
)
async def test_code_and_secret_in_any_case_with_spaces_or_dashes(
    client: httpx.AsyncClient, receipt: dict[str, Any], typed: Any
) -> None:
    code, secret = typed(receipt["code"], receipt["lookup_secret"])
    resp = await _lookup(client, code, secret)
    assert resp.status_code == 200, visible_text(resp.text)
    assert receipt["code"] in resp.text
    link = await client.get("/tra-cuu", params={"code": code, "secret": secret})
    assert link.status_code == 200


async def test_progress_timeline_in_plain_words_with_the_agency(
    client: httpx.AsyncClient, receipt: dict[str, Any], auth: Headers, app: Any
) -> None:
    from onestop.catalog.models import Unit

    async with app.state.sessionmaker() as s:
        centre = (await s.execute(select(Unit).where(Unit.code == "000.00.01.H99"))).scalar_one()
        centre.address = "Số 1 đường Lê Lợi, phường Trung Tâm"
        centre.hotline = "0238 3844 555"
        await s.commit()
    code, secret = receipt["code"], receipt["lookup_secret"]
    await act(client, auth("clerk"), code, "transfer")
    await act(
        client,
        auth("officer"),
        code,
        "request-supplement",
        {"items": ["Bản sao giấy khai sinh"], "reason": "Thiếu giấy tờ"},
    )
    text = visible_text((await _lookup(client, code, secret)).text)
    assert "Quá trình giải quyết" in text
    assert "Hồ sơ đã được tiếp nhận tại Trung tâm Phục vụ hành chính công tỉnh" in text
    assert "Hồ sơ đang được giải quyết tại Sở Tư pháp" in text
    assert "Đang chờ ông/bà bổ sung, hoàn thiện hồ sơ" in text
    assert text.index("được tiếp nhận tại") < text.index("đang được giải quyết")
    assert "Cơ quan tiếp nhận hồ sơ" in text
    assert "Địa chỉ: Số 1 đường Lê Lợi, phường Trung Tâm" in text
    assert "Đường dây nóng: 0238 3844 555" in text
    assert "Nguyễn Thị Tiếp Nhận" not in text and "Trần Văn Xử Lý" not in text  # no officers
    page = await client.get("/tra-cuu", params={"code": code, "secret": secret})
    assert "Mã tra cứu chỉ dùng để xem hồ sơ" in visible_text(page.text)  # the footer


async def test_reappointment_and_result_on_the_timeline(
    client: httpx.AsyncClient, receipt: dict[str, Any], auth: Headers
) -> None:
    from tests.dossiers.conftest import set_clock

    code, secret = receipt["code"], receipt["lookup_secret"]
    await act(client, auth("clerk"), code, "transfer")
    set_clock("2026-03-11 10:00")
    await act(
        client,
        auth("leader"),
        code,
        "apologize",
        {"reason": "Cần xác minh thêm", "new_appointment_at": "2026-03-12T10:00:00+07:00"},
    )
    await act(client, auth("officer"), code, "finish")
    text = visible_text((await _lookup(client, code, secret)).text)
    assert "Hẹn lại ngày trả kết quả: 10 giờ 00 phút, thứ Năm ngày 12/03/2026" in text
    assert "văn bản xin lỗi" in text
    assert "Đã có kết quả; mời ông/bà đến nhận" in text


async def test_a_rating_given_shows_on_reload_without_the_form(
    client: httpx.AsyncClient, receipt: dict[str, Any], auth: Headers
) -> None:
    code, secret = receipt["code"], receipt["lookup_secret"]
    await act(client, auth("officer"), code, "transfer")
    await act(client, auth("officer"), code, "finish")
    before = await client.get("/tra-cuu", params={"code": code, "secret": secret})
    assert "Gửi đánh giá" in before.text
    rated = await client.post(
        "/tra-cuu/danh-gia",
        data={"code": code.lower(), "secret": secret.lower(), "level": "rat_hai_long"},
        headers=ORIGIN,
    )
    assert rated.status_code == 201, visible_text(rated.text)
    reload = await client.get("/tra-cuu", params={"code": code, "secret": secret})
    text = visible_text(reload.text)
    assert "Cảm ơn ông/bà đã đánh giá: Rất hài lòng" in text
    assert "Gửi đánh giá" not in reload.text and 'name="level"' not in reload.text
