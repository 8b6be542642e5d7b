"""What every action handler receives and declares: the action's context (dossier, actor, instant,
event payload) and its spec."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.principal import Principal
from onestop.catalog import lookups
from onestop.catalog.lookups import ProcedureInfo, UnitInfo, VersionInfo
from onestop.dossiers.access import Actor
from onestop.dossiers.models import Dossier
from onestop.dossiers.states import TRANSITIONS, Status
from onestop.worktime import Calendar


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
#: A rule of the action that needs no body; raises the domain error the action would meet.
Precheck = Callable[[ActionContext], Awaitable[None]]


@dataclass(frozen=True)
class ActionSpec:
    """One action: its body model, who may perform it (``authorize``), an optional per-dossier
    guard, and the handler that changes the dossier and fills the event payload. Where it may
    start and lead is ``states.TRANSITIONS[name]``.

    ``precheck`` names the handler's own rules that need no body (e.g. the re-appointment
    limit): the handler applies them, and the offer list (``offers``) asks them before anyone
    opens the action's form."""

    name: str
    body: type[BaseModel]
    handler: Handler
    authorize: Handler
    guard: Guard | None = None
    summary: str = ""
    precheck: Precheck | None = None

    @classmethod
    def of(
        cls,
        name: str,
        body: type[BaseModel],
        handler: Handler,
        *,
        authorize: Handler,
        guard: Guard | None = None,
        precheck: Precheck | None = None,
    ) -> ActionSpec:
        """The spec of a handler, summarised by its docstring."""
        if name not in TRANSITIONS:
            raise ValueError(f"action {name!r} has no transitions in states.TRANSITIONS")
        return cls(name, body, handler, authorize, guard, handler.__doc__ or "", precheck)


class IllegalAction(Exception):
    """Raised by a handler when its action is not allowed for this dossier after all (a rule
    beyond the status table); the dispatcher answers it as an illegal action, naming the
    actions that are allowed."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
