"""PAdES signing with pyHanko, shared by every ``Signer`` whose key pyHanko can drive (a PKCS#12
file now; a PKCS#11 token through ``pyhanko.sign.pkcs11.PKCS11Signer`` later).

The signature is PAdES baseline B-B (``/ETSI.CAdES.detached``), or B-T when a time-stamping
authority is configured (an RFC 3161 token over the signature). Its visible stamp sits in the
bottom margin of the last page, at the right: who signed, for which unit, and when
(dd/mm/yyyy HH:MM, local time).

The stamp's font is cut once per process down to the characters Vietnamese text needs (Latin,
its extensions and the Vietnamese block): pyHanko subsets the font it embeds on every signature,
and on the whole of Noto Sans that alone took ~0.4 s.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from fontTools import subset, ttLib
from pyhanko.pdf_utils.font.api import FontEngineFactory
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import PdfSigner, PdfSigningSession
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.stamp.text import TextStampStyle

from onestop.core import clock
from onestop.signing.signer import StampInfo

FIELD_NAME = "ChuKySo"
#: Where the stamp goes (PDF points, A4 portrait): the bottom margin of the forms (20 mm), right
#: of centre, clear of the text above.
STAMP_BOX = (323, 6, 553, 54)
STAMP_TEXT = "Ký bởi: %(signer)s\nĐơn vị: %(unit)s\nThời gian ký: %(at)s"
STAMP_FONT_SIZE = 8
TIME_FORMAT = "%d/%m/%Y %H:%M"
#: Font files tried in order when ``ONESTOP_SIGNING_STAMP_FONT`` is empty (Debian's
#: fonts-noto-core and fonts-dejavu-core, installed by scripts/system-deps.sh).
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
#: Code points the stamp may need: ASCII, Latin-1 and Latin Extended-A/B (đ, ơ, ư …), combining
#: marks, the Vietnamese block U+1EA0–U+1EFF, general punctuation and the đồng sign.
VIETNAMESE_TEXT = (
    *range(0x20, 0x7F),
    *range(0xA0, 0x250),
    *range(0x300, 0x370),
    *range(0x1EA0, 0x1F00),
    *range(0x2010, 0x2030),
    0x20AB,
)
#: Room kept in the PDF for the CMS signature beyond the certificates it carries (bytes of DER),
#: and for a time-stamp token with its TSA's certificates. Fixed rather than estimated: pyHanko's
#: estimate signs a dummy document first, doubling the cost of a signature.
CMS_OVERHEAD = 8192
TIMESTAMP_OVERHEAD = 8192


class SigningFailed(Exception):
    """pyHanko could not sign (a broken PDF, a key the token refused, the TSA away)."""


def stamp_font_path(configured: str = "") -> str:
    """The configured font, else the first installed candidate; ``SigningFailed`` if none."""
    for candidate in (configured,) if configured else FONT_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    raise SigningFailed(f"no stamp font: {configured or ', '.join(FONT_CANDIDATES)}")


@lru_cache(maxsize=4)
def _vietnamese_subset(font_path: str) -> bytes:
    font = ttLib.TTFont(font_path)
    options = subset.Options(layout_closure=False, notdef_outline=True)
    options.drop_tables += ["GPOS", "GDEF", "GSUB"]  # pyHanko drops them from what it embeds
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=VIETNAMESE_TEXT)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


class _SubsetFontFactory(FontEngineFactory):
    """pyHanko's ``GlyphAccumulatorFactory``, fed the cut-down font from memory."""

    def __init__(self, font_path: str, size: int) -> None:
        self.font = _vietnamese_subset(font_path)
        self.size = size

    def create_font_engine(
        self, writer: BasePdfFileWriter, obj_stream: Any = None
    ) -> GlyphAccumulator:
        return GlyphAccumulator(
            writer=writer,
            font_handle=io.BytesIO(self.font),
            font_size=self.size,
            obj_stream=obj_stream,
        )


@lru_cache(maxsize=4)
def stamp_style(font_path: str) -> TextStampStyle:
    return TextStampStyle(
        stamp_text=STAMP_TEXT,
        text_box_style=TextBoxStyle(font=_SubsetFontFactory(font_path, STAMP_FONT_SIZE)),
        border_width=1,
    )


def timestamper(url: str, timeout: float) -> TimeStamper | None:
    """The RFC 3161 client of ``ONESTOP_TSA_URL`` (None when unset: PAdES-B-B)."""
    return HTTPTimeStamper(url, timeout=int(max(timeout, 1))) if url else None


class _ClockedPdfSigner(PdfSigner):
    """Dates the signature (``/M``, the CMS signing time) by the injected clock, as the stamp."""

    def __init__(self, *args: Any, at: dt.datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._at = at

    def init_signing_session(
        self, pdf_out: BasePdfFileWriter, existing_fields_only: bool = False
    ) -> PdfSigningSession:
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._at
        return session


def sign_pdf(
    pdf: bytes,
    stamp: StampInfo,
    *,
    signer: signers.Signer,
    chain: Iterable[bytes],
    font_path: str,
    tsa: TimeStamper | None = None,
) -> bytes:
    """``pdf`` signed by ``signer`` (whose certificate chain, DER, is ``chain``) with the stamp.

    Blocking (pyHanko runs its own event loop): call it from a worker thread."""
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        name=stamp.signer_name,
        location=stamp.unit_name,
    )
    pdf_signer = _ClockedPdfSigner(
        meta,
        signer,
        timestamper=tsa,
        stamp_style=stamp_style(font_path),
        new_field_spec=fields.SigFieldSpec(FIELD_NAME, on_page=-1, box=STAMP_BOX),
        at=stamp.signed_at,
    )
    der_size = CMS_OVERHEAD + sum(len(c) for c in chain) + (TIMESTAMP_OVERHEAD if tsa else 0)
    reserved = 2 * der_size  # pyHanko counts the placeholder in hexadecimal digits
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        out = pdf_signer.sign_pdf(
            writer,
            bytes_reserved=reserved,
            appearance_text_params={
                "signer": stamp.signer_name,
                "unit": stamp.unit_name,
                "at": stamp.signed_at.astimezone(clock.LOCAL_TZ).strftime(TIME_FORMAT),
            },
        )
    except Exception as exc:  # pyHanko's errors have no common base worth naming
        raise SigningFailed(f"{type(exc).__name__}: {exc}") from exc
    return bytes(out.getvalue())
