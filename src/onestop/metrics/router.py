"""HTTP routes of the reports: on-time rates, Biểu 06, satisfaction and Decision 766 (JSON, CSV,
XLSX), their drill-down lists, evaluation entries and closed periods. The rating route
(``POST /dossiers/{code}/rating``) is in ``satisfaction.router`` and mounted through this
router."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from onestop.auth.dependencies import CurrentPrincipal
from onestop.auth.rights import Right
from onestop.catalog.snapshots import ScopeUnit
from onestop.core import clock
from onestop.core.paging import Page
from onestop.http.deps import CursorQuery, LimitQuery, SessionDep
from onestop.metrics import closing, drill, export, periods
from onestop.metrics.bieu06 import export as bieu06_export, report as bieu06_report
from onestop.metrics.export import Table
from onestop.metrics.index766 import (
    digitisation as index766_digitisation,
    evaluation as index766_evaluation,
    report as index766_report,
)
from onestop.metrics.ontime import (
    encoding as ontime_json,
    report as ontime_report,
)
from onestop.metrics.satisfaction import report as satisfaction_report
from onestop.metrics.satisfaction.router import router as ratings_router
from onestop.metrics.schemas import (
    Bieu06Report,
    ClosedPeriodRead,
    EvaluationEntryCreate,
    EvaluationEntryRead,
    FollowupTaskRead,
    Format,
    GroupBy,
    Index766Report,
    LevelGroup,
    OnTimeBucket,
    OnTimeReport,
    PeriodCloseCreate,
    RatingItem,
    RatingLevel,
    ReportDossier,
    ReportKind,
    SatisfactionReport,
)

router = APIRouter()
router.include_router(ratings_router)
TAG = "reports"

FromQuery = Annotated[dt.date, Query(alias="from", description="First local date (inclusive)")]
ToQuery = Annotated[dt.date, Query(description="Last local date (inclusive); at most 366 days")]
UnitQuery = Annotated[
    str | None, Query(max_length=60, description="Unit code (its subtree); default: your unit")
]
FormatQuery = Annotated[Format, Query(alias="format", description="json | csv | xlsx")]
ProcedureQuery = Annotated[
    str | None, Query(max_length=60, description="Only the dossiers of this procedure code")
]
FieldQuery = Annotated[
    str | None, Query(max_length=255, description="Only the dossiers of this field (lĩnh vực)")
]
EXPORTS = {
    200: {
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            export.XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
        "description": "The report (JSON), or a CSV / XLSX file with Vietnamese headers",
    }
}


def download(table: Table, fmt: str, slug: str) -> Response:
    out = export.render(table, fmt, slug)
    return Response(
        out.content,
        media_type=out.media_type,
        headers={"Content-Disposition": f'attachment; filename="{out.filename}"'},
    )


def _slug(name: str, unit: ScopeUnit, p: periods.Period) -> str:
    return f"{name}-{unit.code}-{p.start:%Y%m%d}-{p.end:%Y%m%d}"


@router.get(
    "/reports/on-time",
    tags=[TAG],
    response_model=OnTimeReport,
    responses=EXPORTS,  # type: ignore[arg-type]
    summary="Resolved on-time rates per unit (roll-up), procedure, field or month",
)
async def on_time(
    session: SessionDep,
    principal: CurrentPrincipal,
    from_: FromQuery,
    to: ToQuery,
    unit: UnitQuery = None,
    group_by: Annotated[GroupBy, Query(description="unit | procedure | field | month")] = "unit",
    links: Annotated[
        bool, Query(description="Drill-down URLs per count (false: compact output)")
    ] = True,
    fmt: FormatQuery = "json",
) -> OnTimeReport | Response:
    """Resolved on-time rates (early, on time, late) for a unit's subtree over a period of local
    dates (a dossier counts on the local date it was finished), grouped by unit (roll-up),
    procedure, field or month, read from the rollups; every count links to its drill-down list
    unless ``links=false``. Requires ``report:view`` and the unit in the caller's scope; as JSON,
    CSV or XLSX (``format``)."""
    p = periods.period(from_, to)
    u = await periods.report_unit(session, principal, unit)
    if fmt == "json":  # written directly: thousands of rows (see ontime.encoding)
        body = await ontime_json.report_json(
            session, unit=u, p=p, group_by=group_by, now=clock.now(), with_links=links
        )
        return Response(body, media_type="application/json")
    report = await ontime_report.report(
        session, unit=u, p=p, group_by=group_by, now=clock.now(), with_links=links
    )
    return download(export.ontime_table(report), fmt, _slug("ty-le-dung-han", u, p))


@router.get(
    "/reports/on-time/dossiers",
    tags=[TAG],
    summary="The dossiers behind one count of the on-time report",
)
async def on_time_dossiers(
    session: SessionDep,
    principal: CurrentPrincipal,
    from_: FromQuery,
    to: ToQuery,
    bucket: Annotated[OnTimeBucket, Query(description="early | on_time | late | finished")],
    unit: UnitQuery = None,
    procedure: ProcedureQuery = None,
    field: FieldQuery = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    level_group: Annotated[
        LevelGroup | None,
        Query(
            description="Only the dossiers of the unit's direct children in this Biểu 06 level "
            "group, each child with its subtree: province (levels province, department, "
            "centre), district, commune, ministry, or other (any other level)"
        ),
    ] = None,
) -> Page[ReportDossier]:
    """The dossiers behind one count of the on-time report (same unit, period and filters, so the
    list adds up to the count), by dossier id, a page at a time (``next_cursor``), without personal
    data; with ``level_group``, the dossiers behind a level-group row of the unit's children.
    Requires ``report:view`` and the unit in scope."""
    p = periods.period(from_, to)
    u = await periods.report_unit(session, principal, unit)
    return await drill.dossiers(
        session,
        unit=u,
        p=p,
        bucket=bucket,
        procedure=procedure,
        field=field,
        limit=limit,
        cursor=cursor,
        level_group=level_group,
    )


@router.get(
    "/reports/bieu-06",
    tags=[TAG],
    response_model=Bieu06Report,
    responses=EXPORTS,  # type: ignore[arg-type]
    summary="Biểu 06/VPCP/KSTT: dossiers received, resolved and in progress, by level and field",
)
async def bieu_06(
    session: SessionDep,
    principal: CurrentPrincipal,
    from_: FromQuery,
    to: ToQuery,
    unit: UnitQuery = None,
    fmt: FormatQuery = "json",
) -> Bieu06Report | Response:
    """Biểu 06/VPCP/KSTT for a unit's subtree over a period: dossiers received, resolved (early, on
    time, late) and in progress, grouped by level and field with subtotals and a total, every cell
    linked to its drill-down list. Requires ``report:view`` and the unit in scope; as JSON, CSV or
    XLSX (``format``)."""
    p = periods.period(from_, to)
    u = await periods.report_unit(session, principal, unit)
    report = await bieu06_report.report(session, unit=u, p=p, now=clock.now())
    if fmt == "json":
        return report
    return download(bieu06_export.table(report), fmt, _slug("bieu-06", u, p))


@router.get(
    "/reports/bieu-06/dossiers",
    tags=[TAG],
    summary="The dossiers behind one cell of Biểu 06",
)
async def bieu_06_dossiers(
    session: SessionDep,
    principal: CurrentPrincipal,
    from_: FromQuery,
    to: ToQuery,
    column: Annotated[int, Query(ge=3, le=13, description="Column (3)–(13)")],
    unit: UnitQuery = None,
    level: Annotated[
        str | None, Query(max_length=20, description="province | district | commune | …")
    ] = None,
    field: FieldQuery = None,
    procedure: ProcedureQuery = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[ReportDossier]:
    """The dossiers behind one cell of Biểu 06 (a column, optionally a level, field or procedure),
    by the same membership query as the counts, by dossier id, a page at a time (``next_cursor``),
    without personal data. Requires ``report:view`` and the unit in scope."""
    p = periods.period(from_, to)
    u = await periods.report_unit(session, principal, unit)
    return await bieu06_report.dossiers(
        session,
        unit=u,
        p=p,
        column=column,
        level=level,
        field=field,
        procedure=procedure,
        limit=limit,
        cursor=cursor,
    )


@router.get(
    "/reports/satisfaction",
    tags=[TAG],
    response_model=SatisfactionReport,
    responses=EXPORTS,  # type: ignore[arg-type]
    summary="Citizen satisfaction per unit (ratings given in the period)",
)
async def satisfaction(
    session: SessionDep,
    principal: CurrentPrincipal,
    from_: FromQuery,
    to: ToQuery,
    unit: UnitQuery = None,
    fmt: FormatQuery = "json",
) -> SatisfactionReport | Response:
    """Citizen satisfaction for a unit's subtree (rolled up through the unit tree) from the ratings
    given in the period: counts per level and the rate (very satisfied + satisfied over all
    ratings) against the 90 % target. Requires ``report:view`` and the unit in scope; as JSON, CSV
    or XLSX (``format``)."""
    p = periods.period(from_, to)
    u = await periods.report_unit(session, principal, unit)
    report = await satisfaction_report.report(session, unit=u, p=p, now=clock.now())
    if fmt == "json":
        return report
    return download(satisfaction_report.table(report), fmt, _slug("muc-do-hai-long", u, p))


@router.get(
    "/reports/satisfaction/ratings",
    tags=[TAG],
    summary="The ratings behind one count of the satisfaction report",
)
async def satisfaction_ratings(
    session: SessionDep,
    principal: CurrentPrincipal,
    from_: FromQuery,
    to: ToQuery,
    unit: UnitQuery = None,
    level: Annotated[
        RatingLevel | None, Query(description="Only ratings of this level (none: every level)")
    ] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[RatingItem]:
    """The ratings behind one count of the satisfaction report (optionally of one level), with
    their comments, a page at a time (``next_cursor``). Requires ``report:view`` and the unit in
    scope."""
    p = periods.period(from_, to)
    u = await periods.report_unit(session, principal, unit)
    return await satisfaction_report.ratings(
        session, unit=u, p=p, level=level, limit=limit, cursor=cursor
    )


@router.get(
    "/reports/satisfaction/followups",
    tags=[TAG],
    summary='Follow-up tasks opened by "không hài lòng" ratings (for the unit leaders)',
)
async def satisfaction_followups(
    session: SessionDep,
    principal: CurrentPrincipal,
    unit: UnitQuery = None,
    open_only: Annotated[bool, Query(alias="open", description="Only unresolved tasks")] = True,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[FollowupTaskRead]:
    """The follow-up tasks that "không hài lòng" ratings opened in a unit's subtree, newest first,
    by default only the unresolved ones, a page at a time (``next_cursor``). Requires
    ``report:view`` and the unit in scope."""
    u = await periods.report_unit(session, principal, unit)
    return await satisfaction_report.followups(
        session, unit=u, open_only=open_only, limit=limit, cursor=cursor
    )


@router.get(
    "/reports/index-766",
    tags=[TAG],
    response_model=Index766Report,
    responses=EXPORTS,  # type: ignore[arg-type]
    summary="Decision 766 indicators 2.1, 4.1–4.3 and 5.4, and the nine evaluation indicators",
)
async def index_766(
    session: SessionDep,
    principal: CurrentPrincipal,
    from_: FromQuery,
    to: ToQuery,
    unit: UnitQuery = None,
    fmt: FormatQuery = "json",
) -> Index766Report | Response:
    """Decision 766 indicators 1.4, 2.1, 4.1–4.3 and 5.4 and the nine evaluation indicators (scored
    from the data, or entered by managers for 5, 6, 8 and 9) for a unit's subtree and a period.
    Requires ``report:view`` and the unit in scope; as JSON, CSV or XLSX (``format``)."""
    p = periods.period(from_, to)
    u = await periods.report_unit(session, principal, unit)
    report = await index766_report.report(session, unit=u, p=p, now=clock.now())
    if fmt == "json":
        return report
    return download(index766_report.table(report), fmt, _slug("chi-so-766", u, p))


@router.get(
    "/reports/index-766/dossiers",
    tags=[TAG],
    summary="The dossiers behind the numerator or denominator of indicator 1.4, 4.1, 4.2 or 4.3",
)
async def index_766_dossiers(
    session: SessionDep,
    principal: CurrentPrincipal,
    from_: FromQuery,
    to: ToQuery,
    indicator: Annotated[
        Literal["1.4", "4.1", "4.2", "4.3"], Query(description="The Decision 766 indicator")
    ],
    part: Annotated[
        Literal["numerator", "denominator"],
        Query(description="The dossiers counted in the numerator or in the denominator"),
    ] = "numerator",
    unit: UnitQuery = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[ReportDossier]:
    """The dossiers behind the numerator or the denominator of indicator 1.4, 4.1, 4.2 or 4.3 (the
    very conditions the counts use), by dossier id, a page at a time (``next_cursor``), without
    personal data. Requires ``report:view`` and the unit in scope."""
    p = periods.period(from_, to)
    u = await periods.report_unit(session, principal, unit)
    return await index766_digitisation.dossiers(
        session, unit=u, p=p, indicator_id=indicator, part=part, limit=limit, cursor=cursor
    )


@router.post(
    "/reports/evaluation-entries",
    tags=[TAG],
    status_code=201,
    response_model=EvaluationEntryRead,
    responses={200: {"model": EvaluationEntryRead, "description": "An earlier entry replaced"}},
    summary="Enter the score of evaluation indicator 5, 6, 8 or 9 (managers)",
)
async def evaluation_entry(
    body: EvaluationEntryCreate,
    response: Response,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> EvaluationEntryRead:
    """Enter the score (0–2) of evaluation indicator 5, 6, 8 or 9 for a unit and period, with an
    optional note; requires ``report:close`` and the unit in scope. An entry for the same unit,
    period and indicator is replaced (200 instead of 201); every entry is audited."""
    p = periods.period(body.from_, body.to)
    u = await periods.report_unit(session, principal, body.unit, right=Right.REPORT_CLOSE)
    entry, created = await index766_evaluation.enter(
        session, principal=principal, unit=u, p=p, body=body, at=clock.now()
    )
    if not created:
        response.status_code = 200
    return entry


@router.post(
    "/reports/periods",
    tags=[TAG],
    status_code=201,
    response_model=ClosedPeriodRead,
    summary="Close a period: freeze a report's figures with their SHA-256 (managers)",
)
async def close_period(
    body: PeriodCloseCreate,
    response: Response,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> ClosedPeriodRead:
    """Freeze a report's figures (on-time per unit, or Biểu 06) for a unit and period with the
    SHA-256 of their canonical JSON; requires ``report:close`` and the unit in scope. The new
    period's URL is in ``Location``; closing the same report, unit and period again answers 409."""
    p = periods.period(body.from_, body.to)
    u = await periods.report_unit(session, principal, body.unit, right=Right.REPORT_CLOSE)
    closed = await closing.close(
        session,
        principal=principal,
        kind=body.kind,
        unit=u,
        p=p,
        note=body.note,
        at=clock.now(),
    )
    response.headers["Location"] = f"/api/v1/reports/periods/{closed.id}"
    return closed


@router.get(
    "/reports/periods",
    tags=[TAG],
    summary="Closed periods of a unit (newest first)",
)
async def list_periods(
    session: SessionDep,
    principal: CurrentPrincipal,
    unit: UnitQuery = None,
    kind: Annotated[
        ReportKind | None, Query(description="Only periods of this report (none: every report)")
    ] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[ClosedPeriodRead]:
    """The closed periods of the unit itself (not its subtree), optionally of one report kind,
    newest first, a page at a time (``next_cursor``), without recomputation. Requires
    ``report:view`` and the unit in scope."""
    u = await periods.report_unit(session, principal, unit)
    return await closing.listing(session, unit=u, kind=kind, limit=limit, cursor=cursor)


@router.get(
    "/reports/periods/{period_id}",
    tags=[TAG],
    summary="A closed period: frozen figures, and today's recomputation when it differs",
)
async def get_period(
    period_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    session: SessionDep,
    principal: CurrentPrincipal,
) -> ClosedPeriodRead:
    """A closed period's frozen figures, whether they still hash to the stored SHA-256
    (``hash_valid``) and, when a recomputation today gives other figures, those too (``differs``,
    ``current``), never in place of the frozen ones. Requires ``report:view`` and the period's unit
    in scope; 404 for an unknown id."""
    return await closing.read(session, principal=principal, period_id=period_id)
