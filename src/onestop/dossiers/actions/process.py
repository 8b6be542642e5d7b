"""Processing actions: assign, transfer (next step or another agency), payment, finish, return,
withdraw and stop."""

from __future__ import annotations

from sqlalchemy import select

from onestop.auth.models import User
from onestop.catalog import lookups
from onestop.catalog.lookups import UnitInfo
from onestop.core.errors import RuleViolation
from onestop.dossiers import deadlines
from onestop.dossiers.actions import assignees, rights
from onestop.dossiers.actions.apology.service import require_apology
from onestop.dossiers.actions.context import ActionContext, ActionSpec, IllegalAction
from onestop.dossiers.actions.schemas import (
    AssignBody,
    FinishBody,
    PaymentReceivedBody,
    PaymentRequestBody,
    ReturnBody,
    StopBody,
    TransferBody,
    WithdrawBody,
)
from onestop.dossiers.actions.steps import end_step, kind_for, open_step, start_step, unit_for
from onestop.dossiers.models import DossierPause, DossierStep
from onestop.dossiers.states import Status


async def _handler(ctx: ActionContext, username: str, unit: UnitInfo, step_kind: str) -> User:
    return await assignees.require_handler(ctx.session, username, unit, step_kind)


async def assignment_target(ctx: ActionContext) -> tuple[DossierStep | None, UnitInfo, str]:
    """What an ``assign`` gives: the open step (if any), the unit whose users may take it, and
    the kind of work (the step's, else the competent unit's processing)."""
    step = await open_step(ctx)
    if step is None:
        return None, await ctx.unit(ctx.dossier.competent_unit_id), "competent"
    return step, await ctx.unit(step.unit_id), step.kind


async def assign(ctx: ActionContext, body: AssignBody) -> None:
    """Give the current step to an officer of its unit."""
    d = ctx.dossier
    step, unit, kind = await assignment_target(ctx)
    user = await _handler(ctx, body.handler, unit, kind)
    if step is not None:
        step.handler_id = user.id
    d.handler_id = user.id
    ctx.payload.update(
        {"handler": user.username, "step": step.seq if step else None, "note": body.note}
    )


async def transfer(ctx: ActionContext, body: TransferBody) -> None:
    """End the current step and start the next one of the internal procedure, or a step at
    another agency (liên thông) when ``to_unit`` is given."""
    d = ctx.dossier
    version = await ctx.version()
    current = await open_step(ctx)
    after = current.procedure_step_seq if current is not None else None
    from_unit_id = current.unit_id if current is not None else d.receiving_unit_id
    if body.to_unit is not None:
        unit = await lookups.unit_by_code(ctx.session, body.to_unit)
        spec = next(
            (s for s in version.steps if s.unit_id == unit.id and (after is None or s.seq > after)),
            None,
        )
        kind = "competent" if unit.id == d.competent_unit_id else "inter_agency"
        name = body.step_name or (spec.name if spec else "Xử lý liên thông")
        budget = body.budget_hours or (spec.budget_hours if spec else None)
        proc_seq = spec.seq if spec else None
    else:
        spec = version.step_after(after)
        if spec is None:
            raise RuleViolation(
                "Quy trình không còn bước tiếp theo; hãy dùng 'finish' hoặc chỉ rõ to_unit"
                " (no next step in the internal procedure: use finish, or give to_unit)",
                code="no-next-step",
            )
        unit = await unit_for(ctx, spec)
        kind = kind_for(spec.role)
        name = body.step_name or spec.name
        budget = body.budget_hours or spec.budget_hours
        proc_seq = spec.seq
    handler = await _handler(ctx, body.handler, unit, kind) if body.handler else None
    await end_step(ctx, current)
    await start_step(
        ctx,
        name=name,
        kind=kind,
        unit=unit,
        budget_hours=budget,
        procedure_step_seq=proc_seq,
        handler_id=handler.id if handler else None,
        from_unit_id=from_unit_id,
    )
    ctx.payload.update({"handler": body.handler, "note": body.note})


async def request_payment(ctx: ActionContext, body: PaymentRequestBody) -> None:
    """Ask the applicant to pay a tax, fee or charge (code 6; the clock is not paused)."""
    ctx.payload.update(
        {
            "items": [i.model_dump() for i in body.items],
            "total": sum(i.amount for i in body.items),
            "note": body.note,
        }
    )


async def payment_received(ctx: ActionContext, body: PaymentReceivedBody) -> None:
    """The applicant paid what was asked (code 6 back to 4, in process).
    The receipt number, amount and note sent are recorded in the event."""
    ctx.payload.update(body.model_dump())


async def _timing(ctx: ActionContext) -> str:
    d = ctx.dossier
    if d.late_flag or d.supplement_count > 1:
        return "late"
    assert d.due_at is not None
    return deadlines.classify(await ctx.calendar(d.competent_unit_id), ctx.at, d.due_at)


async def finish(ctx: ActionContext, body: FinishBody) -> None:
    """The result is ready (code 9): ``finished_at`` is the on-time reference instant. The
    dossier moves to the version's return step, if it has one, at the returning counter."""
    d = ctx.dossier
    await require_apology(ctx)  # a late dossier needs its apology first (docs/rules.md §8.5)
    d.finished_at = ctx.at
    d.result = body.result
    if body.result == "rejected":
        d.end_reason = body.reason
    d.timing = await _timing(ctx)
    current = await open_step(ctx)
    version = await ctx.version()
    nxt = version.step_after(current.procedure_step_seq if current else None)
    already_returning = current is not None and current.kind == "return"
    if not already_returning:
        await end_step(ctx, current)
        if nxt is not None and nxt.role == "return":
            unit = await ctx.unit(nxt.unit_id or d.returning_unit_id)
            await start_step(
                ctx,
                name=nxt.name,
                kind="return",
                unit=unit,
                budget_hours=nxt.budget_hours,
                procedure_step_seq=nxt.seq,
                handler_id=None,
                from_unit_id=current.unit_id if current else d.competent_unit_id,
            )
    ctx.payload.update(
        {
            "result": body.result,
            "reason": body.reason,
            "result_number": body.result_number,
            "timing": d.timing,
            "due_at": deadlines.iso(d.due_at),
            "note": body.note,
        }
    )


async def apology_before_return(ctx: ActionContext) -> None:
    """Returned from processing (4 → 10) the dossier ends there: a late one needs its apology
    first (docs/rules.md §8.5). From 9 it ended at ``finish``, which asked already."""
    if ctx.from_status == Status.IN_PROCESS:
        await require_apology(ctx)


async def return_result(ctx: ActionContext, body: ReturnBody) -> None:
    """Hand the result over or deliver it (code 10). From processing (4 → 10) only with a written
    answer (returned without resolution), which is then also the reference instant."""
    d = ctx.dossier
    if ctx.from_status == Status.IN_PROCESS:
        if not body.without_resolution:
            raise IllegalAction(
                "Hồ sơ chưa xử lý xong; chỉ trả khi có văn bản trả lời (without_resolution)"
                " (the result is not ready: finish first, or return without resolution)",
            )
        await apology_before_return(ctx)
        d.finished_at = ctx.at
        d.result = "rejected"
        d.end_reason = body.reason
        d.timing = await _timing(ctx)
    d.returned_at = ctx.at
    d.return_method = body.method or d.return_method
    await end_step(ctx, await open_step(ctx))
    ctx.payload.update(
        {
            "method": d.return_method,
            "received_by": body.received_by,
            "without_resolution": body.without_resolution,
            "reason": body.reason,
            "note": body.note,
        }
    )


async def _close(ctx: ActionContext, reason: str) -> None:
    """Withdrawal or stop: the open step and any open pause end here, unclassified."""
    d = ctx.dossier
    d.end_reason = reason
    d.awaiting_supplement = False
    await end_step(ctx, await open_step(ctx), classify=False)
    pause = (
        await ctx.session.execute(
            select(DossierPause).where(
                DossierPause.dossier_id == d.id, DossierPause.ended_at.is_(None)
            )
        )
    ).scalar_one_or_none()
    if pause is not None:
        pause.ended_at = ctx.at
        pause.ended_event_seq = ctx.seq
        d.pause_ended_at = ctx.at


async def withdraw(ctx: ActionContext, body: WithdrawBody) -> None:
    """The applicant withdrew the dossier (code 7)."""
    await _close(ctx, body.reason)
    ctx.payload.update({"reason": body.reason, "note": body.note})


async def stop(ctx: ActionContext, body: StopBody) -> None:
    """Stop processing on a legal ground (code 8, Form 05)."""
    await _close(ctx, body.reason or body.legal_ground)
    ctx.payload.update(body.model_dump())


#: The actions this module handles, for the registry.
ACTIONS = (
    ActionSpec.of("assign", AssignBody, assign, authorize=rights.processing),
    ActionSpec.of("transfer", TransferBody, transfer, authorize=rights.processing_or_counter),
    ActionSpec.of(
        "request-payment", PaymentRequestBody, request_payment, authorize=rights.processing
    ),
    ActionSpec.of(
        "payment-received",
        PaymentReceivedBody,
        payment_received,
        authorize=rights.processing_or_counter,
    ),
    ActionSpec.of(
        "finish", FinishBody, finish, authorize=rights.processing, precheck=require_apology
    ),
    ActionSpec.of(
        "return",
        ReturnBody,
        return_result,
        authorize=rights.returning,
        precheck=apology_before_return,
    ),
    ActionSpec.of("withdraw", WithdrawBody, withdraw, authorize=rights.processing_or_counter),
    ActionSpec.of("stop", StopBody, stop, authorize=rights.processing),
)
