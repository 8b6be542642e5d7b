"""HTTP routes of the apology drafts: an officer drafts, the issuing unit's leader lists, signs
or returns (``drafts`` holds the rules; these routes only translate)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path

from onestop.auth.dependencies import CurrentPrincipal
from onestop.core import clock
from onestop.core.paging import MAX_ROW_ID, Page
from onestop.dossiers.actions.apology.schemas import (
    ApologyDraftCreate,
    ApologyDraftRead,
    ApologyDraftReturn,
    ApologyDraftSign,
)
from onestop.dossiers.actions.apology_drafts import service as drafts
from onestop.http.deps import CursorQuery, LimitQuery, SessionDep

router = APIRouter(tags=["dossiers"])
DraftId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


@router.post(
    "/dossiers/{code}/apology-drafts",
    status_code=201,
    summary="Draft the apology (Form 04) for the issuing unit's leader to sign",
)
async def create_apology_draft(
    code: str, body: ApologyDraftCreate, session: SessionDep, principal: CurrentPrincipal
) -> ApologyDraftRead:
    """An officer (a user with ``dossier:process`` who can see the dossier) drafts the apology
    letter (Form 04) with its reason and new appointment for the issuing unit's leader to sign; the
    content is checked now, so a draft that could never be signed is refused. A dossier whose state
    allows no apology answers 409, as does a second draft while one is pending."""
    return await drafts.create(session, principal=principal, code=code, body=body, at=clock.now())


@router.get(
    "/apology-drafts",
    summary="Apology drafts awaiting the caller's signature (leaders of the issuing unit)",
)
async def list_apology_drafts(
    session: SessionDep,
    principal: CurrentPrincipal,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[ApologyDraftRead]:
    """The pending drafts whose issuing unit is the caller's own unit, for a leader with
    ``dossier:sign``, oldest first, a page at a time (``next_cursor``)."""
    return await drafts.awaiting_signature(session, principal=principal, limit=limit, cursor=cursor)


@router.post(
    "/dossiers/{code}/apology-drafts/{draft_id}/sign",
    summary="Sign the draft: issues the apology (the apologize action) with its content",
)
async def sign_apology_draft(
    code: str,
    draft_id: DraftId,
    session: SessionDep,
    principal: CurrentPrincipal,
    body: Annotated[ApologyDraftSign | None, Body()] = None,
) -> ApologyDraftRead:
    """A leader with ``dossier:sign`` signs a pending draft: the ``apologize`` action runs with the
    draft's reason and appointment (every rule of a letter issued directly applies) and the draft
    is marked signed in the same transaction. An optional letter number and signer title may be
    added; a draft already signed or returned answers 409, an unknown one 404."""
    return await drafts.sign(
        session,
        principal=principal,
        code=code,
        draft_id=draft_id,
        body=body or ApologyDraftSign(),
        at=clock.now(),
    )


@router.post(
    "/dossiers/{code}/apology-drafts/{draft_id}/return",
    summary="Return the draft to the officers with a note (the dossier does not change)",
)
async def return_apology_draft(
    code: str,
    draft_id: DraftId,
    body: ApologyDraftReturn,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> ApologyDraftRead:
    """A leader with ``dossier:sign`` returns a pending draft to the officers with a note; the
    dossier does not change and the draft stays on record (the officer drafts anew). A draft
    already decided answers 409."""
    return await drafts.send_back(
        session, principal=principal, code=code, draft_id=draft_id, body=body, at=clock.now()
    )
