"""FastAPI dependencies that turn a bearer token into a Principal and check rights."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlowPassword, OAuthFlows
from fastapi.security import OAuth2
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from onestop.auth.principal import Principal
from onestop.auth.service_common import principal_for
from onestop.auth.tokens import read_token
from onestop.core.errors import Unauthenticated
from onestop.http.deps import SessionDep

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
    return await principal_from_token(request, session, token)


async def principal_from_token(request: Request, session: AsyncSession, token: str) -> Principal:
    """The principal behind a bearer token (cached per worker), noted on the request for the log."""
    claims = read_token(token, secret=request.app.state.settings.secret_key)
    kind, _, raw_id = str(claims["sub"]).partition(":")
    if not raw_id.isdigit():
        raise Unauthenticated("Mã truy cập không hợp lệ (invalid token)", code="invalid-token")
    principal = await principal_for(session, kind, int(raw_id))
    if "cred" in claims and claims["cred"] != principal.credential:
        raise Unauthenticated(
            "Mã truy cập đã hết hiệu lực (đã đăng xuất hoặc đổi mật khẩu); hãy đăng nhập lại"
            " (the token was ended by a logout or a password change: log in again)",
            code="token-revoked",
        )
    request.state.actor = principal.actor
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(right: str) -> Callable[[Principal], Awaitable[Principal]]:
    """Dependency factory: the current principal, who must hold ``right`` (else a 403 naming it)."""

    async def dependency(principal: CurrentPrincipal) -> Principal:
        principal.require(right)
        return principal

    return dependency
