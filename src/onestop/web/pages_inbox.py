"""The leader's inbox (``/web/hop-thu``): dossiers that need an apology (Form 04), most urgent
first (by due instant: the last moment an apology is still on time is one working day before it),
and "không hài lòng" ratings awaiting the follow-up, which the leader records here; the count of
both in the menu badge (``/web/hop-thu/dem``, loaded by htmx).

There is no draft-then-sign step for apologies in this service: the leader issues and signs the
letter in one action on the dossier page, which the list links to.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog.snapshots import ScopeUnit
from onestop.core import clock
from onestop.http.deps import SessionDep
from onestop.metrics import dashboard, periods
from onestop.metrics.satisfaction import (
    followup as satisfaction_followup,
    report as satisfaction_report,
)
from onestop.web.session import SameOrigin, WebUser
from onestop.web.templating import WebRoute, render

router = APIRouter(route_class=WebRoute, include_in_schema=False)

LIST_SIZE = 100


async def _unit(session: SessionDep, user: Principal) -> ScopeUnit:
    user.require(Right.DOSSIER_SIGN)
    return await periods.report_unit(session, user, None)


@router.get("/web/hop-thu")
async def inbox(request: Request, session: SessionDep, user: WebUser, saved: int = 0) -> Response:
    u = await _unit(session, user)
    now = clock.now()
    apologies, more = await dashboard.open_dossiers(
        session, "apology_due", u, now, limit=LIST_SIZE, cursor=None
    )
    page = await satisfaction_report.followups(
        session, unit=u, open_only=True, limit=LIST_SIZE, cursor=None
    )
    context = {
        "unit": u,
        "apologies": apologies,
        "apologies_more": more is not None,
        "followups": page.items,
        "followup_count": await satisfaction_followup.open_count(session, u),
        "personal": user.can(Right.PERSONAL_DATA_VIEW),
        "can_record": True,
        "saved": saved == 1,
    }
    return render(request, "hop_thu.html", context, principal=user, active="inbox")


@router.get("/web/hop-thu/dem")
async def badge(session: SessionDep, user: WebUser) -> Response:
    """The menu badge: dossiers needing an apology plus open follow-ups."""
    u = await _unit(session, user)
    n = await dashboard.open_count(session, "apology_due", u, clock.now())
    n += await satisfaction_followup.open_count(session, u)
    label = f"{n} việc cần xử lý"
    return HTMLResponse(
        f'<span class="badge" data-testid="inbox-badge" aria-label="{label}">{n}</span>'
    )


@router.post("/web/hop-thu/theo-doi/{task_id}", dependencies=[SameOrigin])
async def record_followup(
    session: SessionDep,
    user: WebUser,
    task_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    await satisfaction_followup.resolve(
        session, principal=user, task_id=task_id, note=note, at=clock.now()
    )
    return RedirectResponse("/web/hop-thu?saved=1", status_code=303)
