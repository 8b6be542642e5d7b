"""Who may perform which action on a dossier (rights of auth.principal, over the dossier's units).

* reception (accept, refuse, guidance before receipt): a clerk (dossier:intake) or an officer
  (dossier:process) of the receiving unit;
* processing (assign, transfer, supplement, payment, finish, stop): an officer or leader
  (dossier:process) of the unit holding the current step or of the competent unit; the counter
  clerk holding the reception step may also hand it over (transfer) and log what the applicant
  brings or asks (supplement received, withdrawal);
* return: the clerk of the returning counter, or an officer of the current / competent unit;
* overrides (a second supplement request): a leader (dossier:override) of those units.
"""

from __future__ import annotations

from typing import Any

from onestop.auth.rights import Right
from onestop.dossiers.access import require_any
from onestop.dossiers.actions.context import ActionContext
from onestop.dossiers.states import Status

INTAKE = Right.DOSSIER_INTAKE
PROCESS = Right.DOSSIER_PROCESS
OVERRIDE = Right.DOSSIER_OVERRIDE


def _p(ctx: ActionContext) -> Any:
    assert ctx.principal is not None
    return ctx.principal


async def reception(ctx: ActionContext, _body: Any = None) -> None:
    d = ctx.dossier
    units = [d.receiving_unit_id, d.current_unit_id]
    await require_any(ctx.session, _p(ctx), [(INTAKE, units), (PROCESS, units)])


async def processing(ctx: ActionContext, _body: Any = None) -> None:
    d = ctx.dossier
    await require_any(ctx.session, _p(ctx), [(PROCESS, [d.current_unit_id, d.competent_unit_id])])


async def processing_or_counter(ctx: ActionContext, _body: Any = None) -> None:
    d = ctx.dossier
    await require_any(
        ctx.session,
        _p(ctx),
        [
            (PROCESS, [d.current_unit_id, d.competent_unit_id]),
            (INTAKE, [d.current_unit_id, d.receiving_unit_id, d.returning_unit_id]),
        ],
    )


async def supplement(ctx: ActionContext, body: Any = None) -> None:
    """Before receipt it is reception guidance; afterwards the competent side asks."""
    if ctx.dossier.status == Status.SUBMITTED:
        await reception(ctx, body)
    else:
        await processing(ctx, body)


async def supplement_received(ctx: ActionContext, body: Any = None) -> None:
    if ctx.dossier.status == Status.SUBMITTED:
        await reception(ctx, body)
    else:
        await processing_or_counter(ctx, body)


async def returning(ctx: ActionContext, _body: Any = None) -> None:
    d = ctx.dossier
    await require_any(
        ctx.session,
        _p(ctx),
        [
            (INTAKE, [d.returning_unit_id, d.current_unit_id]),
            (PROCESS, [d.current_unit_id, d.competent_unit_id]),
        ],
    )


async def override(ctx: ActionContext) -> None:
    d = ctx.dossier
    await require_any(ctx.session, _p(ctx), [(OVERRIDE, [d.current_unit_id, d.competent_unit_id])])
