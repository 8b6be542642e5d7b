"""Who acts on a dossier and what they may see: actors, unit scopes for users and API clients.

A dossier outside the caller's scope is answered exactly as an unknown code (404
``unknown-dossier``, ``unknown_dossier``), on every route that names a dossier and before
anything else about it (its state, the rights its actions need): a 403 would tell whoever
guesses codes that the dossier exists, and a state that it exists and where it stands.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.principal import Principal
from onestop.catalog import lookups
from onestop.catalog.lookups import UnitInfo
from onestop.core.errors import Forbidden, InvalidInput, NotFound
from onestop.dossiers.models import Dossier, DossierStep


@dataclass(frozen=True)
class Actor:
    """Who an event is attributed to: ``user:clerk``, ``client:portal``, ``import:<legacy>``, or
    ``citizen``, the applicant themselves (``CITIZEN``: a rating given with the receipt's
    secret)."""

    name: str
    user_id: int | None = None
    unit_id: int | None = None

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        if principal.kind == "user":
            return cls(principal.actor, principal.id, principal.unit_id)
        return cls(principal.actor)


CITIZEN = Actor("citizen")


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


def unknown_dossier(code: str) -> NotFound:
    """The answer for a code that names no dossier, or one the caller may not see."""
    return NotFound(f"Không có hồ sơ mã {code} (unknown dossier {code})", code="unknown-dossier")


async def step_unit_ids(session: AsyncSession, dossier_id: int) -> list[int]:
    rows = await session.execute(
        select(DossierStep.unit_id).where(DossierStep.dossier_id == dossier_id).distinct()
    )
    return [r[0] for r in rows]


async def sees(session: AsyncSession, principal: Principal, d: Dossier) -> bool:
    """Whether the dossier is inside the principal's scope: its receiving, competent, returning,
    current or any step unit is (rights aside)."""
    units: list[int | None] = [
        d.receiving_unit_id,
        d.competent_unit_id,
        d.returning_unit_id,
        d.current_unit_id,
    ]
    if await covers_any(session, principal, units):
        return True
    return await covers_any(session, principal, list(await step_unit_ids(session, d.id)))


async def require_sees(session: AsyncSession, principal: Principal, d: Dossier) -> None:
    """404 ``unknown-dossier`` (the very answer for an unknown code) unless ``sees``."""
    if not await sees(session, principal, d):
        raise unknown_dossier(d.code)


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
