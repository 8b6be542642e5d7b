"""The actions a person may take on a dossier now, and why the others would be refused.

A person should not find out by pressing a button that the action is refused. For every action
the status table allows, the offer asks the very checks the dispatcher and the handler apply
(``registry.state_allows``, the spec's ``authorize`` and its ``precheck``), with an empty body;
a refusal carries the domain error's code and message. Rules that depend on what is typed into
the form (a reason, a new appointment) are left to the action itself.

The offers come in the order a person works: the next step first (``primary``), then the other
allowed actions, then the refused ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.models import User
from onestop.auth.principal import Principal
from onestop.core.errors import DomainError
from onestop.dossiers import states
from onestop.dossiers.access import Actor
from onestop.dossiers.actions import assignees, process
from onestop.dossiers.actions.context import ActionContext, ActionSpec
from onestop.dossiers.actions.registry import ACTIONS, context_for, illegal, state_allows
from onestop.dossiers.actions.steps import open_step
from onestop.dossiers.models import Dossier
from onestop.dossiers.states import Status

#: Refusals a person does not look for: the status table, or a right the account lacks entirely.
UNEXPECTED = frozenset({"illegal-action", "missing-right"})

#: The usual next step per status, in order of preference (the first allowed one is primary).
NEXT_STEPS: dict[Status, tuple[str, ...]] = {
    Status.SUBMITTED: ("accept",),
    Status.RECEIVED: ("transfer", "assign"),
    Status.SUPPLEMENT_REQUESTED: ("supplement-received",),
    Status.PAYMENT_PENDING: ("payment-received", "finish"),
    Status.RESULT_READY: ("return",),
}


@dataclass(frozen=True)
class ActionOffer:
    name: str
    allowed: bool
    #: Why it would be refused: the domain error's message (Vietnamese, English in brackets).
    reason: str = ""
    #: The problem code the action would be answered with.
    code: str = ""
    primary: bool = False

    @property
    def expected(self) -> bool:
        """Allowed, or refused by a rule a person acting on this dossier would run into (not
        by the status table, nor by a right their account lacks altogether)."""
        return self.allowed or self.code not in UNEXPECTED


async def offers(
    session: AsyncSession, dossier: Dossier, principal: Principal, *, at: dt.datetime
) -> list[ActionOffer]:
    """Every action the status table allows from the dossier's status, for this principal at
    ``at``. The caller has checked that the principal sees the dossier."""
    found = [
        await _offer(session, dossier, ACTIONS[name], principal, at)
        for name in states.actions_from(dossier.status)
        if name in ACTIONS
    ]
    first = await _primary(session, dossier, principal, at, found)
    found = [replace(o, primary=o.name == first) for o in found]
    return sorted(found, key=lambda o: (not o.primary, not o.allowed))


async def assignable(
    session: AsyncSession, dossier: Dossier, principal: Principal, *, at: dt.datetime
) -> list[User]:
    """The users an ``assign`` may give the dossier's current step to, by name: the very ones
    its handler accepts."""
    ctx = _context(session, dossier, "assign", principal, at)
    _step, unit, kind = await process.assignment_target(ctx)
    return await assignees.candidates(session, unit.id, kind)


async def _offer(
    session: AsyncSession,
    dossier: Dossier,
    spec: ActionSpec,
    principal: Principal,
    at: dt.datetime,
) -> ActionOffer:
    if not state_allows(spec, dossier):
        refusal = illegal(dossier, spec.name)
        return ActionOffer(spec.name, False, refusal.detail, refusal.code)
    ctx = _context(session, dossier, spec.name, principal, at)
    try:
        await spec.authorize(ctx, spec.body.model_construct())
        if spec.precheck is not None:
            await spec.precheck(ctx)
    except DomainError as exc:
        return ActionOffer(spec.name, False, exc.detail, exc.code)
    return ActionOffer(spec.name, True)


def _context(
    session: AsyncSession, dossier: Dossier, name: str, principal: Principal, at: dt.datetime
) -> ActionContext:
    actor = Actor.of(principal)
    return context_for(session, dossier, name, at=at, actor=actor, principal=principal)


async def _primary(
    session: AsyncSession,
    dossier: Dossier,
    principal: Principal,
    at: dt.datetime,
    found: list[ActionOffer],
) -> str | None:
    allowed = {o.name for o in found if o.allowed}
    refused = {o.name: o.code for o in found if not o.allowed}
    status = Status(dossier.status)
    if status == Status.IN_PROCESS:
        preferred = await _in_process(session, dossier, principal, at, refused)
    else:
        preferred = NEXT_STEPS.get(status, ())
    return next((name for name in preferred if name in allowed), None)


async def _in_process(
    session: AsyncSession,
    dossier: Dossier,
    principal: Principal,
    at: dt.datetime,
    refused: dict[str, str],
) -> tuple[str, ...]:
    """Late without an apology: apologise (for whoever signs); then the next step of the
    internal procedure, or the result when no processing step is left."""
    first = ("apologize",) if refused.get("finish") == "apology-required" else ()
    ctx = _context(session, dossier, "transfer", principal, at)
    current = await open_step(ctx)
    version = await ctx.version()
    following = version.step_after(current.procedure_step_seq if current else None)
    if following is not None and following.role != "return":
        return (*first, "transfer", "assign")
    return (*first, "finish")
