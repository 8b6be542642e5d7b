"""Logging in and out of the web client, and the landing redirects."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from onestop.auth import service_login
from onestop.core.errors import TooManyRequests, Unauthenticated
from onestop.http.deps import SessionDep
from onestop.web.session import (
    LOGIN_PATH,
    SameOrigin,
    WebUser,
    clear_session_cookie,
    optional_user,
    set_session_cookie,
)
from onestop.web.templating import WebRoute, home_for, home_path, render

router = APIRouter(route_class=WebRoute, include_in_schema=False)

Username = Annotated[str, Form(max_length=80)]
Password = Annotated[str, Form(max_length=200)]
Next = Annotated[str, Form(max_length=2000)]


def safe_next(target: str | None) -> str | None:
    """Only a path of the web client itself (no other site, no scheme tricks)."""
    if not target or not target.startswith("/web/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target


@router.get("/")
async def root() -> Response:
    return RedirectResponse("/web", status_code=303)


@router.get("/web")
async def home(user: WebUser) -> Response:
    return RedirectResponse(home_path(user), status_code=303)


@router.get(LOGIN_PATH)
async def login_form(
    request: Request,
    session: SessionDep,
    next_path: Annotated[str | None, Query(alias="next", max_length=2000)] = None,
    expired: Annotated[bool, Query()] = False,
) -> Response:
    user = await optional_user(request, session)
    if user is not None:
        return RedirectResponse(safe_next(next_path) or home_path(user), status_code=303)
    notice = "Phiên làm việc đã hết hạn; hãy đăng nhập lại." if expired else ""
    return render(
        request,
        "login.html",
        {"next": safe_next(next_path) or "", "username": "", "error": "", "notice": notice},
    )


@router.post(LOGIN_PATH, dependencies=[SameOrigin])
async def login(
    request: Request,
    session: SessionDep,
    username: Username = "",
    password: Password = "",
    next_path: Annotated[str, Form(alias="next", max_length=2000)] = "",
) -> Response:
    settings = request.app.state.settings
    username = username.strip()
    context = {"next": safe_next(next_path) or "", "username": username, "notice": ""}
    if not username or not password:
        return render(
            request,
            "login.html",
            {**context, "error": "Hãy nhập tên đăng nhập và mật khẩu."},
            status_code=422,
        )
    address = request.client.host if request.client else "unknown"
    try:
        token = await service_login.login_user(
            session=session,
            settings=settings,
            username=username,
            password=password,
            address=address,
        )
    except (Unauthenticated, TooManyRequests) as exc:
        return render(
            request, "login.html", {**context, "error": exc.detail}, status_code=exc.status
        )
    target = safe_next(next_path) or home_for(token.role or "")
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, token.access_token, token.expires_in)
    return response


@router.post("/web/logout", dependencies=[SameOrigin])
async def logout(request: Request, session: SessionDep) -> Response:
    """Ends the session's token (with every other token of the account: ``service_login.logout``),
    not only the cookie that carries it: a copy of the cookie no longer works either."""
    user = await optional_user(request, session)
    if user is not None:
        await service_login.logout(session=session, principal=user)
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    clear_session_cookie(response, request)
    return response
