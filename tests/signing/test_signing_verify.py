"""The signature check (``POST /api/v1/signatures/verify``) on PDFs signed here with the test
CA's certificates: an expired or untrusted certificate is reported, a time-stamped signature
(PAdES-B-T) reports its time; empty, oversized, non-PDF and unsigned uploads get problems."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from pyhanko.keys.internal import (
    translate_pyca_cryptography_cert_to_asn1,
    translate_pyca_cryptography_key_to_asn1,
)
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from tests.forms.samples import SAMPLES
from tests.signing.ca import PASSWORD, Issued, TestCA
from tests.signing.conftest import CENTRE_NAME

from onestop.core.settings import Settings
from onestop.forms import render_pdf
from onestop.signing import pades
from onestop.signing.pkcs12 import Pkcs12Signer
from onestop.signing.signer import StampInfo

pytestmark = pytest.mark.no_database

VERIFY = "/api/v1/signatures/verify"
SIGNED_AT = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def form_01() -> bytes:
    return render_pdf("01", SAMPLES["01"])


async def sign(pdf: bytes, issued: Issued, *, tsa: DummyTimeStamper | None = None) -> bytes:
    """Signed in a worker thread, as the app does (pyHanko runs an event loop of its own)."""
    signer = Pkcs12Signer(
        issued.p12(), PASSWORD.encode(), font_path=pades.stamp_font_path(), tsa=tsa
    )
    stamp = StampInfo(CENTRE_NAME, CENTRE_NAME, SIGNED_AT)
    return await anyio.to_thread.run_sync(signer.sign, pdf, stamp)


async def verify(
    client: httpx.AsyncClient, content: bytes, name: str = "van-ban.pdf"
) -> httpx.Response:
    return await client.post(VERIFY, files={"file": (name, content, "application/pdf")})


async def test_a_signature_by_an_expired_certificate_is_reported(
    client: httpx.AsyncClient, form_01: bytes, expired_cert: Issued
) -> None:
    result = (await verify(client, await sign(form_01, expired_cert))).json()
    assert result["valid"] is False
    [sig] = result["signatures"]
    assert sig["intact"] is True and sig["trusted"] is False
    assert sig["problems"] == ["certificate-expired"]
    assert sig["signer"]["valid_until"].startswith("2025-01-01")


async def test_a_certificate_from_an_unknown_authority_is_untrusted(
    client: httpx.AsyncClient, form_01: bytes
) -> None:
    stranger = TestCA("CA lạ").issue(CENTRE_NAME, CENTRE_NAME)
    result = (await verify(client, await sign(form_01, stranger))).json()
    [sig] = result["signatures"]
    assert sig["intact"] is True
    assert sig["problems"] == ["untrusted"]
    assert sig["signer"]["issuer"] == "CA lạ"


async def test_a_time_stamped_signature_reports_the_time_stamp(
    client: httpx.AsyncClient, form_01: bytes, ca: TestCA, centre_cert: Issued
) -> None:
    tsa_cert = ca.issue("Dịch vụ cấp dấu thời gian thử nghiệm", time_stamping=True)
    tsa = DummyTimeStamper(
        tsa_cert=translate_pyca_cryptography_cert_to_asn1(tsa_cert.cert),
        tsa_key=translate_pyca_cryptography_key_to_asn1(tsa_cert.key),
        certs_to_embed=SimpleCertificateStore.from_certs(
            [translate_pyca_cryptography_cert_to_asn1(ca.cert)]
        ),
        fixed_dt=SIGNED_AT + dt.timedelta(seconds=2),
    )
    result = (await verify(client, await sign(form_01, centre_cert, tsa=tsa))).json()
    assert result["valid"] is True, result
    [sig] = result["signatures"]
    assert dt.datetime.fromisoformat(sig["timestamped_at"]) == SIGNED_AT + dt.timedelta(seconds=2)
    assert dt.datetime.fromisoformat(sig["signed_at"]) == SIGNED_AT


@pytest.mark.parametrize(
    ("content", "status", "problem"),
    [
        (b"", 422, "empty-upload"),
        (b"PK\x03\x04 not a pdf but a zip", 422, "not-a-pdf"),
        (b"%PDF-1.7\n garbage with no objects\n%%EOF\n", 422, "unreadable-pdf"),
    ],
)
async def test_bad_uploads_get_problems(
    client: httpx.AsyncClient, content: bytes, status: int, problem: str
) -> None:
    resp = await verify(client, content)
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["type"] == f"/problems/{problem}"


async def test_an_unsigned_pdf_gets_a_problem(client: httpx.AsyncClient, form_01: bytes) -> None:
    resp = await verify(client, form_01)
    assert resp.status_code == 422
    assert resp.json()["type"] == "/problems/pdf-not-signed"


async def test_a_missing_file_is_invalid_input(client: httpx.AsyncClient) -> None:
    resp = await client.post(VERIFY, data={"other": "x"})
    assert resp.status_code == 422
    assert resp.json()["type"] == "/problems/invalid-input"


async def test_an_oversized_pdf_gets_413(
    app: Any, client: httpx.AsyncClient, form_01: bytes
) -> None:
    settings: Settings = app.state.settings
    app.state.settings = settings.model_copy(update={"signature_check_max_bytes": 20_000})
    assert len(form_01) > 20_000
    resp = await verify(client, form_01)
    assert resp.status_code == 413
    assert resp.json()["type"] == "/problems/pdf-too-large"
    assert resp.json()["max_bytes"] == 20_000


def test_trust_roots_are_read_again_when_the_folder_changes(tmp_path: Path, ca: TestCA) -> None:
    from onestop.signing.verify import TrustRoots

    roots = TrustRoots(tmp_path)
    assert roots.certificates() == ()
    (tmp_path / "ca.pem").write_bytes(ca.pem())
    assert len(roots.certificates()) == 1


async def test_a_damaged_signature_container_gets_a_problem(
    client: httpx.AsyncClient, form_01: bytes, centre_cert: Issued
) -> None:
    signed = bytearray(await sign(form_01, centre_cert))
    start = signed.index(b"/Contents <") + len(b"/Contents <")
    signed[start : start + 40] = b"f" * 40  # the CMS structure's first bytes overwritten
    resp = await verify(client, bytes(signed))
    assert resp.status_code == 422
    assert resp.json()["type"] == "/problems/unreadable-pdf"
