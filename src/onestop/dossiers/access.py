"""Who acts on a dossier and what they may see: actors, unit scopes for users and API clients."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.principal import Principal
from onestop.catalog import lookups
from onestop.catalog.lookups import UnitInfo
from onestop.core.errors import Forbidden, InvalidInput


@dataclass(frozen=True)
class Actor:
    """Who an event is attributed to: ``user:clerk``, ``client:portal`` or ``import:<legacy>``."""

    name: str
    user_id: int | None = None
    unit_id: int | None = None

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        if principal.kind == "user":
            return cls(principal.actor, principal.id, principal.unit_id)
        return cls(principal.actor)


async def client_paths(session: AsyncSession, principal: Principal) -> list[str]:
    """Materialised paths of the unit subtrees an API client was granted."""
    paths: list[str] = []
    for code in principal.unit_codes:
        try:
            paths.append((await lookups.unit_by_code(session, code)).path)
        except InvalidInput:  # a granted unit that no longer exists grants nothing
            continue
    return paths


async def covers(session: AsyncSession, principal: Principal, unit: UnitInfo) -> bool:
    """Whether ``unit`` is inside the principal's scope (users: their unit, or subtree for
    managers and admins; clients: the subtrees of their unit codes)."""
    if principal.kind == "user":
        return principal.covers_unit_path(unit.path)
    return any(unit.path.startswith(p) for p in await client_paths(session, principal))


async def require_covers(session: AsyncSession, principal: Principal, unit: UnitInfo) -> None:
    if not await covers(session, principal, unit):
        raise Forbidden(
            f"Đơn vị {unit.code} nằm ngoài phạm vi của tài khoản {principal.name}"
            f" (unit {unit.code} is outside the scope of {principal.name})",
            code="outside-unit-scope",
            right="unit-scope",
            unit=unit.code,
        )


async def covers_any(
    session: AsyncSession, principal: Principal, unit_ids: list[int | None]
) -> bool:
    for uid in unit_ids:
        if uid is not None and await covers(
            session, principal, await lookups.unit_by_id(session, uid)
        ):
            return True
    return False


def missing_right(right: str) -> Forbidden:
    return Forbidden(
        f"Thiếu quyền '{right}' (missing right '{right}')", code="missing-right", right=right
    )


async def require_any(
    session: AsyncSession,
    principal: Principal,
    grants: list[tuple[str, list[int | None]]],
) -> None:
    """Allow when the principal holds one of the rights over one of its units; otherwise a 403
    naming the first right (or the unit scope when the right is held but the units are not)."""
    held = False
    for right, unit_ids in grants:
        if not principal.can(right):
            continue
        held = True
        if await covers_any(session, principal, unit_ids):
            return
    if not held:
        raise missing_right(grants[0][0])
    first_unit = next((u for _, ids in grants for u in ids if u is not None), None)
    code = (await lookups.unit_by_id(session, first_unit)).code if first_unit else "?"
    raise Forbidden(
        f"Hồ sơ nằm ngoài phạm vi đơn vị của tài khoản {principal.name}"
        f" (the dossier is outside the unit scope of {principal.name})",
        code="outside-unit-scope",
        right="unit-scope",
        unit=code,
    )
