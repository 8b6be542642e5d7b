"""PostgreSQL: one statement writes 1..N intakes — their code counters, dossiers, first events,
reception steps, idempotency keys and the rows of every wired extension.

The rows travel as one JSON document per kind (``jsonb_populate_record`` on the server): asyncpg
encodes a hundred typed parameters, arrays among them, in about as much CPU as the database
spends on the whole insert, while one JSON text costs next to nothing to send. Codes are numbered
in the statement: each counter row is incremented once by the number of its dossiers in the
batch (counters, then every extension's rows, sorted by key: concurrent batches lock rows in one
order), and each dossier takes its rank below the new value, so a batch leaves no gap and rolls
back whole.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import Table, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.elements import TextClause

from onestop.core.db import EncryptedText, extensions_of
from onestop.core.driver import driver_fetch
from onestop.dossiers.intake import prepare as intake_prepare
from onestop.dossiers.models import Dossier, DossierEvent, DossierStep, IdempotencyKey

D: Table = Dossier.__table__  # type: ignore[assignment]
E: Table = DossierEvent.__table__  # type: ignore[assignment]
ST: Table = DossierStep.__table__  # type: ignore[assignment]
IK: Table = IdempotencyKey.__table__  # type: ignore[assignment]
PG = postgresql.dialect()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class IntakeExtension:
    """Rows another package writes with every intake, in its transaction (the reports package
    keeps its Biểu 06 rollup so): ``ctes()`` gives data-modifying CTEs (``name AS (…)``, SQL
    text) added to the statement, whose bind parameters ``params(drafts)`` fills for a batch;
    ``generic`` writes one draft's rows after the plain statements (SQLite, replays)."""

    name: str
    ctes: Callable[[], list[str]]
    params: Callable[[Sequence[intake_prepare.Draft]], dict[str, Any]]
    generic: Callable[[AsyncSession, intake_prepare.Draft], Awaitable[None]]


Extensions = tuple[IntakeExtension, ...]
#: The extension point's name in ``core.db.SessionHooks.extensions``.
EXTENSION_POINT = "intake"


def extensions(session: AsyncSession) -> Extensions:
    """The intake extensions wired into the session's sessionmaker (``onestop.wiring``)."""
    return extensions_of(session, EXTENSION_POINT)


@dataclass(frozen=True)
class Item:
    """One intake of a batch: its draft and, when it came with an Idempotency-Key, the key row."""

    draft: intake_prepare.Draft
    key: dict[str, Any] | None = None


# -- the statement ---------------------------------------------------------------------------------
Keys = tuple[str, ...]
_statements: dict[tuple[Keys, Keys, Keys, Keys, tuple[str, ...]], TextClause] = {}


def sql_type(table: Table, column: str) -> str:
    return str(table.c[column].type.compile(dialect=PG))


def recordset(param: str, table: Table, columns: Sequence[str]) -> str:
    """``jsonb_to_recordset(:param) AS r(col type, …)``: rows of ``table``'s columns from JSON."""
    typed = ", ".join(f"{c} {sql_type(table, c)}" for c in columns)
    return f"jsonb_to_recordset(CAST(:{param} AS jsonb)) AS r({typed})"


def columns(table: Table, keys: Keys) -> str:
    """The keys as a column list; each must be a column of the table (names in the statements
    come from the models and the drafts' keys, never from a request)."""
    unknown = [k for k in keys if k not in table.c]
    if unknown:
        raise ValueError(f"not columns of {table.name}: {unknown}")
    return ", ".join(keys)


def _child(name: str, table: Table, keys: Keys, part: str) -> str:
    cols = columns(table, keys)
    picked = ", ".join(f"r.{k}" for k in keys)
    return (
        f"{name} AS (INSERT INTO {table.name} ({cols}, dossier_id)"  # noqa: S608 - see columns()
        f" SELECT {picked}, m.id FROM m"
        f" CROSS JOIN LATERAL jsonb_populate_record(NULL::{table.name}, m.doc->'{part}') AS r"
        f" WHERE m.doc->'{part}' IS NOT NULL)"
    )


def statement(dossier: Keys, event: Keys, step: Keys, key: Keys, exts: Extensions) -> TextClause:
    """The statement for rows of these columns (built and compiled once per shape)."""
    shape = (dossier, event, step, key, tuple(ext.name for ext in exts))
    stmt = _statements.get(shape)
    if stmt is not None:
        return stmt
    cols = columns(D, dossier)
    picked = ", ".join(f"r.{k}" for k in dossier)
    ctes = [
        "seq AS (INSERT INTO dossier_code_counter AS c (unit_id, day, last_seq)"
        " SELECT k.unit_id, k.day, k.n FROM jsonb_to_recordset(CAST(:counters AS jsonb))"
        " AS k(unit_id integer, day date, n integer)"
        " ON CONFLICT (unit_id, day) DO UPDATE SET last_seq = c.last_seq + excluded.last_seq"
        " RETURNING c.unit_id, c.day, c.last_seq)",
        "item AS (SELECT x.ord, x.doc,"
        " (s.last_seq - (x.doc->>'n')::int + (x.doc->>'rank')::int)::text AS no"
        " FROM jsonb_array_elements(CAST(:items AS jsonb)) WITH ORDINALITY AS x(doc, ord)"
        " JOIN seq AS s ON s.unit_id = (x.doc->>'unit')::int AND s.day = (x.doc->>'day')::date)",
        # As CodePlan.render: prefix, the number zero-padded to the width (never cut), suffix.
        "coded AS (SELECT ord, doc, (doc->>'prefix')"
        " || lpad(no, greatest((doc->>'width')::int, length(no)), '0')"
        " || (doc->>'suffix') AS code FROM item)",
        f"d AS (INSERT INTO dossier ({cols}, code) SELECT {picked}, coded.code FROM coded"  # noqa: S608
        " CROSS JOIN LATERAL jsonb_populate_record(NULL::dossier, coded.doc->'dossier') AS r"
        " ORDER BY coded.ord RETURNING id, code)",
        "m AS (SELECT coded.ord, coded.doc, d.id, d.code FROM d JOIN coded USING (code))",
        _child("e", E, event, "event"),
    ]
    if step:
        ctes.append(_child("s", ST, step, "step"))
    if key:
        ctes.append(_child("k", IK, key, "key"))
    for ext in exts:
        ctes.extend(ext.ctes())
    stmt = text("WITH " + ",\n".join(ctes) + "\nSELECT ord, id, code FROM m")
    _statements[shape] = stmt
    return stmt


# -- the parameters --------------------------------------------------------------------------------
def python_defaults(table: Table) -> dict[str, Any]:
    """The model's Python-side column defaults (SQLAlchemy's insert adds them for the columns a
    statement leaves out; server defaults apply to the rest)."""
    out: dict[str, Any] = {}
    for c in table.columns:
        default: Any = c.default
        if default is not None and not c.primary_key:
            out[c.name] = default.arg(None) if default.is_callable else default.arg
    return out


DEFAULTS = {D.name: python_defaults(D), E.name: python_defaults(E)}
#: Dossier columns encrypted at rest: the JSON rows bypass SQLAlchemy's bind processing, so their
#: values are encrypted here by the column's own type (``core.db.EncryptedText``).
ENCRYPTED = {c.name: c.type for c in D.columns if isinstance(c.type, EncryptedText)}


def _as_stored(dossier: dict[str, Any]) -> dict[str, Any]:
    """The dossier's values as its columns store them (a copy: the draft keeps the clear text)."""
    out = dict(dossier)
    for name, kind in ENCRYPTED.items():
        if out.get(name) is not None:
            out[name] = kind.process_bind_param(out[name], PG)
    return out


def _complete(table: Table, values: dict[str, Any]) -> None:
    for name, value in DEFAULTS[table.name].items():
        values.setdefault(name, value)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # numeric columns read the exact text
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any) -> str:
    return orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS).decode()


def _counted(items: Sequence[Item]) -> tuple[list[dict[str, Any]], list[int], Counter[Any]]:
    """Each item's rank within its counter, and the counters' totals (sorted: the lock order)."""
    totals: Counter[tuple[int, dt.date]] = Counter()
    ranks = []
    for it in items:
        plan = it.draft.plan
        assert plan is not None
        counter = (plan.counter_unit_id, plan.counter_day)
        totals[counter] += 1
        ranks.append(totals[counter])
    counters = [{"unit_id": u, "day": d, "n": n} for (u, d), n in sorted(totals.items())]
    return counters, ranks, totals


def params(items: Sequence[Item], exts: Extensions) -> dict[str, Any]:
    counters, ranks, totals = _counted(items)
    docs = []
    for it, rank in zip(items, ranks, strict=True):
        draft, plan = it.draft, it.draft.plan
        assert plan is not None
        doc: dict[str, Any] = {
            "unit": plan.counter_unit_id,
            "day": plan.counter_day,
            "rank": rank,
            "n": totals[(plan.counter_unit_id, plan.counter_day)],
            "prefix": plan.prefix,
            "width": plan.width,
            "suffix": plan.suffix,
            "dossier": _as_stored(draft.dossier),
            "event": draft.event,
        }
        if draft.step is not None:
            doc["step"] = draft.step
        if it.key is not None:
            doc["key"] = it.key
        docs.append(doc)
    out = {"counters": dumps(counters), "items": dumps(docs)}
    for ext in exts:
        out.update(ext.params([it.draft for it in items]))
    return out


def prepared(items: Sequence[Item], exts: Extensions) -> tuple[TextClause, dict[str, Any]]:
    """The statement and its parameters for these intakes (the same columns for all: ``prepare``
    builds every draft alike)."""
    for it in items:
        _complete(D, it.draft.dossier)
        _complete(E, it.draft.event)
    first = items[0]
    step = next((it.draft.step for it in items if it.draft.step is not None), None)
    key = next((it.key for it in items if it.key is not None), None)
    stmt = statement(
        tuple(first.draft.dossier),
        tuple(first.draft.event),
        tuple(step) if step is not None else (),
        tuple(key) if key is not None else (),
        exts,
    )
    return stmt, params(items, exts)


async def write(
    conn: AsyncConnection,
    items: Sequence[Item],
    exts: Extensions,
    *,
    own_transaction: bool = True,
) -> list[tuple[int, str]]:
    """Write the intakes; each one's (id, code), in order. ``own_transaction``: the statement
    goes straight to asyncpg outside any transaction and is one of its own (group commit);
    otherwise it runs through SQLAlchemy in the connection's transaction (an import, whose
    savepoint must be able to undo it)."""
    stmt, values = prepared(items, exts)
    if own_transaction:
        rows = await driver_fetch(conn, stmt, values)
    else:
        rows = (await conn.execute(stmt, values)).all()
    by_ord = {int(r[0]): (int(r[1]), str(r[2])) for r in rows}
    return [by_ord[i] for i in range(1, len(items) + 1)]
