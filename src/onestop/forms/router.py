"""Printable forms of a dossier (01–06) and the unit register (07) as PDF or XLSX."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import anyio
from fastapi import APIRouter, Query, Request, Response

from onestop.auth.dependencies import CurrentPrincipal
from onestop.forms import register_xlsx, render_pdf, service_register
from onestop.forms.issue import issued_pdf
from onestop.http.deps import SessionDep

router = APIRouter(tags=["forms"])

PDF = {"content": {"application/pdf": {}}, "description": "The form as an A4 PDF"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _file(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@router.get(
    "/dossiers/{code}/forms/{form}.pdf",
    response_class=Response,
    responses={200: PDF},
    summary="Print Form 01–06 of a dossier (Circular 03/2025/TT-VPCP), signed (PAdES) when the"
    " issuing unit has a signing certificate",
)
async def dossier_form_pdf(
    code: str,
    form: Literal["01", "02", "03", "04", "05", "06"],
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    secret: Annotated[
        str | None,
        Query(max_length=64, description="Form 01: the lookup secret to print and put in the QR"),
    ] = None,
) -> Response:
    """The form filled from the dossier's record as an A4 PDF, signed (PAdES) by the issuing unit
    when it has a signing certificate; requires ``form:print`` and the dossier in the caller's unit
    scope. A form the dossier's history does not call for (e.g. Form 01 before receipt) answers 409
    ``form-not-applicable``; for Form 01 a ``secret`` that does not match the dossier answers
    422."""
    pdf = await issued_pdf(
        session,
        principal=principal,
        code=code,
        form=form,
        secret=secret,
        public_base_url=request.app.state.settings.public_base_url,
        signers=request.app.state.signers,
    )
    return _file(pdf, "application/pdf", f"{code}-mau-{form}.pdf")


@router.get(
    "/units/{code}/register.{fmt}",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, XLSX_TYPE: {}}}},
    summary="Form 07: the unit's register of dossiers received in a period",
)
async def unit_register(
    code: str,
    fmt: Literal["pdf", "xlsx"],
    session: SessionDep,
    principal: CurrentPrincipal,
    start: Annotated[dt.date, Query(alias="from", description="First local date, inclusive")],
    end: Annotated[dt.date, Query(alias="to", description="Last local date, inclusive")],
) -> Response:
    """Form 07, the register of the dossiers a unit received between two local dates (inclusive, at
    most a year), as a PDF or an XLSX workbook; requires ``form:print`` and the unit in the
    caller's unit scope. The register lists applicants, so it carries personal data."""
    context = await service_register.register(
        session, principal=principal, unit_code=code, start=start, end=end
    )
    name = f"so-theo-doi-{code}-{start:%Y%m%d}-{end:%Y%m%d}.{fmt}"
    if fmt == "xlsx":
        return _file(await anyio.to_thread.run_sync(register_xlsx, context), XLSX_TYPE, name)
    pdf = await anyio.to_thread.run_sync(render_pdf, "07", context)
    return _file(pdf, "application/pdf", name)
