"""Who is using a page: the bearer JWT kept in an HttpOnly cookie, resolved to a Principal with
the very logic of the API (``onestop.auth.dependencies.current_principal``), and the same-origin
check that every state-changing POST passes.

CSRF: the cookie is ``SameSite=Strict`` (a cross-site request never carries it), and a POST must
also come from this origin: its ``Origin`` header names this site, or, when a browser withholds
the origin, it carries ``HX-Request`` (a custom header a cross-site form cannot set without a
CORS preflight, which this service never grants) or a ``Referer`` on this site.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from onestop.auth.dependencies import current_principal
from onestop.auth.principal import Principal
from onestop.core.errors import Unauthenticated
from onestop.http.deps import SessionDep

COOKIE_NAME = "onestop_session"
LOGIN_PATH = "/web/login"


class LoginRequired(Exception):
    """No valid session: the page answers with a redirect to the login form."""

    def __init__(self, *, expired: bool = False) -> None:
        super().__init__("login required")
        self.expired = expired


class CrossSiteRejected(Exception):
    """A POST that did not come from this site's own pages."""


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def set_session_cookie(response: Response, request: Request, token: str, max_age: int) -> None:
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        COOKIE_NAME,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


async def optional_user(request: Request, session: SessionDep) -> Principal | None:
    """The logged-in user, or None (no cookie, or a cookie that no longer holds)."""
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        return None
    try:
        principal = await current_principal(request, session, token)
    except Unauthenticated:
        return None
    return principal if principal.kind == "user" else None


async def require_user(request: Request, session: SessionDep) -> Principal:
    """Dependency of every staff page: the user of the session cookie, else ``LoginRequired``."""
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        raise LoginRequired()
    try:
        principal = await current_principal(request, session, token)
    except Unauthenticated:
        raise LoginRequired(expired=True) from None
    if principal.kind != "user":  # API-client tokens are for the API, not for pages
        raise LoginRequired()
    return principal


WebUser = Annotated[Principal, Depends(require_user)]


def _origins(request: Request) -> set[str]:
    own = f"{request.url.scheme}://{request.url.netloc}"
    public = str(request.app.state.settings.public_base_url).rstrip("/")
    return {own, public}


async def same_origin(request: Request) -> None:
    """Dependency of every POST of the web client (see the module docstring). A browser that
    hides the origin (``Origin: null``, or none) passes with ``HX-Request`` or a same-site
    ``Referer``."""
    allowed = _origins(request)
    origin = request.headers.get("origin")
    if origin and origin != "null":
        if origin.rstrip("/") not in allowed:
            raise CrossSiteRejected()
        return
    if is_htmx(request):
        return
    referer = request.headers.get("referer", "")
    if not any(referer.startswith(f"{o}/") for o in allowed):
        raise CrossSiteRejected()


SameOrigin = Depends(same_origin)
