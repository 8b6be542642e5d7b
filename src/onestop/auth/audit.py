"""Writes the audit log: who did what to which object, and who viewed personal data."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.models import AuditEntry
from onestop.core import clock
from onestop.core.logs import request_id_var


def record(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    detail: dict[str, Any] | None = None,
    note: str | None = None,
) -> AuditEntry:
    """Adds an audit row to the caller's transaction (it commits with the change it describes)."""
    entry = AuditEntry(
        at=clock.now(),
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        request_id=request_id_var.get(),
        detail=detail or {},
        note=note,
    )
    session.add(entry)
    return entry
