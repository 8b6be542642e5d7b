"""HTTP routes of onestop.auth: tokens, "me", users, API clients and the audit log."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Annotated
from urllib.parse import unquote_plus

from fastapi import APIRouter, Depends, Form, Path, Query, Request, Response
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth import service, service_audit, service_login
from onestop.auth.dependencies import CurrentPrincipal, require
from onestop.auth.models import ApiClient, User
from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.auth.schemas import (
    ApiClientCreate,
    ApiClientRead,
    ApiClientSecret,
    AuditRead,
    IsoInstant,
    MeRead,
    Role,
    TokenForm,
    TokenRead,
    UserCreate,
    UserRead,
    UserUpdate,
)
from onestop.core.errors import InvalidInput, Unauthenticated
from onestop.core.paging import INSTANT, ROW_ID, Page, decode_cursor, encode_cursor
from onestop.http.deps import CursorQuery, LimitQuery, SessionDep

router = APIRouter()

UserAdmin = Annotated[Principal, Depends(require(Right.USER_WRITE))]
AuditViewer = Annotated[Principal, Depends(require(Right.AUDIT_VIEW))]
UsernamePath = Annotated[str, Path(min_length=1, max_length=80)]
ClientIdPath = Annotated[str, Path(min_length=1, max_length=80)]


# --- tokens -------------------------------------------------------------------------------------


@router.post(
    "/auth/token",
    response_model=TokenRead,
    tags=["auth"],
    summary="Log in (OAuth2 password or client-credentials grant)",
)
async def issue_token(
    request: Request,
    session: SessionDep,
    form: Annotated[TokenForm, Form()],
) -> TokenRead:
    """Users send ``username`` and ``password`` (``grant_type=password``, the default); API clients
    send ``client_id`` and ``client_secret`` in the form or as HTTP Basic credentials
    (``grant_type=client_credentials``). Failed attempts are limited per name and per address."""
    settings = request.app.state.settings
    address = request.client.host if request.client else "unknown"
    # Cache-Control: no-store, as on every API response (http.middleware).
    if form.grant_type == "password":
        if not form.username or not form.password:
            raise InvalidInput(
                "Cần tên đăng nhập và mật khẩu (username and password are required)",
                code="invalid-request",
            )
        return await service_login.login_user(
            session=session,
            settings=settings,
            username=form.username,
            password=form.password,
            address=address,
        )
    client_id, client_secret = form.client_id, form.client_secret
    if not client_id or not client_secret:
        client_id, client_secret = _basic_credentials(request.headers.get("Authorization"))
    return await service_login.login_client(
        session=session,
        settings=settings,
        client_id=client_id,
        client_secret=client_secret,
        address=address,
    )


def _basic_credentials(header: str | None) -> tuple[str, str]:
    """client_id and client_secret from ``Authorization: Basic`` (RFC 6749 §2.3.1)."""
    refused = Unauthenticated(
        service_login.BAD_CLIENT_CREDENTIALS + "; cần client_id và client_secret"
        " (client_id and client_secret are required)",
        code="invalid-client",
    )
    scheme, param = get_authorization_scheme_param(header)
    if scheme.lower() != "basic" or not param or len(param) > 2048:
        raise refused
    try:
        decoded = base64.b64decode(param, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise refused from exc
    raw_id, sep, raw_secret = decoded.partition(":")
    client_id, client_secret = unquote_plus(raw_id), unquote_plus(raw_secret)
    if not sep or not client_id or not client_secret or len(client_id) > 120:
        raise refused
    return client_id, client_secret


@router.post(
    "/auth/logout",
    status_code=204,
    response_class=Response,
    tags=["auth"],
    summary="Log out: end every token of this account (all its sessions)",
)
async def logout(principal: CurrentPrincipal, session: SessionDep) -> Response:
    """The bearer token sent, and every other token of the same user or client, stops working
    at once in this process and within a few seconds in the others."""
    await service_login.logout(session=session, principal=principal)
    return Response(status_code=204)


@router.get("/auth/me", response_model=MeRead, tags=["auth"], summary="The current user or client")
async def me(principal: CurrentPrincipal, session: SessionDep) -> MeRead:
    """Who the bearer token belongs to: a user's name, title, role, unit and rights, or an API
    client's id, scopes and granted unit codes. Any authenticated caller."""
    return await service_login.describe(session=session, principal=principal)


# --- users --------------------------------------------------------------------------------------


async def _user_reads(session: AsyncSession, users: list[User]) -> list[UserRead]:
    units = await service.units_by_id(session, {u.unit_id for u in users})
    return [
        UserRead(
            username=u.username,
            full_name=u.full_name,
            title=u.title,
            role=u.role,
            unit_code=units[u.unit_id].code,
            unit_name=units[u.unit_id].name,
            is_active=u.is_active,
            created_at=u.created_at,
        )
        for u in users
    ]


@router.post(
    "/users", response_model=UserRead, status_code=201, tags=["users"], summary="Create a user"
)
async def create_user(body: UserCreate, principal: UserAdmin, session: SessionDep) -> UserRead:
    """Create an account with a role in a unit; requires ``user:write`` and the unit must lie in
    the administrator's unit scope. Returns the new user (201); a username already taken answers
    409, an unknown role or unit 422 / 404."""
    user = await service.create_user(
        session=session,
        username=body.username,
        password=body.password,
        full_name=body.full_name,
        role=body.role,
        unit_code=body.unit_code,
        title=body.title,
        principal=principal,
    )
    return (await _user_reads(session, [user]))[0]


@router.get("/users", response_model=Page[UserRead], tags=["users"], summary="List users in scope")
async def list_users(
    principal: UserAdmin,
    session: SessionDep,
    unit: Annotated[str | None, Query(max_length=40, description="Unit code (exact unit)")] = None,
    role: Annotated[Role | None, Query(description="Only users with this role")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[UserRead]:
    """Users of the units in the administrator's unit scope (``user:write``), optionally of one
    unit or role, ordered by id, a page at a time (``next_cursor``)."""
    users, more = await service.list_users(
        session=session,
        principal=principal,
        unit_code=unit,
        role=role,
        after_id=_id_cursor(cursor),
        limit=limit,
    )
    return Page(
        items=await _user_reads(session, users),
        next_cursor=encode_cursor([users[-1].id]) if more else None,
    )


@router.get("/users/{username}", response_model=UserRead, tags=["users"], summary="One user")
async def get_user(username: UsernamePath, principal: UserAdmin, session: SessionDep) -> UserRead:
    """One account by username; requires ``user:write`` and the user's unit inside the
    administrator's unit scope (404 for an unknown name, 403 outside the scope)."""
    user = await service.get_user(session=session, username=username, principal=principal)
    return (await _user_reads(session, [user]))[0]


@router.patch("/users/{username}", response_model=UserRead, tags=["users"], summary="Change a user")
async def update_user(
    username: UsernamePath, body: UserUpdate, principal: UserAdmin, session: SessionDep
) -> UserRead:
    """Change a user's role, unit, full name, title, active flag or password (fields left out stay
    as they are); requires ``user:write`` with both the current and the new unit in scope.
    Administrators cannot disable or demote themselves (409 ``self-lockout``); a request that
    changes nothing writes nothing."""
    user = await service.update_user(
        session=session, username=username, changes=body.changes(), principal=principal
    )
    return (await _user_reads(session, [user]))[0]


# --- API clients --------------------------------------------------------------------------------


def _client_read(client: ApiClient) -> ApiClientRead:
    return ApiClientRead(
        client_id=client.client_id,
        name=client.name,
        scopes=list(client.scopes),
        unit_codes=list(client.unit_codes),
        is_active=client.is_active,
        created_at=client.created_at,
    )


@router.post(
    "/api-clients",
    response_model=ApiClientSecret,
    status_code=201,
    tags=["api-clients"],
    summary="Register an API client (the secret is shown once)",
)
async def create_api_client(
    body: ApiClientCreate, principal: UserAdmin, session: SessionDep
) -> ApiClientSecret:
    """Register an API client (a portal or importer) with its scopes and the unit codes it may act
    for; requires ``user:write`` and every unit inside the administrator's scope. The response
    carries the client secret, shown this once; a ``client_id`` already taken answers 409."""
    client, secret = await service.create_api_client(
        session=session,
        client_id=body.client_id,
        name=body.name,
        scopes=body.scopes,
        unit_codes=body.unit_codes,
        principal=principal,
    )
    return ApiClientSecret(client=_client_read(client), client_secret=secret)


@router.get(
    "/api-clients", response_model=Page[ApiClientRead], tags=["api-clients"], summary="API clients"
)
async def list_api_clients(
    principal: UserAdmin, session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[ApiClientRead]:
    """API clients whose granted units all lie in the administrator's unit scope (``user:write``),
    ordered by id, a page at a time (``next_cursor``). Secrets are never returned."""
    clients, more = await service.list_api_clients(
        session=session, principal=principal, after_id=_id_cursor(cursor), limit=limit
    )
    return Page(
        items=[_client_read(c) for c in clients],
        next_cursor=encode_cursor([clients[-1].id]) if more else None,
    )


@router.post(
    "/api-clients/{client_id}/rotate-secret",
    response_model=ApiClientSecret,
    tags=["api-clients"],
    summary="Issue a new secret (the old one stops working; the new one is shown once)",
)
async def rotate_secret(
    client_id: ClientIdPath, principal: UserAdmin, session: SessionDep
) -> ApiClientSecret:
    """Replace an API client's secret (``user:write``, client's units in scope): the old secret and
    every token issued with it stop working at once. The new secret is returned this once."""
    client, secret = await service.rotate_secret(
        session=session, client_id=client_id, principal=principal
    )
    return ApiClientSecret(client=_client_read(client), client_secret=secret)


# --- audit --------------------------------------------------------------------------------------


@router.get("/audit", response_model=Page[AuditRead], tags=["audit"], summary="The audit log")
async def list_audit(
    principal: AuditViewer,
    session: SessionDep,
    object_type: Annotated[
        str | None, Query(max_length=40, description="Kind of object acted on, e.g. user")
    ] = None,
    object_id: Annotated[
        str | None, Query(max_length=120, description="Identifier of the object acted on")
    ] = None,
    actor: Annotated[
        str | None,
        Query(max_length=120, examples=["user:admin"], description="Who acted (kind:name)"),
    ] = None,
    from_: Annotated[IsoInstant | None, Query(alias="from", description="at >= from")] = None,
    to: Annotated[IsoInstant | None, Query(description="at < to")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[AuditRead]:
    """Newest first."""
    entries, more = await service_audit.list_audit(
        session=session,
        principal=principal,
        object_type=object_type,
        object_id=object_id,
        actor=actor,
        start=_utc(from_),
        end=_utc(to),
        before=_audit_cursor(cursor),
        limit=limit,
    )
    last = entries[-1] if entries else None
    return Page(
        items=[AuditRead.model_validate(e, from_attributes=True) for e in entries],
        next_cursor=encode_cursor([last.at.isoformat(), last.id]) if more and last else None,
    )


def _id_cursor(cursor: str | None) -> int | None:
    values = decode_cursor(cursor, (ROW_ID,))
    return None if values is None else int(values[0])


def _audit_cursor(cursor: str | None) -> tuple[dt.datetime, int] | None:
    values = decode_cursor(cursor, (INSTANT, ROW_ID))
    return None if values is None else (values[0], int(values[1]))


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """An aware query instant (``InstantIn``: within the calendar's years) in UTC."""
    return None if value is None else value.astimezone(dt.UTC)
