"""``POST /api/v1/signatures/verify``: anyone may check the signatures of a PDF (a form issued
here, or any signed PDF) against the trust roots configured on this server."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Request, UploadFile

from onestop.core import clock
from onestop.http.ratelimit import limit_signature_checks
from onestop.signing.schemas import VerificationResult
from onestop.signing.verify import check_pdf

router = APIRouter(tags=["signatures"])


async def read_upload(upload: UploadFile, max_bytes: int) -> bytes:
    """The file's bytes, at most one more than the limit (enough to tell it is too large)."""
    return await upload.read(max_bytes + 1)


@router.post(
    "/signatures/verify",
    response_model=VerificationResult,
    dependencies=[Depends(limit_signature_checks)],
    summary="Check every signature of an uploaded PDF: valid, signer, signing time, changed"
    " after signing",
)
async def verify_signatures(
    request: Request,
    file: Annotated[UploadFile, File(description="The PDF to check")],
) -> VerificationResult:
    """Check every signature of an uploaded PDF (a form issued here or any signed PDF) against the
    trust roots configured on this server, without fetching anything from the network: intact,
    certificate chain and validity, signer, signing time and whether the document was changed after
    signing. No login is needed; an empty file or one that is not a PDF answers 422, one over the
    size limit 413; checks are rate-limited per address (429 with ``Retry-After``)."""
    settings = request.app.state.settings
    max_bytes = settings.signature_check_max_bytes
    data = await read_upload(file, max_bytes)
    return await check_pdf(
        data, trust=request.app.state.trust_roots, max_bytes=max_bytes, at=clock.now()
    )
