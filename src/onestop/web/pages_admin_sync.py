"""Administrators' page of outgoing messages that fail: the dossiers whose sync to the national
portal, webhook or notification keeps failing or was given up (a dead letter), with when it
started, how many attempts, and the destination's last answer; a dead letter sent again.

It reads and acts through the API's own functions (``integration.admin``: the
``integration:manage`` right, the caller's unit scope), so the page and
``GET /api/v1/integration/failing`` list the same dossiers.
"""

from __future__ import annotations

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import RedirectResponse

from onestop.auth.rights import Right
from onestop.core import clock
from onestop.http.deps import SessionDep
from onestop.integration import admin
from onestop.web.admin_forms import ADMIN_PATH, page
from onestop.web.session import SameOrigin, WebUser
from onestop.web.templating import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)

SYNC = f"{ADMIN_PATH}/dong-bo"
#: Failing dossiers shown at most (the API pages through all of them).
SHOWN = 500


def window_words(seconds: float) -> str:
    """The retry window in words: ``3 ngày``, ``2 giờ``, ``10 phút``."""
    for unit, words in ((86_400, "ngày"), (3_600, "giờ")):
        if seconds >= unit and seconds % unit == 0:
            return f"{int(seconds // unit)} {words}"
    return f"{max(1, round(seconds / 60))} phút"


@router.get(SYNC)
async def failing(request: Request, session: SessionDep, user: WebUser) -> Response:
    user.require(Right.INTEGRATION_MANAGE)
    found = await admin.failing(session, principal=user, limit=SHOWN, cursor=None)
    context = {
        "items": found.items,
        "more": found.next_cursor is not None,
        "window": window_words(request.app.state.settings.outbox_retry_window_seconds),
    }
    return page(request, "admin_sync.html", context, principal=user, tab="sync")


@router.post(SYNC + "/{message_id}/gui-lai", dependencies=[SameOrigin])
async def replay(
    session: SessionDep, user: WebUser, message_id: int = Path(ge=1, le=2**62)
) -> Response:
    await admin.replay(session, principal=user, message_id=message_id, now=clock.now())
    return RedirectResponse(f"{SYNC}?xong=gui-lai", status_code=303)
