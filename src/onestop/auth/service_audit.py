"""Reading the audit log, newest first, with keyset paging on (at, id).

An administrator below the root sees the entries of their unit's subtree only: those whose actor
is an account of it (a user of a unit in it, an API client all of whose units are in it) or whose
object belongs to it (a unit, user, API client, dossier — by its receiving, competent, returning,
current or step unit —, procedure with a competent unit, report period of a unit in it, or a
calendar day of a province whose root is in it). Other units' entries name other units' people,
applicants' dossiers and clients. The filter is part of the query, so the keyset paging is the
same as for the whole log.

``auth`` sits below ``catalog``, ``dossiers`` and ``metrics``: their tables are read through the
lightweight clauses below (names and the columns used), as ``models.UNIT`` reads units.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    String,
    and_,
    cast,
    column,
    exists,
    false,
    func,
    or_,
    select,
    table,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from onestop.auth.models import UNIT, AuditEntry, User
from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.auth.service_clients import client_ids_in_scope
from onestop.core.errors import InvalidInput

DOSSIER = table(
    "dossier",
    column("id", BigInteger),
    column("code", String),
    column("receiving_unit_id", Integer),
    column("competent_unit_id", Integer),
    column("returning_unit_id", Integer),
    column("current_unit_id", Integer),
)
DOSSIER_STEP = table("dossier_step", column("dossier_id", BigInteger), column("unit_id", Integer))
PROCEDURE = table("procedure", column("id", Integer), column("code", String))
PROCEDURE_UNIT = table(
    "procedure_unit", column("procedure_id", Integer), column("unit_id", Integer)
)
REPORT_PERIOD = table("report_period", column("id", BigInteger), column("unit_id", Integer))
UNIT_LEVEL = table(
    "unit", column("path", String), column("level", String), column("province", String)
)


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
    if not principal.covers_whole_tree:
        query = query.where(await _in_scope(session, principal))
    entries = list((await session.execute(query)).scalars())
    return entries[:limit], len(entries) > limit


async def _in_scope(session: AsyncSession, principal: Principal) -> ColumnElement[bool]:
    """The entries of the principal's subtree (see the module docstring)."""
    if principal.kind != "user" or principal.unit_path is None:
        return false()
    path = principal.unit_path

    def inside(unit_path: ColumnElement[str]) -> ColumnElement[bool]:
        if principal.sees_subtree():
            return unit_path.startswith(path, autoescape=True)
        return unit_path == path

    u = UNIT.alias("scope_unit")
    e = AuditEntry
    clients = await client_ids_in_scope(session, principal)
    provinces = [
        p
        for (p,) in await session.execute(
            select(UNIT_LEVEL.c.province).where(
                UNIT_LEVEL.c.level == "province",
                UNIT_LEVEL.c.province.is_not(None),
                inside(UNIT_LEVEL.c.path),
            )
        )
    ]

    def user_named(name: ColumnElement[str] | InstrumentedAttribute[str]) -> ColumnElement[bool]:
        return exists(
            select(1)
            .select_from(User)
            .join(u, u.c.id == User.unit_id)
            .where(User.username == name, inside(u.c.path))
        )

    d = DOSSIER.alias("scope_dossier")
    s = DOSSIER_STEP.alias("scope_step")
    dossier_units = [
        d.c.receiving_unit_id,
        d.c.competent_unit_id,
        d.c.returning_unit_id,
        d.c.current_unit_id,
    ]
    dossier = or_(
        exists(
            select(1)
            .select_from(d)
            .join(u, u.c.id.in_(dossier_units))
            .where(d.c.code == e.object_id, inside(u.c.path))
        ),
        exists(
            select(1)
            .select_from(d)
            .join(s, s.c.dossier_id == d.c.id)
            .join(u, u.c.id == s.c.unit_id)
            .where(d.c.code == e.object_id, inside(u.c.path))
        ),
    )
    procedure = exists(
        select(1)
        .select_from(PROCEDURE)
        .join(PROCEDURE_UNIT, PROCEDURE_UNIT.c.procedure_id == PROCEDURE.c.id)
        .join(u, u.c.id == PROCEDURE_UNIT.c.unit_id)
        .where(PROCEDURE.c.code == e.object_id, inside(u.c.path))
    )
    period = exists(
        select(1)
        .select_from(REPORT_PERIOD)
        .join(u, u.c.id == REPORT_PERIOD.c.unit_id)
        .where(cast(REPORT_PERIOD.c.id, String) == e.object_id, inside(u.c.path))
    )
    unit = exists(select(1).select_from(u).where(u.c.code == e.object_id, inside(u.c.path)))
    return or_(
        and_(e.actor.startswith("user:"), user_named(func.substr(e.actor, 6))),
        e.actor.in_([f"client:{c}" for c in clients]),
        and_(e.object_type == "user", user_named(e.object_id)),
        and_(e.object_type == "unit", unit),
        and_(e.object_type == "api_client", e.object_id.in_(clients)),
        and_(e.object_type == "dossier", dossier),
        and_(e.object_type == "procedure", procedure),
        and_(e.object_type == "report_period", period),
        and_(
            e.object_type == "calendar_day",
            or_(false(), *[e.object_id.endswith(f"/{p.upper()}") for p in provinces]),
        ),
    )
