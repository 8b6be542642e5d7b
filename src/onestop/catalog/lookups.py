"""Catalog snapshots for the dossier paths: units, procedures with all their versions and step
budgets, and unit calendars, cached per database engine for a few seconds.

Intake is the hot write path; without this each intake would read the procedure, its version in
force, its steps, its competent units, two units and the calendar stamp (7 round trips) before its
one write. Catalog rows change rarely and a dossier pins the version by id, so a snapshot at most
``TTL_SECONDS`` old is safe; a code that is not in the snapshot is looked up at once (a unit or a
procedure created a moment ago is found).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.catalog.calendars import build_calendar, calendar_overrides
from onestop.catalog.models import Procedure, ProcedureStep, ProcedureUnit, ProcedureVersion, Unit
from onestop.core.db import PerEngine
from onestop.core.errors import InvalidInput
from onestop.core.singleflight import SingleFlight
from onestop.worktime import Calendar, TimeLimit

TTL_SECONDS = 10.0


class UnitInfo(NamedTuple):
    """A unit as intake and the lists read it (a named tuple: a snapshot builds thousands)."""

    id: int
    code: str
    name: str
    path: str
    level: str
    province: str | None
    hours: str
    address: str | None
    has_counter: bool
    is_active: bool


@dataclass(frozen=True)
class StepInfo:
    seq: int
    name: str
    role: str  # reception | competent | coordinating | return
    unit_id: int | None
    budget_hours: Decimal


@dataclass(frozen=True)
class VersionInfo:
    id: int
    effective_from: dt.date
    limit_amount: Decimal
    limit_unit: str
    same_day_cutoff: dt.time | None
    supplement_policy: str
    max_reappointments: int
    documents: tuple[dict[str, Any], ...]
    fees: tuple[dict[str, Any], ...]
    steps: tuple[StepInfo, ...]

    @cached_property
    def limit_dict(self) -> dict[str, Any]:
        """The time limit as event payloads record it (copy before changing it)."""
        return self.limit.to_dict()

    @cached_property  # a TimeLimit is immutable, and building one (exact fractions) is not free
    def limit(self) -> TimeLimit:
        try:
            return TimeLimit(
                self.limit_amount,  # type: ignore[arg-type]
                self.limit_unit,
                self.same_day_cutoff or dt.time(15, 0),
            )
        except ValueError as exc:
            raise InvalidInput(
                f"Thời hạn giải quyết của thủ tục không hợp lệ ({exc})", code="invalid-time-limit"
            ) from exc

    def step(self, seq: int | None) -> StepInfo | None:
        for s in self.steps:
            if s.seq == seq:
                return s
        return None

    def step_after(self, seq: int | None) -> StepInfo | None:
        for s in self.steps:
            if seq is None or s.seq > seq:
                return s
        return None


@dataclass(frozen=True)
class ProcedureInfo:
    id: int
    code: str
    name: str
    field: str
    is_active: bool
    competent_unit_ids: tuple[int, ...]
    versions: tuple[VersionInfo, ...]  # oldest first

    def version_on(self, day: dt.date) -> VersionInfo:
        """The version in force on a local date (the latest effective_from not after it)."""
        found: VersionInfo | None = None
        for v in self.versions:
            if v.effective_from <= day:
                found = v
        if found is None:
            raise InvalidInput(
                f"Thủ tục {self.code} chưa có hiệu lực vào ngày {day:%d/%m/%Y}"
                f" (no version of {self.code} in force on {day.isoformat()})",
                code="procedure-not-in-force",
                procedure=self.code,
            )
        return found

    def version(self, version_id: int) -> VersionInfo:
        for v in self.versions:
            if v.id == version_id:
                return v
        raise LookupError(version_id)


@dataclass
class _Cache:
    units_loaded: float = -1e9
    units_by_id: dict[int, UnitInfo] = field(default_factory=dict)
    units_by_code: dict[str, UnitInfo] = field(default_factory=dict)
    procedures: dict[str, tuple[float, ProcedureInfo]] = field(default_factory=dict)
    procedure_codes: dict[int, str] = field(default_factory=dict)
    calendars: dict[int, tuple[float, Calendar]] = field(default_factory=dict)
    # One reload of an entry at a time (``singleflight``).
    unit_loads: SingleFlight[None] = field(default_factory=SingleFlight)
    procedure_loads: SingleFlight[ProcedureInfo | None] = field(default_factory=SingleFlight)
    calendar_loads: SingleFlight[Calendar] = field(default_factory=SingleFlight)
    #: path prefix → ids of the units under it, for the units loaded at ``units_loaded``
    subtrees: dict[str, frozenset[int]] = field(default_factory=dict)


_caches: PerEngine[_Cache] = PerEngine(_Cache)
_cache = _caches.get
clear = _caches.clear


# -- units -----------------------------------------------------------------------------------------
#: ``UnitInfo``'s columns, in its order.
UNIT_COLUMNS = tuple(Unit.__table__.c[name] for name in UnitInfo._fields)


async def _load_units(session: AsyncSession, cache: _Cache) -> None:
    rows = (await session.execute(select(*UNIT_COLUMNS))).all()
    by_id = {r[0]: UnitInfo._make(r) for r in rows}
    cache.units_by_id = by_id
    cache.units_by_code = {u.code: u for u in by_id.values()}
    cache.subtrees = {}
    cache.units_loaded = time.monotonic()


async def _fresh_units(session: AsyncSession) -> _Cache:
    cache = _cache(session)
    if time.monotonic() - cache.units_loaded > TTL_SECONDS:
        await cache.unit_loads.load("units", lambda: _load_units(session, cache))
    return cache


async def unit_by_code(session: AsyncSession, code: str) -> UnitInfo:
    """A unit by code, or a 422 naming it (it is a reference inside a request body)."""
    cache = await _fresh_units(session)
    unit = cache.units_by_code.get(code)
    if unit is None:
        await _load_units(session, cache)
        unit = cache.units_by_code.get(code)
    if unit is None or not unit.is_active:
        raise InvalidInput(
            f"Không có đơn vị mã {code} (unknown unit {code})", code="unknown-unit", unit=code
        )
    return unit


async def unit_by_id(session: AsyncSession, unit_id: int) -> UnitInfo:
    cache = await _fresh_units(session)
    unit = cache.units_by_id.get(unit_id)
    if unit is None:
        await _load_units(session, cache)
        unit = cache.units_by_id[unit_id]
    return unit


async def units_by_ids(session: AsyncSession, ids: Sequence[int | None]) -> dict[int, UnitInfo]:
    out: dict[int, UnitInfo] = {}
    for i in ids:
        if i is not None and i not in out:
            out[i] = await unit_by_id(session, i)
    return out


async def all_units(session: AsyncSession) -> list[UnitInfo]:
    cache = await _fresh_units(session)
    return list(cache.units_by_id.values())


async def ids_under(session: AsyncSession, path: str) -> frozenset[int]:
    """Ids of the units whose path starts with ``path`` (a unit's subtree): kept with the unit
    snapshot, as a worklist or a report asks for the same subtree on every request."""
    cache = await _fresh_units(session)
    ids = cache.subtrees.get(path)
    if ids is None:
        ids = frozenset(u.id for u in cache.units_by_id.values() if u.path.startswith(path))
        cache.subtrees[path] = ids
    return ids


# -- procedures ------------------------------------------------------------------------------------
async def _load_procedure(session: AsyncSession, where: Any) -> ProcedureInfo | None:
    proc = (await session.execute(select(Procedure.__table__).where(where))).mappings().first()
    if proc is None:
        return None
    versions = (
        (
            await session.execute(
                select(ProcedureVersion.__table__)
                .where(ProcedureVersion.procedure_id == proc["id"])
                .order_by(ProcedureVersion.effective_from)
            )
        )
        .mappings()
        .all()
    )
    steps = (
        (
            await session.execute(
                select(ProcedureStep.__table__)
                .where(ProcedureStep.version_id.in_([v["id"] for v in versions] or [-1]))
                .order_by(ProcedureStep.version_id, ProcedureStep.seq)
            )
        )
        .mappings()
        .all()
    )
    unit_ids = (
        await session.execute(
            select(ProcedureUnit.unit_id)
            .where(ProcedureUnit.procedure_id == proc["id"])
            .order_by(ProcedureUnit.unit_id)
        )
    ).scalars()
    return ProcedureInfo(
        id=proc["id"],
        code=proc["code"],
        name=proc["name"],
        field=proc["field"],
        is_active=bool(proc["is_active"]),
        competent_unit_ids=tuple(unit_ids),
        versions=tuple(
            VersionInfo(
                id=v["id"],
                effective_from=v["effective_from"],
                limit_amount=Decimal(v["limit_amount"]),
                limit_unit=v["limit_unit"],
                same_day_cutoff=v["same_day_cutoff"],
                supplement_policy=v["supplement_policy"] or "pause",
                max_reappointments=v["max_reappointments"],
                documents=tuple(v["documents"] or ()),
                fees=tuple(v["fees"] or ()),
                steps=tuple(
                    StepInfo(
                        seq=s["seq"],
                        name=s["name"],
                        role=s["role"],
                        unit_id=s["unit_id"],
                        budget_hours=Decimal(s["budget_hours"]),
                    )
                    for s in steps
                    if s["version_id"] == v["id"]
                ),
            )
            for v in versions
        ),
    )


async def procedure_by_code(session: AsyncSession, code: str) -> ProcedureInfo:
    """A procedure snapshot by national code, or a 422 naming it."""
    cache = _cache(session)
    hit = cache.procedures.get(code)
    if hit is not None and time.monotonic() - hit[0] <= TTL_SECONDS:
        return hit[1]
    info = await cache.procedure_loads.load(
        code, lambda: _load_procedure(session, Procedure.code == code)
    )
    if info is None or not info.is_active:
        raise InvalidInput(
            f"Không có thủ tục mã {code} (unknown procedure {code})",
            code="unknown-procedure",
            procedure=code,
        )
    cache.procedures[code] = (time.monotonic(), info)
    cache.procedure_codes[info.id] = code
    return info


async def procedure_by_id(session: AsyncSession, procedure_id: int) -> ProcedureInfo:
    cache = _cache(session)
    code = cache.procedure_codes.get(procedure_id)
    if code is not None:
        hit = cache.procedures.get(code)
        if hit is not None and time.monotonic() - hit[0] <= TTL_SECONDS:
            return hit[1]
    info = await _load_procedure(session, Procedure.id == procedure_id)
    if info is None:
        raise LookupError(procedure_id)
    cache.procedures[info.code] = (time.monotonic(), info)
    cache.procedure_codes[info.id] = info.code
    return info


async def version_of(session: AsyncSession, procedure_id: int, version_id: int) -> VersionInfo:
    """The pinned version of a dossier (reloaded once if a new version appeared meanwhile)."""
    info = await procedure_by_id(session, procedure_id)
    try:
        return info.version(version_id)
    except LookupError:
        _cache(session).procedure_codes.pop(procedure_id, None)
        info = await procedure_by_id(session, procedure_id)
        return info.version(version_id)


# -- calendars -------------------------------------------------------------------------------------
async def calendar_for(session: AsyncSession, unit: UnitInfo) -> Calendar:
    """The unit's calendar (its province's days, its working hours, administrator days)."""
    cache = _cache(session)
    hit = cache.calendars.get(unit.id)
    now = time.monotonic()
    if hit is not None and now - hit[0] <= TTL_SECONDS:
        return hit[1]
    try:
        cal = await cache.calendar_loads.load(unit.id, lambda: _build(session, unit))
    except ValueError as exc:
        raise InvalidInput(
            f"Lịch làm việc của đơn vị {unit.code} không dùng được ({exc})",
            code="invalid-calendar",
            unit=unit.code,
        ) from exc
    cache.calendars[unit.id] = (now, cal)
    return cal


async def _build(session: AsyncSession, unit: UnitInfo) -> Calendar:
    return build_calendar(unit.province, unit.hours, await calendar_overrides(session))
