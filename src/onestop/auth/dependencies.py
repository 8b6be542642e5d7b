"""FastAPI dependencies that turn a bearer token into a Principal and check rights."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import select

from onestop.auth.models import ApiClient, User
from onestop.auth.principal import Principal, rights_for_role
from onestop.auth.tokens import read_token
from onestop.catalog.models import Unit
from onestop.errors import Unauthenticated
from onestop.httpapi import SessionDep

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def current_principal(
    request: Request, session: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Principal:
    if not token:
        raise Unauthenticated("Cần đăng nhập (a bearer token is required)")
    claims = read_token(token, secret=request.app.state.settings.secret_key)
    kind, _, raw_id = str(claims["sub"]).partition(":")
    if not raw_id.isdigit():
        raise Unauthenticated("Mã truy cập không hợp lệ (invalid token)", code="invalid-token")
    principal = await _load(session, kind, int(raw_id))
    request.state.actor = principal.actor
    return principal


async def _load(session: SessionDep, kind: str, ident: int) -> Principal:
    if kind == "user":
        row = (
            await session.execute(
                select(User, Unit).join(Unit, Unit.id == User.unit_id).where(User.id == ident)
            )
        ).first()
        if row is None or not row[0].is_active:
            raise Unauthenticated("Tài khoản không còn hiệu lực (account disabled)", code="invalid-token")
        user, unit = row
        return Principal(
            kind="user",
            id=user.id,
            name=user.username,
            full_name=user.full_name,
            role=user.role,
            unit_id=unit.id,
            unit_code=unit.code,
            unit_path=unit.path,
            rights=rights_for_role(user.role),
        )
    if kind == "client":
        client = await session.get(ApiClient, ident)
        if client is None or not client.is_active:
            raise Unauthenticated("Ứng dụng không còn hiệu lực (client disabled)", code="invalid-token")
        return Principal(
            kind="client",
            id=client.id,
            name=client.client_id,
            full_name=client.name,
            rights=frozenset(client.scopes),
            unit_codes=tuple(client.unit_codes),
        )
    raise Unauthenticated("Mã truy cập không hợp lệ (invalid token)", code="invalid-token")


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(right: str) -> Callable[[Principal], Awaitable[Principal]]:
    """Dependency factory: the current principal, who must hold ``right`` (else a 403 naming it)."""

    async def dependency(principal: CurrentPrincipal) -> Principal:
        principal.require(right)
        return principal

    return dependency
