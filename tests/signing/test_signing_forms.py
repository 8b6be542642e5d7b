"""Forms issued by a unit with a signing certificate come out signed (PAdES, visible Vietnamese
stamp) and verify; tampering shows; an expired certificate or another unit's is refused at
issue; a unit without a certificate issues unsigned forms as before."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import httpx
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from tests.dossiers.conftest import Headers, create
from tests.factories import World
from tests.signing.ca import Issued, install
from tests.signing.conftest import CENTRE, CENTRE_NAME, pdf_text

URL = "/api/v1/dossiers"
VERIFY = "/api/v1/signatures/verify"


async def form_01(client: httpx.AsyncClient, auth: Headers) -> httpx.Response:
    receipt = await create(client, auth("clerk"))
    return await client.get(
        f"{URL}/{receipt['code']}/forms/01.pdf",
        params={"secret": receipt["lookup_secret"]},
        headers=auth("clerk"),
    )


async def verify(client: httpx.AsyncClient, pdf: bytes) -> httpx.Response:
    return await client.post(VERIFY, files={"file": ("mau-01.pdf", pdf, "application/pdf")})


async def test_form_01_is_signed_by_the_centre_and_verifies(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    centre_signs: Issued,
    frozen_now: dt.datetime,
    tmp_path: Path,
) -> None:
    resp = await form_01(client, auth)
    assert resp.status_code == 200, resp.text
    text = pdf_text(resp.content, tmp_path)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert f"Ký bởi: {CENTRE_NAME.upper()}" in text
    assert f"Đơn vị: {CENTRE_NAME}" in text
    assert "Thời gian ký: 10/03/2026 09:00" in text  # the issue's local time

    checked = await verify(client, resp.content)
    assert checked.status_code == 200, checked.text
    result = checked.json()
    assert result["valid"] is True
    [sig] = result["signatures"]
    assert sig["problems"] == []
    assert sig["intact"] and sig["trusted"] and not sig["changed_after_signing"]
    assert sig["coverage"] == "entire_file"
    assert sig["signer"]["common_name"] == CENTRE_NAME.upper()
    assert sig["signer"]["organization"] == CENTRE_NAME
    assert sig["signer"]["issuer"] == "CA Thử nghiệm onestop"
    assert dt.datetime.fromisoformat(sig["signed_at"]) == frozen_now
    assert sig["timestamped_at"] is None  # no TSA configured: PAdES-B-B


async def test_bytes_flipped_inside_the_signed_range_make_it_invalid(
    client: httpx.AsyncClient, world: World, auth: Headers, centre_signs: Issued
) -> None:
    signed = bytearray((await form_01(client, auth)).content)
    at = signed.index(b"stream", 1000) + 40  # inside a content stream of the signed revision
    signed[at] ^= 0xFF
    result = (await verify(client, bytes(signed))).json()
    assert result["valid"] is False
    [sig] = result["signatures"]
    assert sig["intact"] is False
    assert "hash-mismatch" in sig["problems"]


def _scribble(pdf: bytes) -> bytes:
    """An incremental update drawing a box over the first page (what an editor would save)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    box = writer.add_object(generic.StreamObject(stream_data=b"0 0 1 rg 100 400 200 40 re f"))
    writer.add_stream_to_page(0, box)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def test_a_change_saved_after_signing_is_reported(
    client: httpx.AsyncClient, world: World, auth: Headers, centre_signs: Issued
) -> None:
    signed = (await form_01(client, auth)).content
    result = (await verify(client, _scribble(signed))).json()
    assert result["valid"] is False
    [sig] = result["signatures"]
    assert sig["intact"] is True  # the signed revision itself is untouched …
    assert sig["changed_after_signing"] is True  # … but the document shown is not it
    assert sig["coverage"] == "entire_revision"
    assert sig["problems"] == ["changed-after-signing"]


async def test_an_expired_certificate_is_refused_at_issue(
    client: httpx.AsyncClient, world: World, auth: Headers, key_folder: Path, expired_cert: Issued
) -> None:
    install(key_folder, CENTRE, expired_cert)
    resp = await form_01(client, auth)
    assert resp.status_code == 409
    assert resp.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = resp.json()
    assert problem["type"] == "/problems/signing-certificate-expired"
    assert problem["unit"] == CENTRE
    assert problem["not_after"].startswith("2025-01-01")


async def test_a_certificate_of_another_unit_is_refused(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    key_folder: Path,
    other_unit_cert: Issued,
) -> None:
    install(key_folder, CENTRE, other_unit_cert)  # Sở Xây dựng's certificate in the centre's file
    resp = await form_01(client, auth)
    assert resp.status_code == 409
    assert resp.json()["type"] == "/problems/signing-certificate-not-for-unit"
    assert resp.json()["unit"] == CENTRE


async def test_a_wrong_password_is_a_clear_problem(
    client: httpx.AsyncClient, world: World, auth: Headers, key_folder: Path, centre_cert: Issued
) -> None:
    install(key_folder, CENTRE, centre_cert)
    (key_folder / f"{CENTRE}.pass").write_text("sai-mat-khau\n")
    resp = await form_01(client, auth)
    assert resp.status_code == 503
    assert resp.json()["type"] == "/problems/signing-unavailable"


async def test_a_unit_without_a_certificate_issues_unsigned_forms(
    client: httpx.AsyncClient, world: World, auth: Headers, tmp_path: Path
) -> None:
    resp = await form_01(client, auth)  # nothing in the key folder
    assert resp.status_code == 200
    assert "Ký bởi" not in pdf_text(resp.content, tmp_path)
    checked = await verify(client, resp.content)
    assert checked.status_code == 422
    assert checked.json()["type"] == "/problems/pdf-not-signed"
