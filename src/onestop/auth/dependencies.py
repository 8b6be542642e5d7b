"""FastAPI dependencies that turn a bearer token into a Principal and check rights."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlowPassword, OAuthFlows
from fastapi.security import OAuth2
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy import select
from starlette.requests import HTTPConnection

from onestop.auth.models import UNIT, ApiClient, User
from onestop.auth.principal import Principal, rights_for_role
from onestop.auth.tokens import read_token
from onestop.errors import Unauthenticated
from onestop.httpapi import SessionDep

TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 (a URL, not a password)


class OAuth2Bearer(OAuth2):
    """Bearer tokens from ``POST /api/v1/auth/token``: the password flow for people and the
    client-credentials flow for systems, both declared so ``/docs`` can log in either way."""

    def __init__(self) -> None:
        super().__init__(
            flows=OAuthFlows(
                password=OAuthFlowPassword(tokenUrl=TOKEN_URL),
                clientCredentials=OAuthFlowClientCredentials(tokenUrl=TOKEN_URL),
            ),
            scheme_name="OAuth2",
            description=(
                "Người dùng: tên đăng nhập + mật khẩu (password flow). Ứng dụng: client_id +"
                " client_secret (client credentials). Users log in with username and password;"
                " API clients with client_id and client_secret."
            ),
            auto_error=False,
        )

    async def __call__(self, request: HTTPConnection) -> str | None:
        scheme, param = get_authorization_scheme_param(request.headers.get("Authorization"))
        if scheme.lower() != "bearer" or not param:
            return None
        return param


oauth2_scheme = OAuth2Bearer()


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
                select(User, UNIT.c.code, UNIT.c.path)
                .join(UNIT, UNIT.c.id == User.unit_id)
                .where(User.id == ident)
            )
        ).first()
        if row is None or not row[0].is_active:
            raise Unauthenticated(
                "Tài khoản không còn hiệu lực (account disabled)", code="invalid-token"
            )
        user, unit_code, unit_path = row
        return Principal(
            kind="user",
            id=user.id,
            name=user.username,
            full_name=user.full_name,
            role=user.role,
            unit_id=user.unit_id,
            unit_code=unit_code,
            unit_path=unit_path,
            rights=rights_for_role(user.role),
        )
    if kind == "client":
        client = await session.get(ApiClient, ident)
        if client is None or not client.is_active:
            raise Unauthenticated(
                "Ứng dụng không còn hiệu lực (client disabled)", code="invalid-token"
            )
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
