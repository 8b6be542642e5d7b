"""Reception and supplement actions: accept (1 → 2), refuse (1 → 3), request-supplement (Form 02:
guidance before receipt, or once while processing, pausing the clock) and supplement-received."""

from __future__ import annotations

from sqlalchemy import select

from onestop.catalog.lookups import VersionInfo
from onestop.core import clock
from onestop.core.errors import Forbidden, RuleViolation
from onestop.dossiers import deadlines
from onestop.dossiers.actions import rights
from onestop.dossiers.actions.context import ActionContext, ActionSpec
from onestop.dossiers.actions.schemas import (
    AcceptBody,
    RefuseBody,
    SupplementReceivedBody,
    SupplementRequestBody,
)
from onestop.dossiers.actions.steps import open_step
from onestop.dossiers.intake import prepare as intake_prepare
from onestop.dossiers.models import Dossier, DossierPause, DossierStep
from onestop.dossiers.states import Status


def _not_awaiting(d: Dossier) -> bool:
    return not d.awaiting_supplement


def _awaiting(d: Dossier) -> bool:
    return d.awaiting_supplement


async def _version_in_force(ctx: ActionContext) -> VersionInfo:
    return (await ctx.procedure()).version_on(clock.local_date(ctx.at))


async def documents_complete(ctx: ActionContext) -> None:
    """A dossier is received only with the papers the version in force requires."""
    version = await _version_in_force(ctx)
    intake_prepare.require_documents(
        version, {str(doc.get("code")) for doc in ctx.dossier.documents}
    )


async def accept(ctx: ActionContext, body: AcceptBody) -> None:
    """Receive an online / postal dossier: the clock starts now (Form 01)."""
    d = ctx.dossier
    await documents_complete(ctx)
    version = await _version_in_force(ctx)
    competent = await ctx.unit(d.competent_unit_id)
    cal = await ctx.calendar(competent.id)
    due_at = deadlines.due(cal, ctx.at, version.limit)
    d.procedure_version_id = version.id
    d.received_at = ctx.at
    d.due_at_original = d.due_at = d.appointment_at = due_at
    d.calendar_fingerprint = cal.fingerprint
    receiving = await ctx.unit(d.receiving_unit_id)
    values = intake_prepare.reception_step(
        version, receiving, await ctx.calendar(receiving.id), ctx.at, ctx.actor
    )
    step = DossierStep(**values, dossier_id=d.id)
    ctx.session.add(step)
    d.current_step_seq = step.seq
    d.current_unit_id = step.unit_id
    d.handler_id = step.handler_id
    ctx.payload.update(
        {
            "procedure_version_id": version.id,
            "limit": version.limit.to_dict(),
            "due_at": deadlines.iso(due_at),
            "calendar_fingerprint": cal.fingerprint,
            "late_to_accept": bool(d.accept_due_at and ctx.at > d.accept_due_at),
            "started_step": {"seq": step.seq, "name": step.name, "kind": step.kind},
            "note": body.note,
        }
    )


async def refuse(ctx: ActionContext, body: RefuseBody) -> None:
    """Refuse to receive (Form 03); the reason is mandatory."""
    d = ctx.dossier
    d.end_reason = body.reason
    d.awaiting_supplement = False
    ctx.payload.update({"reason": body.reason, "legal_basis": body.legal_basis, "note": body.note})


def _requests_made(ctx: ActionContext) -> int:
    """Supplement requests already made at this stage (reception guidance, or processing)."""
    d = ctx.dossier
    if ctx.from_status == Status.SUBMITTED:
        return d.reception_supplement_count
    return d.supplement_count


def _supplement_limit(done: int) -> RuleViolation:
    return RuleViolation(
        "Chỉ được yêu cầu bổ sung hồ sơ một lần; lần thứ hai cần lãnh đạo cho phép và nêu"
        " lý do (a supplement may be requested once; a second needs a leader's override"
        " with a reason)",
        code="supplement-limit",
        supplement_count=done,
    )


async def second_request_allowed(ctx: ActionContext) -> None:
    """After one request at this stage, only a leader who may override asks again."""
    done = _requests_made(ctx)
    if done < 1 or ctx.principal is None:
        return
    try:
        await rights.override(ctx)
    except Forbidden:
        raise _supplement_limit(done) from None


async def request_supplement(ctx: ActionContext, body: SupplementRequestBody) -> None:
    """Form 02. Before receipt: written guidance (the clock has not started). While processing: at
    most once; a second request needs a leader's override and makes the dossier count late."""
    d = ctx.dossier
    reception = ctx.from_status == Status.SUBMITTED
    done = _requests_made(ctx)
    if done >= 1:
        if body.override_reason is None:
            raise _supplement_limit(done)
        if ctx.principal is not None:
            await rights.override(ctx)
        if not reception:
            d.late_flag = True
    d.awaiting_supplement = True
    if reception:
        d.reception_supplement_count += 1
    else:
        d.supplement_count += 1
        d.pause_started_at, d.pause_ended_at = ctx.at, None
        ctx.session.add(
            DossierPause(
                dossier_id=d.id, kind="supplement", started_at=ctx.at, started_event_seq=ctx.seq
            )
        )
    ctx.payload.update(
        {
            "stage": "reception" if reception else "processing",
            "number": done + 1,
            "items": body.items,
            "reason": body.reason,
            "legal_basis": body.legal_basis,
            "contact": body.contact,
            "deadline_days": body.deadline_days,
            "override_reason": body.override_reason,
            "counts_late": d.late_flag,
            "due_at_before": deadlines.iso(d.due_at),
        }
    )


async def supplement_received(ctx: ActionContext, body: SupplementReceivedBody) -> None:
    """The applicant brought what was asked. While processing, the clock runs again: due_at moves
    by the paused working time (or restarts, per the version); due_at_original never moves."""
    d = ctx.dossier
    d.awaiting_supplement = False
    version = await ctx.version()
    if body.documents:
        added = intake_prepare.describe_documents(version, body.documents)
        d.documents = [*d.documents, *added]
    ctx.payload.update({"documents": [doc.code for doc in body.documents], "note": body.note})
    if ctx.from_status == Status.SUBMITTED:
        ctx.payload["stage"] = "reception"
        return
    pauses = list(
        (
            await ctx.session.execute(
                select(DossierPause)
                .where(DossierPause.dossier_id == d.id)
                .order_by(DossierPause.started_at)
            )
        ).scalars()
    )
    current = next(p for p in pauses if p.ended_at is None)
    current.ended_at = ctx.at
    current.ended_event_seq = ctx.seq
    d.pause_ended_at = ctx.at
    spans = [(p.started_at, p.ended_at) for p in pauses if p.ended_at is not None]
    policy = version.supplement_policy
    cal = await ctx.calendar(d.competent_unit_id)
    assert d.received_at is not None
    before = d.due_at
    d.due_at = deadlines.due(cal, d.received_at, version.limit, spans, policy)
    if d.appointment_at is None or d.appointment_at == before:
        d.appointment_at = d.due_at
    step = await open_step(ctx)
    if step is not None and step.budget_hours:
        step_cal = await ctx.calendar(step.unit_id)
        step.due_at = deadlines.due(
            step_cal, step.started_at, deadlines.step_limit(step.budget_hours), spans, "pause"
        )
    ctx.payload.update(
        {
            "stage": "processing",
            "pause": {"from": deadlines.iso(current.started_at), "to": deadlines.iso(ctx.at)},
            "policy": policy,
            "due_at_before": deadlines.iso(before),
            "due_at": deadlines.iso(d.due_at),
            "due_at_original": deadlines.iso(d.due_at_original),
        }
    )


#: The actions this module handles, for the registry.
ACTIONS = (
    ActionSpec.of(
        "accept",
        AcceptBody,
        accept,
        authorize=rights.reception,
        guard=_not_awaiting,
        precheck=documents_complete,
    ),
    ActionSpec.of("refuse", RefuseBody, refuse, authorize=rights.reception),
    ActionSpec.of(
        "request-supplement",
        SupplementRequestBody,
        request_supplement,
        authorize=rights.supplement,
        guard=_not_awaiting,
        precheck=second_request_allowed,
    ),
    ActionSpec.of(
        "supplement-received",
        SupplementReceivedBody,
        supplement_received,
        authorize=rights.supplement_received,
        guard=_awaiting,
    ),
)
