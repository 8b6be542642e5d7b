"""The managers' dashboard (``/web/tong-quan``, the landing page of managers and leaders): the
on-time rate of the unit and its children with the trend, open dossiers per child unit, the
satisfaction rate, follow-ups still open, Decision 766 indicators 2.1 and 5.4 and the state of
Biểu 06's period; and the lists behind its open-dossier and follow-up counts.

Every number is a link to the list of dossiers behind it, built by the same service that counted
it (``metrics.dashboard`` for the open dossiers, ``satisfaction.report.followups`` for the
follow-ups, the report pages' lists for the rest), so the list has exactly that many rows. The
lists carry no personal data. Charts are matplotlib SVG (``web.charts``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.rights import Right
from onestop.catalog.snapshots import ScopeUnit
from onestop.core import clock
from onestop.http.deps import SessionDep
from onestop.metrics import dashboard, frozen
from onestop.metrics.bieu06 import report as bieu06_report
from onestop.metrics.index766 import indicators as index766_indicators
from onestop.metrics.ontime import report as ontime_report
from onestop.metrics.periods import Period
from onestop.metrics.satisfaction import report as satisfaction_report
from onestop.web import charts
from onestop.web.pages_reports import (
    PAGE_SIZE,
    ontime_link,
    period_form,
    web_link,
)
from onestop.web.report_query import ReportQuery, UnitQuery, report_unit
from onestop.web.session import WebUser
from onestop.web.templating import WebRoute, render

router = APIRouter(route_class=WebRoute, include_in_schema=False)

#: Child units in the dashboard's chart and tables (the worst rates, the most open dossiers); the
#: report pages list them all. A province has 2,000 communes: matplotlib took 45 s to draw them
#: all, and three tables of 2,000 rows were most of the dashboard's time.
CHART_UNITS = 15

A = TypeVar("A")
B = TypeVar("B")


def _most_open(rows: list[dashboard.OpenRow]) -> list[dashboard.OpenRow]:
    """Child units with the most overdue dossiers first (then the other categories in order)."""
    kinds = dashboard.DASHBOARD_KINDS
    return sorted(rows, key=lambda r: (*(-r.counts[k] for k in kinds), r.unit.code))


def open_link(unit: str, kind: str) -> str:
    return "/web/tong-quan/ho-so?" + urlencode({"unit": unit, "kind": kind})


#: The API's drill-down lists (the links the JSON reports carry) → the pages that show them.


@router.get("/web/tong-quan")
async def overview(
    request: Request,
    session: SessionDep,
    user: WebUser,
    q: Annotated[ReportQuery, Depends()],
) -> Response:
    p, u = await q.scope(session, user)
    now = clock.now()
    (own, open_rows), context = await _beside(
        request,
        session,
        lambda side: dashboard.open_counts(side, u, now),
        lambda: _overview(session, u, p, now),
    )
    by_id = await dashboard.followup_counts(session, u)
    followups = {r.unit.code: by_id.get(r.unit.id, 0) for r in [own, *open_rows]}
    context |= {
        "form": period_form(q.ky, p, u),
        "own": own,
        "open_rows": _most_open(open_rows)[:CHART_UNITS],
        "chart_units": CHART_UNITS if len(open_rows) > CHART_UNITS else 0,
        "child_count": len(open_rows),
        "followups": followups,
    }
    return render(request, "tong_quan.html", context, principal=user, active="dashboard")


async def _beside(
    request: Request,
    session: AsyncSession,
    side_work: Callable[[AsyncSession], Coroutine[Any, Any, A]],
    main_work: Callable[[], Coroutine[Any, Any, B]],
) -> tuple[A, B]:
    """``side_work`` on a second connection while ``main_work`` runs on the request's (on
    PostgreSQL: the database scans one while Python builds the other); one after the other on
    SQLite, whose pool holds one connection."""
    if session.get_bind().dialect.name != "postgresql":
        return await side_work(session), await main_work()
    async with request.app.state.sessionmaker() as side, asyncio.TaskGroup() as group:
        first = group.create_task(side_work(side))
        second = group.create_task(main_work())
    return first.result(), second.result()


async def _overview(
    session: AsyncSession, u: ScopeUnit, p: Period, now: dt.datetime
) -> dict[str, Any]:
    """The dashboard's reports (everything but the open dossiers and follow-ups)."""
    ontime = await ontime_report.report(
        session, unit=u, p=p, group_by="unit", now=now, worst=CHART_UNITS
    )
    children = ontime.rows
    trend_p = dashboard.last_twelve_months(now.astimezone(clock.LOCAL_TZ).date())
    trend = await ontime_report.report(
        session, unit=u, p=trend_p, group_by="month", now=now, with_links=False
    )
    satisfaction = await satisfaction_report.report(
        session, unit=u, p=p, now=now, worst=CHART_UNITS
    )
    sat_children = satisfaction.rows
    # 2.1 and 5.4 only: the nine evaluation indicators (seconds at scale) are on their page.
    indicators = [
        i for i in await index766_indicators.indicators(session, u, p) if i.id in ("2.1", "5.4")
    ]
    bieu06_closed = await frozen.find(session, "bieu-06", u, p)
    if bieu06_closed is not None:  # recomputed only when the period was closed
        current = await bieu06_report.figures(session, u, p)
        bieu06_ref = frozen.compare(bieu06_closed, lambda: current)
    else:
        bieu06_ref = None
    period_q = urlencode({"ky": "custom", "tu": p.start, "den": p.end, "unit": u.code})
    rated = [ontime.total, *children]  # worst first: the ones to look at
    return {
        "unit": u,
        "period": p,
        "ontime": ontime,
        "children": children,
        "ontime_url": f"/web/bao-cao/dung-han?{period_q}",
        "satisfaction_url": f"/web/bao-cao/hai-long?{period_q}",
        "bars": charts.bars_svg(
            tuple(r.label for r in rated),
            tuple(r.rate for r in rated),
            tuple(r.status for r in rated),
            Decimal(ontime.total.target),
        ),
        "trend": trend.rows,
        "trend_svg": charts.trend_svg(
            tuple(r.label.replace("Tháng ", "") for r in trend.rows),
            tuple(r.rate for r in trend.rows),
            Decimal(trend.total.target),
        ),
        "trend_period": trend_p,
        "open_kinds": [(k, dashboard.OPEN_KINDS_VI[k]) for k in dashboard.DASHBOARD_KINDS],
        "satisfaction": satisfaction,
        "sat_children": sat_children,
        "indicators": indicators,
        "bieu06_closed": bieu06_ref,
        "bieu06_url": f"/web/bao-cao/bieu-06?{period_q}",
        "index766_url": f"/web/bao-cao/chi-so-766?{period_q}",
        "web_link": web_link,
        "ontime_link": lambda unit_code, bucket: ontime_link(p, unit_code, bucket),
        "open_link": open_link,
        "followup_link": lambda unit_code: (
            "/web/bao-cao/theo-doi?" + urlencode({"unit": unit_code})
        ),
        "now": now,
    }


@router.get("/web/tong-quan/ho-so")
async def open_list(
    request: Request,
    session: SessionDep,
    user: WebUser,
    kind: Annotated[dashboard.OpenKind, Query()],
    unit: UnitQuery = "",
    cursor: Annotated[str, Query(max_length=512)] = "",
) -> Response:
    u = await report_unit(session, user, unit)
    now = clock.now()
    items, nxt = await dashboard.open_dossiers(
        session, kind, u, now, limit=PAGE_SIZE, cursor=cursor or None
    )
    context = {
        "title": f"{dashboard.OPEN_KINDS_VI[kind]} · {u.name}",
        "items": items,
        "next_url": f"{open_link(u.code, kind)}&cursor={nxt}" if nxt else "",
        "as_of": now,
        "back": f"/web/tong-quan?unit={u.code}",
    }
    return render(request, "open_dossiers.html", context, principal=user, active="dashboard")


@router.get("/web/bao-cao/theo-doi")
async def followup_list(
    request: Request,
    session: SessionDep,
    user: WebUser,
    unit: UnitQuery = "",
    cursor: Annotated[str, Query(max_length=512)] = "",
) -> Response:
    u = await report_unit(session, user, unit)
    page = await satisfaction_report.followups(
        session, unit=u, open_only=True, limit=PAGE_SIZE, cursor=cursor or None
    )
    context = {
        "unit": u,
        "items": page.items,
        "personal": user.can(Right.PERSONAL_DATA_VIEW),
        "can_record": False,
        "next_url": f"/web/bao-cao/theo-doi?unit={u.code}&cursor={page.next_cursor}"
        if page.next_cursor
        else "",
    }
    return render(request, "followups.html", context, principal=user, active="dashboard")
