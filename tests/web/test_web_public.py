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
