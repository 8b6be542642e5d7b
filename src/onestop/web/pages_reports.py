"""The on-time report page (its unit tree, its CSV / XLSX download, the list of dossiers behind
every count) and what every report page shares: the period form, the unit, links from the JSON
reports' drill-downs to the pages, downloads.

Every number on these pages is a link to the list of dossiers behind it, built by the same service
that counted it (``metrics.drill`` for the on-time counts), so the list has exactly that many rows.
The lists carry no personal data (codes, procedures, units, dates only).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog.snapshots import ScopeUnit
from onestop.core import clock
from onestop.http.deps import SessionDep
from onestop.metrics import dashboard, drill, export, level_groups, periods
from onestop.metrics.ontime import report as ontime_report
from onestop.metrics.periods import Period
from onestop.metrics.schemas import GroupBy, LevelGroup, OnTimeRow
from onestop.web import formatting, report_tree
from onestop.web.report_query import (
    BranchQuery,
    DateQuery,
    OpenQuery,
    ReportQuery,
    UnitQuery,
    choose_period,
    report_unit,
)
from onestop.web.session import WebUser
from onestop.web.templating import WebRoute, render

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PAGE_SIZE = 100
BUCKETS_VI = {
    "finished": "Đã giải quyết",
    "early": "Trước hạn",
    "on_time": "Đúng hạn",
    "late": "Quá hạn",
}
GROUPS_VI: dict[str, str] = {
    "unit": "Theo đơn vị",
    "procedure": "Theo thủ tục",
    "field": "Theo lĩnh vực",
    "month": "Theo tháng",
}


def period_query(p: Period) -> str:
    return urlencode({"from": p.start.isoformat(), "to": p.end.isoformat()})


def ontime_link(p: Period, unit: str, bucket: str, **filters: str | None) -> str:
    query = {"from": p.start.isoformat(), "to": p.end.isoformat(), "unit": unit, "bucket": bucket}
    query.update({k: v for k, v in filters.items() if v})
    return "/web/bao-cao/ho-so?" + urlencode(query)


WEB_DRILLS = {
    "/api/v1/reports/on-time/dossiers?": "/web/bao-cao/ho-so?",
    "/api/v1/reports/bieu-06/dossiers?": "/web/bao-cao/bieu-06/ho-so?",
    "/api/v1/reports/satisfaction/ratings?": "/web/bao-cao/hai-long/danh-gia?",
    "/api/v1/reports/index-766/dossiers?": "/web/bao-cao/chi-so-766/ho-so?",
}


def web_link(api_link: str) -> str:
    """The page of a drill-down link carried by a JSON report (same query: same list)."""
    for api, page in WEB_DRILLS.items():
        if api_link.startswith(api):
            return page + api_link[len(api) :]
    raise ValueError(f"no page for {api_link}")


def attachment(out: export.Export) -> Response:
    return Response(
        content=out.content,
        media_type=out.media_type,
        headers={"Content-Disposition": f'attachment; filename="{out.filename}"'},
    )


def period_form(choice: str, p: Period, unit: ScopeUnit) -> dict[str, Any]:
    return {
        "choice": choice,
        "choices": dashboard.PERIOD_CHOICES_VI,
        "from": formatting.short_date(p.start),
        "to": formatting.short_date(p.end),
        "unit_code": unit.code,
    }


@router.get("/web/bao-cao/ho-so")
async def ontime_list(
    request: Request,
    session: SessionDep,
    user: WebUser,
    bucket: Annotated[Literal["early", "on_time", "late", "finished"], Query()],
    from_: Annotated[str, Query(alias="from", max_length=20)],
    to: DateQuery,
    unit: UnitQuery = "",
    procedure: Annotated[str, Query(max_length=60)] = "",
    field: Annotated[str, Query(max_length=255)] = "",
    cap: Annotated[LevelGroup | Literal[""], Query()] = "",
    cursor: Annotated[str, Query(max_length=512)] = "",
) -> Response:
    """The dossiers behind one count of the on-time report page; ``cap``: behind a level-group
    row (the unit's children of that Biểu 06 level group)."""
    p = choose_period("custom", from_, to)
    u = await report_unit(session, user, unit)
    page = await drill.dossiers(
        session,
        unit=u,
        p=p,
        bucket=bucket,
        procedure=procedure or None,
        field=field or None,
        limit=PAGE_SIZE,
        cursor=cursor or None,
        level_group=cap or None,
    )
    here = ontime_link(p, u.code, bucket, procedure=procedure, field=field, cap=cap)
    title, subtitle = _ontime_list_heading(bucket, p, u, cap)
    context = {
        "title": title,
        "subtitle": subtitle,
        "period": p,
        "items": page.items,
        "next_url": f"{here}&cursor={page.next_cursor}" if page.next_cursor else "",
        "back": f"/web/tong-quan?ky=custom&tu={p.start}&den={p.end}&unit={u.code}",
    }
    return render(request, "report_dossiers.html", context, principal=user, active="reports")


def _ontime_list_heading(bucket: str, p: Period, u: ScopeUnit, cap: str) -> tuple[str, str]:
    """Title and description of the list: the dossiers resolved in the period in the unit's
    subtree or, for a level group (``cap``), in its child units of that group."""
    dates = f"từ {formatting.short_date(p.start)} đến {formatting.short_date(p.end)}"
    if not cap:
        return f"{BUCKETS_VI[bucket]} · {u.name}", f"Hồ sơ có ngày giải quyết {dates}"
    group = level_groups.group_label(cap)
    return (
        f"{BUCKETS_VI[bucket]} · {u.name} · {group}",
        f"Hồ sơ có ngày giải quyết {dates} của các đơn vị trực thuộc {u.name} thuộc nhóm"
        f" “{group}” (kể cả các đơn vị cấp dưới của chúng)",
    )


# -- the on-time report page -----------------------------------------------------------------------
async def _ontime_report(
    session: AsyncSession, user: Principal, q: ReportQuery, group: GroupBy
) -> tuple[Any, Period, ScopeUnit]:
    p, u = await q.scope(session, user)
    report = await ontime_report.report(session, unit=u, p=p, group_by=group, now=clock.now())
    return report, p, u


ONTIME = "/web/bao-cao/dung-han"


def _ontime_tree(
    rows: list[OnTimeRow], p: Period, unit: str, target: Decimal, mo: str
) -> report_tree.UnitTree[OnTimeRow]:
    return report_tree.UnitTree(
        rows,
        p,
        unit,
        target,
        report_tree.open_set(mo),
        combine=ontime_report.combined,
        path=ONTIME,
        extra=(("nhom", "unit"),),
    )


@router.get(ONTIME)
async def ontime_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    q: Annotated[ReportQuery, Depends()],
    nhom: Annotated[GroupBy, Query()] = "unit",
    mo: OpenQuery = "",
) -> Response:
    user.require(Right.REPORT_VIEW)
    report, p, u = await _ontime_report(session, user, q, nhom)
    query = urlencode({"ky": "custom", "tu": p.start, "den": p.end, "unit": u.code, "nhom": nhom})
    context = {
        "report": report,
        "period": p,
        "unit": u,
        "form": period_form(q.ky, p, u),
        "group": nhom,
        "groups": GROUPS_VI,
        "export_url": f"/web/bao-cao/dung-han/tai-ve?{query}",
        "menu_query": urlencode({"ky": "custom", "tu": p.start, "den": p.end, "unit": u.code}),
        "link": lambda row, bucket: _row_link(p, u, nhom, row, bucket),
        "tree": _ontime_tree(report.rows, p, u.code, u.target, mo) if nhom == "unit" else None,
    }
    return render(request, "bao_cao_dung_han.html", context, principal=user, active="reports")


@router.get(f"{ONTIME}/nhanh")
async def ontime_branch(
    request: Request,
    session: SessionDep,
    user: WebUser,
    q: Annotated[BranchQuery, Depends()],
) -> Response:
    """One branch of the tree (a ``<tbody>``): the unit's row, or a level group's under the
    report unit (``cap``), and the rows below it that are expanded; read from the same report
    service, over that unit's subtree."""
    user.require(Right.REPORT_VIEW)
    report, p, u = await _ontime_report(session, user, q.report(), "unit")
    tree, top = report_tree.branch(
        report.total,
        report.rows,
        q.cap,
        q.trang,
        lambda rows, page_unit: _ontime_tree(rows, p, page_unit, u.target, q.mo),
    )
    context = {
        "top": top,
        "number": q.so,
        "tree": tree,
        "link": lambda row, bucket: _row_link(p, u, "unit", row, bucket),
    }
    return render(request, "_ontime_branch.html", context, principal=user, active="reports")


def _row_link(p: Period, u: ScopeUnit, group: str, row: OnTimeRow | None, bucket: str) -> str:
    """The drill-down of one count of the report page (``row`` None: the total): the page of the
    list the JSON report links to, when the row carries its links (thousands of rows: no
    ``urlencode`` per cell)."""
    if row is not None and bucket in row.links:
        return web_link(row.links[bucket])
    if row is None:
        return ontime_link(p, u.code, bucket)
    if group == "month":
        return _month_link(row.key, u.code, bucket)
    level_group = report_tree.group_of(row.key)
    if level_group is not None:  # the report unit's children of one level, their subtrees
        return ontime_link(p, u.code, bucket, cap=level_group)
    return ontime_link(
        p,
        row.unit_code or u.code,
        bucket,
        procedure=row.key if group == "procedure" else None,
        field=row.key if group == "field" else None,
    )


def _month_link(key: str, unit: str, bucket: str) -> str:
    first = dt.date.fromisoformat(f"{key}-01")
    last = dashboard.last_twelve_months(first).end  # the end of that month
    return ontime_link(periods.Period(first, last), unit, bucket)


def comma_decimals(table: export.Table) -> export.Table:
    """The CSV as the page shows it: rates with the Vietnamese decimal comma (``99,70``). The
    XLSX keeps numbers (the spreadsheet shows them in the reader's locale)."""
    rows: list[list[export.Cell]] = [
        [f"{v:.2f}".replace(".", ",") if isinstance(v, Decimal) else v for v in row]
        for row in table.rows
    ]
    return dataclasses.replace(table, rows=rows)


@router.get("/web/bao-cao/dung-han/tai-ve")
async def ontime_download(
    session: SessionDep,
    user: WebUser,
    fmt: Annotated[Literal["csv", "xlsx"], Query(alias="format")],
    q: Annotated[ReportQuery, Depends()],
    nhom: Annotated[GroupBy, Query()] = "unit",
) -> Response:
    report, p, u = await _ontime_report(session, user, q, nhom)
    out = export.render(
        comma_decimals(export.ontime_table(report))
        if fmt == "csv"
        else export.ontime_table(report),
        fmt,
        f"ty-le-dung-han-{u.code}-{p.start:%Y%m%d}-{p.end:%Y%m%d}",
    )
    return Response(
        content=out.content,
        media_type=out.media_type,
        headers={"Content-Disposition": f'attachment; filename="{out.filename}"'},
    )
