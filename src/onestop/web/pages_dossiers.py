"""Dossier search, the dossier page (state, dates, step, timeline, due trace) and its registry.

An action posts its small form; the action service runs it as one transaction. A refusal (a rule,
a right, bad input) answers with the dossier page as it was, the form still open with what was
typed and the Vietnamese message of the domain error: nothing changed.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog import lookups
from onestop.core import clock
from onestop.core.errors import DomainError, NotFound
from onestop.dossiers import listing, reading
from onestop.dossiers.actions import registry
from onestop.dossiers.actions.apology.schemas import ApologyDraftCreate
from onestop.dossiers.actions.apology_drafts import service as drafts
from onestop.dossiers.models import Dossier
from onestop.dossiers.schemas import DossierEventRead, DossierRead
from onestop.dossiers.states import LABELS_VI, OPEN, Status
from onestop.http.deps import SessionDep
from onestop.integration import admin as integration_admin
from onestop.web import action_forms, dossier_files, dossier_view, procedures, validation
from onestop.web.clocks import clock_chip
from onestop.web.formatting import split_message
from onestop.web.session import SameOrigin, WebUser, is_htmx
from onestop.web.templating import WebRoute, render

router = APIRouter(route_class=WebRoute, include_in_schema=False)

CodePath = Annotated[str, Path(min_length=1, max_length=60)]
PAGE_SIZE = 25
OPEN_FILTER = "open"
STATUS_OPTIONS = [(OPEN_FILTER, "Đang giải quyết (mã 1, 2, 4, 5, 6)")] + [
    (str(int(s)), f"{int(s)} · {LABELS_VI[s]}") for s in Status
]


def _status_filter(value: str) -> tuple[int, ...]:
    if value == OPEN_FILTER:
        return tuple(sorted(int(s) for s in OPEN))
    if value.isdigit():
        return (int(value),)
    return ()


@router.get("/web/dossiers")
async def dossier_list(
    request: Request,
    session: SessionDep,
    user: WebUser,
    status: Annotated[str, Query(max_length=10)] = "",
    procedure: Annotated[str, Query(max_length=60)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
    overdue: Annotated[bool, Query()] = False,
    cursor: Annotated[str, Query(max_length=512)] = "",
) -> Response:
    user.require(Right.DOSSIER_VIEW)
    filters = listing.Filters(
        status=_status_filter(status),
        procedure=procedure.strip() or None,
        q=q.strip() or None,
        overdue=True if overdue else None,
    )
    now = clock.now()
    problem = ""
    try:
        page = await listing.list_dossiers(
            session,
            principal=user,
            filters=filters,
            limit=PAGE_SIZE,
            cursor=cursor or None,
            now=now,
        )
        items, next_cursor = page.items, page.next_cursor
    except DomainError as exc:  # e.g. an unknown procedure code typed in the filter
        items, next_cursor, problem = [], None, exc.detail
    chips = {d.code: await clock_chip(session, d, now) for d in items}
    query = {
        k: v
        for k, v in (("status", status), ("procedure", procedure.strip()), ("q", q.strip()))
        if v
    }
    if overdue:
        query["overdue"] = "true"
    context = {
        "first_url": "/web/dossiers?" + urlencode(query),
        "next_url": "/web/dossiers?" + urlencode({**query, "cursor": next_cursor or ""}),
        "items": items,
        "chips": chips,
        "next_cursor": next_cursor,
        "cursor": cursor,
        "filters": {"status": status, "procedure": procedure, "q": q, "overdue": overdue},
        "status_options": STATUS_OPTIONS,
        "procedures": await procedures.catalog(request.app, session),
        "problem": problem,
        "now": now,
    }
    template = "_dossier_rows.html" if is_htmx(request) else "dossiers.html"
    return render(
        request,
        template,
        context,
        principal=user,
        active="dossiers",
        status_code=422 if problem else 200,
    )


async def _form_choices(
    session: AsyncSession,
    record: Dossier,
    user: Principal,
    dossier: DossierRead,
    form: action_forms.ActionForm,
) -> dict[str, Any]:
    """Choices a form needs: the units (transfer), the procedure's papers (supplement), the
    people of the step's unit (assign)."""
    extra: dict[str, Any] = {}
    kinds = {f.kind for f in form.fields}
    if "unit" in kinds:
        extra["units"] = [u for u in await lookups.all_units(session) if u.is_active]
    if "documents" in kinds:
        proc = await lookups.procedure_by_code(session, dossier.procedure.code)
        extra["documents"] = list(proc.version(dossier.procedure_version_id).documents)
    if "person" in kinds:
        extra["people"] = await dossier_view.people_to_assign(session, record, user, clock.now())
    return extra


def _defaults(form: action_forms.ActionForm, dossier: DossierRead) -> dict[str, Any]:
    values: dict[str, Any] = {f.name: [] if f.kind == "documents" else "" for f in form.fields}
    if form.name == "return":
        values["method"] = dossier.return_method
    if form.name == "finish":
        values["result"] = "approved"
    return values


def _form_links(events: list[DossierEventRead], dossier: DossierRead) -> list[tuple[str, str]]:
    happened = {e.type for e in events}
    numbers = {f.form_no for f in action_forms.FORMS.values() if f.form_no and f.name in happened}
    if dossier.received_at:
        numbers |= {"01", "06"}  # the receipt and the process-control sheet
    return [(no, action_forms.FORM_TITLES[no]) for no in sorted(numbers)]


async def _detail_page(
    request: Request,
    session: AsyncSession,
    user: Principal,
    code: str,
    *,
    open_action: str | None = None,
    values: dict[str, Any] | None = None,
    errors: list[str] | None = None,
    invalid: set[str] | None = None,
    field_errors: dict[str, str] | None = None,
    done: str | None = None,
    files_error: str = "",
    status_code: int = 200,
) -> Response:
    now = clock.now()
    dossier = await reading.read(session, principal=user, code=code, now=now)
    events = await reading.events(session, principal=user, code=code)
    record = await reading.load_visible(session, user, code)
    buttons, refused = await dossier_view.action_buttons(session, record, user, now)
    form = action_forms.FORMS.get(open_action) if open_action else None
    if form is not None and form.name not in {b.form.name for b in buttons}:
        form = None
    names = await dossier_view.names_of(session, events, dossier)
    context: dict[str, Any] = {
        "d": dossier,
        "events": await dossier_view.timeline(session, events, names),
        "handler_name": dossier_view.handler_name(dossier, names),
        "new_appointment": dossier_view.new_appointment(dossier, events),
        "buttons": buttons,
        "refused": refused,
        "form": form,
        "values": values or (_defaults(form, dossier) if form else {}),
        "errors": errors or [],
        "invalid": invalid or set(),
        "field_errors": field_errors or {},
        "banner": dossier_view.banner(code, done),
        "chip": await clock_chip(session, dossier, now),
        "form_links": _form_links(events, dossier),
        "files": await dossier_files.card(session, record, user, files_error),
        "sync": await integration_admin.sync_states(session, record.id),
        "now": now,
        "VN_DATETIME_PATTERN": action_forms.VN_DATETIME_PATTERN,
        "VN_DATETIME_HINT": action_forms.VN_DATETIME_HINT,
    }
    if form is not None:
        context.update(await _form_choices(session, record, user, dossier, form))
    template = "_dossier.html" if is_htmx(request) else "dossier.html"
    return render(
        request, template, context, principal=user, active="dossiers", status_code=status_code
    )


#: The dossier page with what a handler of another page's form adds (a refusal's message).
detail_page = _detail_page


@router.get("/web/dossiers/{code}")
async def dossier_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    code: CodePath,
    action: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    return await _detail_page(request, session, user, code, open_action=action)


@router.post("/web/dossiers/{code}/actions/{action}", dependencies=[SameOrigin])
async def perform_action(
    request: Request,
    session: SessionDep,
    user: WebUser,
    code: CodePath,
    action: Annotated[str, Path(max_length=40)],
) -> Response:
    form = action_forms.FORMS.get(action)
    spec = registry.ACTIONS.get(action)
    if form is None or (spec is None and action != action_forms.APOLOGY_DRAFT):
        raise NotFound(f"Không có thao tác '{action}' (unknown action)", code="unknown-action")
    values = action_forms.values_from(form, await request.form())
    try:
        data = action_forms.to_data(form, values)
        if spec is None:  # the officer's draft, for the leader to sign in the inbox
            draft = ApologyDraftCreate.model_validate(data)
            await drafts.create(session, principal=user, code=code, body=draft, at=clock.now())
        else:
            body = spec.body.model_validate(data)
            await registry.perform(
                session, code=code, name=action, body=body, principal=user, at=clock.now()
            )
    except ValidationError as exc:
        errors = validation.messages(exc, action_forms.labels(form))
        invalid = {path.split(".")[0] for path in validation.error_fields(exc)}
        return await _detail_page(
            request,
            session,
            user,
            code,
            open_action=action,
            values=values,
            errors=errors,
            invalid=invalid,
            status_code=422,
        )
    except DomainError as exc:
        await session.rollback()
        if isinstance(exc, NotFound) and exc.code == "unknown-dossier":
            raise
        field = action_forms.field_of(form, exc.code)
        return await _detail_page(
            request,
            session,
            user,
            code,
            open_action=action,
            values=values,
            errors=[] if field else [exc.detail],
            invalid={field} if field else set(),
            field_errors={field: split_message(exc.detail)[0]} if field else {},
            status_code=exc.status,
        )
    return await _detail_page(request, session, user, code, done=action)
