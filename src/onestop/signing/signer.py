"""The seam between "a unit signs this PDF" and how its key is held.

Whatever holds the key — a PKCS#12 file, a PKCS#11 token, a remote signing service — implements
``Signer``: the certificate it signs with (checked against the unit before signing) and ``sign``,
which returns the PDF with one more PAdES signature and its visible stamp. Implementations are
blocking (a token or a service may take its time): callers run them in a worker thread.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from cryptography import x509


@dataclass(frozen=True, slots=True)
class StampInfo:
    """What the visible stamp says: who signs (the certificate's holder), for which unit, when."""

    signer_name: str
    unit_name: str
    signed_at: dt.datetime  # aware; shown in local time


class Signer(Protocol):
    @property
    def certificate(self) -> x509.Certificate:
        """The signing certificate (its subject names the unit; its dates bound its use)."""
        ...

    def sign(self, pdf: bytes, stamp: StampInfo) -> bytes:
        """``pdf`` with a PAdES signature (B-B, or B-T with a time-stamping authority) appended
        as an incremental update, its stamp drawn on the last page."""
        ...
