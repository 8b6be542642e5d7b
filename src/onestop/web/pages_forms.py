"""Printing a dossier's forms from the pages: the same service, renderer and signature as
``GET /api/v1/dossiers/{code}/forms/{form}.pdf``, authenticated by the session cookie (a link
clicked in the browser cannot carry the API's bearer token)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from onestop.forms.issue import issued_pdf
from onestop.http.deps import SessionDep
from onestop.web.session import WebUser
from onestop.web.templating import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)

FormNumber = Literal["01", "02", "03", "04", "05", "06"]


@router.get("/web/dossiers/{code}/forms/{form}.pdf")
async def form_pdf(
    request: Request,
    session: SessionDep,
    user: WebUser,
    code: Annotated[str, Path(min_length=1, max_length=60)],
    form: FormNumber,
    secret: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Form 01 prints the lookup secret (and its QR code) only when given, as on the receipt."""
    pdf = await issued_pdf(
        session,
        principal=user,
        code=code,
        form=form,
        secret=secret,
        public_base_url=request.app.state.settings.public_base_url,
        signers=request.app.state.signers,
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{code}-mau-{form}.pdf"',
            # the browser's own PDF viewer shows it; nothing may frame it
            "Content-Security-Policy": "frame-ancestors 'none'",
        },
    )
