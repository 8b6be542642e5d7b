"""``onestop import-procedures FILE``: procedures from the national catalogue (CSDL quốc gia về
thủ tục hành chính), as a CSV or JSON file with the catalogue's field names.

- ``MaTTHC``: the national code (``1.001193``; a local variant ``1.000948.H38``);
- ``TenTTHC``: the name;
- ``MaLinhVuc``, ``TenLinhVuc``: the field's (lĩnh vực) code and name;
- ``CapThucHien``: the level, ``Cấp tỉnh`` / ``Cấp xã`` / ``Cấp bộ`` (or province, commune,
  ministry);
- ``ThoiHan``, ``DonViThoiHan``: the time limit, an amount and ``Ngày làm việc`` /
  ``Giờ làm việc`` / ``Ngày`` / ``Trong ngày`` (or working_days, working_hours, calendar_days,
  same_day);
- ``CoQuanThucHien``: the competent units' codes, ``;``-separated (JSON: a list);
- ``ThanhPhanHoSo``: the documents, ``PhiLePhi``: the fees (below);
- ``NgayHieuLuc``: the date the version takes effect, ``dd/mm/yyyy`` or ``yyyy-mm-dd``;
- ``CanCuPhapLy``: the legal basis (optional).

In a CSV cell, documents are ``;``-separated, each ``name|kind|quantity|code`` (kind
``bản chính``, ``bản sao`` or ``bản điện tử``, default ``bản chính``; quantity default 1; code
default ``TP<position>``, the code the counter ticks the document off by), and fees
``name|amount in VND``. In JSON they are lists of objects (``TenGiayTo``, ``MaGiayTo``,
``LoaiBan``, ``SoLuong``, ``BatBuoc``; ``TenPhiLePhi``, ``MaPhiLePhi``, ``SoTien``) or of names.

A procedure not in the database is created with a first version from ``NgayHieuLuc``. For one
that is, its name, field, level and competent units are brought in line with the file; and when
the file's time limit, documents, fees or legal basis differ from the version in force on the
file's effective date, a new version effective from that date is added — an existing version is
never edited (a dossier keeps the version it was received under), so a file that changes a
version on the very date it took effect is refused. A new version keeps the previous one's
internal steps, supplement policy and reappointment limit, which the national catalogue does not
hold (and is refused if those steps no longer fit its limit). Empty cells leave values as they
are. The whole file is one transaction and importing it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from onestop.auth import audit
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
from onestop.catalog.models import Procedure, ProcedureUnit, ProcedureVersion, Unit
from onestop.catalog.schemas import ProcedureCreate, VersionCreate
from onestop.catalog.service_procedures import (
    add_version,
    check_procedure_level,
    create_procedure,
    time_limit,
)
from onestop.core.errors import DomainError

COLUMNS = (
    "MaTTHC",
    "TenTTHC",
    "MaLinhVuc",
    "TenLinhVuc",
    "CapThucHien",
    "ThoiHan",
    "DonViThoiHan",
    "CoQuanThucHien",
    "ThanhPhanHoSo",
    "PhiLePhi",
    "NgayHieuLuc",
    "CanCuPhapLy",
)
REQUIRED = (
    "MaTTHC",
    "TenTTHC",
    "TenLinhVuc",
    "ThoiHan",
    "DonViThoiHan",
    "CoQuanThucHien",
    "NgayHieuLuc",
)
LEVEL_ALIASES = {
    "cấp tỉnh": "province",
    "tỉnh": "province",
    "cấp xã": "commune",
    "xã": "commune",
    "cấp bộ": "ministry",
    "bộ": "ministry",
    "cấp huyện": "district",  # refused by the service with its own explanation
    "huyện": "district",
}
LIMIT_UNIT_ALIASES = {
    "ngày làm việc": "working_days",
    "giờ làm việc": "working_hours",
    "giờ": "working_hours",
    "ngày": "calendar_days",
    "ngày lịch": "calendar_days",
    "trong ngày": "same_day",
    "ngay trong ngày": "same_day",
}
COPY_ALIASES = {
    "bản chính": "original",
    "bản sao": "copy",
    "bản điện tử": "electronic",
    "0": "original",
    "1": "copy",
    "2": "electronic",
}
DOCUMENT_KEYS = {
    "MaGiayTo": "code",
    "TenGiayTo": "name",
    "LoaiBan": "copy_type",
    "SoLuong": "quantity",
    "BatBuoc": "required",
}
FEE_KEYS = {"MaPhiLePhi": "code", "TenPhiLePhi": "name", "SoTien": "amount"}
#: The model's field → the file's.
FIELD_NAMES = {
    "code": "MaTTHC",
    "name": "TenTTHC",
    "field": "TenLinhVuc",
    "field_code": "MaLinhVuc",
    "level": "CapThucHien",
    "competent_unit_codes": "CoQuanThucHien",
    "effective_from": "NgayHieuLuc",
    "documents": "ThanhPhanHoSo",
    "fees": "PhiLePhi",
    "legal_basis": "CanCuPhapLy",
}
#: The field of the file a service error is about, by the error's code.
FIELD_OF_ERROR = {
    "unknown-unit": "CoQuanThucHien",
    "invalid-level": "CapThucHien",
    "district-level-abolished": "CapThucHien",
    "invalid-time-limit": "ThoiHan",
    "step-budget-exceeds-limit": "ThoiHan",
    "duplicate-procedure": "MaTTHC",
    "duplicate-version": "NgayHieuLuc",
}
_IN_CHUNK = 5000
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_VND = re.compile(r"^\d{1,3}(?:[., ]\d{3})*$|^\d+$")


@dataclass(frozen=True)
class _Line:
    row: Row
    data: ProcedureCreate
    given: frozenset[str]

    @property
    def code(self) -> str:
        return self.data.code


async def import_procedures(
    session: AsyncSession,
    *,
    data: bytes,
    filename: str,
    dry_run: bool = False,
    actor: str | None = None,
) -> ImportReport:
    """Import the procedures of a file (see the module). Raises ``ImportRejected`` naming the
    lines and fields at fault, having written nothing."""
    who = actor or import_actor(filename)
    rows, errors = read_rows(
        data, filename, columns=COLUMNS, required=REQUIRED, what=("thủ tục", "procedure")
    )
    lines, refused = _parse(rows)
    errors += refused
    units = await _units(session, {c for ln in lines for c in ln.data.competent_unit_codes})
    errors += [
        LineError(
            ln.row.line,
            "CoQuanThucHien",
            f"không có đơn vị mã {', '.join(unknown)}",
            f"unknown unit {', '.join(unknown)}",
        )
        for ln in lines
        if (unknown := [c for c in ln.data.competent_unit_codes if c not in units])
    ]
    if errors:
        raise ImportRejected(errors)
    existing = await _procedures(session, [ln.code for ln in lines])
    outcomes: list[RowOutcome] = []
    try:
        for line in lines:
            proc = existing.get(line.code)
            if proc is None:
                await create_procedure(
                    session, data=line.data, principal=None, actor=who, commit=False
                )
                outcomes.append(RowOutcome(line.row.line, line.code, "created"))
            else:
                outcomes.append(await _update(session, line, proc, units, who))
        report = ImportReport("procedures", outcomes, dry_run)
        if dry_run or not report.changed_anything:
            await session.rollback()
        else:
            audit.record(
                session,
                actor=who,
                action="catalog.import",
                object_type="catalog",
                object_id="procedures",
                detail=summary_audit(report, filename),
            )
            await session.commit()
    except _LineRefused as exc:
        await session.rollback()
        raise ImportRejected([exc.error]) from None
    except DomainError as exc:
        await session.rollback()
        vi, en = split_detail(exc.detail)
        error = LineError(line.row.line, FIELD_OF_ERROR.get(exc.code), vi, en)
        raise ImportRejected([error]) from exc
    except BaseException:
        await session.rollback()
        raise
    return report


class _LineRefused(Exception):
    def __init__(self, error: LineError) -> None:
        super().__init__(error.detail)
        self.error = error


# ----------------------------------------------------------------------------------- parsing


def _parse(rows: Sequence[Row]) -> tuple[list[_Line], list[LineError]]:
    lines: list[_Line] = []
    errors: list[LineError] = []
    first_line: dict[str, int] = {}
    for row in rows:
        v = {k: x for k, x in row.values.items() if x is not None}
        version: dict[str, Any] = {
            "effective_from": _date(v.get("NgayHieuLuc")),
            "limit": {
                "amount": _number(v.get("ThoiHan")),
                "unit": alias(v.get("DonViThoiHan"), LIMIT_UNIT_ALIASES),
            },
        }
        if "ThanhPhanHoSo" in v:
            version["documents"] = _documents(v["ThanhPhanHoSo"])
        if "PhiLePhi" in v:
            version["fees"] = _fees(v["PhiLePhi"])
        if "CanCuPhapLy" in v:
            version["legal_basis"] = v["CanCuPhapLy"]
        body: dict[str, Any] = {
            "code": v.get("MaTTHC"),
            "name": v.get("TenTTHC"),
            "field": v.get("TenLinhVuc"),
            "competent_unit_codes": _codes(v.get("CoQuanThucHien")),
            "version": version,
        }
        if "MaLinhVuc" in v:
            body["field_code"] = v["MaLinhVuc"]
        if "CapThucHien" in v:
            body["level"] = alias(v["CapThucHien"], LEVEL_ALIASES)
        try:
            data = ProcedureCreate.model_validate(body)
            check_procedure_level(data.level)
            limit = data.version.limit
            assert limit.amount is not None  # LimitIn fills it in for same_day
            time_limit(limit.amount, limit.unit, limit.cutoff)
        except ValidationError as exc:
            errors.extend(validation_errors(exc, row.line, _field_of))
            if isinstance(body.get("level"), str):
                try:
                    check_procedure_level(body["level"])
                except DomainError as level_error:
                    vi, en = split_detail(level_error.detail)
                    errors.append(LineError(row.line, "CapThucHien", vi, en))
            continue
        except DomainError as exc:
            vi, en = split_detail(exc.detail)
            errors.append(LineError(row.line, FIELD_OF_ERROR.get(exc.code), vi, en))
            continue
        if data.code in first_line:
            errors.append(
                LineError(
                    row.line,
                    "MaTTHC",
                    f"thủ tục {data.code} đã có ở dòng {first_line[data.code]}",
                    f"procedure {data.code} already appears on line {first_line[data.code]}",
                )
            )
            continue
        first_line[data.code] = row.line
        lines.append(_Line(row, data, frozenset(v)))
    return lines, errors


def _field_of(loc: tuple[str | int, ...]) -> str | None:
    """The file's field of a location in ProcedureCreate."""
    parts = loc[1:] if loc[:1] == ("version",) else loc
    if not parts:
        return None
    head = parts[0]
    if head == "limit":
        return "DonViThoiHan" if parts[1:2] == ("unit",) else "ThoiHan"
    name = FIELD_NAMES.get(str(head), str(head))
    if head in ("documents", "fees") and len(parts) >= 2 and isinstance(parts[1], int):
        keys = DOCUMENT_KEYS if head == "documents" else FEE_KEYS
        sub = {inner: outer for outer, inner in keys.items()}
        name += f"[{parts[1] + 1}]"
        if len(parts) >= 3:
            name += f".{sub.get(str(parts[2]), str(parts[2]))}"
    return name


def _date(value: Any) -> Any:
    """``dd/mm/yyyy`` as an ISO date; anything else as it is, for the schema to check."""
    if isinstance(value, str) and (m := _DMY.match(value)):
        day, month, year = (int(g) for g in m.groups())
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            return value
    return value


def _number(value: Any) -> Any:
    """A decimal written with a comma (``0,5``) as one with a point."""
    if isinstance(value, str):
        return value.replace(",", ".")
    return value


def _int(value: Any) -> Any:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


def _vnd(value: Any) -> Any:
    """An amount in VND as written (``8.000``, ``8 000``, ``8000 đồng``) as an integer."""
    if isinstance(value, str):
        text = value.strip()
        for suffix in ("đồng", "vnđ", "vnd", "đ"):
            if text.lower().endswith(suffix):
                text = text[: -len(suffix)].strip()
                break
        if _VND.match(text):
            return int(re.sub(r"[., ]", "", text))
    return value


def _codes(value: Any) -> Any:
    if isinstance(value, str):
        return [c.strip() for c in re.split(r"[;,]", value) if c.strip()]
    return value if value is not None else []


def _items(value: Any) -> Any:
    """A ``;``-separated cell as its items, each split on ``|``; a JSON list as it is."""
    if isinstance(value, str):
        return [[p.strip() for p in item.split("|")] for item in value.split(";") if item.strip()]
    return value


def _documents(value: Any) -> Any:
    items = _items(value)
    if not isinstance(items, list):
        return items
    out: list[Any] = []
    for item in items:
        if isinstance(item, str):
            item = [item]
        if isinstance(item, list):
            doc: dict[str, Any] = {"name": item[0] if item else ""}
            if len(item) > 1 and item[1]:
                doc["copy_type"] = alias(item[1], COPY_ALIASES)
            if len(item) > 2 and item[2]:
                doc["quantity"] = _int(item[2])
            if len(item) > 3 and item[3]:
                doc["code"] = item[3]
            if len(item) > 4:
                doc["unexpected"] = "|".join(item[4:])
            out.append(doc)
        elif isinstance(item, dict):
            doc = {DOCUMENT_KEYS.get(str(k), str(k)): x for k, x in item.items() if x is not None}
            if "copy_type" in doc:
                doc["copy_type"] = alias(str(doc["copy_type"]), COPY_ALIASES)
            if "quantity" in doc:
                doc["quantity"] = _int(doc["quantity"])
            if "required" in doc:
                doc["required"] = bool_cell(doc["required"])
            out.append(doc)
        else:
            out.append(item)
    return out


def _fees(value: Any) -> Any:
    items = _items(value)
    if not isinstance(items, list):
        return items
    out: list[Any] = []
    for item in items:
        if isinstance(item, list):
            fee: dict[str, Any] = {"name": item[0] if item else ""}
            fee["amount"] = _vnd(item[1]) if len(item) > 1 else None
            if len(item) > 2:
                fee["unexpected"] = "|".join(item[2:])
            out.append(fee)
        elif isinstance(item, dict):
            fee = {FEE_KEYS.get(str(k), str(k)): x for k, x in item.items() if x is not None}
            if "amount" in fee:
                fee["amount"] = _vnd(fee["amount"])
            out.append(fee)
        else:
            out.append(item)
    return out


# ---------------------------------------------------------------------------------- database


async def _units(session: AsyncSession, codes: Iterable[str]) -> dict[str, Unit]:
    wanted = sorted(set(codes))
    found: dict[str, Unit] = {}
    for i in range(0, len(wanted), _IN_CHUNK):
        rows = await session.execute(select(Unit).where(Unit.code.in_(wanted[i : i + _IN_CHUNK])))
        found.update((u.code, u) for u in rows.scalars())
    return found


async def _procedures(session: AsyncSession, codes: Sequence[str]) -> dict[str, Procedure]:
    found: dict[str, Procedure] = {}
    for i in range(0, len(codes), _IN_CHUNK):
        stmt = select(Procedure).where(Procedure.code.in_(codes[i : i + _IN_CHUNK]))
        found.update((p.code, p) for p in (await session.execute(stmt)).scalars())
    return found


async def _update(
    session: AsyncSession, line: _Line, proc: Procedure, units: dict[str, Unit], actor: str
) -> RowOutcome:
    data = line.data
    changes: list[str] = []
    detail: dict[str, Any] = {}
    wanted = {
        "name": data.name,
        "field": data.field,
        "field_code": data.field_code if "MaLinhVuc" in line.given else proc.field_code,
        "level": data.level if "CapThucHien" in line.given else proc.level,
    }
    for attr, value in wanted.items():
        if getattr(proc, attr) != value:
            detail[attr] = [getattr(proc, attr), value]
            setattr(proc, attr, value)
            changes.append(FIELD_NAMES[attr])
    rows = await session.execute(
        select(Unit.code, Unit.id)
        .join(ProcedureUnit, ProcedureUnit.unit_id == Unit.id)
        .where(ProcedureUnit.procedure_id == proc.id)
    )
    current: dict[str, int] = {code: uid for code, uid in rows.all()}
    target = set(data.competent_unit_codes)
    if set(current) != target:
        added, removed = sorted(target - set(current)), sorted(set(current) - target)
        if removed:
            await session.execute(
                delete(ProcedureUnit).where(
                    ProcedureUnit.procedure_id == proc.id,
                    ProcedureUnit.unit_id.in_([current[c] for c in removed]),
                )
            )
        session.add_all(ProcedureUnit(procedure_id=proc.id, unit_id=units[c].id) for c in added)
        detail["competent_units"] = {"added": added, "removed": removed}
        changes.append(
            "CoQuanThucHien" + "".join(f" +{c}" for c in added) + "".join(f" −{c}" for c in removed)
        )
    if detail:
        audit.record(
            session,
            actor=actor,
            action="procedure.update",
            object_type="procedure",
            object_id=proc.code,
            detail=detail,
        )
    version_change = await _new_version(session, line, proc, actor)
    if version_change:
        changes.append(version_change)
    return RowOutcome(line.row.line, line.code, "changed" if changes else "unchanged", changes)


async def _new_version(
    session: AsyncSession, line: _Line, proc: Procedure, actor: str
) -> str | None:
    """Adds the file's version when it differs from the one in force on its date; returns what
    changed, or None."""
    file_version = line.data.version
    day = file_version.effective_from
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
    in_force = [v for v in versions if v.effective_from <= day]
    previous = in_force[-1] if in_force else (versions[0] if versions else None)
    candidate = await _candidate(session, line, previous)
    if previous is not None and previous.effective_from <= day and _same(previous, candidate):
        return None
    if previous is not None and previous.effective_from == day:
        raise _LineRefused(
            LineError(
                line.row.line,
                "NgayHieuLuc",
                f"thủ tục {proc.code} đã có phiên bản hiệu lực từ {day:%d/%m/%Y} với nội dung"
                " khác; phiên bản đã có không bao giờ bị sửa: hãy ghi ngày hiệu lực mới",
                f"procedure {proc.code} already has a version effective from {day.isoformat()}"
                " with other content; an existing version is never edited: give a new"
                " effective date",
            )
        )
    await add_version(
        session, code=proc.code, data=candidate, principal=None, actor=actor, commit=False
    )
    assert candidate.limit.amount is not None
    new_limit = f"{_fmt(candidate.limit.amount)} {candidate.limit.unit}"
    what = f"phiên bản mới từ {day:%d/%m/%Y} (new version from {day.isoformat()})"
    if previous is not None:
        old_limit = f"{_fmt(previous.limit_amount)} {previous.limit_unit}"
        if old_limit != new_limit:
            what += f": ThoiHan {old_limit} → {new_limit}"
    return what


async def _candidate(
    session: AsyncSession, line: _Line, previous: ProcedureVersion | None
) -> VersionCreate:
    """The version the file describes; what the file leaves empty, and what the national catalogue
    does not hold (internal steps, supplement policy, reappointments), from ``previous``."""
    given = line.given
    v = line.data.version
    cutoff = None
    if v.limit.unit == "same_day":
        cutoff = previous.same_day_cutoff if previous is not None else None
        cutoff = cutoff or v.limit.cutoff
    step_units: dict[int, str] = {}
    if previous is not None and previous.steps:
        ids = {s.unit_id for s in previous.steps if s.unit_id is not None}
        if ids:
            rows = await session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(ids)))
            step_units = {i: c for i, c in rows.all()}
    return VersionCreate.model_validate(
        {
            "effective_from": v.effective_from,
            "limit": {"amount": v.limit.amount, "unit": v.limit.unit, "cutoff": cutoff},
            "steps": [
                {
                    "name": s.name,
                    "role": s.role,
                    "unit_code": step_units.get(s.unit_id) if s.unit_id is not None else None,
                    "budget": {"amount": s.budget_hours, "unit": "working_hours"},
                }
                for s in (previous.steps if previous is not None else [])
            ],
            "documents": v.documents
            if "ThanhPhanHoSo" in given or previous is None
            else previous.documents,
            "fees": v.fees if "PhiLePhi" in given or previous is None else previous.fees,
            "supplement_policy": previous.supplement_policy if previous else "pause",
            "max_reappointments": previous.max_reappointments if previous else 1,
            "legal_basis": v.legal_basis
            if "CanCuPhapLy" in given or previous is None
            else previous.legal_basis,
        }
    )


def _same(version: ProcedureVersion, candidate: VersionCreate) -> bool:
    limit = candidate.limit
    return (
        Decimal(version.limit_amount) == limit.amount
        and version.limit_unit == limit.unit
        and (limit.unit != "same_day" or version.same_day_cutoff == limit.cutoff)
        and list(version.documents or []) == [d.model_dump() for d in candidate.documents]
        and list(version.fees or []) == [f.model_dump() for f in candidate.fees]
        and version.legal_basis == candidate.legal_basis
    )


def _fmt(value: Decimal) -> str:
    value = Decimal(value)
    return str(int(value)) if value == value.to_integral_value() else str(value.normalize())
