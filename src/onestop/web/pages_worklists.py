"""Leaders' and managers' worklists: overdue and due soon, with working time late / left, the
apology status and links to the dossiers; CSV / XLSX downloads of the same lists. And an officer's
own work ("Việc của tôi"): the dossiers whose current step is theirs, most urgent first.

The downloads are served here with the session cookie (a browser link cannot carry the API's
bearer token) by the same service as ``GET /api/v1/reports/overdue?format=csv``.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response

from onestop.auth.rights import Right
from onestop.catalog import lookups
from onestop.core import clock
from onestop.http.deps import SessionDep
from onestop.metrics.worklists import mine as worklists_mine, service as worklists_service
from onestop.metrics.worklists.query import Filters
from onestop.web.session import WebUser
from onestop.web.templating import WebRoute, render

router = APIRouter(route_class=WebRoute, include_in_schema=False)

Kind = Literal["due_soon", "overdue"]  # as metrics.worklists.Kind (see dossiers.schemas)
PAGE_SIZE = 50
KINDS = (("overdue", "Quá hạn"), ("due_soon", "Sắp đến hạn"))
#: The states of "my work" as the page names them, in the order of the summary.
WORK_STATES = (
    ("overdue", "Quá hạn"),
    ("due_soon", "Sắp đến hạn"),
    ("on_track", "Trong hạn"),
    ("paused", "Tạm dừng, chờ bổ sung"),
)
MY_WORK_PATH = "/web/viec-cua-toi"

KindQuery = Annotated[Kind, Query()]
UnitQuery = Annotated[str, Query(max_length=60)]
ProcedureQuery = Annotated[str, Query(max_length=60)]


def _filters(unit: str, procedure: str) -> Filters:
    return Filters(unit=unit.strip() or None, procedure=procedure.strip() or None)


@router.get("/web/worklists")
async def worklists(
    request: Request,
    session: SessionDep,
    user: WebUser,
    kind: KindQuery = "overdue",
    unit: UnitQuery = "",
    procedure: ProcedureQuery = "",
    cursor: Annotated[str, Query(max_length=512)] = "",
) -> Response:
    user.require(Right.REPORT_VIEW)
    units = [u for u in await lookups.all_units(session) if user.covers_unit_path(u.path)]
    page = await worklists_service.worklist(
        session,
        principal=user,
        kind=kind,
        filters=_filters(unit, procedure),
        as_of=clock.now(),
        limit=PAGE_SIZE,
        cursor=cursor or None,
    )
    result = page.as_model()
    query = urlencode({k: v for k, v in (("unit", unit), ("procedure", procedure)) if v.strip()})
    context = {
        "filter_query": f"&{query}" if query else "",
        "export_url": f"/web/worklists/export?kind={kind}" + (f"&{query}" if query else ""),
        "kind": kind,
        "kinds": KINDS,
        "result": result,
        "units": units,
        "filters": {"unit": unit, "procedure": procedure},
        "cursor": cursor,
    }
    return render(request, "worklists.html", context, principal=user, active="worklists")


@router.get(MY_WORK_PATH)
async def my_work(
    request: Request,
    session: SessionDep,
    user: WebUser,
    cursor: Annotated[str, Query(max_length=512)] = "",
) -> Response:
    page = await worklists_mine.my_work(
        session, principal=user, as_of=clock.now(), limit=PAGE_SIZE, cursor=cursor or None
    )
    context = {
        "result": page.as_model(),
        "states": WORK_STATES,
        "cursor": cursor,
        "path": MY_WORK_PATH,
    }
    return render(request, "viec_cua_toi.html", context, principal=user, active="mine")


@router.get("/web/worklists/export")
async def export(
    session: SessionDep,
    user: WebUser,
    fmt: Annotated[Literal["csv", "xlsx"], Query(alias="format")],
    kind: KindQuery = "overdue",
    unit: UnitQuery = "",
    procedure: ProcedureQuery = "",
) -> Response:
    done = await worklists_service.export_worklist(
        session,
        principal=user,
        kind=kind,
        filters=_filters(unit, procedure),
        as_of=clock.now(),
        fmt=fmt,
    )
    return Response(
        content=done.content,
        media_type=done.media_type,
        headers={"Content-Disposition": f'attachment; filename="{done.filename}"'},
    )
