"""The Biểu 06 page (``/web/bao-cao/bieu-06``): the 13 columns of the official form, sections by
level and field as the export writes them, every count a link to its dossiers, the period's
status (open, closed with its hash, or closed and recomputed differently: both figures side by
side), CSV / XLSX of the table on screen, and closing the period (managers).

The table, the download and the frozen figures all come from ``bieu06.report`` and
``metrics.closing``; the links are the JSON report's own drill-down links, pointed at the page that
lists them, so a list has exactly as many rows as its count. Closing asks for an explicit
confirmation field on a page of its own (no script dialogs).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog.snapshots import ScopeUnit
from onestop.core import clock
from onestop.core.errors import Conflict
from onestop.http.deps import SessionDep
from onestop.metrics import closing, export, frozen, level_groups, periods
from onestop.metrics.bieu06 import (
    export as bieu06_export,
    report as bieu06_report,
)
from onestop.metrics.models import ClosedPeriod
from onestop.metrics.periods import Period
from onestop.metrics.schemas import Bieu06Report, Bieu06Row, ReportKind
from onestop.web.pages_reports import (
    PAGE_SIZE,
    attachment,
    period_form,
    web_link,
)
from onestop.web.report_query import (
    ChoiceQuery,
    DateQuery,
    ReportQuery,
    UnitQuery,
    choose_period,
    report_unit,
)
from onestop.web.session import SameOrigin, WebUser
from onestop.web.templating import WebRoute, render

router = APIRouter(route_class=WebRoute, include_in_schema=False)

KIND: ReportKind = "bieu-06"
PAGE = "/web/bao-cao/bieu-06"
COLUMNS = [f"c{n}" for n in bieu06_report.COLUMNS]
#: Column (n) → its header in the form (for the list of differences).
COLUMN_VI = {
    c: f"{group}: {header}"
    for c, header in zip(COLUMNS, bieu06_export.HEADERS[2:], strict=True)
    for first, last, group in bieu06_export.GROUPS
    if first <= COLUMNS.index(c) + 2 <= last
}


def page_url(p: Period, unit: str, **extra: str) -> str:
    query = {"ky": "custom", "tu": p.start.isoformat(), "den": p.end.isoformat(), "unit": unit}
    return f"{PAGE}?{urlencode({**query, **extra})}"


def _line(r: Bieu06Row, kind: str, key: tuple[str, str]) -> dict[str, Any]:
    return {
        "key": key,
        "stt": r.stt,
        "label": r.label,
        "kind": kind,
        "cells": r.columns.model_dump(),
        "links": {c: web_link(r.links[c]) for c in COLUMNS if c in r.links},
    }


def lines(report: Bieu06Report) -> list[dict[str, Any]]:
    """The rows of the table in the export's order: each section's subtotal, its fields; the
    total last."""
    out: list[dict[str, Any]] = []
    for s in report.sections:
        out.append(_line(s.subtotal, "subtotal", (s.level, "")))
        out.extend(_line(r, "row", (s.level, r.field or "")) for r in s.rows)
    out.append(_line(report.total, "total", ("", "")))
    return out


def frozen_lines(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of a closed period's frozen figures, in the same layout (no links: the lists
    are today's)."""
    out: list[dict[str, Any]] = []
    for i, s in enumerate(figures.get("sections", [])):
        label = level_groups.group_label(s["level"])
        stt = bieu06_report.ROMAN[i] if i < len(bieu06_report.ROMAN) else str(i + 1)
        out.append(_frozen(stt, label, "subtotal", (s["level"], ""), s["subtotal"]))
        for j, r in enumerate(s["rows"], start=1):
            out.append(_frozen(str(j), r["field"], "row", (s["level"], r["field"]), r))
    out.append(_frozen("", "Tổng cộng", "total", ("", ""), figures.get("total", {})))
    return out


def _frozen(stt: str, label: str, kind: str, key: tuple[str, str], c: dict[str, Any]) -> Any:
    cells = {n: int(c.get(n, 0)) for n in COLUMNS}
    return {"key": key, "stt": stt, "label": label, "kind": kind, "cells": cells, "links": {}}


def differences(
    now_lines: list[dict[str, Any]], then_lines: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Every cell whose recomputed count is not the frozen one: (row, column, frozen, today)."""
    now = {line["key"]: line for line in now_lines}
    then = {line["key"]: line for line in then_lines}
    keys = [line["key"] for line in now_lines]
    keys += [k for k in then if k not in now]
    out = []
    for key in keys:
        a, b = then.get(key), now.get(key)
        label = (b or a or {}).get("label", "")
        if key != ("", "") and key[1]:
            label = f"{level_groups.group_label(key[0])} · {label}"
        for c in COLUMNS:
            old = a["cells"][c] if a else 0
            new = b["cells"][c] if b else 0
            if old != new:
                out.append({"row": label, "column": COLUMN_VI[c], "frozen": old, "current": new})
    return out


async def _report(
    session: AsyncSession, user: Principal, q: ReportQuery
) -> tuple[Bieu06Report, Period, ScopeUnit]:
    p, u = await q.scope(session, user)
    report = await bieu06_report.report(session, unit=u, p=p, now=clock.now())
    return report, p, u


def _status(
    report: Bieu06Report, closed: ClosedPeriod | None, shown: list[dict[str, Any]]
) -> dict[str, Any]:
    if closed is None or report.closed_period is None:
        return {"state": "open"}
    then = frozen_lines(closed.figures)
    state = "differs" if report.closed_period.differs else "closed"
    return {
        "state": state,
        "hash": closed.content_hash,
        "closed_at": closed.closed_at,
        "closed_by": closed.closed_by,
        "note": closed.note,
        "frozen": then if state == "differs" else [],
        "differences": differences(shown, then) if state == "differs" else [],
    }


@router.get(PAGE)
async def bieu06_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    q: Annotated[ReportQuery, Depends()],
    khoa: Annotated[int, Query(ge=0, le=1)] = 0,
) -> Response:
    report, p, u = await _report(session, user, q)
    shown = lines(report)
    closed = await frozen.find(session, KIND, u, p) if report.closed_period else None
    query = urlencode({"ky": "custom", "tu": p.start, "den": p.end, "unit": u.code})
    context = {
        "report": report,
        "period": p,
        "unit": u,
        "form": period_form(q.ky, p, u),
        "lines": shown,
        "columns": COLUMNS,
        "status": _status(report, closed, shown),
        "just_closed": khoa == 1,
        "can_close": user.can(Right.REPORT_CLOSE),
        "close_url": f"{PAGE}/khoa?{query}",
        "export_url": f"{PAGE}/tai-ve?{query}",
        "menu_query": query,
    }
    return render(request, "bao_cao_bieu_06.html", context, principal=user, active="reports")


@router.get(f"{PAGE}/tai-ve")
async def bieu06_download(
    session: SessionDep,
    user: WebUser,
    fmt: Annotated[Literal["csv", "xlsx"], Query(alias="format")],
    q: Annotated[ReportQuery, Depends()],
) -> Response:
    report, p, u = await _report(session, user, q)
    slug = f"bieu-06-{u.code}-{p.start:%Y%m%d}-{p.end:%Y%m%d}"
    return attachment(export.render(bieu06_export.table(report), fmt, slug))


@router.get(f"{PAGE}/ho-so")
async def bieu06_list(
    request: Request,
    session: SessionDep,
    user: WebUser,
    column: Annotated[int, Query(ge=3, le=13)],
    from_: Annotated[str, Query(alias="from", max_length=20)],
    to: DateQuery,
    unit: UnitQuery = "",
    level: Annotated[str, Query(max_length=20)] = "",
    field: Annotated[str, Query(max_length=255)] = "",
    cursor: Annotated[str, Query(max_length=512)] = "",
) -> Response:
    """The dossiers of one cell of the table (the same membership as its count)."""
    p = choose_period("custom", from_, to)
    u = await report_unit(session, user, unit)
    page = await bieu06_report.dossiers(
        session,
        unit=u,
        p=p,
        column=column,
        level=level or None,
        field=field or None,
        procedure=None,
        limit=PAGE_SIZE,
        cursor=cursor or None,
    )
    filters = {"from": p.start, "to": p.end, "unit": u.code, "column": column}
    filters.update({k: v for k, v in (("level", level), ("field", field)) if v})
    here = f"{PAGE}/ho-so?{urlencode(filters)}"
    where = " · ".join(
        x for x in (level_groups.group_label(level) if level else "", field, u.name) if x
    )
    context = {
        "title": f"Biểu 06, cột {COLUMN_VI[f'c{column}']} · {where}",
        "subtitle": f"Hồ sơ của ô này trong kỳ {p.start:%d/%m/%Y} – {p.end:%d/%m/%Y}",
        "period": p,
        "items": page.items,
        "next_url": f"{here}&cursor={page.next_cursor}" if page.next_cursor else "",
        "back": page_url(p, u.code),
        "back_label": "← Biểu 06",
    }
    return render(request, "report_dossiers.html", context, principal=user, active="reports")


# -- closing the period ----------------------------------------------------------------------------
async def _closing(
    session: AsyncSession, user: Principal, tu: str, den: str, unit: str
) -> tuple[Period, ScopeUnit, ClosedPeriod | None]:
    p = choose_period("custom", tu, den)
    u = await periods.report_unit(session, user, unit.strip() or None, right=Right.REPORT_CLOSE)
    return p, u, await frozen.find(session, KIND, u, p)


def _already(closed: ClosedPeriod) -> str:
    when = closed.closed_at.astimezone(clock.LOCAL_TZ)
    return (
        f"Kỳ báo cáo này đã được khóa lúc {when:%H:%M %d/%m/%Y} (mã băm"
        f" {closed.content_hash[:16]}…); không thể khóa lại một kỳ đã khóa."
    )


@router.get(f"{PAGE}/khoa")
async def close_confirm(
    request: Request,
    session: SessionDep,
    user: WebUser,
    tu: DateQuery,
    den: DateQuery,
    unit: UnitQuery = "",
    ky: ChoiceQuery = "custom",
) -> Response:
    """The confirmation step: what will be frozen, and a field to confirm it."""
    p, u, closed = await _closing(session, user, tu, den, unit)
    report = await bieu06_report.report(session, unit=u, p=p, now=clock.now())
    return _confirm_page(request, user, p, u, report, closed, error="")


def _confirm_page(
    request: Request,
    user: Principal,
    p: Period,
    u: ScopeUnit,
    report: Bieu06Report | None,
    closed: ClosedPeriod | None,
    *,
    error: str,
    status_code: int = 200,
) -> Response:
    context = {
        "period": p,
        "unit": u,
        "total": report.total.columns.model_dump() if report else None,
        "columns": COLUMNS,
        "column_vi": COLUMN_VI,
        "already": _already(closed) if closed is not None else "",
        "error": error,
        "back": page_url(p, u.code),
    }
    return render(
        request,
        "bieu_06_khoa.html",
        context,
        principal=user,
        active="reports",
        status_code=status_code,
    )


@router.post(f"{PAGE}/khoa", dependencies=[SameOrigin])
async def close_period(
    request: Request,
    session: SessionDep,
    user: WebUser,
    tu: Annotated[str, Form(max_length=20)],
    den: Annotated[str, Form(max_length=20)],
    unit: Annotated[str, Form(max_length=60)] = "",
    xac_nhan: Annotated[str, Form(max_length=10)] = "",
    ghi_chu: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    p, u, closed = await _closing(session, user, tu, den, unit)
    if closed is not None:
        return _confirm_page(
            request, user, p, u, None, closed, error=_already(closed), status_code=409
        )
    if xac_nhan != "co":
        report = await bieu06_report.report(session, unit=u, p=p, now=clock.now())
        return _confirm_page(
            request,
            user,
            p,
            u,
            report,
            None,
            error="Hãy đánh dấu ô xác nhận trước khi khóa kỳ báo cáo.",
            status_code=422,
        )
    try:
        await closing.close(
            session,
            principal=user,
            kind=KIND,
            unit=u,
            p=p,
            note=ghi_chu.strip() or None,
            at=clock.now(),
        )
    except Conflict:  # closed meanwhile by someone else
        closed = await frozen.find(session, KIND, u, p)
        if closed is None:
            raise
        return _confirm_page(
            request, user, p, u, None, closed, error=_already(closed), status_code=409
        )
    return RedirectResponse(page_url(p, u.code, khoa="1"), status_code=303)
