"""Reading the audit log, newest first, with keyset paging on (at, id)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.models import AuditEntry
from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.core.errors import InvalidInput


async def list_audit(
    *,
    session: AsyncSession,
    principal: Principal,
    object_type: str | None = None,
    object_id: str | None = None,
    actor: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    before: tuple[dt.datetime, int] | None = None,
    limit: int = 50,
) -> tuple[list[AuditEntry], bool]:
    """Entries with ``start <= at < end`` matching the filters; ``before`` is the (at, id) of the
    last entry of the previous page. Returns (page, whether more follow)."""
    principal.require(Right.AUDIT_VIEW)
    if start is not None and end is not None and end <= start:
        raise InvalidInput(
            "Thời điểm 'to' phải sau 'from' ('to' must be after 'from')", code="invalid-range"
        )
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit + 1)
    if object_type is not None:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id is not None:
        query = query.where(AuditEntry.object_id == object_id)
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    if start is not None:
        query = query.where(AuditEntry.at >= start)
    if end is not None:
        query = query.where(AuditEntry.at < end)
    if before is not None:
        at, ident = before
        query = query.where(
            or_(AuditEntry.at < at, and_(AuditEntry.at == at, AuditEntry.id < ident))
        )
    entries = list((await session.execute(query)).scalars())
    return entries[:limit], len(entries) > limit
