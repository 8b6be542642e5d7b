"""HTTP routes of onestop.dossiers: intake, actions (one route per registered action), reading,
the citizen's lookup and the history import."""

# No ``from __future__ import annotations`` here: the action routes are built in a loop and
# FastAPI must see each action's body class, not a string.

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query, Request, Response
from pydantic import BaseModel

from onestop.auth.dependencies import CurrentPrincipal
from onestop.auth.rights import Right
from onestop.core import clock
from onestop.core.paging import Page
from onestop.core.schemas import invalid_field, require_in_calendar
from onestop.dossiers import importer, listing, reading
from onestop.dossiers.actions import registry
from onestop.dossiers.actions.apology_drafts.router import router as apology_drafts_router
from onestop.dossiers.actions.context import ActionSpec
from onestop.dossiers.intake import idempotency, write as intake_write
from onestop.dossiers.schemas import (
    DossierCreate,
    DossierEventRead,
    DossierRead,
    DossierSummary,
    ImportResult,
    IntakeReceipt,
    PublicDossier,
)
from onestop.dossiers.states import Channel
from onestop.http.deps import CursorQuery, LimitQuery, SessionDep
from onestop.http.ratelimit import limit_public_lookup

router = APIRouter()
TAG = "dossiers"
router.include_router(apology_drafts_router)


#: Dates and instants in the query are read strictly (ISO 8601), not as numbers of seconds.
DateQuery = Annotated[
    str | None,
    Query(
        pattern=r"^\d{4}-\d{2}-\d{2}$",
        description="Local date YYYY-MM-DD, inclusive",
        json_schema_extra={"format": "date"},
    ),
]
InstantQuery = Annotated[
    str | None,
    Query(
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$",
        description="ISO 8601 instant with an offset, e.g. 2026-03-12T00:00:00+07:00",
        json_schema_extra={"format": "date-time"},
    ),
]


def _date(name: str, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise invalid_field(
            ("query", name),
            f"{name} không phải ngày hợp lệ ({name} is not a valid date)",
            code="invalid-filter",
        ) from exc
    return require_in_calendar(day, name=name, loc=("query", name), code="invalid-filter")


def _instant(name: str, value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise invalid_field(
            ("query", name),
            f"{name} không phải thời điểm hợp lệ ({name} is not a valid instant)",
            code="invalid-filter",
        ) from exc
    return require_in_calendar(parsed, name=name, loc=("query", name), code="invalid-filter")


@router.post(
    "/dossiers",
    tags=[TAG],
    status_code=201,
    response_model=IntakeReceipt,
    summary="Receive a dossier (Form 01 data; online/postal dossiers wait in status 1)",
    responses={
        201: {
            "description": "The receipt (the original one again when the key is replayed)",
            "headers": {
                "Location": {
                    "description": "The dossier: /api/v1/dossiers/{code}",
                    "schema": {"type": "string"},
                },
                "Idempotent-Replayed": {
                    "description": "`true` when this answer replays an earlier request with the"
                    " same Idempotency-Key and body (no second dossier was made)",
                    "schema": {"type": "string", "enum": ["true"]},
                },
            },
        }
    },
)
async def create_dossier(
    request: Request,
    body: DossierCreate,
    response: Response,
    session: SessionDep,
    principal: CurrentPrincipal,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=idempotency.MAX_KEY_LENGTH,
            description="Same key + same body → the original response again, no second dossier"
            " (a key is remembered 30 days by default: ONESTOP_IDEMPOTENCY_KEY_DAYS)",
        ),
    ] = None,
) -> IntakeReceipt:
    """A counter clerk receives a dossier (status 2, the clock starts) or a portal submits one
    (status 1 until a clerk accepts it). The receipt names the code, the due date and the
    lookup secret's path. With ``Idempotency-Key`` a retry gets the same answer."""
    outcome = await intake_write.submit(
        session,
        principal=principal,
        body=body,
        at=clock.now(),
        server_key=request.app.state.settings.secret_key,
        idempotency_key=idempotency_key,
    )
    response.status_code = outcome.status_code
    response.headers["Location"] = f"/api/v1/dossiers/{outcome.receipt.code}"
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return outcome.receipt


@router.get("/dossiers", tags=[TAG], summary="Search dossiers in the caller's scope")
async def list_dossiers(
    session: SessionDep,
    principal: CurrentPrincipal,
    unit: Annotated[str | None, Query(max_length=60, description="Unit code")] = None,
    unit_role: Annotated[
        str, Query(description="any | receiving | competent | current", max_length=20)
    ] = "any",
    status: Annotated[list[int] | None, Query(description="National status codes 1–10")] = None,
    procedure: Annotated[str | None, Query(max_length=60, description="Procedure code")] = None,
    channel: Annotated[Channel | None, Query(description="How the dossier came in")] = None,
    received_from: DateQuery = None,
    received_to: DateQuery = None,
    due_before: InstantQuery = None,
    overdue: Annotated[
        bool | None,
        Query(
            description="true: open dossiers past their due instant (not while a supplement is"
            " awaited); false: every other dossier"
        ),
    ] = None,
    late_to_accept: Annotated[
        bool | None,
        Query(
            description="true: dossiers still in status 1 past their acceptance deadline;"
            " false: every other dossier"
        ),
    ] = None,
    q: Annotated[
        str | None, Query(max_length=100, description="Code prefix or applicant name")
    ] = None,
    portal_ref: Annotated[
        str | None,
        Query(
            max_length=100,
            description="The portal's own reference given at submission; an API client finds"
            " only the dossiers it submitted",
        ),
    ] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[DossierSummary]:
    """Dossiers in the caller's unit scope matching every filter given, newest first,
    a page at a time (``next_cursor``)."""
    filters = listing.Filters(
        unit=unit,
        unit_role=unit_role,
        status=tuple(status or ()),
        procedure=procedure,
        channel=channel,
        received_from=_date("received_from", received_from),
        received_to=_date("received_to", received_to),
        due_before=_instant("due_before", due_before),
        overdue=overdue,
        late_to_accept=late_to_accept,
        q=q,
        portal_ref=portal_ref,
    )
    return await listing.list_dossiers(
        session, principal=principal, filters=filters, limit=limit, cursor=cursor, now=clock.now()
    )


@router.post(
    "/dossiers/import",
    tags=[TAG],
    summary="Import dossier histories (NDJSON, one dossier per line)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-ndjson": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def import_dossiers(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    mode: Annotated[
        importer.Mode,
        Query(
            description="all (default): any bad line and nothing is written, the 422 names every"
            " bad line and field; per-line: the good lines are written and each line's outcome"
            " reported"
        ),
    ] = "all",
) -> ImportResult:
    """Replay dossier histories (NDJSON, one dossier with its full event list per line, at most
    10,000 lines) through the same state machine, deadline and supplement rules as live requests,
    in one transaction; requires ``dossier:import`` and each receiving unit in the caller's unit
    scope. With ``mode=all`` any bad line means nothing is written (a 422 naming every bad line and
    field); with ``mode=per-line`` the good lines are written and each line's outcome is
    reported."""
    principal.require(Right.DOSSIER_IMPORT)
    data = await request.body()
    return await importer.import_ndjson(
        session, principal=principal, data=data, now=clock.now(), mode=mode
    )


@router.get("/dossiers/{code}", tags=[TAG], summary="A dossier: state, dates, steps, due trace")
async def get_dossier(code: str, session: SessionDep, principal: CurrentPrincipal) -> DossierRead:
    """The dossier as it stands: status, dates, steps, pauses, fees and the due date's trace
    (personal data only with the right to see it)."""
    return await reading.read(session, principal=principal, code=code, now=clock.now())


@router.get("/dossiers/{code}/events", tags=[TAG], summary="The dossier's timeline")
async def list_dossier_events(
    code: str, session: SessionDep, principal: CurrentPrincipal
) -> Page[DossierEventRead]:
    """Every event of the dossier in order (append-only: corrections are events of their own),
    in one page."""
    items = await reading.events(session, principal=principal, code=code)
    return Page[DossierEventRead](items=items, next_cursor=None)


@router.get(
    "/public/dossiers/{code}",
    tags=["public"],
    summary="Citizen lookup with the receipt's secret (no personal data)",
    description="Limited per client address (a burst, then a steady rate per minute; settings"
    " ``public_lookup_burst`` and ``public_lookup_per_minute``): over it, a 429 problem with"
    " ``Retry-After``.",
    dependencies=[Depends(limit_public_lookup)],
)
async def public_lookup(
    code: str,
    session: SessionDep,
    secret: Annotated[
        str, Query(min_length=1, max_length=64, description="The lookup secret on the receipt")
    ],
) -> PublicDossier:
    return await reading.public(session, code=code, secret=secret)


def _action_route(spec: ActionSpec) -> Callable[..., Awaitable[DossierRead]]:
    """A POST route for one action, typed with the action's own body model (an empty body is
    accepted when every field of it is optional)."""
    body_type: Any = spec.body
    optional = not any(f.is_required() for f in body_type.model_fields.values())

    async def run(code: str, session: Any, principal: Any, body: BaseModel | None) -> DossierRead:
        at = clock.now()
        dossier = await registry.perform(
            session,
            code=code,
            name=spec.name,
            body=body if body is not None else body_type(),
            principal=principal,
            at=at,
        )
        return await reading.detail(session, dossier, principal=principal, now=at)

    if optional:

        async def endpoint(
            code: str,
            session: SessionDep,
            principal: CurrentPrincipal,
            body: Annotated[body_type | None, Body()] = None,
        ) -> DossierRead:
            return await run(code, session, principal, body)

    else:

        async def endpoint(  # type: ignore[misc]
            code: str,
            session: SessionDep,
            principal: CurrentPrincipal,
            body: Annotated[body_type, Body()],
        ) -> DossierRead:
            return await run(code, session, principal, body)

    endpoint.__name__ = "dossier_" + spec.name.replace("-", "_")
    return endpoint


for _spec in registry.ACTIONS.values():
    router.add_api_route(
        f"/dossiers/{{code}}/{_spec.name}",
        _action_route(_spec),
        methods=["POST"],
        tags=[TAG],
        response_model=DossierRead,
        summary=(_spec.summary.strip().splitlines() or [_spec.name])[0],
        description=_spec.summary,
    )
