"""The officers' hot reads: the JSON pages of ``GET /api/v1/reports/overdue`` and ``/due-soon`` as
fast endpoints (``onestop.http.fast_path``).

Served here: a bearer token and query parameters of the documented names, each given once with a
plain value (``limit`` digits in range, ``total`` true/false, ``format`` json). Everything else
(CSV and XLSX, unknown or repeated parameters, values the documented route would refuse or
coerce) goes to the documented routes in ``worklists.router``."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Send

from onestop.auth.dependencies import principal_from_token
from onestop.core import clock
from onestop.core.paging import DEFAULT_PAGE_SIZE, MAX_CURSOR_LENGTH, MAX_PAGE_SIZE
from onestop.http import fast_path
from onestop.metrics.worklists import service as worklists_service
from onestop.metrics.worklists.query import Filters, Kind, parse_as_of
from onestop.metrics.worklists.router import TEXT_LIMITS

#: Parameter → longest value the documented route accepts (``limit``/``total``/``format`` apart),
#: read from the documented route's own declarations.
TEXT = {**TEXT_LIMITS, "cursor": MAX_CURSOR_LENGTH}


def _params(query: bytes) -> dict[str, str] | None:
    """The parameters, or None when the documented route should read them."""
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    params = dict(pairs)
    if len(params) != len(pairs) or any(not v for v in params.values()):
        return None
    for name, value in params.items():
        if name in TEXT:
            if len(value) > TEXT[name]:
                return None
        elif name == "limit":
            if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_PAGE_SIZE:
                return None
        elif name == "total":
            if value not in ("true", "false"):
                return None
        elif name != "format" or value != "json":
            return None
    return params


class FastWorklist(fast_path.FastEndpoint):
    def __init__(self, kind: Kind) -> None:
        self.kind = kind

    async def serve(self, request: Request, send: Send) -> bool:
        token = fast_path.bearer(request)
        params = _params(request.scope["query_string"])
        if token is None or params is None:
            return False
        filters = Filters(
            unit=params.get("unit"),
            procedure=params.get("procedure"),
            step_unit=params.get("step_unit"),
            officer=params.get("officer"),
        )
        async with request.app.state.sessionmaker() as session:
            principal = await principal_from_token(request, session, token)
            page = await worklists_service.worklist(
                session,
                principal=principal,
                kind=self.kind,
                filters=filters,
                as_of=parse_as_of(params.get("as_of"), clock.now()),
                limit=int(params.get("limit", DEFAULT_PAGE_SIZE)),
                cursor=params.get("cursor"),
                total=params.get("total") == "true",
            )
        await fast_path.send_json(send, 200, page.as_json())
        return True


def routes(prefix: str) -> list[Route]:
    return [
        fast_path.route(f"{prefix}/reports/overdue", "GET", FastWorklist("overdue")),
        fast_path.route(f"{prefix}/reports/due-soon", "GET", FastWorklist("due_soon")),
    ]
