"""Dossier steps (Form 06 rows): start one at a unit with its budget, end it with its outcome."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from onestop.catalog.lookups import StepInfo, UnitInfo
from onestop.core.errors import InvalidInput
from onestop.dossiers import deadlines
from onestop.dossiers.actions.context import ActionContext
from onestop.dossiers.models import DossierStep


async def open_step(ctx: ActionContext) -> DossierStep | None:
    d = ctx.dossier
    if d.current_step_seq is None:
        return None
    return (
        await ctx.session.execute(
            select(DossierStep).where(
                DossierStep.dossier_id == d.id,
                DossierStep.seq == d.current_step_seq,
                DossierStep.ended_at.is_(None),
            )
        )
    ).scalar_one_or_none()


async def end_step(ctx: ActionContext, step: DossierStep | None, *, classify: bool = True) -> None:
    """Close the open step at ``ctx.at``; classify it early / on time / late against its own
    due instant when it had a budget (withdrawal and stop close it unclassified)."""
    if step is None:
        return
    step.ended_at = ctx.at
    if classify and step.due_at is not None:
        cal = await ctx.calendar(step.unit_id)
        step.outcome = deadlines.classify(cal, ctx.at, step.due_at)
    ctx.payload.setdefault("ended_step", {}).update(
        {"seq": step.seq, "name": step.name, "outcome": step.outcome}
    )
    ctx.dossier.current_step_seq = None


async def start_step(
    ctx: ActionContext,
    *,
    name: str,
    kind: str,
    unit: UnitInfo,
    budget_hours: Decimal | None,
    procedure_step_seq: int | None,
    handler_id: int | None,
    from_unit_id: int | None,
) -> DossierStep:
    d = ctx.dossier
    last = (
        await ctx.session.execute(
            select(func.max(DossierStep.seq)).where(DossierStep.dossier_id == d.id)
        )
    ).scalar_one()
    due_at = None
    if budget_hours:
        cal = await ctx.calendar(unit.id)
        due_at = deadlines.due(cal, ctx.at, deadlines.step_limit(budget_hours))
    step = DossierStep(
        dossier_id=d.id,
        seq=(last or 0) + 1,
        name=name,
        kind=kind,
        procedure_step_seq=procedure_step_seq,
        unit_id=unit.id,
        from_unit_id=from_unit_id,
        handler_id=handler_id,
        handed_by=ctx.actor.name,
        started_at=ctx.at,
        budget_hours=budget_hours,
        due_at=due_at,
    )
    ctx.session.add(step)
    d.current_step_seq = step.seq
    d.current_unit_id = unit.id
    d.handler_id = handler_id
    ctx.payload["started_step"] = {
        "seq": step.seq,
        "name": name,
        "kind": kind,
        "unit": unit.code,
        "due_at": deadlines.iso(due_at),
        "budget_hours": float(budget_hours) if budget_hours is not None else None,
    }
    return step


async def unit_for(ctx: ActionContext, spec: StepInfo) -> UnitInfo:
    """The unit that performs a procedure step: fixed in the catalog, or by its role."""
    d = ctx.dossier
    if spec.unit_id is not None:
        return await ctx.unit(spec.unit_id)
    by_role = {
        "reception": d.receiving_unit_id,
        "competent": d.competent_unit_id,
        "return": d.returning_unit_id,
    }
    unit_id = by_role.get(spec.role)
    if unit_id is None:
        raise InvalidInput(
            f"Bước '{spec.name}' cần chỉ rõ đơn vị phối hợp (step '{spec.name}' needs to_unit)",
            code="step-needs-unit",
            step=spec.name,
        )
    return await ctx.unit(unit_id)


def kind_for(role: str) -> str:
    return role if role in {"reception", "competent", "coordinating", "return"} else "competent"
