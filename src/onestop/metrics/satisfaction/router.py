"""``POST /api/v1/dossiers/{code}/rating``: the citizen's satisfaction rating (with the receipt's
secret, no login) or the clerk recording it at the counter (logged in).

The dossiers router declares one literal route per action (``/dossiers/{code}/accept``, …), no
catch-all ``/dossiers/{code}/{action}``, so ``rating`` is never taken for an action whatever the
mounting order."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from onestop.auth.dependencies import current_principal, oauth2_scheme
from onestop.auth.principal import Principal
from onestop.core import clock
from onestop.http.deps import SessionDep
from onestop.metrics.satisfaction import service as satisfaction_service
from onestop.metrics.schemas import RatingCreate, RatingRead

router = APIRouter()


async def optional_principal(
    request: Request,
    session: SessionDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal | None:
    """The caller when a bearer token is sent (an invalid one is still a 401), else None."""
    if not token:
        return None
    return await current_principal(request, session, token)


@router.post(
    "/dossiers/{code}/rating",
    tags=["dossiers", "public"],
    status_code=201,
    response_model=RatingRead,
    summary="Rate the service (Rất hài lòng / Hài lòng / Không hài lòng), once per dossier",
)
async def rate_dossier(
    code: str,
    body: RatingCreate,
    session: SessionDep,
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> RatingRead:
    """Record the one satisfaction rating of a dossier whose result is ready or returned (status 9
    or 10): either the citizen without login, with the receipt's lookup secret (a wrong secret
    answers the 404 of an unknown code), or a logged-in clerk with ``dossier:intake`` over the
    receiving or returning unit at the counter. A second rating answers 409; a "không hài lòng"
    opens a follow-up task for the competent unit's leader in the same transaction."""
    return await satisfaction_service.rate(
        session, code=code, body=body, principal=principal, at=clock.now()
    )
