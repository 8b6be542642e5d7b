"""What the signature check answers: one report per signature of the PDF, and the verdict."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

Coverage = Literal["entire_file", "entire_revision", "contiguous_block", "unclear"]
Modification = Literal[
    "none", "timestamps_and_revocation_info", "form_filling", "annotations", "other"
]
Problem = Literal[
    "hash-mismatch",
    "bad-signature",
    "untrusted",
    "certificate-expired",
    "certificate-not-yet-valid",
    "certificate-revoked",
    "changed-after-signing",
]


class SignerIdentity(BaseModel):
    common_name: str | None = Field(description="Subject CN of the signing certificate")
    organization: str | None = Field(description="Subject O of the signing certificate")
    issuer: str | None = Field(description="Issuer CN (the certification authority)")
    serial_number: str = Field(description="Certificate serial number, hexadecimal")
    valid_from: dt.datetime
    valid_until: dt.datetime


class SignatureReport(BaseModel):
    field: str = Field(description="The signature field's name")
    valid: bool = Field(description="Intact, cryptographically sound, trusted, and not changed")
    intact: bool = Field(description="The signed bytes hash to what was signed")
    trusted: bool = Field(
        description="The certificate chains to a configured trust root and was valid"
    )
    changed_after_signing: bool = Field(
        description="Content was changed by a later update (later signatures or time stamps"
        " alone do not count)"
    )
    coverage: Coverage = Field(description="What the signature covers")
    modification_level: Modification | None = Field(
        description="The most invasive kind of update made after the signature"
    )
    signer: SignerIdentity
    signed_at: dt.datetime | None = Field(description="Signing time the signer claims")
    timestamped_at: dt.datetime | None = Field(
        description="Time of the RFC 3161 time-stamp token over the signature (PAdES-B-T)"
    )
    problems: list[Problem] = Field(description="Why the signature is not valid; empty if it is")


class VerificationResult(BaseModel):
    valid: bool = Field(description="Every signature is valid")
    signatures: list[SignatureReport]
