"""The clerk's counter screen: pick a procedure, type the applicant, tick the papers, receive.

A successful intake answers with a fresh form beside the receipt (code, appointment, lookup
secret, the link to Form 01 and the due-date trace); a refused one answers with the form as typed
and a Vietnamese message, and nothing is written (the intake service is one transaction).
Each rendered form carries a token used as the intake's Idempotency-Key, so a double Enter at a
busy counter gives the same receipt instead of a second dossier.

Every error is shown at once, each next to its field (the caret on the first), with nothing
saved. Nothing is filed without review: the form's first (default) button is "Xem lại", so Enter
in any field shows the summary and the confirm button; only "Xác nhận tiếp nhận" (``step=confirm``,
of the values reviewed) files the dossier.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog import lookups
from onestop.core import clock
from onestop.core.errors import DomainError
from onestop.dossiers import deadlines, listing
from onestop.dossiers.intake import write as intake_write
from onestop.dossiers.schemas import DossierSummary, IntakeReceipt
from onestop.http.deps import SessionDep
from onestop.web import intake_form, procedures, validation
from onestop.web.formatting import split_message
from onestop.web.session import SameOrigin, WebUser, is_htmx
from onestop.web.templating import WebRoute, render

router = APIRouter(route_class=WebRoute, include_in_schema=False)

IDEMPOTENCY_PREFIX = "web-counter:"
RECENT = 6
#: Fields in page order: the caret goes to the first one in error.
FOCUS_ORDER = (
    "procedure",
    "competent_unit",
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
    "applicant_address",
    "applicant_email",
    "documents",
    "channel",
    "return_method",
)


def _token() -> str:
    return secrets.token_urlsafe(18)


async def _chosen(
    session: AsyncSession, code: str, principal: Principal
) -> tuple[procedures.Chosen | None, str]:
    if not code:
        return None, ""
    try:
        return await procedures.chosen(session, code, principal), ""
    except DomainError as exc:
        return None, exc.detail


async def _recent(session: AsyncSession, principal: Principal) -> list[DossierSummary]:
    """Today's latest dossiers received at the clerk's own counter."""
    if principal.unit_code is None or not principal.can(Right.DOSSIER_VIEW):
        return []
    filters = listing.Filters(
        unit=principal.unit_code, unit_role="receiving", received_from=clock.local_today()
    )
    page = await listing.list_dossiers(
        session, principal=principal, filters=filters, limit=RECENT, cursor=None, now=clock.now()
    )
    return page.items


async def _explanation(session: AsyncSession, receipt: IntakeReceipt) -> dict[str, Any] | None:
    """The day-by-day trace of the appointment (the same engine call as the dossier page)."""
    if receipt.received_at is None:
        return None
    unit = await lookups.unit_by_code(session, receipt.competent_unit.code)
    proc = await lookups.procedure_by_code(session, receipt.procedure.code)
    version = proc.version(receipt.procedure_version_id)
    cal = await lookups.calendar_for(session, unit)
    return deadlines.explain(cal, receipt.received_at, version.limit, (), version.supplement_policy)


async def _page(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    *,
    values: dict[str, Any],
    chosen: procedures.Chosen | None,
    errors: list[str] | None = None,
    error_fields: set[str] | None = None,
    field_errors: dict[str, str] | None = None,
    review: dict[str, Any] | None = None,
    receipt: IntakeReceipt | None = None,
    replayed: bool = False,
    status_code: int = 200,
) -> Response:
    fields = (error_fields or set()) | set(field_errors or ())
    focus = next((f for f in FOCUS_ORDER if f in fields), "alert" if errors else "")
    if review is not None and not fields:
        focus = "confirm"
    if not focus and receipt is None:
        focus = "procedure" if chosen is None else "applicant_name"
    context = {
        "focus": focus,
        "values": values,
        "chosen": chosen,
        "errors": errors or [],
        "error_fields": fields,
        "field_errors": field_errors or {},
        "review": review,
        "receipt": receipt,
        "replayed": replayed,
        "explanation": await _explanation(session, receipt) if receipt else None,
        "recent": await _recent(session, principal),
        "channels": intake_form.CHANNELS,
        "return_methods": intake_form.RETURN_METHODS,
        "now": clock.now(),
    }
    template = "_counter.html" if is_htmx(request) else "counter.html"
    return render(
        request,
        template,
        context,
        principal=principal,
        status_code=status_code,
        active="counter",
    )


@router.get("/web/counter")
async def counter(
    request: Request,
    session: SessionDep,
    user: WebUser,
    procedure: Annotated[str, Query(max_length=60)] = "",
) -> Response:
    user.require(Right.DOSSIER_INTAKE)
    values = intake_form.empty_values()
    values["form_token"] = _token()
    chosen, problem = await _chosen(session, procedure.strip(), user)
    if chosen is not None:
        values.update(procedure=chosen.code, competent_unit=chosen.default_unit)
    return await _page(
        request,
        session,
        user,
        values=values,
        chosen=chosen,
        errors=[problem] if problem else None,
    )


@router.get("/web/counter/procedures")
async def procedure_results(
    request: Request,
    session: SessionDep,
    user: WebUser,
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """Type-ahead results (an htmx fragment)."""
    user.require(Right.DOSSIER_INTAKE)
    entries = await procedures.catalog(request.app, session)
    found = procedures.search(entries, q) if q.strip() else []
    return render(
        request,
        "_procedure_results.html",
        {"results": found, "q": q.strip()},
        principal=user,
    )


@router.get("/web/counter/procedure")
async def procedure_chosen(
    request: Request,
    session: SessionDep,
    user: WebUser,
    code: Annotated[str, Query(max_length=60)] = "",
) -> Response:
    """The chosen procedure's card, competent units and papers (htmx), or the page with it."""
    user.require(Right.DOSSIER_INTAKE)
    if not is_htmx(request):
        return RedirectResponse(f"/web/counter?procedure={quote(code, safe='')}", status_code=303)
    chosen, problem = await _chosen(session, code.strip(), user)
    values = intake_form.empty_values()
    if chosen is not None:
        values.update(procedure=chosen.code, competent_unit=chosen.default_unit)
    return render(
        request,
        "_procedure_chosen.html",
        {
            "chosen": chosen,
            "values": values,
            "error_fields": set(),
            "focus": "",
            "problem": problem,
        },
        principal=user,
        status_code=200 if chosen is not None else 422,
    )


def _check(
    values: dict[str, Any], chosen: procedures.Chosen | None, problem: str
) -> dict[str, str]:
    """Every problem of the form at once: form field → Vietnamese message (empty: all good)."""
    found: dict[str, str] = {}
    try:
        intake_form.to_body(values)
    except ValidationError as exc:
        found = validation.field_messages(exc, intake_form.FIELD_PATHS)
    if not values["procedure"]:
        found["procedure"] = intake_form.NO_PROCEDURE
    elif problem:
        found["procedure"] = split_message(problem)[0]
    if chosen is not None:
        ticked = set(values["documents"])
        missing = [d for d in chosen.documents if d.get("required") and d.get("code") not in ticked]
        if missing:
            names = ", ".join(f"{d.get('code')} ({d.get('name')})" for d in missing)
            found["documents"] = f"thiếu giấy tờ bắt buộc: {names}"
    return {f: found[f] for f in (*FOCUS_ORDER, *found) if f in found}


def _summary(field_errors: dict[str, str]) -> list[str]:
    labels = {name: intake_form.LABELS.get(path, path) for name, path in FIELD_LABELS.items()}
    return [f"{labels.get(name, name)}: {text}" for name, text in field_errors.items()]


#: Form field → the key of its label in ``intake_form.LABELS``.
FIELD_LABELS = {**intake_form.FIELD_PATHS, "documents": "documents"}


def _review(values: dict[str, Any], chosen: procedures.Chosen) -> dict[str, Any]:
    """What the clerk confirms: the procedure, the applicant and the papers ticked."""
    ticked = set(values["documents"])
    unit = next((u.name for u in chosen.units if u.code == values["competent_unit"]), "")
    return {
        "hash": intake_form.review_hash(values),
        "procedure": f"{chosen.code} — {chosen.name}",
        "unit": unit,
        "documents": [str(d.get("name")) for d in chosen.documents if d.get("code") in ticked],
        "channel": dict(intake_form.CHANNELS).get(values["channel"], values["channel"]),
        "return_method": dict(intake_form.RETURN_METHODS).get(
            values["return_method"], values["return_method"]
        ),
    }


@router.post("/web/counter/intake", dependencies=[SameOrigin])
async def intake(request: Request, session: SessionDep, user: WebUser) -> Response:
    user.require(Right.DOSSIER_INTAKE)
    values = intake_form.values_from(await request.form())
    chosen, problem = await _chosen(session, values["procedure"], user)
    field_errors = _check(values, chosen, problem)
    if field_errors or chosen is None:
        return await _page(
            request,
            session,
            user,
            values=values,
            chosen=chosen,
            errors=_summary(field_errors),
            field_errors=field_errors,
            status_code=422,
        )
    reviewed = values["reviewed"]
    if values["step"] != "confirm" or (reviewed and reviewed != intake_form.review_hash(values)):
        # Enter in a field (the default button), or values changed since the review: show the
        # summary with the confirm button; nothing is saved.
        return await _page(
            request, session, user, values=values, chosen=chosen, review=_review(values, chosen)
        )
    try:
        outcome = await intake_write.submit(
            session,
            principal=user,
            body=intake_form.to_body(values),
            at=clock.now(),
            server_key=request.app.state.settings.secret_key,
            idempotency_key=IDEMPOTENCY_PREFIX + values["form_token"]
            if values["form_token"]
            else None,
        )
    except DomainError as exc:
        await session.rollback()
        marked = {"documents"} if exc.code == "missing-documents" else set()
        if exc.code in {"procedure-required", "unknown-procedure"}:
            marked = {"procedure"}
        return await _page(
            request,
            session,
            user,
            values=values,
            chosen=chosen,
            errors=[exc.detail],
            error_fields=marked,
            status_code=exc.status,
        )
    fresh = intake_form.empty_values()
    fresh["form_token"] = _token()
    return await _page(
        request,
        session,
        user,
        values=fresh,
        chosen=None,
        receipt=outcome.receipt,
        replayed=outcome.replayed,
        status_code=201 if not outcome.replayed else 200,
    )
