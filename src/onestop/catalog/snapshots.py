"""The catalog as the reports read it, cached per database engine for a few seconds: the unit
tree (with on-time targets) and the procedures' names.

The on-time report per unit shows every unit of the province (2,000 rows) and a worklist page names
the procedures of its dossiers; reading them from the database on every request cost more than the
report's own query (bench/RESULTS.md). Units and procedures change rarely, so, as in
``catalog.lookups``, a snapshot at most ``TTL_SECONDS`` old is used, and a unit or procedure that
is not in it is looked up at once (one created a moment ago is found).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.catalog.models import DEFAULT_ON_TIME_TARGET, Procedure, Unit
from onestop.catalog.schemas import ProcedureRef
from onestop.core.db import PerEngine
from onestop.core.errors import NotFound

TTL_SECONDS = 10.0
P = Procedure.__table__
U = Unit.__table__


class ScopeUnit(NamedTuple):
    """A unit as the reports read it (a named tuple: the unit tree snapshot builds thousands)."""

    id: int
    code: str
    name: str
    path: str
    level: str
    parent_id: int | None
    target: Decimal
    has_counter: bool = False

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2


SCOPE_COLUMNS = (
    U.c.id,
    U.c.code,
    U.c.name,
    U.c.path,
    U.c.level,
    U.c.parent_id,
    U.c.on_time_target,
    U.c.has_counter,
)


def scope_unit(r: Any) -> ScopeUnit:
    """From a row of ``SCOPE_COLUMNS`` (in their order)."""
    uid, code, name, path, level, parent_id, target, has_counter = r[:8]
    target = Decimal(target) if target is not None else DEFAULT_ON_TIME_TARGET
    return ScopeUnit(uid, code, name, path, level, parent_id, target, bool(has_counter))


async def read_unit(session: AsyncSession, code: str) -> ScopeUnit:
    """A unit read from the database now (not from the snapshot); 404 when unknown."""
    row = (await session.execute(select(*SCOPE_COLUMNS).where(U.c.code == code))).first()
    if row is None:
        raise NotFound(f"Không có đơn vị mã {code} (unknown unit {code})", code="unknown-unit")
    return scope_unit(row)


@dataclass(frozen=True)
class Tree:
    """Every unit, parents before children (sorted by path), and who shares a calendar."""

    units: tuple[ScopeUnit, ...]
    by_id: dict[int, ScopeUnit]
    by_code: dict[str, ScopeUnit]
    #: unit id → the smallest id of the units with the same province and working hours (whose
    #: calendar is therefore the same): one calendar per group, not per unit.
    calendar_unit: dict[int, int]
    loaded: float


@dataclass
class _Cache:
    tree: Tree | None = None
    procedures: dict[int, ProcedureRef] = field(default_factory=dict)
    procedures_loaded: float = -1e9


_caches: PerEngine[_Cache] = PerEngine(_Cache)
_cache = _caches.get
clear = _caches.clear


async def _load_tree(session: AsyncSession) -> Tree:
    rows = (await session.execute(select(*SCOPE_COLUMNS, U.c.province, U.c.hours))).all()
    units: list[ScopeUnit] = []
    group_of: dict[int, tuple[str | None, str]] = {}
    first: dict[tuple[str | None, str], int] = {}
    for r in rows:
        unit = scope_unit(r)
        units.append(unit)
        key = group_of[unit.id] = (r[-2], r[-1])
        first[key] = min(first.get(key, unit.id), unit.id)
    units.sort(key=lambda u: u.path)
    return Tree(
        units=tuple(units),
        by_id={u.id: u for u in units},
        by_code={u.code: u for u in units},
        calendar_unit={i: first[key] for i, key in group_of.items()},
        loaded=time.monotonic(),
    )


async def tree(session: AsyncSession, *, must_have: int | None = None) -> Tree:
    """The unit tree, reloaded when older than the TTL or when it lacks unit ``must_have``."""
    cache = _cache(session)
    t = cache.tree
    if (
        t is None
        or time.monotonic() - t.loaded > TTL_SECONDS
        or (must_have is not None and must_have not in t.by_id)
    ):
        t = cache.tree = await _load_tree(session)
    return t


async def unit_by_code(session: AsyncSession, code: str) -> ScopeUnit:
    """A unit from the snapshot; one not in it (created a moment ago, or unknown: 404) is read
    from the database."""
    unit = (await tree(session)).by_code.get(code)
    return unit if unit is not None else await read_unit(session, code)


async def subtree(session: AsyncSession, unit: ScopeUnit) -> list[ScopeUnit]:
    """The unit and every unit below it, parents before children (as ``periods.subtree``)."""
    t = await tree(session, must_have=unit.id)
    return [u for u in t.units if u.path.startswith(unit.path)]


async def procedure_refs(session: AsyncSession, ids: Iterable[int]) -> dict[int, ProcedureRef]:
    """Code, name and field of each procedure id (every procedure is read at once: a page names
    many of them, and a province has a few thousand)."""
    cache = _cache(session)
    wanted = set(ids)
    stale = time.monotonic() - cache.procedures_loaded > TTL_SECONDS
    if stale or not wanted <= cache.procedures.keys():
        rows = await session.execute(select(P.c.id, P.c.code, P.c.name, P.c.field))
        cache.procedures = {
            i: ProcedureRef(code=code, name=name, field=fld) for i, code, name, fld in rows
        }
        cache.procedures_loaded = time.monotonic()
    return {i: cache.procedures[i] for i in wanted}
