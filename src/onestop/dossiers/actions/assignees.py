"""Who may be given a dossier's step (``assign``, or ``transfer`` naming a handler): an active
user of the step's unit holding the right that step's work needs — ``dossier:process``, or
``dossier:intake`` as well for the counter's own steps (reception, return). The handlers check a
chosen user with ``require_handler``; the dossier page lists ``candidates`` to choose from."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.models import User
from onestop.auth.principal import rights_for_role
from onestop.auth.rights import Right
from onestop.catalog.lookups import UnitInfo
from onestop.core.errors import InvalidInput

#: Steps the one-stop counter itself performs.
COUNTER_STEPS = frozenset({"reception", "return"})
UNKNOWN, NOT_IN_UNIT, LACKS_RIGHT = "unknown-handler", "handler-not-in-unit", "handler-lacks-right"
#: The problems about the chosen handler (a form shows them next to its handler field).
PROBLEMS = (UNKNOWN, NOT_IN_UNIT, LACKS_RIGHT)


def rights_for_step(step_kind: str | None) -> frozenset[str]:
    """The rights of which a step's handler must hold one."""
    if step_kind in COUNTER_STEPS:
        return frozenset({Right.DOSSIER_PROCESS, Right.DOSSIER_INTAKE})
    return frozenset({Right.DOSSIER_PROCESS})


def may_handle(user: User, step_kind: str | None) -> bool:
    return user.is_active and bool(rights_for_role(user.role) & rights_for_step(step_kind))


async def candidates(session: AsyncSession, unit_id: int, step_kind: str | None) -> list[User]:
    """The users of the unit who may handle a step of that kind, by name."""
    users = (
        await session.execute(
            select(User).where(User.unit_id == unit_id, User.is_active).order_by(User.full_name)
        )
    ).scalars()
    return [u for u in users if may_handle(u, step_kind)]


async def require_handler(
    session: AsyncSession, username: str, unit: UnitInfo, step_kind: str | None
) -> User:
    """The user named ``username``, if they may handle this step of ``unit`` (422 otherwise)."""
    user = (
        await session.execute(select(User).where(User.username == username))
    ).scalar_one_or_none()
    if user is None or not user.is_active:
        raise InvalidInput(
            f"Không có cán bộ {username} (unknown or inactive officer {username})",
            code=UNKNOWN,
            handler=username,
        )
    if user.unit_id != unit.id:
        raise InvalidInput(
            f"Cán bộ {username} không thuộc {unit.name}"
            f" (officer {username} does not belong to unit {unit.code})",
            code=NOT_IN_UNIT,
            handler=username,
            unit=unit.code,
        )
    if not may_handle(user, step_kind):
        raise InvalidInput(
            f"Cán bộ {username} không có quyền xử lý bước này"
            f" (officer {username} lacks the right to handle this step)",
            code=LACKS_RIGHT,
            handler=username,
            unit=unit.code,
        )
    return user
