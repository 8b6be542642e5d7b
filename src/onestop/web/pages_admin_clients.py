"""Administrators' API-client page: the systems that call the API (the online portal, importers)
within their subtree; a client registered, its secret replaced, a client switched off.

A new secret is shown once, on the answer to the request that made it, in a marked box; it is
stored only as a hash (``auth.service_clients``, the API's own functions, which also check that
every unit granted lies in the administrator's scope and audit each change).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth import service_clients
from onestop.auth.models import ApiClient
from onestop.auth.principal import CLIENT_SCOPES, Principal
from onestop.auth.rights import Right
from onestop.auth.service_common import check_ident
from onestop.catalog import service_units
from onestop.core.errors import DomainError
from onestop.http.deps import SessionDep
from onestop.web import admin_forms
from onestop.web.admin_forms import ADMIN_PATH, page
from onestop.web.session import SameOrigin, WebUser
from onestop.web.templating import RIGHT_NAMES_VI, WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)

CLIENTS = f"{ADMIN_PATH}/ung-dung"
ClientPath = Path(min_length=1, max_length=80)
SCOPE_CHOICES = tuple((scope, RIGHT_NAMES_VI.get(scope, scope)) for scope in sorted(CLIENT_SCOPES))
IDENT_WORDS = "chỉ gồm 3–80 chữ thường không dấu, chữ số, dấu '.', '_' hoặc '-'"
REFUSALS = {
    "duplicate-client-id": "client_id",
    "invalid-identifier": "client_id",
    "unknown-scope": "scopes",
    "unknown-unit": "unit_codes",
    "invalid-input": "",
}
WORDS = {
    "duplicate-client-id": "mã ứng dụng này đã có",
    "invalid-identifier": IDENT_WORDS,
    "unknown-scope": "chọn ít nhất một quyền",
}


async def _page(
    request: Request,
    session: AsyncSession,
    user: Principal,
    *,
    values: dict[str, Any] | None = None,
    field_errors: dict[str, str] | None = None,
    secret: tuple[ApiClient, str] | None = None,
    status_code: int = 200,
) -> Response:
    clients, _ = await service_clients.list_api_clients(session=session, principal=user, limit=500)
    rows = await service_units.managed_tree(session, principal=user)
    context = {
        "clients": clients,
        "units": [(row.unit, depth) for row, depth in service_units.flatten(rows)],
        "scopes": SCOPE_CHOICES,
        "scope_names": dict(SCOPE_CHOICES),
        "values": {"client_id": "", "name": "", "scopes": [], "unit_codes": [], **(values or {})},
        "field_errors": field_errors or {},
        "secret": secret,
    }
    return page(
        request,
        "admin_clients.html",
        context,
        principal=user,
        tab="clients",
        status_code=status_code,
    )


@router.get(CLIENTS)
async def clients(request: Request, session: SessionDep, user: WebUser) -> Response:
    user.require(Right.USER_WRITE)
    return await _page(request, session, user)


@router.post(CLIENTS, dependencies=[SameOrigin])
async def create_client(request: Request, session: SessionDep, user: WebUser) -> Response:
    user.require(Right.USER_WRITE)
    form = await request.form()
    values: dict[str, Any] = admin_forms.fields(form, ("client_id", "name"))
    values["scopes"] = [s for s in form.getlist("scopes") if isinstance(s, str)]
    values["unit_codes"] = [u for u in form.getlist("unit_codes") if isinstance(u, str)]
    problems = {
        "client_id": admin_forms.checked(lambda: check_ident(values["client_id"], ""), IDENT_WORDS),
        "name": "" if values["name"] else "chưa nhập",
        "scopes": "" if values["scopes"] else "chọn ít nhất một quyền",
        "unit_codes": "" if values["unit_codes"] else "chọn ít nhất một đơn vị",
    }
    errors = {name: text for name, text in problems.items() if text}
    status = 422
    if not errors:
        try:
            made = await service_clients.create_api_client(
                session=session,
                client_id=values["client_id"],
                name=values["name"],
                scopes=values["scopes"],
                unit_codes=values["unit_codes"],
                principal=user,
            )
        except DomainError as exc:
            errors = await admin_forms.refused(session, exc, REFUSALS, WORDS)
            status = exc.status
        else:
            return await _page(request, session, user, secret=made)
    return await _page(
        request, session, user, values=values, field_errors=errors, status_code=status
    )


@router.post(CLIENTS + "/{client_id}/doi-khoa-bi-mat", dependencies=[SameOrigin])
async def rotate_secret(
    request: Request, session: SessionDep, user: WebUser, client_id: str = ClientPath
) -> Response:
    made = await service_clients.rotate_secret(session=session, client_id=client_id, principal=user)
    return await _page(request, session, user, secret=made)


@router.post(CLIENTS + "/{client_id}/ngung", dependencies=[SameOrigin])
async def deactivate(session: SessionDep, user: WebUser, client_id: str = ClientPath) -> Response:
    await service_clients.deactivate_api_client(
        session=session, client_id=client_id, principal=user
    )
    return RedirectResponse(f"{CLIENTS}?xong=ung-dung-khoa", status_code=303)
