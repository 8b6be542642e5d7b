"""Render Forms 01–07 to HTML (Jinja2, autoescaped) and to A4 PDF (WeasyPrint).

Rendering is CPU-bound and blocking (~0.1–0.3 s a page): call it from async code through a worker
thread (``anyio.to_thread.run_sync``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, cast

import jinja2
import segno
from weasyprint import HTML, URLFetcher

from onestop.forms import formatting
from onestop.forms.contexts import (
    ApologyContext,
    FormContext,
    Letterhead,
    ProcessControlContext,
    ReceiptContext,
    RefusalContext,
    RegisterContext,
    StopNoticeContext,
    SupplementRequestContext,
)


@dataclass(frozen=True, slots=True)
class FormSpec:
    code: str  # "01".."07"
    title: str  # official name (Circular 03/2025, Phụ lục I)
    number_suffix: str | None  # "TNHS" in "Số: 125/TNHS"; None: the form carries no number
    context_type: type[Any]
    template: str


FORMS: Mapping[str, FormSpec] = MappingProxyType(
    {
        spec.code: spec
        for spec in (
            FormSpec(
                "01",
                "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
                "TNHS",
                ReceiptContext,
                "form01.html",
            ),
            FormSpec(
                "02",
                "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
                "HDHS",
                SupplementRequestContext,
                "form02.html",
            ),
            FormSpec(
                "03",
                "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
                "TCHS",
                RefusalContext,
                "form03.html",
            ),
            FormSpec(
                "04",
                "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết",
                "PXL",
                ApologyContext,
                "form04.html",
            ),
            FormSpec(
                "05",
                "Thông báo dừng giải quyết hồ sơ",
                "TB",
                StopNoticeContext,
                "form05.html",
            ),
            FormSpec(
                "06",
                "Phiếu kiểm soát quá trình giải quyết hồ sơ",
                None,
                ProcessControlContext,
                "form06.html",
            ),
            FormSpec("07", "Sổ theo dõi hồ sơ", None, RegisterContext, "form07.html"),
        )
    }
)


@dataclass(frozen=True, slots=True)
class _Head:
    governing_body: str
    unit_name: str
    number: str | None  # the whole "Số: …" text
    date_line: str | None
    code: str | None  # dossier code, for the PDF title


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("onestop.forms", "templates"),
        autoescape=True,  # applicant text must never become markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["vn_date"] = formatting.vn_date
    env.filters["vn_datetime"] = formatting.vn_datetime
    env.filters["short_datetime"] = formatting.short_datetime
    env.filters["money"] = formatting.money
    env.filters["number"] = formatting.number
    return env


_ENV = _environment()


def spec_for(form: str, context: object) -> FormSpec:
    """The form's spec; ``ValueError`` for an unknown form, ``TypeError`` for a wrong context."""
    spec = FORMS.get(form)
    if spec is None:
        raise ValueError(f"unknown form {form!r}; expected one of {', '.join(FORMS)}")
    if not isinstance(context, spec.context_type):
        raise TypeError(
            f"form {form} needs a {spec.context_type.__name__}, got {type(context).__name__}"
        )
    return spec


def _head(spec: FormSpec, context: FormContext) -> _Head:
    if isinstance(context, ProcessControlContext | RegisterContext):
        code = context.dossier_code if isinstance(context, ProcessControlContext) else None
        return _Head(context.governing_body, context.unit_name, None, None, code)
    letterhead: Letterhead = context.letterhead
    number = letterhead.number or f"……/{spec.number_suffix}"
    return _Head(
        governing_body=letterhead.governing_body,
        unit_name=letterhead.unit_name,
        number=f"Số: {number}",
        date_line=formatting.date_line(letterhead.place, letterhead.issued_at),
        code=context.dossier_code,
    )


def qr_data_uri(url: str) -> str:
    """PNG data URI of a QR code (error correction M, 4-module quiet zone) for ``url``."""
    qr = segno.make(url, error="m", boost_error=False)
    return qr.png_data_uri(scale=8, border=4)


def render_html(form: str, context: FormContext) -> str:
    """The form as a standalone HTML document (CSS inline, QR code as a data URI)."""
    spec = spec_for(form, context)
    extra: dict[str, str] = {}
    if isinstance(context, ReceiptContext):
        extra["qr_data_uri"] = qr_data_uri(context.lookup_url)
    template = _ENV.get_template(spec.template)
    return template.render(ctx=context, spec=spec, head=_head(spec, context), **extra)


def render_pdf(form: str, context: FormContext) -> bytes:
    """The form as an A4 PDF (Form 07 in landscape). Only data: URLs are fetched."""
    html = render_html(form, context)
    fetcher = URLFetcher(allowed_protocols={"data"})
    pdf = HTML(string=html, url_fetcher=fetcher).write_pdf()
    return cast(bytes, pdf)
