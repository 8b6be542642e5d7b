"""Catalog lookups used across the service (other catalog operations live beside them)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from onestop.catalog.models import Procedure, ProcedureUnit, ProcedureVersion, Unit
from onestop.core.errors import InvalidInput, NotFound


async def get_unit(session: AsyncSession, code: str) -> Unit:
    unit = (await session.execute(select(Unit).where(Unit.code == code))).scalar_one_or_none()
    if unit is None:
        raise NotFound(f"Không có đơn vị mã {code} (unknown unit {code})", code="unknown-unit")
    return unit


async def get_procedure(session: AsyncSession, code: str) -> Procedure:
    proc = (
        await session.execute(select(Procedure).where(Procedure.code == code))
    ).scalar_one_or_none()
    if proc is None:
        raise NotFound(
            f"Không có thủ tục mã {code} (unknown procedure {code})", code="unknown-procedure"
        )
    return proc


async def version_in_force(
    session: AsyncSession, procedure: Procedure, on: dt.date
) -> ProcedureVersion:
    """The version whose effective_from is the latest one not after ``on`` (steps loaded)."""
    version = (
        await session.execute(
            select(ProcedureVersion)
            .where(
                ProcedureVersion.procedure_id == procedure.id,
                ProcedureVersion.effective_from <= on,
            )
            .order_by(ProcedureVersion.effective_from.desc())
            .limit(1)
            .options(selectinload(ProcedureVersion.steps))
        )
    ).scalar_one_or_none()
    if version is None:
        raise InvalidInput(
            f"Thủ tục {procedure.code} chưa có hiệu lực vào ngày {on:%d/%m/%Y}"
            f" (no version of {procedure.code} in force on {on.isoformat()})",
            code="procedure-not-in-force",
        )
    return version


async def competent_unit_ids(session: AsyncSession, procedure: Procedure) -> list[int]:
    rows = await session.execute(
        select(ProcedureUnit.unit_id).where(ProcedureUnit.procedure_id == procedure.id)
    )
    return [r[0] for r in rows]
