"""Forms 01–07 of Circular 03/2025/TT-VPCP as A4 PDFs (and Form 07 as XLSX), from plain data.

Independent of the database and of HTTP: the caller builds a context dataclass
(``onestop.forms.contexts``) and calls ``render_pdf(form, context)``.
"""

from onestop.forms.contexts import (
    ApologyContext,
    Applicant,
    CopyType,
    Fee,
    FormContext,
    Letterhead,
    Outcome,
    PaymentStatus,
    ProcessControlContext,
    ProcessControlRow,
    ReceiptContext,
    ReceiptDocument,
    RefusalContext,
    RegisterContext,
    RegisterRow,
    Signer,
    StopNoticeContext,
    SupplementRequestContext,
)
from onestop.forms.register_xlsx import register_xlsx
from onestop.forms.render import FORMS, FormSpec, qr_data_uri, render_html, render_pdf, spec_for

__all__ = [
    "FORMS",
    "ApologyContext",
    "Applicant",
    "CopyType",
    "Fee",
    "FormContext",
    "FormSpec",
    "Letterhead",
    "Outcome",
    "PaymentStatus",
    "ProcessControlContext",
    "ProcessControlRow",
    "ReceiptContext",
    "ReceiptDocument",
    "RefusalContext",
    "RegisterContext",
    "RegisterRow",
    "Signer",
    "StopNoticeContext",
    "SupplementRequestContext",
    "qr_data_uri",
    "register_xlsx",
    "render_html",
    "render_pdf",
    "spec_for",
]
