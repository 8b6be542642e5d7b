"""``onestop import-units FILE``: the organisation tree from a CSV or JSON file.

The columns (JSON keys) are the fields of ``POST /api/v1/units``: ``code`` (QCVN 102),
``name``, ``level``, ``parent_code`` (empty for a root) are required; ``address``, ``hotline``,
``province`` (defaults to the parent's, or for a root to the province part of its code),
``has_counter``, ``hours``, ``due_soon_days`` and ``on_time_target`` are optional. A level may be
written in Vietnamese (``Sở``, ``xã``, ``Trung tâm``…).

A unit not yet in the database is created; one that is, is changed where the file differs (an
empty cell leaves a value as it is); units the file does not name are left alone. Each row goes
through the same services as the API (``create_unit``, ``update_unit``), so every rule of theirs
applies and every change is audited. Parents may come after their children in the file: rows are
written parents first. The whole file is one transaction — one bad line and nothing is written —
and importing the same file again changes nothing. A dry run does all of it and rolls back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth import audit
from onestop.catalog.bootstrap import province_of_code
from onestop.catalog.import_files import (
    ImportRejected,
    ImportReport,
    LineError,
    Row,
    RowOutcome,
    alias,
    bool_cell,
    import_actor,
    read_rows,
    split_detail,
    summary_audit,
    validation_errors,
)
from onestop.catalog.models import Unit
from onestop.catalog.schemas import UnitCreate, UnitUpdate
from onestop.catalog.service_units import check_level, create_unit, parse_hours, update_unit
from onestop.core.errors import DomainError

COLUMNS = (
    "code",
    "name",
    "level",
    "parent_code",
    "address",
    "hotline",
    "province",
    "has_counter",
    "hours",
    "due_soon_days",
    "on_time_target",
)
REQUIRED = ("code", "name", "level", "parent_code")
#: What a re-import compares (the parent is compared by id).
COMPARED = (
    "name",
    "level",
    "address",
    "hotline",
    "province",
    "has_counter",
    "hours",
    "due_soon_days",
    "on_time_target",
)
LEVEL_ALIASES = {
    "bộ": "ministry",
    "cấp bộ": "ministry",
    "tỉnh": "province",
    "cấp tỉnh": "province",
    "ubnd tỉnh": "province",
    "sở": "department",
    "sở, ban, ngành": "department",
    "ban": "department",
    "ngành": "department",
    "xã": "commune",
    "phường": "commune",
    "đặc khu": "commune",
    "cấp xã": "commune",
    "trung tâm": "centre",
    "huyện": "district",  # refused by the service with its own explanation
    "cấp huyện": "district",
}
#: The field of the file a service error is about, by the error's code.
FIELD_OF_ERROR = {
    "unknown-unit": "parent_code",
    "unit-cycle": "parent_code",
    "invalid-level": "level",
    "district-level-abolished": "level",
    "invalid-working-hours": "hours",
    "duplicate-unit": "code",
}
_IN_CHUNK = 5000


@dataclass(frozen=True)
class _Line:
    row: Row
    data: UnitCreate
    given: frozenset[str]

    @property
    def code(self) -> str:
        return self.data.code


async def import_units(
    session: AsyncSession,
    *,
    data: bytes,
    filename: str,
    dry_run: bool = False,
    actor: str | None = None,
) -> ImportReport:
    """Import the units of a file (see the module). Raises ``ImportRejected`` naming the lines and
    fields at fault, having written nothing."""
    who = actor or import_actor(filename)
    rows, errors = read_rows(
        data, filename, columns=COLUMNS, required=REQUIRED, what=("đơn vị", "unit")
    )
    lines, refused = _parse(rows)
    errors += refused
    existing = await _existing(session, {c for ln in lines for c in (ln.code, ln.data.parent_code)})
    # A parent on a refused line is not unknown: that line's own error says what is wrong.
    named = {str(row.values.get("code")) for row in rows}
    order, refused = _parents_first(lines, existing, named)
    errors += refused
    if errors:
        raise ImportRejected(errors)
    outcomes: dict[int, RowOutcome] = {}
    try:
        for line in order:
            outcomes[line.row.line] = await _write(session, line, existing.get(line.code), who)
        report = ImportReport("units", [outcomes[ln.row.line] for ln in lines], dry_run)
        if dry_run or not report.changed_anything:
            await session.rollback()
        else:
            audit.record(
                session,
                actor=who,
                action="catalog.import",
                object_type="catalog",
                object_id="units",
                detail=summary_audit(report, filename),
            )
            await session.commit()
    except DomainError as exc:
        await session.rollback()
        vi, en = split_detail(exc.detail)
        error = LineError(line.row.line, FIELD_OF_ERROR.get(exc.code), vi, en)
        raise ImportRejected([error]) from exc
    except BaseException:
        await session.rollback()
        raise
    return report


def _parse(rows: Sequence[Row]) -> tuple[list[_Line], list[LineError]]:
    lines: list[_Line] = []
    errors: list[LineError] = []
    first_line: dict[str, int] = {}
    for row in rows:
        values: dict[str, Any] = {k: v for k, v in row.values.items() if v is not None}
        if "level" in values:
            values["level"] = alias(values["level"], LEVEL_ALIASES)
        if "has_counter" in values:
            values["has_counter"] = bool_cell(values["has_counter"])
        for name in ("due_soon_days", "on_time_target"):
            if isinstance(values.get(name), str):
                values[name] = values[name].replace(",", ".")
        given = frozenset(values) - {"code"}
        if "province" not in values and not values.get("parent_code"):
            province = province_of_code(str(values.get("code", "")))
            if province:
                values["province"] = province
        try:
            data = UnitCreate.model_validate(values)
            check_level(data.level)
            if data.hours is not None:
                parse_hours(data.hours)
        except ValidationError as exc:
            errors.extend(validation_errors(exc, row.line))
            if isinstance(values.get("level"), str) and not any(
                e["loc"][:1] == ("level",) for e in exc.errors()
            ):
                try:
                    check_level(values["level"])
                except DomainError as level_error:
                    vi, en = split_detail(level_error.detail)
                    errors.append(LineError(row.line, "level", vi, en))
            continue
        except DomainError as exc:
            vi, en = split_detail(exc.detail)
            errors.append(LineError(row.line, FIELD_OF_ERROR.get(exc.code), vi, en))
            continue
        if data.code in first_line:
            errors.append(
                LineError(
                    row.line,
                    "code",
                    f"mã đơn vị {data.code} đã có ở dòng {first_line[data.code]}",
                    f"unit code {data.code} already appears on line {first_line[data.code]}",
                )
            )
            continue
        first_line[data.code] = row.line
        lines.append(_Line(row, data, given))
    return lines, errors


async def _existing(session: AsyncSession, codes: Iterable[str | None]) -> dict[str, Unit]:
    wanted = sorted(c for c in set(codes) if c)
    found: dict[str, Unit] = {}
    for i in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[i : i + _IN_CHUNK]
        rows = (await session.execute(select(Unit).where(Unit.code.in_(chunk)))).scalars()
        found.update((u.code, u) for u in rows)
    return found


def _parents_first(
    lines: Sequence[_Line], existing: dict[str, Unit], named: set[str]
) -> tuple[list[_Line], list[LineError]]:
    """The rows in an order that writes every parent before its children, or the errors: an
    unknown parent (not in the database, not ``named`` in the file), a cycle inside the file, a
    unit the file would cut off its parent."""
    by_code = {ln.code: ln for ln in lines}
    errors: list[LineError] = []
    placed: set[str] = set()  # written, or refused already: not walked again
    for ln in lines:
        parent = ln.data.parent_code
        current = existing.get(ln.code)
        if parent is None and current is not None and current.parent_id is not None:
            errors.append(
                LineError(
                    ln.row.line,
                    "parent_code",
                    f"đơn vị {ln.code} đang có đơn vị cấp trên; để trống mã cấp trên sẽ tách nó"
                    " thành một cây riêng, việc này không làm bằng tệp nhập",
                    f"unit {ln.code} has a parent; an empty parent_code would make it a root of"
                    " its own, which an import does not do",
                )
            )
        elif parent == ln.code:
            placed.add(ln.code)
            errors.append(
                LineError(
                    ln.row.line,
                    "parent_code",
                    "đơn vị không thể là cấp trên của chính nó",
                    "a unit cannot be its own parent",
                )
            )
        elif parent is not None and parent not in named and parent not in existing:
            errors.append(
                LineError(
                    ln.row.line,
                    "parent_code",
                    f"không có đơn vị cấp trên mã {parent} trong tệp hay trong cơ sở dữ liệu",
                    f"unknown parent unit {parent}: neither in the file nor in the database",
                )
            )
    order: list[_Line] = []
    for ln in lines:
        path: list[str] = []
        code: str | None = ln.code
        while code is not None and code in by_code and code not in placed:
            if code in path:
                cycle = path[path.index(code) :]
                lines_text = ", ".join(str(by_code[c].row.line) for c in cycle)
                errors.append(
                    LineError(
                        by_code[code].row.line,
                        "parent_code",
                        f"các đơn vị ở dòng {lines_text} là cấp trên của nhau thành vòng",
                        f"the units on lines {lines_text} are each other's parents in a cycle",
                    )
                )
                placed.update(path)
                path = []
                break
            path.append(code)
            code = by_code[code].data.parent_code
        for c in reversed(path):
            placed.add(c)
            order.append(by_code[c])
    return order, errors


def _state(unit: Unit) -> dict[str, Any]:
    state = {name: getattr(unit, name) for name in COMPARED}
    state["parent_code"] = unit.parent_id
    return state


async def _write(
    session: AsyncSession, line: _Line, current: Unit | None, actor: str
) -> RowOutcome:
    if current is None:
        await create_unit(session, data=line.data, principal=None, actor=actor, commit=False)
        return RowOutcome(line.row.line, line.code, "created")
    before = _state(current)
    fields = {name: getattr(line.data, name) for name in line.given if name != "parent_code"}
    changes = UnitUpdate.model_validate({**fields, "parent_code": line.data.parent_code})
    unit = await update_unit(
        session, code=line.code, data=changes, principal=None, actor=actor, commit=False
    )
    after = _state(unit)
    changed = [name for name in (*COMPARED, "parent_code") if before[name] != after[name]]
    return RowOutcome(line.row.line, line.code, "changed" if changed else "unchanged", changed)
