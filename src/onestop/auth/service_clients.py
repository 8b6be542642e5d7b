"""API clients (the online portal, importers): created and re-keyed by administrators.

The secret is generated here, returned once and stored only as an Argon2 hash.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.audit import record
from onestop.auth.models import UNIT, ApiClient
from onestop.auth.principal import CLIENT_SCOPES, Principal
from onestop.auth.rights import Right
from onestop.auth.service_common import check_ident, forget_principal, hash_secret, unit_by_code
from onestop.core import clock
from onestop.core.errors import Conflict, InvalidInput, NotFound


def _actor(principal: Principal | None, actor: str) -> str:
    if principal is not None:
        principal.require(Right.USER_WRITE)
        return principal.actor
    return actor


def _duplicate(client_id: str) -> Conflict:
    return Conflict(
        f"Mã ứng dụng {client_id} đã tồn tại (client id {client_id} already exists)",
        code="duplicate-client-id",
        client_id=client_id,
    )


def _check_scopes(scopes: list[str]) -> list[str]:
    unknown = sorted(set(scopes) - CLIENT_SCOPES)
    if unknown or not scopes:
        raise InvalidInput(
            f"Phạm vi không hợp lệ: {', '.join(unknown) or '(trống)'}; được phép:"
            f" {', '.join(sorted(CLIENT_SCOPES))} (unknown or missing scopes)",
            code="unknown-scope",
            scopes=unknown,
            allowed=sorted(CLIENT_SCOPES),
        )
    return sorted(set(scopes))


async def _check_units(
    session: AsyncSession, unit_codes: list[str], principal: Principal | None
) -> list[str]:
    if not unit_codes:
        raise InvalidInput(
            "Cần ít nhất một đơn vị (at least one unit code is required)", code="invalid-input"
        )
    codes: list[str] = []
    for code in dict.fromkeys(unit_codes):
        unit = await unit_by_code(session, code)
        if principal is not None:
            principal.require_unit(unit.path, unit.code)
        codes.append(unit.code)
    return codes


async def create_api_client(
    *,
    session: AsyncSession,
    client_id: str,
    name: str,
    scopes: list[str],
    unit_codes: list[str],
    actor: str = "system",
    principal: Principal | None = None,
) -> tuple[ApiClient, str]:
    """Register a client; returns it with its secret (shown once). With ``principal`` (an
    administrator), every unit granted must be inside their scope."""
    who = _actor(principal, actor)
    check_ident(client_id, "Mã ứng dụng (client id)")
    name = name.strip()
    if not 1 <= len(name) <= 255:
        raise InvalidInput(
            "Tên ứng dụng phải có từ 1 đến 255 ký tự (name must be 1–255 characters)",
            code="invalid-input",
        )
    clean_scopes = _check_scopes(scopes)
    codes = await _check_units(session, unit_codes, principal)
    existing = await session.execute(select(ApiClient.id).where(ApiClient.client_id == client_id))
    if existing.first() is not None:
        raise _duplicate(client_id)
    secret = secrets.token_urlsafe(32)
    client = ApiClient(
        client_id=client_id,
        name=name,
        secret_hash=await hash_secret(secret),
        scopes=clean_scopes,
        unit_codes=codes,
        is_active=True,
        created_at=clock.now(),
    )
    session.add(client)
    record(
        session,
        actor=who,
        action="api_client.create",
        object_type="api_client",
        object_id=client_id,
        detail={"scopes": clean_scopes, "unit_codes": codes},
    )
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise _duplicate(client_id) from exc
    return client, secret


async def rotate_secret(
    *,
    session: AsyncSession,
    client_id: str,
    actor: str = "system",
    principal: Principal | None = None,
) -> tuple[ApiClient, str]:
    """Replace a client's secret; the old one stops working at once."""
    who = _actor(principal, actor)
    client = await _managed_client(session, client_id, principal)
    secret = secrets.token_urlsafe(32)
    client.secret_hash = await hash_secret(secret)
    forget_principal(session, "client", client.id)  # its tokens end with the old secret
    record(
        session,
        actor=who,
        action="api_client.rotate-secret",
        object_type="api_client",
        object_id=client_id,
    )
    await session.commit()
    return client, secret


async def deactivate_api_client(
    *,
    session: AsyncSession,
    client_id: str,
    actor: str = "system",
    principal: Principal | None = None,
) -> ApiClient:
    """Switch a client off: its tokens stop working at once and it can no longer log in. A client
    already inactive is left as it is (nothing written)."""
    who = _actor(principal, actor)
    client = await _managed_client(session, client_id, principal)
    if not client.is_active:
        return client
    client.is_active = False
    forget_principal(session, "client", client.id)
    record(
        session,
        actor=who,
        action="api_client.deactivate",
        object_type="api_client",
        object_id=client_id,
    )
    await session.commit()
    return client


async def _managed_client(
    session: AsyncSession, client_id: str, principal: Principal | None
) -> ApiClient:
    """A client by id (404 when unknown); with ``principal``, every unit it was granted must lie
    inside the administrator's scope (403 otherwise)."""
    client = (
        await session.execute(select(ApiClient).where(ApiClient.client_id == client_id))
    ).scalar_one_or_none()
    if client is None:
        raise NotFound(
            f"Không có ứng dụng {client_id} (unknown API client {client_id})",
            code="unknown-client",
            client_id=client_id,
        )
    if principal is not None:
        for code in client.unit_codes:
            unit = await unit_by_code(session, code)
            principal.require_unit(unit.path, unit.code)
    return client


async def list_api_clients(
    *, session: AsyncSession, principal: Principal, after_id: int | None = None, limit: int = 50
) -> tuple[list[ApiClient], bool]:
    """The API clients in the administrator's scope, by id; returns (page, whether more follow).

    A client is in scope when every unit it was granted lies in the administrator's subtree (the
    clients whose secret this administrator may rotate); an administrator of the whole tree sees
    them all. Clients are few (the portals and importers of a province), so the scope is applied
    here, after the keyset, rather than in SQL over their unit lists (JSON)."""
    principal.require(Right.USER_WRITE)
    query = select(ApiClient).order_by(ApiClient.id)
    if after_id is not None:
        query = query.where(ApiClient.id > after_id)
    if principal.covers_whole_tree:
        clients = list((await session.execute(query.limit(limit + 1))).scalars())
    else:
        clients = await _in_scope(
            session, principal, list((await session.execute(query)).scalars())
        )
    return clients[:limit], len(clients) > limit


async def client_ids_in_scope(session: AsyncSession, principal: Principal) -> list[str]:
    """The ``client_id`` of every API client in the principal's scope (see ``list_api_clients``)."""
    clients = list((await session.execute(select(ApiClient).order_by(ApiClient.id))).scalars())
    if not principal.covers_whole_tree:
        clients = await _in_scope(session, principal, clients)
    return [c.client_id for c in clients]


async def _in_scope(
    session: AsyncSession, principal: Principal, clients: list[ApiClient]
) -> list[ApiClient]:
    codes = {code for c in clients for code in c.unit_codes}
    rows = await session.execute(select(UNIT.c.code, UNIT.c.path).where(UNIT.c.code.in_(codes)))
    paths = {code: path for code, path in rows}
    return [
        c
        for c in clients
        if c.unit_codes
        and all(code in paths and principal.covers_unit_path(paths[code]) for code in c.unit_codes)
    ]
