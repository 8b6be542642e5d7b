"""The satisfaction page (``/web/bao-cao/hai-long``) and the Decision 766 indicators page
(``/web/bao-cao/chi-so-766``), each with CSV / XLSX of the table on screen, and the list of
ratings behind every satisfaction count.

Both pages show what ``satisfaction.report`` and ``index766.report`` return, in the columns of
their exports (``report.table``), so a download holds the page's numbers. Counts link to the
JSON reports' own drill-down lists, shown as pages (``pages_reports.web_link``). A rating's
comment is the citizen's own words and may name people: it is shown only to users who may see
personal data, and the lists carry nothing else personal.
"""

from __future__ import annotations

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
from onestop.metrics import export
from onestop.metrics.bieu06 import read as bieu06_read
from onestop.metrics.index766 import (
    digitisation as index766_digitisation,
    report as index766_report,
)
from onestop.metrics.periods import Period
from onestop.metrics.satisfaction import report as satisfaction_report
from onestop.metrics.satisfaction.service import LEVELS_VI
from onestop.metrics.schemas import (
    Index766Report,
    RatingLevel,
    SatisfactionReport,
    SatisfactionRow,
)
from onestop.web import report_tree
from onestop.web.pages_reports import (
    PAGE_SIZE,
    attachment,
    comma_decimals,
    period_form,
    web_link,
)
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

SATISFACTION = "/web/bao-cao/hai-long"
#: The rating levels as the report's columns.
LEVEL_COLUMNS = [(lv, LEVELS_VI[lv]) for lv in satisfaction_report.LEVELS]
INDEX766 = "/web/bao-cao/chi-so-766"
#: Indicators 1.4 and 4.1–4.3: what their numerator and denominator count
#: (``index766.digitisation``).
DIGITISATION_PARTS_VI = {
    "1.4": ("Hồ sơ đã đồng bộ lên Cổng DVC quốc gia", "Mẫu số: hồ sơ tiếp nhận trong kỳ"),
    "4.1": ("Hồ sơ có kết quả điện tử", "Mẫu số: hồ sơ đã có kết quả trong kỳ"),
    "4.2": (
        "Hồ sơ có thành phần số hóa (và kết quả điện tử khi đã có kết quả)",
        "Mẫu số: hồ sơ tiếp nhận trong kỳ",
    ),
    "4.3": ("Hồ sơ tái sử dụng giấy tờ đã số hóa", "Mẫu số: hồ sơ tiếp nhận trong kỳ"),
}
CHANNELS_VI = {
    "portal": "Cổng dịch vụ công",
    "kiosk": "Ki-ốt tại bộ phận một cửa",
    "counter": "Tại quầy",
}


def _query(p: Period, u: ScopeUnit) -> str:
    return urlencode({"ky": "custom", "tu": p.start, "den": p.end, "unit": u.code})


def number(value: Any) -> str:
    """A cell as the CSV writes it, with Vietnamese separators: ``20,00``, ``1.234``, ``—``."""
    if value is None:
        return export.DASH
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}".replace(",", ".")
    return str(value)


# -- satisfaction ----------------------------------------------------------------------------------
async def _satisfaction(
    session: AsyncSession, user: Principal, q: ReportQuery
) -> tuple[SatisfactionReport, Period, ScopeUnit]:
    p, u = await q.scope(session, user)
    return await satisfaction_report.report(session, unit=u, p=p, now=clock.now()), p, u


@router.get(SATISFACTION)
async def satisfaction_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    q: Annotated[ReportQuery, Depends()],
    mo: OpenQuery = "",
) -> Response:
    report, p, u = await _satisfaction(session, user, q)
    query = _query(p, u)
    context = {
        "report": report,
        "period": p,
        "unit": u,
        "form": period_form(q.ky, p, u),
        "levels": LEVEL_COLUMNS,
        "link": web_link,
        "export_url": f"{SATISFACTION}/tai-ve?{query}",
        "menu_query": query,
        "tree": _satisfaction_tree(report.rows, p, u.code, mo),
    }
    return render(request, "bao_cao_hai_long.html", context, principal=user, active="reports")


def _satisfaction_tree(
    rows: list[SatisfactionRow], p: Period, unit: str, mo: str
) -> report_tree.UnitTree[SatisfactionRow]:
    return report_tree.UnitTree(
        rows,
        p,
        unit,
        satisfaction_report.TARGET,
        report_tree.open_set(mo),
        combine=satisfaction_report.combined,
        path=SATISFACTION,
    )


@router.get(f"{SATISFACTION}/nhanh")
async def satisfaction_branch(
    request: Request,
    session: SessionDep,
    user: WebUser,
    q: Annotated[BranchQuery, Depends()],
) -> Response:
    """One branch of the tree (a ``<tbody>``), as the on-time page's (``report_tree.branch``)."""
    report, p, _u = await _satisfaction(session, user, q.report())
    tree, top = report_tree.branch(
        report.total,
        report.rows,
        q.cap,
        q.trang,
        lambda rows, page_unit: _satisfaction_tree(rows, p, page_unit, q.mo),
    )
    context = {
        "top": top,
        "number": q.so,
        "tree": tree,
        "levels": LEVEL_COLUMNS,
        "link": web_link,
    }
    return render(request, "_satisfaction_branch.html", context, principal=user, active="reports")


@router.get(f"{SATISFACTION}/tai-ve")
async def satisfaction_download(
    session: SessionDep,
    user: WebUser,
    fmt: Annotated[Literal["csv", "xlsx"], Query(alias="format")],
    q: Annotated[ReportQuery, Depends()],
) -> Response:
    report, p, u = await _satisfaction(session, user, q)
    table = satisfaction_report.table(report)
    slug = f"muc-do-hai-long-{u.code}-{p.start:%Y%m%d}-{p.end:%Y%m%d}"
    return attachment(export.render(comma_decimals(table) if fmt == "csv" else table, fmt, slug))


@router.get(f"{SATISFACTION}/danh-gia")
async def ratings_list(
    request: Request,
    session: SessionDep,
    user: WebUser,
    from_: Annotated[str, Query(alias="from", max_length=20)],
    to: DateQuery,
    unit: UnitQuery = "",
    level: Annotated[RatingLevel | None, Query()] = None,
    cursor: Annotated[str, Query(max_length=512)] = "",
) -> Response:
    """The ratings behind one count of the satisfaction page (or of indicator 5.4)."""
    p = choose_period("custom", from_, to)
    u = await report_unit(session, user, unit)
    page = await satisfaction_report.ratings(
        session, unit=u, p=p, level=level, limit=PAGE_SIZE, cursor=cursor or None
    )
    filters = {"from": p.start, "to": p.end, "unit": u.code}
    if level:
        filters["level"] = level
    here = f"{SATISFACTION}/danh-gia?{urlencode(filters)}"
    context = {
        "title": f"{LEVELS_VI[level] if level else 'Tất cả đánh giá'} · {u.name}",
        "period": p,
        "items": page.items,
        "levels_vi": LEVELS_VI,
        "channels_vi": CHANNELS_VI,
        "personal": user.can(Right.PERSONAL_DATA_VIEW),
        "next_url": f"{here}&cursor={page.next_cursor}" if page.next_cursor else "",
        "back": f"{SATISFACTION}?{_query(p, u)}",
    }
    return render(request, "danh_gia.html", context, principal=user, active="reports")


# -- Decision 766 ----------------------------------------------------------------------------------
async def _index(
    session: AsyncSession, user: Principal, q: ReportQuery
) -> tuple[Index766Report, Period, ScopeUnit]:
    p, u = await q.scope(session, user)
    return await index766_report.report(session, unit=u, p=p, now=clock.now()), p, u


async def components(
    session: AsyncSession, report: Index766Report, u: ScopeUnit, p: Period
) -> dict[str, list[tuple[str, int, str]]]:
    """Per indicator, the counts its numerator and denominator are made of, each with the list
    behind it: (label, count, link). The Biểu 06 cells are read once from the same rollups."""
    cells = (await bieu06_read.cells_total(session, u, p)).columns()
    out: dict[str, list[tuple[str, int, str]]] = {}
    for i in report.indicators:
        links = {k: web_link(v) for k, v in i.links.items()}
        if i.id == "2.1":
            out[i.id] = [
                ("Đã giải quyết trước hạn (8)", cells.c8, links["early"]),
                ("Đã giải quyết đúng hạn (9)", cells.c9, links["on_time"]),
                ("Đang giải quyết trong hạn (12)", cells.c12, links["in_time"]),
                ("Mẫu số: hồ sơ nhận giải quyết (3)", cells.c3, links["denominator"]),
            ]
        elif i.id == "5.4":
            out[i.id] = [
                ("Đã giải quyết quá hạn (10)", cells.c10, links["overdue_resolved"]),
                ("Đang giải quyết quá hạn (13)", cells.c13, links["overdue_in_progress"]),
                (
                    "Đánh giá “không hài lòng”",
                    int(i.detail.get("dissatisfied", 0)),
                    links["dissatisfied"],
                ),
                ("Mẫu số: hồ sơ nhận giải quyết (3)", cells.c3, links["denominator"]),
            ]
        elif i.id in DIGITISATION_PARTS_VI:
            numerator, denominator = DIGITISATION_PARTS_VI[i.id]
            out[i.id] = [
                (numerator, i.numerator, links["numerator"]),
                (denominator, i.denominator, links["denominator"]),
            ]
    return out


@router.get(INDEX766)
async def index766_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    q: Annotated[ReportQuery, Depends()],
) -> Response:
    report, p, u = await _index(session, user, q)
    table = index766_report.table(report)
    # The denominator of 2.1 and 5.4 (rows 0 and 1, column "Mẫu số") is one list.
    cell_links = {
        (n, 3): web_link(i.links["denominator"])
        for n, i in enumerate(report.indicators)
        if "denominator" in i.links
    }
    query = _query(p, u)
    context = {
        "report": report,
        "table": table,
        "cell_links": cell_links,
        "number": number,
        "components": await components(session, report, u, p),
        "period": p,
        "unit": u,
        "form": period_form(q.ky, p, u),
        "export_url": f"{INDEX766}/tai-ve?{query}",
        "menu_query": query,
    }
    return render(request, "bao_cao_766.html", context, principal=user, active="reports")


@router.get(f"{INDEX766}/ho-so")
async def index766_list(
    request: Request,
    session: SessionDep,
    user: WebUser,
    indicator: Annotated[Literal["1.4", "4.1", "4.2", "4.3"], Query()],
    from_: Annotated[str, Query(alias="from", max_length=20)],
    to: DateQuery,
    part: Annotated[Literal["numerator", "denominator"], Query()] = "numerator",
    unit: UnitQuery = "",
    cursor: Annotated[str, Query(max_length=512)] = "",
) -> Response:
    """The dossiers behind the numerator or denominator of indicator 1.4, 4.1, 4.2 or 4.3."""
    p = choose_period("custom", from_, to)
    u = await report_unit(session, user, unit)
    page = await index766_digitisation.dossiers(
        session,
        unit=u,
        p=p,
        indicator_id=indicator,
        part=part,
        limit=PAGE_SIZE,
        cursor=cursor or None,
    )
    filters = {"from": p.start, "to": p.end, "unit": u.code, "indicator": indicator, "part": part}
    here = f"{INDEX766}/ho-so?{urlencode(filters)}"
    label = DIGITISATION_PARTS_VI[indicator][0 if part == "numerator" else 1]
    context = {
        "title": f"Chỉ số {indicator}: {label} · {u.name}",
        "subtitle": f"Hồ sơ trong kỳ {p.start:%d/%m/%Y} – {p.end:%d/%m/%Y}",
        "period": p,
        "items": page.items,
        "next_url": f"{here}&cursor={page.next_cursor}" if page.next_cursor else "",
        "back": f"{INDEX766}?{_query(p, u)}#chi-so-{indicator}",
        "back_label": "← Chỉ số 766",
    }
    return render(request, "report_dossiers.html", context, principal=user, active="reports")


@router.get(f"{INDEX766}/tai-ve")
async def index766_download(
    session: SessionDep,
    user: WebUser,
    fmt: Annotated[Literal["csv", "xlsx"], Query(alias="format")],
    q: Annotated[ReportQuery, Depends()],
) -> Response:
    report, p, u = await _index(session, user, q)
    table = index766_report.table(report)
    slug = f"chi-so-766-{u.code}-{p.start:%Y%m%d}-{p.end:%Y%m%d}"
    return attachment(export.render(comma_decimals(table) if fmt == "csv" else table, fmt, slug))
