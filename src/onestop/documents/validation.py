"""What an uploaded file must be before anything is stored: not empty, within the size limit
(counted while it is read, never read past the limit), a PDF, JPEG or PNG **by its content**
(magic bytes; the name and the declared type are not trusted: an ``.exe`` renamed ``.pdf`` is
refused), a PDF that parses, an image whose pixel count is within the limit before any pixel is
decoded (decompression bombs).

File names are **sanitised, not refused**: only the last path component is kept, control and
format characters (including right-to-left overrides) are dropped, the name is cut to 200
characters, and the extension of the real type is appended when the name has another one
(``scan.exe`` holding a PDF is kept as ``scan.exe.pdf``). A name with nothing left becomes
``tai-lieu.<ext>``.
"""

from __future__ import annotations

import io
import unicodedata
import warnings
from collections.abc import Awaitable, Callable

from onestop.core.errors import DomainError, InvalidInput

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
#: Accepted types: their magic bytes at offset 0 and the extension a file of theirs carries.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", PDF),
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
)
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}
SAME_EXTENSIONS = {PDF: {".pdf"}, JPEG: {".jpg", ".jpeg"}, PNG: {".png"}}
MAX_NAME = 200
READ_CHUNK = 1024 * 1024


class DocumentTooLarge(DomainError):
    status = 413
    code = "document-too-large"
    title = "Document too large"


class UnsupportedDocumentType(DomainError):
    status = 415
    code = "unsupported-document-type"
    title = "Unsupported document type"


async def read_bounded(read: Callable[[int], Awaitable[bytes]], limit: int) -> bytes:
    """Everything ``read`` yields, chunk by chunk; ``DocumentTooLarge`` as soon as it passes
    ``limit`` bytes (at most one chunk more is ever held)."""
    chunks: list[bytes] = []
    total = 0
    while chunk := await read(READ_CHUNK):
        total += len(chunk)
        if total > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def too_large(limit: int) -> DocumentTooLarge:
    mb = limit / (1024 * 1024)
    return DocumentTooLarge(
        f"Tệp vượt quá dung lượng cho phép {mb:g} MB (the file is larger than {limit} bytes)"
    )


def media_type_of(data: bytes) -> str:
    """The type the content is (never the name's): PDF, JPEG or PNG, else a 415 problem."""
    for magic, media_type in SIGNATURES:
        if data.startswith(magic):
            return media_type
    raise UnsupportedDocumentType(
        "Chỉ nhận tệp PDF, JPEG hoặc PNG; nội dung tệp này không thuộc loại nào trong đó"
        " (the content is not a PDF, JPEG or PNG file)"
    )


def check_pdf(data: bytes) -> None:
    """A PDF that a reader can open and count the pages of (not encrypted)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise unreadable_pdf("the PDF is encrypted")
        if len(reader.pages) < 1:
            raise unreadable_pdf("the PDF has no page")
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise unreadable_pdf(type(exc).__name__) from None
    except RecursionError:
        raise unreadable_pdf("nested too deeply") from None


def unreadable_pdf(why: str) -> InvalidInput:
    return InvalidInput(
        f"Không đọc được tệp PDF: tệp hỏng, bị mã hóa hoặc không có trang ({why})",
        code="unreadable-pdf",
    )


def check_image(data: bytes, media_type: str, max_pixels: int) -> None:
    """An image of the type its magic bytes say, with at most ``max_pixels`` pixels (read from
    its header: nothing is decoded before the count is checked), whose structure verifies."""
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise image_too_large(width, height, max_pixels)
                if Image.MIME.get(image.format or "") != media_type:
                    raise unreadable_image(f"format {image.format}")
                image.verify()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise image_too_large(0, 0, max_pixels) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise unreadable_image(type(exc).__name__) from None


def image_too_large(width: int, height: int, max_pixels: int) -> InvalidInput:
    size = f" ({width}×{height})" if width else ""
    limit = f"{max_pixels:,}".replace(",", ".")
    return InvalidInput(
        f"Ảnh quá lớn{size}: vượt giới hạn {limit} điểm ảnh"
        f" (the image has more than {max_pixels} pixels)",
        code="image-too-large",
    )


def unreadable_image(why: str) -> InvalidInput:
    return InvalidInput(
        f"Không đọc được ảnh: tệp hỏng hoặc không đúng định dạng ({why})",
        code="unreadable-image",
    )


def inspect(data: bytes, *, max_bytes: int, max_pixels: int) -> str:
    """Every content check of one file; its media type. Raises the problem of the first
    failure."""
    if not data:
        raise InvalidInput("Tệp rỗng (0 byte) (the file is empty)", code="empty-document")
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    media_type = media_type_of(data)
    if media_type == PDF:
        check_pdf(data)
    else:
        check_image(data, media_type, max_pixels)
    return media_type


def safe_filename(name: str | None, media_type: str) -> str:
    """The name kept and sent back: last path component, no control or format characters, at
    most ``MAX_NAME`` characters, with the extension of its real type."""
    text = unicodedata.normalize("NFC", name or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] not in {"C"})
    text = " ".join(text.split()).strip(" .")
    ext = EXTENSIONS[media_type]
    stem, dot, given_ext = text.rpartition(".")
    if not dot or f".{given_ext.lower()}" not in SAME_EXTENSIONS[media_type]:
        stem = text
    if not stem:
        stem = "tai-lieu"
    return stem[: MAX_NAME - len(ext)] + ext


def ascii_filename(name: str) -> str:
    """A plain-ASCII stand-in for ``name`` (the ``filename=`` of Content-Disposition)."""
    folded = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    out = "".join(
        ch if (ch.isascii() and (ch.isalnum() or ch in "._-")) else "_"
        for ch in folded
        if not unicodedata.combining(ch)
    )
    return out.strip("._") or "tai-lieu"
