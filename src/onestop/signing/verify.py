"""Checks every signature of an uploaded PDF with pyHanko: is it intact, does its certificate
chain to one of the configured trust roots (``ONESTOP_SIGNING_TRUST_DIR``) and was it valid, and
was the document changed after signing.

Trust is what the configured roots say and nothing more: no certificate or revocation list is
fetched from the network (``allow_fetching=False``, revocation soft-fail), so a check answers in
milliseconds and the same way every time. Certificates are judged at the time of the check —
or, for a time-stamped signature (PAdES-B-T), at the time-stamp's.

``changed_after_signing`` is false when the signature covers the whole file, or when what came
after it only adds signatures, form fields or validation data (pyHanko's modification levels up
to form filling); annotations or any other change make it true.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import anyio
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from onestop.core.errors import DomainError, InvalidInput
from onestop.core.settings import Settings
from onestop.signing.schemas import (
    Coverage,
    Modification,
    Problem,
    SignatureReport,
    SignerIdentity,
    VerificationResult,
)

PDF_MAGIC = b"%PDF-"
#: A PDF's header may follow some junk; readers look this far.
HEADER_WINDOW = 1024
TRUST_SUFFIXES = (".pem", ".crt", ".cer", ".der")

COVERAGE: dict[SignatureCoverageLevel, Coverage] = {
    SignatureCoverageLevel.ENTIRE_FILE: "entire_file",
    SignatureCoverageLevel.ENTIRE_REVISION: "entire_revision",
    SignatureCoverageLevel.CONTIGUOUS_BLOCK_FROM_START: "contiguous_block",
    SignatureCoverageLevel.UNCLEAR: "unclear",
}
MODIFICATION: dict[ModificationLevel, Modification] = {
    ModificationLevel.NONE: "none",
    ModificationLevel.LTA_UPDATES: "timestamps_and_revocation_info",
    ModificationLevel.FORM_FILLING: "form_filling",
    ModificationLevel.ANNOTATIONS: "annotations",
    ModificationLevel.OTHER: "other",
}
HARMLESS_UPDATES = frozenset(
    {ModificationLevel.NONE, ModificationLevel.LTA_UPDATES, ModificationLevel.FORM_FILLING}
)
TRUST_PROBLEMS: dict[object, Problem] = {
    AdESIndeterminate.EXPIRED: "certificate-expired",
    AdESIndeterminate.OUT_OF_BOUNDS_NO_POE: "certificate-expired",
    AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED: "certificate-expired",
    AdESIndeterminate.NOT_YET_VALID: "certificate-not-yet-valid",
    AdESFailure.NOT_YET_VALID: "certificate-not-yet-valid",
    AdESFailure.REVOKED: "certificate-revoked",
    AdESIndeterminate.REVOKED_NO_POE: "certificate-revoked",
    AdESIndeterminate.REVOKED_CA_NO_POE: "certificate-revoked",
}


UNREADABLE = (PdfError, ValueError, KeyError, TypeError, IndexError)


class PdfTooLarge(DomainError):
    status = 413
    code = "pdf-too-large"
    title = "Request body too large"


@dataclass
class TrustRoots:
    """The CA certificates of a folder, read again when a file is added, changed or removed."""

    folder: Path | None
    _stamp: tuple[tuple[str, int, int], ...] | None = None
    _roots: tuple[asn1_x509.Certificate, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> TrustRoots:
        return cls(Path(settings.signing_trust_dir) if settings.signing_trust_dir else None)

    def certificates(self) -> tuple[asn1_x509.Certificate, ...]:
        if self.folder is None or not self.folder.is_dir():
            return ()
        files = sorted(p for p in self.folder.iterdir() if p.suffix.lower() in TRUST_SUFFIXES)
        stamp = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files)
        if stamp != self._stamp:
            self._roots = tuple(cert for p in files for cert in _certificates(p.read_bytes()))
            self._stamp = stamp
        return self._roots


def _certificates(data: bytes) -> list[asn1_x509.Certificate]:
    """The certificates of a PEM file (one or more) or of a DER one."""
    if b"-----BEGIN" in data:
        certs = x509.load_pem_x509_certificates(data)
    else:
        certs = [x509.load_der_x509_certificate(data)]
    return [translate_pyca_cryptography_cert_to_asn1(c) for c in certs]


def check_upload(data: bytes, max_bytes: int) -> None:
    """Refuses an empty, oversized or non-PDF upload before pyHanko reads it."""
    if not data:
        raise InvalidInput("Tệp tải lên rỗng (the uploaded file is empty)", code="empty-upload")
    if len(data) > max_bytes:
        raise PdfTooLarge(
            f"Tệp PDF vượt quá {max_bytes} byte (the PDF exceeds {max_bytes} bytes)",
            max_bytes=max_bytes,
        )
    if PDF_MAGIC not in data[:HEADER_WINDOW]:
        raise InvalidInput("Tệp tải lên không phải tệp PDF (not a PDF file)", code="not-a-pdf")


def verify_pdf(
    data: bytes, roots: tuple[asn1_x509.Certificate, ...], at: dt.datetime
) -> VerificationResult:
    """A report on each signature. Blocking (pyHanko runs its own event loop): call it from a
    worker thread."""
    try:
        embedded = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
        if not embedded:
            raise InvalidInput(
                "Tệp PDF không có chữ ký số nào (the PDF carries no signature)",
                code="pdf-not-signed",
            )
        context = ValidationContext(
            trust_roots=list(roots), allow_fetching=False, revocation_mode="soft-fail", moment=at
        )
        reports = [_report(sig, context) for sig in embedded]
    except UNREADABLE as exc:  # a damaged file or signature container (pyHanko's are ValueErrors)
        raise InvalidInput(
            "Không đọc được tệp PDF (the PDF cannot be read)", code="unreadable-pdf"
        ) from exc
    return VerificationResult(valid=all(r.valid for r in reports), signatures=reports)


def _report(sig: EmbeddedPdfSignature, context: ValidationContext) -> SignatureReport:
    status: PdfSignatureStatus = validate_pdf_signature(sig, context)
    changed = _changed(status)
    problems: list[Problem] = []
    if not status.intact:
        problems.append("hash-mismatch")
    elif not status.valid:
        problems.append("bad-signature")
    if status.intact and status.valid and not status.trusted:
        problems.append(_trust_problem(status))
    if changed:
        problems.append("changed-after-signing")
    level = status.modification_level
    timestamp = status.timestamp_validity
    return SignatureReport(
        field=sig.field_name,
        valid=not problems,
        intact=status.intact,
        trusted=status.trusted,
        changed_after_signing=changed,
        coverage=COVERAGE.get(status.coverage, "unclear") if status.coverage else "unclear",
        modification_level=MODIFICATION[level] if level is not None else None,
        signer=_identity(status.signing_cert),
        signed_at=status.signer_reported_dt,
        timestamped_at=timestamp.timestamp if timestamp is not None else None,
        problems=problems,
    )


def _changed(status: PdfSignatureStatus) -> bool:
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return False
    if status.coverage != SignatureCoverageLevel.ENTIRE_REVISION:
        return True
    level = status.modification_level
    return level is None or level not in HARMLESS_UPDATES


def _trust_problem(status: PdfSignatureStatus) -> Problem:
    if status.revoked:
        return "certificate-revoked"
    return TRUST_PROBLEMS.get(status.trust_problem_indic, "untrusted")


def _identity(cert: asn1_x509.Certificate) -> SignerIdentity:
    subject = cert.subject.native
    issuer = cert.issuer.native
    return SignerIdentity(
        common_name=subject.get("common_name"),
        organization=subject.get("organization_name"),
        issuer=issuer.get("common_name"),
        serial_number=format(cert.serial_number, "x"),
        valid_from=cert.not_valid_before,
        valid_until=cert.not_valid_after,
    )


async def check_pdf(
    data: bytes, *, trust: TrustRoots, max_bytes: int, at: dt.datetime
) -> VerificationResult:
    """``check_upload`` then ``verify_pdf`` in a worker thread (pyHanko's work is CPU-bound)."""
    check_upload(data, max_bytes)
    roots = await anyio.to_thread.run_sync(trust.certificates)
    return await anyio.to_thread.run_sync(verify_pdf, data, roots, at)
