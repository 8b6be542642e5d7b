"""The counter's procedure picker: type-ahead over the catalog by code or name, with or without
diacritics ("ho tich" finds "hộ tịch"), and what the intake form needs of the chosen procedure.

The catalog (a province publishes some 2,000 procedures) is read through the catalog service in
pages and kept per app for ``TTL_SECONDS``; each keystroke then filters it in memory.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.principal import Principal
from onestop.catalog import lookups
from onestop.catalog.lookups import UnitInfo, VersionInfo
from onestop.catalog.service_procedures import list_procedures
from onestop.core import clock
from onestop.dossiers.intake.prepare import limit_read
from onestop.dossiers.names import fold
from onestop.dossiers.schemas import TimeLimitRead, money

TTL_SECONDS = 60.0
PAGE = 500
MAX_RESULTS = 8


@dataclass(frozen=True)
class Entry:
    code: str
    name: str
    field: str
    haystack: str


@dataclass
class _Index:
    loaded: float
    entries: list[Entry]


async def _load(session: AsyncSession) -> list[Entry]:
    entries: list[Entry] = []
    after: str | None = None
    while True:
        rows, more = await list_procedures(session, after=after, limit=PAGE)
        for row in rows:
            p = row.procedure
            if p.is_active and row.in_force is not None:
                entries.append(Entry(p.code, p.name, p.field, fold(f"{p.code} {p.name} {p.field}")))
        if not more or not rows:
            return entries
        after = rows[-1].procedure.code


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
        if fold(e.name).startswith(q):
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
