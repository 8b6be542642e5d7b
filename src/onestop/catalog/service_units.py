"""The organisation tree: list, read, create and change units (with re-parenting).

Every unit stores its materialised ``path`` (``/1/4/17/``): subtree queries and scope checks are
prefix matches, and moving a unit rewrites the paths of its whole subtree in the same transaction.
Since 01/07/2025 local government has two tiers (province, commune): there is no district level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import String, func, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from onestop.auth import audit
from onestop.auth.principal import Principal
from onestop.catalog.models import DEFAULT_HOURS, Unit
from onestop.catalog.schemas import UNIT_LEVELS, UnitCreate, UnitUpdate
from onestop.catalog.service import get_unit
from onestop.core import clock
from onestop.core.errors import Conflict, InvalidInput, NotFound
from onestop.worktime import WorkingHours

ROOT_PATH = "/"


@dataclass
class UnitRow:
    """A unit with its parent's code (what list and tree responses show)."""

    unit: Unit
    parent_code: str | None
    children: list[UnitRow] = field(default_factory=list)


def check_level(level: str) -> str:
    if level == "district":
        raise InvalidInput(
            "Không còn cấp huyện: từ 01/07/2025 chính quyền địa phương có hai cấp (tỉnh, xã)"
            " (there is no district level after 01/07/2025: local government has two tiers,"
            " province and commune)",
            code="district-level-abolished",
            level=level,
            allowed=list(UNIT_LEVELS),
        )
    if level not in UNIT_LEVELS:
        raise InvalidInput(
            f"Cấp đơn vị '{level}' không hợp lệ (unknown unit level '{level}')",
            code="invalid-level",
            level=level,
            allowed=list(UNIT_LEVELS),
        )
    return level


def parse_hours(spec: str) -> WorkingHours:
    """The working-hours profile, or a 422 with the engine's reason (e.g. not an 8-hour day)."""
    try:
        return WorkingHours.parse(spec)
    except ValueError as exc:
        raise InvalidInput(
            f"Giờ làm việc không hợp lệ ({exc})", code="invalid-working-hours", hours=spec
        ) from exc


async def get_parent(session: AsyncSession, code: str) -> Unit:
    unit = (await session.execute(select(Unit).where(Unit.code == code))).scalar_one_or_none()
    if unit is None:
        raise NotFound(
            f"Không có đơn vị cấp trên mã {code} (unknown parent unit {code})",
            code="unknown-unit",
            unit=code,
        )
    return unit


def require_scope(principal: Principal | None, path: str, code: str) -> None:
    """An administrator writes only inside the subtree of their own unit. Without a principal the
    caller is the command line (``onestop init``, the catalogue imports), which holds the database
    itself: no scope applies."""
    if principal is not None:
        principal.require_unit(path, code)


async def list_units(
    session: AsyncSession,
    *,
    parent_code: str | None = None,
    level: str | None = None,
    province: str | None = None,
    q: str | None = None,
    after: str | None = None,
    limit: int = 50,
) -> tuple[list[UnitRow], bool]:
    """Units ordered by code, one page after the code ``after``; True when more follow."""
    parent = aliased(Unit)
    stmt = select(Unit, parent.code).outerjoin(parent, parent.id == Unit.parent_id)
    if parent_code is not None:
        stmt = stmt.where(Unit.parent_id == (await get_parent(session, parent_code)).id)
    if level is not None:
        stmt = stmt.where(Unit.level == level)
    if province is not None:
        stmt = stmt.where(func.upper(Unit.province) == province.upper())
    if q:
        stmt = stmt.where(
            Unit.name.icontains(q, autoescape=True) | Unit.code.icontains(q, autoescape=True)
        )
    if after is not None:
        stmt = stmt.where(Unit.code > after)
    rows = (await session.execute(stmt.order_by(Unit.code).limit(limit + 1))).all()
    return [UnitRow(unit, code) for unit, code in rows[:limit]], len(rows) > limit


async def unit_tree(
    session: AsyncSession, *, parent_code: str | None = None, province: str | None = None
) -> list[UnitRow]:
    """The nested tree: the whole forest, or the subtree below ``parent_code`` (its children are
    the roots). With ``province``, units of other provinces are left out and an orphaned unit
    becomes a root."""
    stmt = select(Unit)
    top: Unit | None = None
    if parent_code is not None:
        top = await get_parent(session, parent_code)
        stmt = stmt.where(Unit.path.startswith(top.path), Unit.id != top.id)
    if province is not None:
        stmt = stmt.where(func.upper(Unit.province) == province.upper())
    units = (await session.execute(stmt.order_by(Unit.code))).scalars().all()
    by_id = {u.id: u for u in units}
    codes = {u.id: u.code for u in units}
    if top is not None:
        codes[top.id] = top.code
    missing = {u.parent_id for u in units if u.parent_id is not None} - codes.keys()
    if missing:
        rows = await session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(missing)))
        codes.update({i: c for i, c in rows.all()})
    nodes = {u.id: UnitRow(u, codes.get(u.parent_id) if u.parent_id else None) for u in units}
    roots: list[UnitRow] = []
    for unit in units:  # ordered by code, so every children list is ordered by code too
        node = nodes[unit.id]
        if unit.parent_id is not None and unit.parent_id in by_id:
            nodes[unit.parent_id].children.append(node)
        else:
            roots.append(node)
    return roots


async def unit_detail(session: AsyncSession, code: str) -> tuple[Unit, Unit | None, list[Unit]]:
    """A unit, its parent and its direct children (ordered by code)."""
    unit = await get_unit(session, code)
    parent = await session.get(Unit, unit.parent_id) if unit.parent_id is not None else None
    children = (
        (await session.execute(select(Unit).where(Unit.parent_id == unit.id).order_by(Unit.code)))
        .scalars()
        .all()
    )
    return unit, parent, list(children)


async def managed_unit(session: AsyncSession, *, code: str, principal: Principal) -> Unit:
    """A unit an administrator may change (404 when unknown, 403 outside their subtree)."""
    unit = await get_unit(session, code)
    require_scope(principal, unit.path, unit.code)
    return unit


async def managed_tree(session: AsyncSession, *, principal: Principal) -> list[UnitRow]:
    """The units an administrator manages, nested: the whole forest for an administrator of the
    whole tree, else their own unit with everything below it."""
    if principal.covers_whole_tree:
        return await unit_tree(session)
    if principal.unit_code is None:
        return []
    top, parent, _ = await unit_detail(session, principal.unit_code)
    children = await unit_tree(session, parent_code=top.code)
    return [UnitRow(top, parent.code if parent else None, children)]


def flatten(rows: list[UnitRow], depth: int = 0) -> list[tuple[UnitRow, int]]:
    """The nested rows in tree order, each with its depth (for indented lists and choices)."""
    out: list[tuple[UnitRow, int]] = []
    for row in rows:
        out.append((row, depth))
        out.extend(flatten(row.children, depth + 1))
    return out


async def create_unit(
    session: AsyncSession,
    *,
    data: UnitCreate,
    principal: Principal | None,
    actor: str = "system",
    commit: bool = True,
) -> Unit:
    """Create a unit below its parent. ``actor`` names the writer when there is no principal;
    with ``commit=False`` the caller's transaction goes on (an import commits all rows or none)."""
    check_level(data.level)
    hours = str(parse_hours(data.hours)) if data.hours is not None else None
    parent = await get_parent(session, data.parent_code) if data.parent_code else None
    require_scope(principal, parent.path if parent else ROOT_PATH, data.code)
    await _refuse_duplicate(session, data.code)
    unit = Unit(
        code=data.code,
        name=data.name,
        level=data.level,
        parent_id=parent.id if parent else None,
        path="",
        province=(data.province or (parent.province if parent else None)),
        hours=hours or (parent.hours if parent else DEFAULT_HOURS),
        has_counter=data.has_counter,
        address=data.address,
        hotline=data.hotline,
        due_soon_days=data.due_soon_days,
        on_time_target=data.on_time_target,
        is_active=True,
        created_at=clock.now(),
    )
    if unit.province:
        unit.province = unit.province.upper()
    session.add(unit)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent insert of the same code
        await session.rollback()
        raise _duplicate(data.code) from exc
    unit.path = f"{parent.path if parent else ROOT_PATH}{unit.id}/"
    audit.record(
        session,
        actor=principal.actor if principal else actor,
        action="unit.create",
        object_type="unit",
        object_id=unit.code,
        detail={"parent": data.parent_code, "level": unit.level, "province": unit.province},
    )
    if commit:
        await session.commit()
    return unit


async def update_unit(
    session: AsyncSession,
    *,
    code: str,
    data: UnitUpdate,
    principal: Principal | None,
    actor: str = "system",
    commit: bool = True,
) -> Unit:
    """Change the fields sent (and move the unit when ``parent_code`` is sent); nothing is written
    when nothing differs. ``actor`` and ``commit`` as for ``create_unit``."""
    unit = await get_unit(session, code)
    require_scope(principal, unit.path, unit.code)
    sent = data.model_fields_set
    if "level" in sent and data.level is not None:
        check_level(data.level)
    if "hours" in sent and data.hours is not None:
        data.hours = str(parse_hours(data.hours))
    changes: dict[str, Any] = {}
    if "parent_code" in sent:
        new_parent = await get_parent(session, data.parent_code) if data.parent_code else None
        if (new_parent.id if new_parent else None) != unit.parent_id:
            await _reparent(session, unit, new_parent, principal)
            changes["parent_code"] = new_parent.code if new_parent else None
    for name in sorted(sent - {"parent_code"}):
        value = getattr(data, name)
        if name == "province" and value is not None:
            value = value.upper()
        old = getattr(unit, name)
        if old != value:
            setattr(unit, name, value)
            changes[name] = [_jsonable(old), _jsonable(value)]
    if changes:
        audit.record(
            session,
            actor=principal.actor if principal else actor,
            action="unit.update",
            object_type="unit",
            object_id=unit.code,
            detail=changes,
        )
        if commit:
            await session.commit()
    return unit


async def _reparent(
    session: AsyncSession, unit: Unit, new_parent: Unit | None, principal: Principal | None
) -> None:
    """Moves ``unit`` (and its subtree) below ``new_parent``; refuses a cycle."""
    if new_parent is not None and new_parent.path.startswith(unit.path):
        raise InvalidInput(
            f"Không thể chuyển đơn vị {unit.code} vào đơn vị cấp dưới của chính nó"
            f" {new_parent.code} (moving {unit.code} below {new_parent.code} would create a cycle)",
            code="unit-cycle",
            unit=unit.code,
            parent=new_parent.code,
        )
    require_scope(
        principal,
        new_parent.path if new_parent else ROOT_PATH,
        new_parent.code if new_parent else unit.code,
    )
    old_prefix = unit.path
    new_prefix = f"{new_parent.path if new_parent else ROOT_PATH}{unit.id}/"
    await session.execute(
        update(Unit)
        .where(Unit.path.startswith(old_prefix))
        .values(path=literal(new_prefix, String) + func.substr(Unit.path, len(old_prefix) + 1))
        .execution_options(synchronize_session="fetch")
    )
    unit.parent_id = new_parent.id if new_parent else None
    unit.path = new_prefix


async def _refuse_duplicate(session: AsyncSession, code: str) -> None:
    exists = await session.scalar(select(Unit.id).where(Unit.code == code))
    if exists is not None:
        raise _duplicate(code)


def _duplicate(code: str) -> Conflict:
    return Conflict(
        f"Mã đơn vị {code} đã tồn tại (unit code {code} already exists)",
        code="duplicate-unit",
        unit=code,
    )


def _jsonable(value: object) -> object:
    return str(value) if isinstance(value, Decimal) else value
