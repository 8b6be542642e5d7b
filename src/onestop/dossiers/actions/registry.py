"""The action registry and its dispatcher: one transaction per action (state, event, derived rows).

Each action is an ``ActionSpec`` (``context``), listed by the handler module that implements it
(``reception``, ``process``, ``apology``); transitions come from ``states.TRANSITIONS`` only. A new
action is a spec in a handler module and a row in that table; the dispatcher does not change.

Checks come in one order: the dossier's scope (outside it, the 404 of an unknown code), then the
action's rights (``authorize``), then its state; a caller outside the scope learns nothing of the
dossier, not even that it exists.

``apply_action`` changes and flushes without committing (the importer replays a whole dossier in
one transaction); ``perform`` is the HTTP path and commits.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from onestop.auth.principal import Principal
from onestop.core import clock
from onestop.core.errors import Conflict, NotFound, RuleViolation
from onestop.core.logs import note_personal
from onestop.dossiers import states
from onestop.dossiers.access import Actor, require_sees, unknown_dossier
from onestop.dossiers.actions import process, reception
from onestop.dossiers.actions.apology import service as apology
from onestop.dossiers.actions.context import ActionContext, ActionSpec, IllegalAction
from onestop.dossiers.models import Dossier, DossierEvent
from onestop.dossiers.states import CLOSING, Status

#: Every action by name. Each handler module lists the actions it handles; their transitions
#: are in ``states.TRANSITIONS``.
ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec for spec in (*reception.ACTIONS, *process.ACTIONS, *apology.ACTIONS)
}


def state_allows(spec: ActionSpec, dossier: Dossier) -> bool:
    """The status table and the action's per-dossier guard allow it now (rights aside)."""
    if states.target(spec.name, dossier.status) is None:
        return False
    return spec.guard is None or spec.guard(dossier)


def allowed_actions(dossier: Dossier) -> list[str]:
    return [
        name
        for name in states.actions_from(dossier.status)
        if name in ACTIONS and state_allows(ACTIONS[name], dossier)
    ]


def context_for(
    session: AsyncSession,
    dossier: Dossier,
    name: str,
    *,
    at: dt.datetime,
    actor: Actor,
    principal: Principal | None,
) -> ActionContext:
    """The context an action on the dossier runs in (its target status when the table allows)."""
    from_status = Status(dossier.status)
    to_status = states.target(name, from_status) or from_status
    return ActionContext(session, dossier, name, at, actor, principal, from_status, to_status)


def illegal(dossier: Dossier, action: str, detail: str | None = None) -> RuleViolation:
    status = Status(dossier.status)
    allowed = allowed_actions(dossier)
    return RuleViolation(
        detail
        or (
            f"Không thể thực hiện '{action}' khi hồ sơ ở trạng thái {int(status)}"
            f" ({status.label_vi}); được phép: {', '.join(allowed) or 'không có'}"
            f" (action '{action}' is not allowed in status {int(status)} {status.state})"
        ),
        code="illegal-action",
        action=action,
        current_status=int(status),
        state=status.state,
        allowed_actions=allowed,
    )


async def load(session: AsyncSession, code: str) -> Dossier:
    dossier = (
        await session.execute(select(Dossier).where(Dossier.code == code))
    ).scalar_one_or_none()
    if dossier is None:
        raise unknown_dossier(code)
    # Read, printed or acted on: the applicant's data is masked in this request's log lines.
    note_personal(
        dossier.applicant_name,
        dossier.applicant_address,
        dossier.applicant_id_number,
        dossier.applicant_phone,
        dossier.applicant_email,
    )
    return dossier


async def apply_action(
    session: AsyncSession,
    dossier: Dossier,
    name: str,
    body: BaseModel,
    *,
    at: dt.datetime,
    actor: Actor,
    principal: Principal | None,
) -> DossierEvent:
    """Check and apply one action; flushes, does not commit."""
    spec = ACTIONS.get(name)
    if spec is None:
        raise NotFound(
            f"Không có thao tác '{name}' (unknown action '{name}')", code="unknown-action"
        )
    if principal is not None:
        await require_sees(session, principal, dossier)  # before its rights and its state
    code = dossier.code
    ctx = context_for(session, dossier, name, at=at, actor=actor, principal=principal)
    from_status, to_status = ctx.from_status, ctx.to_status
    if principal is not None:
        await spec.authorize(ctx, body)
    if not state_allows(spec, dossier):
        raise illegal(dossier, name)
    ctx.seq = dossier.event_count + 1
    try:
        await spec.handler(ctx, body)
    except IllegalAction as exc:
        raise illegal(dossier, name, exc.detail) from None
    dossier.status = int(to_status)
    if to_status in CLOSING and dossier.ended_at is None:
        dossier.ended_at = at
    dossier.event_count = ctx.seq
    dossier.updated_at = at
    event = DossierEvent(
        dossier_id=dossier.id,
        seq=ctx.seq,
        type=name,
        at=at,
        recorded_at=clock.now(),
        actor=actor.name,
        unit_id=actor.unit_id,
        from_status=int(from_status),
        to_status=int(to_status),
        payload=ctx.payload,
    )
    session.add(event)
    try:
        await session.flush()
    except (StaleDataError, IntegrityError) as exc:
        raise concurrent_update(code) from exc
    return event


def concurrent_update(code: str) -> Conflict:
    return Conflict(
        f"Hồ sơ {code} vừa được người khác cập nhật; hãy tải lại và thử lại"
        f" (dossier {code} was changed by a concurrent request; reload and retry)",
        code="concurrent-update",
        dossier_code=code,
    )


async def perform(
    session: AsyncSession,
    *,
    code: str,
    name: str,
    body: BaseModel,
    principal: Principal,
    at: dt.datetime,
) -> Dossier:
    """The HTTP path: one action as one transaction. A failure rolls everything back."""
    try:
        dossier = await load(session, code)
        await apply_action(
            session, dossier, name, body, at=at, actor=Actor.of(principal), principal=principal
        )
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    return dossier
