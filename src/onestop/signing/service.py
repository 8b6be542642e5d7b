"""Signs a document at issue when the issuing unit has a signer, after checking that the
certificate may sign for that unit now.

The rules (docs/signatures.md):

- No signer for the unit: the document is issued unsigned, as before signing existed.
- The certificate must be in its validity period at the moment of signing; else the issue is
  refused (``signing-certificate-expired``) rather than carrying a signature every reader would
  reject.
- The certificate must be the unit's: its subject's organisation (O) or common name (CN) is the
  unit's name as recorded in the catalogue (compared without regard to case, Unicode form or
  repeated spaces). A certificate of another unit put in the wrong file is refused
  (``signing-certificate-not-for-unit``).
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata

import anyio
from cryptography import x509
from cryptography.x509.oid import NameOID

from onestop.core.errors import DomainError, RuleViolation
from onestop.signing.directory import SignerDirectory
from onestop.signing.pades import SigningFailed
from onestop.signing.pkcs12 import UnreadableKeyFile
from onestop.signing.signer import Signer, StampInfo

log = logging.getLogger("onestop.signing")


class SigningUnavailable(DomainError):
    """The unit has a signer but it cannot sign now (its file unreadable, its token or TSA away)."""

    status = 503
    code = "signing-unavailable"
    title = "Service unavailable"


def subject_names(cert: x509.Certificate) -> tuple[str | None, str | None]:
    """(common name, organisation) of the certificate's subject."""
    return _attribute(cert.subject, NameOID.COMMON_NAME), _attribute(
        cert.subject, NameOID.ORGANIZATION_NAME
    )


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def _folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def belongs_to(cert: x509.Certificate, unit_name: str) -> bool:
    """Whether the certificate's subject (O or CN) names the unit."""
    wanted = _folded(unit_name)
    return any(name is not None and _folded(name) == wanted for name in subject_names(cert))


def check_certificate(
    cert: x509.Certificate, *, unit_code: str, unit_name: str, at: dt.datetime
) -> None:
    """``RuleViolation`` when the certificate may not sign for the unit at ``at``."""
    if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
        until = cert.not_valid_after_utc.isoformat()
        raise RuleViolation(
            f"Chứng thư số của đơn vị {unit_code} không còn hiệu lực (hết hạn hoặc chưa đến ngày"
            f" hiệu lực); không thể ký số văn bản (the unit's signing certificate is not valid at"
            f" this time: valid until {until})",
            code="signing-certificate-expired",
            unit=unit_code,
            not_after=until,
        )
    if not belongs_to(cert, unit_name):
        raise RuleViolation(
            f"Chứng thư số được cấu hình cho đơn vị {unit_code} không mang tên đơn vị này;"
            " không thể ký số văn bản (the signing certificate's subject does not name the unit)",
            code="signing-certificate-not-for-unit",
            unit=unit_code,
        )


def signer_of(directory: SignerDirectory | None, unit_code: str) -> Signer | None:
    if directory is None:
        return None
    try:
        return directory.signer_for(unit_code)
    except (UnreadableKeyFile, SigningFailed, OSError) as exc:
        log.error("signer of unit %s cannot be loaded: %s", unit_code, exc)
        raise _unavailable(unit_code) from exc


def _unavailable(unit_code: str) -> SigningUnavailable:
    return SigningUnavailable(
        f"Chưa ký số được văn bản của đơn vị {unit_code}; hãy thử lại sau hoặc báo quản trị hệ"
        " thống (the unit's signer cannot sign at the moment)",
        unit=unit_code,
    )


async def sign_issued(
    pdf: bytes,
    *,
    unit_code: str,
    unit_name: str,
    directory: SignerDirectory | None,
    at: dt.datetime,
) -> bytes:
    """``pdf`` signed for the unit (a worker thread does the signing), or unchanged when the unit
    has no signer."""
    signer = signer_of(directory, unit_code)
    if signer is None:
        return pdf
    cert = signer.certificate
    check_certificate(cert, unit_code=unit_code, unit_name=unit_name, at=at)
    common_name, organisation = subject_names(cert)
    stamp = StampInfo(common_name or organisation or unit_name, unit_name, at)
    try:
        return await anyio.to_thread.run_sync(signer.sign, pdf, stamp)
    except SigningFailed as exc:
        log.error("signing for unit %s failed: %s", unit_code, exc)
        raise _unavailable(unit_code) from exc
