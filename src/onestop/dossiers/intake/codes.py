"""Dossier codes (mã hồ sơ): a pluggable strategy plus the per-(unit, day) counter.

The default follows TT 01/2018 art. 19 (docs/rules.md §5.4): ``<unit code>-<YYMMDD>-<NNNN>``, the
sequence counted per receiving unit and local reception date. A strategy only decides the prefix,
the width of the number and the counter key; the number itself comes from one row of
``dossier_code_counter`` incremented in the intake transaction (``INSERT … ON CONFLICT DO UPDATE …
RETURNING``), so concurrent intakes queue on that row and a rolled-back intake gives its number
back: no duplicates, no gaps. A code supplied by the portal is kept as canonical instead.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import Date, Integer, Table, bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.dossiers.models import DossierCodeCounter

#: Codes a portal may supply: letters, digits and . - _ / (4–60 characters).
PORTAL_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{3,59}$")

COUNTER: Table = DossierCodeCounter.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class CodePlan:
    """How to build one code: ``prefix + zero-padded sequence + suffix``; the sequence is the next
    value of the counter row (``counter_unit_id``, ``counter_day``)."""

    counter_unit_id: int
    counter_day: dt.date
    prefix: str
    width: int
    suffix: str = ""

    def render(self, seq: int) -> str:
        """The code for a sequence number (never truncated: 10000 stays 10000)."""
        return f"{self.prefix}{seq:0{self.width}d}{self.suffix}"


class CodeStrategy(Protocol):
    def plan(self, *, unit_id: int, unit_code: str, local_day: dt.date) -> CodePlan: ...


class Tt01Strategy:
    """TT 01/2018 art. 19: ``000.00.01.H99-260310-0001``."""

    def plan(self, *, unit_id: int, unit_code: str, local_day: dt.date) -> CodePlan:
        return _tt01_plan(unit_id, unit_code, local_day)


@lru_cache(maxsize=4096)
def _tt01_plan(unit_id: int, unit_code: str, local_day: dt.date) -> CodePlan:
    # A counter's plan is the same all day: built once (date formatting is not free).
    return CodePlan(unit_id, local_day, f"{unit_code}-{local_day:%y%m%d}-", 4)


class DvcqgStrategy:
    """The shape returned by a 2026 ministry-portal integration: ``G09.20-20260609-0092637``
    (full date, 7-digit daily sequence)."""

    def plan(self, *, unit_id: int, unit_code: str, local_day: dt.date) -> CodePlan:
        return CodePlan(unit_id, local_day, f"{unit_code}-{local_day:%Y%m%d}-", 7)


_strategy: CodeStrategy = Tt01Strategy()


def get_strategy() -> CodeStrategy:
    return _strategy


def set_strategy(strategy: CodeStrategy | None) -> None:
    """Install another strategy (None restores the TT 01/2018 default)."""
    global _strategy
    _strategy = strategy or Tt01Strategy()


def _counter_upsert(insert: Any) -> Any:
    """``INSERT … ON CONFLICT (unit_id, day) DO UPDATE SET last_seq = last_seq + 1 RETURNING
    last_seq``, with bind parameters ``c_unit`` and ``c_day`` (built once, compiled once)."""
    stmt = insert(COUNTER).values(
        unit_id=bindparam("c_unit", type_=Integer),
        day=bindparam("c_day", type_=Date),
        last_seq=1,
    )
    return stmt.on_conflict_do_update(
        index_elements=[COUNTER.c.unit_id, COUNTER.c.day],
        set_={"last_seq": COUNTER.c.last_seq + 1},
    ).returning(COUNTER.c.last_seq)


COUNTER_UPSERT = {
    "postgresql": _counter_upsert(pg_insert),
    "sqlite": _counter_upsert(sqlite_insert),
}


async def next_code(session: AsyncSession, plan: CodePlan) -> str:
    """Take the next number of the plan's counter inside the caller's transaction."""
    stmt = COUNTER_UPSERT[session.get_bind().dialect.name]
    params = {"c_unit": plan.counter_unit_id, "c_day": plan.counter_day}
    seq = (await session.execute(stmt, params)).scalar_one()
    return plan.render(int(seq))
