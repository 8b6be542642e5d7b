"""The action registry and its dispatcher: one transaction per action (state, event, derived rows).

Each action is an ``ActionSpec``: its body model, who may perform it (``authorize``), an optional
per-dossier guard, and a handler that changes the dossier and fills the event payload. Transitions
come from ``states.TRANSITIONS`` only. Issue 6 adds ``apologize`` with ``register_action`` (and
its module in ``HANDLER_MODULES``) without touching the dispatcher.

``apply_action`` changes and flushes without committing (the importer replays a whole dossier in
one transaction); ``perform`` is the HTTP path and commits.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from onestop import clock
from onestop.auth.principal import Principal
from onestop.dossiers import lookups, states
from onestop.dossiers.access import Actor
from onestop.dossiers.lookups import ProcedureInfo, UnitInfo, VersionInfo
from onestop.dossiers.models import Dossier, DossierEvent
from onestop.dossiers.states import CLOSING, Status
from onestop.errors import Conflict, NotFound, RuleViolation
from onestop.worktime import Calendar

#: Modules whose import registers actions (add yours here, e.g. "onestop.dossiers.apology").
HANDLER_MODULES = ["onestop.dossiers.handlers_reception", "onestop.dossiers.handlers_process"]
HANDLER_MODULES.append("onestop.dossiers.handlers_apology")  # issue 6: apologize


@dataclass
class ActionContext:
    session: AsyncSession
    dossier: Dossier
    action: str
    at: dt.datetime
    actor: Actor
    #: None when replaying an import: rights are not checked, rules are.
    principal: Principal | None
    from_status: Status
    to_status: Status
    payload: dict[str, Any] = field(default_factory=dict)
    #: Set by a handler that must know the new event's number (e.g. a pause it opens).
    seq: int = 0
    #: issue 6: events written right after this action's own one, as (type, payload), e.g.
    #: "notified" after "apologize".
    followups: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    async def unit(self, unit_id: int) -> UnitInfo:
        return await lookups.unit_by_id(self.session, unit_id)

    async def calendar(self, unit_id: int) -> Calendar:
        return await lookups.calendar_for(self.session, await self.unit(unit_id))

    async def procedure(self) -> ProcedureInfo:
        return await lookups.procedure_by_id(self.session, self.dossier.procedure_id)

    async def version(self) -> VersionInfo:
        return await lookups.version_of(
            self.session, self.dossier.procedure_id, self.dossier.procedure_version_id
        )


Handler = Callable[[ActionContext, Any], Awaitable[None]]
Guard = Callable[[Dossier], bool]


@dataclass(frozen=True)
class ActionSpec:
    name: str
    body: type[BaseModel]
    handler: Handler
    authorize: Handler
    guard: Guard | None = None
    summary: str = ""


ACTIONS: dict[str, ActionSpec] = {}


def action(
    name: str,
    body: type[BaseModel],
    *,
    authorize: Handler,
    guard: Guard | None = None,
    summary: str = "",
) -> Callable[[Handler], Handler]:
    """Decorator for the built-in actions (their transitions are in ``states.TRANSITIONS``)."""

    def wrap(fn: Handler) -> Handler:
        if name not in states.TRANSITIONS:
            raise ValueError(f"action {name!r} has no transitions in states.TRANSITIONS")
        ACTIONS[name] = ActionSpec(name, body, fn, authorize, guard, summary or (fn.__doc__ or ""))
        return fn

    return wrap


def register_action(spec: ActionSpec, transitions: dict[Status, Status]) -> None:
    """Add an action from another module (issue 6: ``apologize``)."""
    states.register(spec.name, transitions)
    ACTIONS[spec.name] = spec


def load_handlers() -> dict[str, ActionSpec]:
    for module in HANDLER_MODULES:
        importlib.import_module(module)
    return ACTIONS


def allowed_actions(dossier: Dossier) -> list[str]:
    load_handlers()
    out: list[str] = []
    for name in states.actions_from(dossier.status):
        spec = ACTIONS.get(name)
        if spec is not None and (spec.guard is None or spec.guard(dossier)):
            out.append(name)
    return out


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
        raise NotFound(f"Không có hồ sơ mã {code} (unknown dossier {code})", code="unknown-dossier")
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
    spec = load_handlers().get(name)
    if spec is None:
        raise NotFound(
            f"Không có thao tác '{name}' (unknown action '{name}')", code="unknown-action"
        )
    code = dossier.code
    from_status = Status(dossier.status)
    to_status = states.target(name, from_status)
    ctx = ActionContext(
        session, dossier, name, at, actor, principal, from_status, to_status or from_status
    )
    if principal is not None:
        await spec.authorize(ctx, body)
    if to_status is None or (spec.guard is not None and not spec.guard(dossier)):
        raise illegal(dossier, name)
    ctx.seq = dossier.event_count + 1
    await spec.handler(ctx, body)
    dossier.status = int(to_status)
    if to_status in CLOSING and dossier.ended_at is None:
        dossier.ended_at = at
    dossier.event_count = ctx.seq + len(ctx.followups)  # issue 6: followups
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
    # -- issue 6: follow-up events (e.g. "notified"), numbered after the action's own event --
    for n, (kind, extra) in enumerate(ctx.followups, start=1):
        session.add(
            DossierEvent(
                dossier_id=dossier.id,
                seq=ctx.seq + n,
                type=kind,
                at=at,
                recorded_at=event.recorded_at,
                actor=actor.name,
                unit_id=actor.unit_id,
                from_status=int(to_status),
                to_status=int(to_status),
                payload=extra,
            )
        )
    # -- end issue 6 --
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
