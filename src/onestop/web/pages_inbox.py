"""The leader's inbox (``/web/hop-thu``): apology drafts awaiting the leader's signature ("Thư xin
lỗi chờ ký"), which the leader signs or returns here; dossiers that need an apology (Form 04), most
urgent first (by due instant: the last moment an apology is still on time is one working day
before it); and "không hài lòng" ratings awaiting the follow-up, which the leader records here.
The count of all three is the menu badge (``/web/hop-thu/dem``, loaded by htmx).

Signing and returning call the same service as the API (``apology_drafts``); a refusal shows the
inbox again with the Vietnamese message, nothing changed.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog.snapshots import ScopeUnit
from onestop.core import clock
from onestop.core.errors import DomainError, NotFound
from onestop.dossiers.actions.apology.schemas import ApologyDraftReturn, ApologyDraftSign
from onestop.dossiers.actions.apology_drafts import service as drafts
from onestop.http.deps import SessionDep
from onestop.metrics import dashboard, periods
from onestop.metrics.satisfaction import (
    followup as satisfaction_followup,
    report as satisfaction_report,
)
from onestop.web import validation
from onestop.web.session import SameOrigin, WebUser
from onestop.web.templating import WebRoute, render

router = APIRouter(route_class=WebRoute, include_in_schema=False)

LIST_SIZE = 100
DraftId = Annotated[int, Path(ge=1, le=2**63 - 1)]
CodePath = Annotated[str, Path(min_length=1, max_length=60)]
#: What the page says after a decision (``?xong=``).
DONE = {"ky": "Đã ký văn bản xin lỗi; hồ sơ đã được hẹn lại.", "tra": "Đã trả lại dự thảo."}
SIGN_LABELS = {"letter_number": "Số văn bản", "signer_title": "Chức danh người ký"}
RETURN_LABELS = {"note": "Nội dung cần sửa"}


async def _unit(session: SessionDep, user: Principal) -> ScopeUnit:
    user.require(Right.DOSSIER_SIGN)
    return await periods.report_unit(session, user, None)


@router.get("/web/hop-thu")
async def inbox(
    request: Request,
    session: SessionDep,
    user: WebUser,
    saved: int = 0,
    xong: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    return await _inbox_page(request, session, user, saved=saved == 1, done=DONE.get(xong, ""))


async def _inbox_page(
    request: Request,
    session: SessionDep,
    user: Principal,
    *,
    saved: bool = False,
    done: str = "",
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    u = await _unit(session, user)
    now = clock.now()
    waiting = await drafts.awaiting_signature(session, principal=user, limit=LIST_SIZE, cursor=None)
    apologies, more = await dashboard.open_dossiers(
        session, "apology_due", u, now, limit=LIST_SIZE, cursor=None
    )
    page = await satisfaction_report.followups(
        session, unit=u, open_only=True, limit=LIST_SIZE, cursor=None
    )
    context: dict[str, Any] = {
        "unit": u,
        "drafts": waiting.items,
        "drafts_more": waiting.next_cursor is not None,
        "draft_errors": errors or [],
        "apologies": apologies,
        "apologies_more": more is not None,
        "followups": page.items,
        "followup_count": await satisfaction_followup.open_count(session, u),
        "personal": user.can(Right.PERSONAL_DATA_VIEW),
        "can_record": True,
        "saved": saved,
        "done": done,
    }
    return render(
        request, "hop_thu.html", context, principal=user, active="inbox", status_code=status_code
    )


@router.get("/web/hop-thu/dem")
async def badge(session: SessionDep, user: WebUser) -> Response:
    """The menu badge: apology drafts to sign, dossiers needing an apology, open follow-ups."""
    u = await _unit(session, user)
    n = await dashboard.open_count(session, "apology_due", u, clock.now())
    n += await satisfaction_followup.open_count(session, u)
    n += await drafts.awaiting_count(session, u.id)
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


@router.post("/web/hop-thu/xin-loi/{code}/{draft_id}/ky", dependencies=[SameOrigin])
async def sign_draft(
    request: Request,
    session: SessionDep,
    user: WebUser,
    code: CodePath,
    draft_id: DraftId,
    letter_number: Annotated[str, Form(max_length=60)] = "",
    signer_title: Annotated[str, Form(max_length=255)] = "",
) -> Response:
    """The leader signs the draft: the apology is issued with its content."""
    fields = {"letter_number": letter_number, "signer_title": signer_title}
    try:
        body = ApologyDraftSign.model_validate({k: v for k, v in fields.items() if v.strip()})
        await drafts.sign(
            session, principal=user, code=code, draft_id=draft_id, body=body, at=clock.now()
        )
    except (ValidationError, DomainError) as exc:
        return await _refused(request, session, user, exc, SIGN_LABELS)
    return RedirectResponse("/web/hop-thu?xong=ky", status_code=303)


@router.post("/web/hop-thu/xin-loi/{code}/{draft_id}/tra-lai", dependencies=[SameOrigin])
async def return_draft(
    request: Request,
    session: SessionDep,
    user: WebUser,
    code: CodePath,
    draft_id: DraftId,
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """The leader returns the draft to the officers with what to change."""
    try:
        body = ApologyDraftReturn.model_validate({"note": note})
        await drafts.send_back(
            session, principal=user, code=code, draft_id=draft_id, body=body, at=clock.now()
        )
    except (ValidationError, DomainError) as exc:
        return await _refused(request, session, user, exc, RETURN_LABELS)
    return RedirectResponse("/web/hop-thu?xong=tra", status_code=303)


async def _refused(
    request: Request,
    session: SessionDep,
    user: Principal,
    exc: ValidationError | DomainError,
    labels: dict[str, str],
) -> Response:
    """The inbox again with the message above the drafts; nothing changed (an unknown or
    unseen dossier or draft is the 404 page)."""
    if isinstance(exc, NotFound):
        raise exc
    if isinstance(exc, ValidationError):
        messages, status = validation.messages(exc, labels), 422
    else:
        messages, status = [exc.detail], exc.status
    return await _inbox_page(request, session, user, errors=messages, status_code=status)
