"""Issuing a dossier's form as a PDF: filled from the database, rendered, and signed by the
issuing unit when it has a signer (``onestop.signing``; unsigned otherwise, as before)."""

from __future__ import annotations

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.principal import Principal
from onestop.core import clock
from onestop.forms import service
from onestop.forms.render import render_pdf
from onestop.signing import service as signing
from onestop.signing.directory import SignerDirectory


async def issued_pdf(
    session: AsyncSession,
    *,
    principal: Principal,
    code: str,
    form: str,
    secret: str | None,
    public_base_url: str,
    signers: SignerDirectory | None,
) -> bytes:
    issued = await service.issue_form(
        session,
        principal=principal,
        code=code,
        form=form,
        secret=secret,
        public_base_url=public_base_url,
    )
    pdf = await anyio.to_thread.run_sync(render_pdf, form, issued.context)  # WeasyPrint blocks
    return await signing.sign_issued(
        pdf,
        unit_code=issued.issuer.code,
        unit_name=issued.issuer.name,
        directory=signers,
        at=clock.now(),
    )
