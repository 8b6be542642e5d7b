"""HTTP routes of onestop.integration: the changes feed, a dossier's sync state, the
administrators' view of failing and dead outgoing messages, and the clients' webhooks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from onestop.auth.dependencies import CurrentPrincipal
from onestop.core import clock
from onestop.core.paging import DEFAULT_PAGE_SIZE, MAX_CURSOR_LENGTH, Page
from onestop.http.deps import CursorQuery, LimitQuery, SessionDep
from onestop.integration import admin, feed
from onestop.integration.notify import status as notify_status
from onestop.integration.schemas import ChangesPage, FailingDossier, MessageRead, SyncState
from onestop.integration.webhooks.router import router as webhooks_router

router = APIRouter()
router.include_router(webhooks_router)
TAG = "integration"

AfterQuery = Annotated[
    str | None,
    Query(
        max_length=MAX_CURSOR_LENGTH,
        description="Opaque position from a previous page's next_cursor (none: from the start)",
    ),
]


@router.get(
    "/changes",
    tags=[TAG],
    summary="Every dossier event the caller may see, in commit order, from a durable cursor",
    description="Events appear once every transaction that could still write before them has"
    " ended, so a client that resumes from ``next_cursor`` never misses one.",
)
async def list_changes(
    session: SessionDep,
    principal: CurrentPrincipal,
    after: AfterQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> ChangesPage:
    return await feed.changes(session, principal=principal, cursor=after, limit=limit)


@router.get(
    "/dossiers/{code}/sync",
    tags=[TAG],
    summary="The dossier's synchronisation with each destination (national portal)",
)
async def sync_state_of_dossier(
    code: str, session: SessionDep, principal: CurrentPrincipal
) -> list[SyncState]:
    """Per destination that has messages for the dossier (the national portal): ``synced``
    (everything delivered), ``not_synced`` (messages waiting, none failing) or ``failing`` (since
    when and the last error). Requires ``dossier:view`` and the dossier in the caller's unit scope
    (outside it, the 404 of an unknown code)."""
    return await admin.dossier_sync(session, principal=principal, code=code)


@router.get(
    "/dossiers/{code}/notifications",
    tags=[TAG],
    summary="The applicant's notifications of the dossier (e-mail, SMS): what, when, delivered",
    description="Recipients are masked.",
)
async def notifications_of_dossier(
    code: str, session: SessionDep, principal: CurrentPrincipal
) -> list[notify_status.NotificationRead]:
    return await notify_status.dossier_notifications(session, principal=principal, code=code)


@router.get(
    "/integration/dead-letters",
    tags=[TAG],
    summary="Outgoing messages that failed for their whole retry window (newest first)",
)
async def list_dead_letters(
    session: SessionDep,
    principal: CurrentPrincipal,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
    cursor: CursorQuery = None,
) -> Page[MessageRead]:
    """Outgoing messages that failed for their whole retry window, newest first, a page at a time
    (``next_cursor``); requires ``integration:manage`` and lists only messages of dossiers in the
    caller's unit scope."""
    return await admin.dead_letters(session, principal=principal, limit=limit, cursor=cursor)


@router.post(
    "/integration/dead-letters/{message_id}/replay",
    tags=[TAG],
    summary="Send a dead letter again (the dossier's later messages follow it)",
)
async def replay_dead_letter(
    session: SessionDep,
    principal: CurrentPrincipal,
    message_id: Annotated[int, Path(ge=1, le=2**62)],
) -> MessageRead:
    """Put a dead letter back in the queue as a fresh pending message due now (attempts and retry
    window start again); the dossier's later messages, held back behind it, follow once it is
    delivered. Requires ``integration:manage`` and the dossier in scope (404 otherwise); a message
    that is not dead answers 409."""
    return await admin.replay(session, principal=principal, message_id=message_id, now=clock.now())


@router.get(
    "/integration/failing",
    tags=[TAG],
    summary="Dossiers whose sync keeps failing or is dead-lettered",
)
async def list_failing(
    session: SessionDep,
    principal: CurrentPrincipal,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
    cursor: CursorQuery = None,
) -> Page[FailingDossier]:
    """The dossiers whose next outgoing message keeps failing or is dead, with the destination,
    attempts and last error, newest message first, a page at a time (``next_cursor``); requires
    ``integration:manage`` and lists only dossiers in the caller's unit scope."""
    return await admin.failing(session, principal=principal, limit=limit, cursor=cursor)


__all__ = ["router"]
