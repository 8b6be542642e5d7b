"""The query parameters of the report pages, declared once: the period (a named choice, or two
dates typed dd/mm/yyyy), the unit (in the caller's scope), and the state of a unit tree (its
expanded rows, and which branch a tree endpoint answers). ``ReportQuery.scope`` turns them into
the period and unit every report reads, with the Vietnamese message for a bad date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import Query
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog.snapshots import ScopeUnit
from onestop.core import clock
from onestop.core.errors import InvalidInput
from onestop.metrics import dashboard, periods
from onestop.metrics.periods import Period
from onestop.web import formatting

UnitQuery = Annotated[str, Query(max_length=60)]
DateQuery = Annotated[str, Query(max_length=20)]
ChoiceQuery = Annotated[dashboard.PeriodChoice, Query()]
#: Codes of the expanded units, comma-separated (``mo=``): the state of the tree in its links.
OpenQuery = Annotated[str, Query(max_length=4000)]


def _date(text: str, label: str) -> dt.date | None:
    """A date typed day first (``31/03/2026``), or as the links of these pages write it
    (``2026-03-31``); a 422 with the Vietnamese message otherwise."""
    text = text.strip()
    if not text:
        return None
    found = formatting.parse_date(text)
    if found is not None:
        return found
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{label} “{text}” không phải ngày hợp lệ (ngày/tháng/năm, ví dụ 31/03/2026)"
            f" ({label}: not a date)",
            code="invalid-period",
        ) from None


def choose_period(choice: str, start: str, end: str) -> Period:
    today = clock.now().astimezone(clock.LOCAL_TZ).date()
    return dashboard.chosen_period(choice, _date(start, "Từ ngày"), _date(end, "Đến ngày"), today)


async def report_unit(session: AsyncSession, user: Principal, code: str) -> ScopeUnit:
    """The report's unit: the one typed (its code), or the caller's own; within their scope."""
    return await periods.report_unit(session, user, code.strip() or None)


@dataclass
class ReportQuery:
    """The period (``ky``: this month, quarter, year, or ``custom`` from ``tu`` to ``den``;
    the current quarter by default) and the unit (``unit``: the caller's own by default)."""

    ky: ChoiceQuery = "quarter"
    tu: DateQuery = ""
    den: DateQuery = ""
    unit: UnitQuery = ""

    async def scope(self, session: AsyncSession, user: Principal) -> tuple[Period, ScopeUnit]:
        """The period and the unit, for a caller who may read reports."""
        user.require(Right.REPORT_VIEW)
        return choose_period(self.ky, self.tu, self.den), await report_unit(
            session, user, self.unit
        )


@dataclass
class BranchQuery:
    """What a tree's branch endpoint (``<page>/nhanh``) reads: the branch's unit (``unit``), or a
    level group (``cap``) of the page's unit; the page's unit (``trang``); the branch's number on
    the page (``so``); the period; the expanded rows (``mo``)."""

    unit: UnitQuery
    trang: UnitQuery = ""
    cap: Annotated[str, Query(max_length=20)] = ""
    so: Annotated[int, Query(ge=1, le=100_000)] = 1
    ky: ChoiceQuery = "custom"
    tu: DateQuery = ""
    den: DateQuery = ""
    mo: OpenQuery = ""

    def report(self) -> ReportQuery:
        return ReportQuery(self.ky, self.tu, self.den, self.unit)
