"""Procedures (thủ tục hành chính) and their dated versions with internal step budgets.

A version's internal steps (quy trình nội bộ, docs/rules.md §7.1) must fit in the legal time
limit: their budgets, in working hours (1 working day = 8 h), may not add up to more than it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from onestop.auth import audit
from onestop.auth.principal import Principal
from onestop.catalog.models import (
    Procedure,
    ProcedureStep,
    ProcedureUnit,
    ProcedureVersion,
    Unit,
)
from onestop.catalog.schemas import (
    PROCEDURE_LEVELS,
    BudgetIn,
    ProcedureCreate,
    VersionCreate,
)
from onestop.catalog.service import get_procedure, get_unit
from onestop.core import clock
from onestop.core.errors import Conflict, InvalidInput, NotFound
from onestop.worktime import TimeLimit

HOURS_PER_DAY = Decimal(8)


@dataclass
class ProcedureRow:
    """A procedure as listed: its competent unit codes and the version in force today."""

    procedure: Procedure
    unit_codes: list[str]
    in_force: ProcedureVersion | None


@dataclass
class ProcedureView:
    """A procedure with everything its detail page shows."""

    procedure: Procedure
    units: list[Unit]
    versions: list[ProcedureVersion]  # steps loaded, oldest first
    step_unit_codes: dict[int, str]
    in_force_id: int | None


def limit_hours(amount: Decimal, unit: str) -> Decimal:
    """The working hours a version's step budgets are checked against."""
    if unit == "working_hours":
        return amount
    if unit == "working_days":
        return amount * HOURS_PER_DAY
    if unit == "calendar_days":
        # A calendar-day span holds a varying number of working days (weekends and holidays
        # inside it do not count), so it has no fixed length in working hours. amount × 8 h is an
        # upper bound — every calendar day a working day — and is what the budgets are checked
        # against; a span full of holidays can still leave the steps less time than that.
        return amount * HOURS_PER_DAY
    # same_day: resolved within one working day (or on the next one after the cut-off).
    return HOURS_PER_DAY


def budget_hours(budget: BudgetIn) -> Decimal:
    return budget.amount * HOURS_PER_DAY if budget.unit == "working_days" else budget.amount


def time_limit(amount: Decimal, unit: str, cutoff: dt.time | None) -> TimeLimit:
    """The engine's TimeLimit, or a 422 with the engine's reason."""
    try:
        return TimeLimit(amount, unit, cutoff or dt.time(15, 0))  # type: ignore[arg-type]
    except ValueError as exc:
        raise InvalidInput(
            f"Thời hạn giải quyết không hợp lệ ({exc})", code="invalid-time-limit"
        ) from exc


def check_procedure_level(level: str | None) -> None:
    if level is None:
        return
    if level == "district":
        raise InvalidInput(
            "Không còn thủ tục cấp huyện: từ 01/07/2025 chính quyền địa phương có hai cấp"
            " (tỉnh, xã) (there is no district level after 01/07/2025: local government has two"
            " tiers, province and commune)",
            code="district-level-abolished",
            level=level,
            allowed=list(PROCEDURE_LEVELS),
        )
    if level not in PROCEDURE_LEVELS:
        raise InvalidInput(
            f"Cấp thực hiện '{level}' không hợp lệ (unknown procedure level '{level}')",
            code="invalid-level",
            level=level,
            allowed=list(PROCEDURE_LEVELS),
        )


async def units_by_code(session: AsyncSession, codes: Sequence[str]) -> dict[str, Unit]:
    """The units named, all of which must exist (404 naming the unknown ones)."""
    wanted = list(dict.fromkeys(codes))
    if not wanted:
        return {}
    rows = (await session.execute(select(Unit).where(Unit.code.in_(wanted)))).scalars().all()
    found = {u.code: u for u in rows}
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise NotFound(
            f"Không có đơn vị mã {', '.join(unknown)} (unknown unit {', '.join(unknown)})",
            code="unknown-unit",
            unknown_codes=unknown,
        )
    return found


def _require_units(principal: Principal | None, units: Sequence[Unit]) -> None:
    """An administrator writes procedures of units inside their scope only; without a principal
    (the command line, which holds the database itself) no scope applies."""
    if principal is None:
        return
    for unit in units:
        principal.require_unit(unit.path, unit.code)


async def list_procedures(
    session: AsyncSession,
    *,
    field: str | None = None,
    unit_code: str | None = None,
    q: str | None = None,
    after: str | None = None,
    limit: int = 50,
) -> tuple[list[ProcedureRow], bool]:
    """Procedures ordered by code, one page after the code ``after``; True when more follow."""
    stmt = select(Procedure)
    if field is not None:
        stmt = stmt.where((Procedure.field == field) | (Procedure.field_code == field))
    if unit_code is not None:
        unit = await get_unit(session, unit_code)
        stmt = stmt.where(
            Procedure.id.in_(
                select(ProcedureUnit.procedure_id).where(ProcedureUnit.unit_id == unit.id)
            )
        )
    if q:
        stmt = stmt.where(
            Procedure.name.icontains(q, autoescape=True)
            | Procedure.code.icontains(q, autoescape=True)
        )
    if after is not None:
        stmt = stmt.where(Procedure.code > after)
    procs = (await session.execute(stmt.order_by(Procedure.code).limit(limit + 1))).scalars().all()
    page = list(procs[:limit])
    ids = [p.id for p in page]
    codes: dict[int, list[str]] = {i: [] for i in ids}
    in_force: dict[int, ProcedureVersion] = {}
    if ids:
        unit_rows = await session.execute(
            select(ProcedureUnit.procedure_id, Unit.code)
            .join(Unit, Unit.id == ProcedureUnit.unit_id)
            .where(ProcedureUnit.procedure_id.in_(ids))
            .order_by(Unit.code)
        )
        for pid, code in unit_rows.all():
            codes[pid].append(code)
        versions = await session.execute(
            select(ProcedureVersion)
            .where(
                ProcedureVersion.procedure_id.in_(ids),
                ProcedureVersion.effective_from <= clock.local_today(),
            )
            .order_by(ProcedureVersion.effective_from.desc())
        )
        for version in versions.scalars():
            in_force.setdefault(version.procedure_id, version)
    rows = [ProcedureRow(p, codes[p.id], in_force.get(p.id)) for p in page]
    return rows, len(procs) > limit


async def procedure_view(session: AsyncSession, code: str) -> ProcedureView:
    proc = await get_procedure(session, code)
    units = (
        (
            await session.execute(
                select(Unit)
                .join(ProcedureUnit, ProcedureUnit.unit_id == Unit.id)
                .where(ProcedureUnit.procedure_id == proc.id)
                .order_by(Unit.code)
            )
        )
        .scalars()
        .all()
    )
    versions = (
        (
            await session.execute(
                select(ProcedureVersion)
                .where(ProcedureVersion.procedure_id == proc.id)
                .order_by(ProcedureVersion.effective_from)
                .options(selectinload(ProcedureVersion.steps))
            )
        )
        .scalars()
        .all()
    )
    step_unit_ids = {s.unit_id for v in versions for s in v.steps if s.unit_id is not None}
    step_codes: dict[int, str] = {}
    if step_unit_ids:
        rows = await session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(step_unit_ids)))
        step_codes = {uid: ucode for uid, ucode in rows.all()}
    today = clock.local_today()
    current = [v for v in versions if v.effective_from <= today]
    return ProcedureView(
        procedure=proc,
        units=list(units),
        versions=list(versions),
        step_unit_codes=step_codes,
        in_force_id=current[-1].id if current else None,
    )


async def _build_version(
    session: AsyncSession, procedure_id: int, data: VersionCreate
) -> ProcedureVersion:
    """Checks a version (time limit, step budgets, step units) and builds its rows."""
    assert data.limit.amount is not None  # LimitIn fills it in for same_day
    time_limit(data.limit.amount, data.limit.unit, data.limit.cutoff)
    allowed = limit_hours(data.limit.amount, data.limit.unit)
    total = sum((budget_hours(s.budget) for s in data.steps), Decimal(0))
    if total > allowed:
        raise InvalidInput(
            f"Tổng thời gian các bước {_fmt(total)} giờ làm việc vượt thời hạn giải quyết"
            f" {_fmt(allowed)} giờ làm việc (step budgets add up to {_fmt(total)} working hours,"
            f" more than the legal limit of {_fmt(allowed)} working hours:"
            f" {_fmt(data.limit.amount)} {data.limit.unit})",
            code="step-budget-exceeds-limit",
            budget_hours=_num(total),
            limit_hours=_num(allowed),
        )
    step_units = await units_by_code(session, [s.unit_code for s in data.steps if s.unit_code])
    return ProcedureVersion(
        procedure_id=procedure_id,
        effective_from=data.effective_from,
        limit_amount=data.limit.amount,
        limit_unit=data.limit.unit,
        same_day_cutoff=data.limit.cutoff if data.limit.unit == "same_day" else None,
        supplement_policy=data.supplement_policy,
        max_reappointments=data.max_reappointments,
        legal_basis=data.legal_basis,
        documents=[d.model_dump() for d in data.documents],
        fees=[f.model_dump() for f in data.fees],
        created_at=clock.now(),
        steps=[
            ProcedureStep(
                seq=seq,
                name=s.name,
                role=s.role,
                unit_id=step_units[s.unit_code].id if s.unit_code else None,
                budget_hours=budget_hours(s.budget),
            )
            for seq, s in enumerate(data.steps, start=1)
        ],
    )


async def create_procedure(
    session: AsyncSession,
    *,
    data: ProcedureCreate,
    principal: Principal | None,
    actor: str = "system",
    commit: bool = True,
) -> Procedure:
    """Create a procedure with its first version. ``actor`` names the writer when there is no
    principal; with ``commit=False`` the caller's transaction goes on (an import commits all rows
    or none)."""
    check_procedure_level(data.level)
    units = await units_by_code(session, data.competent_unit_codes)
    _require_units(principal, list(units.values()))
    exists = await session.scalar(select(Procedure.id).where(Procedure.code == data.code))
    if exists is not None:
        raise _duplicate_procedure(data.code)
    version = await _build_version(session, 0, data.version)
    proc = Procedure(
        code=data.code,
        name=data.name,
        field=data.field,
        field_code=data.field_code,
        level=data.level,
        is_active=True,
        created_at=clock.now(),
    )
    session.add(proc)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent insert of the same code
        await session.rollback()
        raise _duplicate_procedure(data.code) from exc
    session.add_all(ProcedureUnit(procedure_id=proc.id, unit_id=u.id) for u in units.values())
    version.procedure_id = proc.id
    session.add(version)
    audit.record(
        session,
        actor=principal.actor if principal else actor,
        action="procedure.create",
        object_type="procedure",
        object_id=proc.code,
        detail={
            "competent_units": list(units),
            "effective_from": data.version.effective_from.isoformat(),
            "limit": f"{_fmt(version.limit_amount)} {version.limit_unit}",
        },
    )
    if commit:
        await session.commit()
    return proc


async def add_version(
    session: AsyncSession,
    *,
    code: str,
    data: VersionCreate,
    principal: Principal | None,
    actor: str = "system",
    commit: bool = True,
) -> ProcedureVersion:
    """A new dated version; an existing version is never edited. ``actor`` and ``commit`` as for
    ``create_procedure``."""
    proc = await get_procedure(session, code)
    units = (
        (
            await session.execute(
                select(Unit)
                .join(ProcedureUnit, ProcedureUnit.unit_id == Unit.id)
                .where(ProcedureUnit.procedure_id == proc.id)
            )
        )
        .scalars()
        .all()
    )
    _require_units(principal, units)
    exists = await session.scalar(
        select(ProcedureVersion.id).where(
            ProcedureVersion.procedure_id == proc.id,
            ProcedureVersion.effective_from == data.effective_from,
        )
    )
    if exists is not None:
        raise _duplicate_version(code, data.effective_from)
    version = await _build_version(session, proc.id, data)
    session.add(version)
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        raise _duplicate_version(code, data.effective_from) from exc
    audit.record(
        session,
        actor=principal.actor if principal else actor,
        action="procedure.version.create",
        object_type="procedure",
        object_id=proc.code,
        detail={
            "effective_from": data.effective_from.isoformat(),
            "limit": f"{_fmt(version.limit_amount)} {version.limit_unit}",
            "steps": len(data.steps),
        },
    )
    if commit:
        await session.commit()
    return version


def _duplicate_procedure(code: str) -> Conflict:
    return Conflict(
        f"Mã thủ tục {code} đã tồn tại (procedure code {code} already exists)",
        code="duplicate-procedure",
        procedure=code,
    )


def _duplicate_version(code: str, day: dt.date) -> Conflict:
    return Conflict(
        f"Thủ tục {code} đã có phiên bản hiệu lực từ {day:%d/%m/%Y}"
        f" (procedure {code} already has a version effective from {day.isoformat()})",
        code="duplicate-version",
        procedure=code,
        effective_from=day.isoformat(),
    )


def _num(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _fmt(value: Decimal) -> str:
    return str(_num(value))
