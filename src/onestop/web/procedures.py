"""The counter's procedure picker: type-ahead over the catalog by code or name, with or without
diacritics ("ho tich" finds "hộ tịch"), and what the intake form needs of the chosen procedure.

The catalog (a province publishes some 2,000 procedures) is read in one query of the columns the
picker shows (codes, names and fields of the active procedures with a version in force; not their
competent units, of which a province-wide procedure has one per commune) and kept per app for
``TTL_SECONDS``; each keystroke then filters it in memory, names folded once at load.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.principal import Principal
from onestop.catalog import lookups
from onestop.catalog.lookups import UnitInfo, VersionInfo
from onestop.catalog.models import Procedure, ProcedureVersion
from onestop.core import clock
from onestop.dossiers.intake.prepare import limit_read
from onestop.dossiers.names import fold
from onestop.dossiers.schemas import TimeLimitRead, money

TTL_SECONDS = 60.0
MAX_RESULTS = 8


@dataclass(frozen=True)
class Entry:
    code: str
    name: str
    field: str
    haystack: str
    folded_name: str


@dataclass
class _Index:
    loaded: float
    entries: list[Entry]


async def _load(session: AsyncSession) -> list[Entry]:
    in_force = (
        select(ProcedureVersion.id)
        .where(
            ProcedureVersion.procedure_id == Procedure.id,
            ProcedureVersion.effective_from <= clock.local_today(),
        )
        .exists()
    )
    rows = await session.execute(
        select(Procedure.code, Procedure.name, Procedure.field)
        .where(Procedure.is_active, in_force)
        .order_by(Procedure.code)
    )
    return [
        Entry(code, name, field, fold(f"{code} {name} {field}"), fold(name))
        for code, name, field in rows.all()
    ]


async def catalog(app: FastAPI, session: AsyncSession) -> list[Entry]:
    index: _Index | None = getattr(app.state, "web_procedure_index", None)
    if index is None or time.monotonic() - index.loaded > TTL_SECONDS:
        index = _Index(time.monotonic(), await _load(session))
        app.state.web_procedure_index = index
    return index.entries


def search(entries: list[Entry], query: str, limit: int = MAX_RESULTS) -> list[Entry]:
    """Every word of the query must appear; codes starting with it first, then names."""
    q = fold(query)
    words = q.split()
    if not words:
        return []
    found = [e for e in entries if all(w in e.haystack for w in words)]

    def rank(e: Entry) -> tuple[int, str]:
        if e.code.startswith(q):
            return 0, e.code
        if e.folded_name.startswith(q):
            return 1, e.code
        return 2, e.code

    return sorted(found, key=rank)[:limit]


@dataclass(frozen=True)
class Chosen:
    """A procedure chosen at the counter: its version in force, units and documents."""

    code: str
    name: str
    field: str
    version: VersionInfo
    limit: TimeLimitRead
    units: list[UnitInfo]
    default_unit: str
    documents: list[dict[str, Any]]
    fee_total: int


async def chosen(session: AsyncSession, code: str, principal: Principal) -> Chosen:
    """The procedure by code (unknown or not in force: the service's 422)."""
    proc = await lookups.procedure_by_code(session, code)
    version = proc.version_on(clock.local_today())
    by_id = await lookups.units_by_ids(session, list(proc.competent_unit_ids))
    units = [by_id[i] for i in proc.competent_unit_ids if i in by_id]
    own = next((u for u in units if u.id == principal.unit_id), None)
    default = own or (units[0] if units else None)
    fees = sum(money(f.get("amount")) for f in version.fees)
    return Chosen(
        code=proc.code,
        name=proc.name,
        field=proc.field,
        version=version,
        limit=limit_read(version),
        units=units,
        default_unit=default.code if default else "",
        documents=[dict(d) for d in version.documents],
        fee_total=fees,
    )
