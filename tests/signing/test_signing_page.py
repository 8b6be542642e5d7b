"""The public page ``/web/kiem-tra-chu-ky``: upload a PDF, read the verdict in Vietnamese."""

from __future__ import annotations

import datetime as dt

import anyio
import httpx
import pytest
from tests.forms.samples import SAMPLES
from tests.signing.ca import PASSWORD, Issued
from tests.signing.conftest import CENTRE_NAME
from tests.web.conftest import ORIGIN, visible_text

from onestop.core.settings import Settings
from onestop.forms import render_pdf
from onestop.signing import pades
from onestop.signing.pkcs12 import Pkcs12Signer
from onestop.signing.signer import StampInfo

pytestmark = pytest.mark.no_database

PAGE = "/web/kiem-tra-chu-ky"
SIGNED_AT = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)  # 09:00 in Hà Nội


async def signed_form(issued: Issued) -> bytes:
    signer = Pkcs12Signer(issued.p12(), PASSWORD.encode(), font_path=pades.stamp_font_path())
    stamp = StampInfo(CENTRE_NAME, CENTRE_NAME, SIGNED_AT)
    pdf = await anyio.to_thread.run_sync(render_pdf, "01", SAMPLES["01"])
    return await anyio.to_thread.run_sync(signer.sign, pdf, stamp)


async def upload(client: httpx.AsyncClient, content: bytes, **headers: str) -> httpx.Response:
    return await client.post(
        PAGE,
        files={"file": ("giay-tiep-nhan.pdf", content, "application/pdf")},
        headers={**ORIGIN, **headers},
    )


async def test_the_empty_page_has_the_upload_form(client: httpx.AsyncClient) -> None:
    resp = await client.get(PAGE)
    assert resp.status_code == 200
    assert "script-src 'self'" in resp.headers["content-security-policy"]
    assert 'enctype="multipart/form-data"' in resp.text
    assert "Kiểm tra chữ ký số trên văn bản PDF" in visible_text(resp.text)


async def test_a_valid_signature_is_shown_in_vietnamese(
    client: httpx.AsyncClient, centre_cert: Issued
) -> None:
    resp = await upload(client, await signed_form(centre_cert))
    assert resp.status_code == 200, resp.text
    text = visible_text(resp.text)
    assert "Hợp lệ" in text and "Không hợp lệ" not in text
    assert f"Người ký {CENTRE_NAME.upper()}" in text
    assert "Thời gian ký 09:00 10/03/2026" in text
    assert "Nội dung sau khi ký Không bị thay đổi" in text


async def test_an_expired_certificate_is_explained(
    client: httpx.AsyncClient, expired_cert: Issued
) -> None:
    resp = await upload(client, await signed_form(expired_cert))
    text = visible_text(resp.text)
    assert "Không hợp lệ" in text
    assert "Chứng thư số đã hết hạn." in text


async def test_a_file_that_is_not_a_pdf_gets_a_vietnamese_error(
    client: httpx.AsyncClient,
) -> None:
    resp = await upload(client, b"hello")
    assert resp.status_code == 422
    assert "Tệp tải lên không phải tệp PDF" in visible_text(resp.text)
    assert "not a PDF" not in visible_text(resp.text)  # the English part stays out


async def test_a_cross_site_upload_is_refused(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        PAGE,
        files={"file": ("x.pdf", b"%PDF-1.7", "application/pdf")},
        headers={"Origin": "https://evil.example"},
    )
    assert resp.status_code == 403


async def test_checks_are_limited_per_address_on_the_page_and_the_api_alike(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    burst = settings.signature_check_burst
    for _ in range(burst - 1):  # the API and the page share one allowance
        resp = await client.post(
            "/api/v1/signatures/verify", files={"file": ("x.pdf", b"not a pdf", "application/pdf")}
        )
        assert resp.status_code == 422
    assert (await upload(client, b"not a pdf")).status_code == 422
    resp = await upload(client, b"not a pdf")
    assert resp.status_code == 429 and int(resp.headers["retry-after"]) > 0
    assert "Bạn đã kiểm tra quá nhiều lần trong thời gian ngắn" in visible_text(resp.text)
    resp = await client.post(
        "/api/v1/signatures/verify", files={"file": ("x.pdf", b"%PDF-1.7", "application/pdf")}
    )
    assert resp.status_code == 429
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["type"] == "/problems/too-many-signature-checks"
    assert resp.json()["retry_after"] == int(resp.headers["retry-after"])
