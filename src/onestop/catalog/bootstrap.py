"""First install (``onestop init``): the root unit of a province (or ministry) and its first
administrator, on an empty migrated database, with no demo data.

Both are made by the same services as the API's (``create_unit``, ``create_user``), so every rule
of theirs applies — the unit code's format (QCVN 102), the level, the password policy — and they
are written with an audit entry of the installation in one transaction: a refused init leaves the
database empty. A database that already has units is refused, so init can never run twice or over
a demo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth import audit
from onestop.auth.service import create_user
from onestop.catalog.import_files import validation_errors
from onestop.catalog.models import Unit
from onestop.catalog.schemas import UnitCreate
from onestop.catalog.service_units import create_unit
from onestop.core.errors import Conflict, InvalidInput

#: A province's QCVN 102 code ends in its province part (``000.00.00.H26`` → ``H26``), which is
#: also the province code of its calendar overrides.
_PROVINCE_PART = re.compile(r"\.(H\d{2})$", re.IGNORECASE)

DEFAULT_ADMIN_NAME = "Quản trị hệ thống"


def province_of_code(code: str) -> str | None:
    """The province part of a QCVN 102 unit code, or None when it has none."""
    match = _PROVINCE_PART.search(code)
    return match.group(1).upper() if match else None


@dataclass(frozen=True)
class Installation:
    unit_code: str
    unit_name: str
    level: str
    province: str | None
    admin: str


async def initialise(
    session: AsyncSession,
    *,
    unit_code: str,
    unit_name: str,
    level: str,
    admin: str,
    password: str,
    full_name: str = DEFAULT_ADMIN_NAME,
    province: str | None = None,
    actor: str = "system",
) -> Installation:
    """Create the root unit and its first administrator, or raise (writing nothing): Conflict when
    the database already has units, InvalidInput when a value breaks a rule."""
    try:
        units = await session.scalar(select(func.count()).select_from(Unit))
    except (OperationalError, ProgrammingError) as exc:  # no ``unit`` table: not migrated
        await session.rollback()
        raise InvalidInput(
            "Cơ sở dữ liệu chưa có lược đồ: hãy chạy onestop migrate trước"
            " (the database has no schema: run onestop migrate first)",
            code="not-migrated",
        ) from exc
    if units:
        raise Conflict(
            f"Cơ sở dữ liệu đã có {units} đơn vị: onestop init chỉ chạy trên cơ sở dữ liệu trống"
            f" (không ghi gì) (the database already has units ({units}): onestop init runs on"
            " an empty database only; nothing was written)",
            code="already-initialised",
            units=units,
        )
    try:
        data = UnitCreate(
            code=unit_code,
            name=unit_name,
            level=level,
            province=province or province_of_code(unit_code),
        )
    except ValidationError as exc:
        first = validation_errors(exc, 0)[0]
        option = {"code": "--unit-code", "name": "--unit-name", "province": "--province"}
        name = option.get(first.field or "", first.field or "")
        raise InvalidInput(
            f"{name}: {first.vi} ({name}: {first.en})", code="invalid-input", field=name
        ) from exc
    try:
        unit = await create_unit(session, data=data, principal=None, actor=actor, commit=False)
        await create_user(
            session=session,
            username=admin,
            password=password,
            full_name=full_name,
            role="admin",
            unit_code=unit.code,
            title=DEFAULT_ADMIN_NAME,
            actor=actor,
            commit=False,
        )
        audit.record(
            session,
            actor=actor,
            action="install.init",
            object_type="unit",
            object_id=unit.code,
            detail={"level": unit.level, "province": unit.province, "admin": admin},
        )
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    return Installation(unit.code, unit.name, unit.level, unit.province, admin)


def describe(installed: Installation) -> list[str]:
    """What ``onestop init`` prints."""
    return [
        f"Đã tạo đơn vị gốc {installed.unit_code} ({installed.unit_name}, cấp {installed.level},"
        f" tỉnh {installed.province or '—'}) và tài khoản quản trị {installed.admin}"
        f" (created the root unit {installed.unit_code} and the administrator"
        f" {installed.admin})",
        "Tiếp theo: nhập danh mục đơn vị và thủ tục (next: import the unit and procedure"
        " catalogues): onestop import-units FILE; onestop import-procedures FILE",
    ]
