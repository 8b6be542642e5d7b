"""Jinja2 rendering, the page chrome (navigation per role), security headers, and the route
class that turns a missing login or a domain error into a page instead of a JSON problem."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from starlette.formparsers import MultiPartException

from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.core.errors import DomainError
from onestop.core.schemas import NUL_MESSAGE, has_nul
from onestop.core.unavailable import database_unavailable
from onestop.http.problems import DATABASE_UNAVAILABLE_DETAIL, RETRY_AFTER_SECONDS, describe
from onestop.web import formatting
from onestop.web.session import (
    LOGIN_PATH,
    CrossSiteRejected,
    LoginRequired,
    clear_session_cookie,
    is_htmx,
)

log = logging.getLogger("onestop.web")

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
STATIC_PREFIX = "/web/static"

#: Pages send no inline script or style, load nothing from elsewhere and are never framed.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" on a form
    # POST, and the same-origin check needs the real origin. No page links elsewhere anyway.
    "Referrer-Policy": "same-origin",
    # Pages hold personal data and lookup secrets: never cached, never restored from a cache.
    "Cache-Control": "no-store",
    "Vary": "HX-Request, Cookie",
}


def _fingerprint(name: str) -> str:
    digest = hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]
    return f"{STATIC_PREFIX}/{name}?v={digest}"


_STATIC_URLS: dict[str, str] = {}


def static_url(name: str) -> str:
    """``/web/static/app.css?v=<hash>``: a new file gets a new URL."""
    url = _STATIC_URLS.get(name)
    if url is None:
        url = _STATIC_URLS[name] = _fingerprint(name)
    return url


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        appointment=formatting.appointment,
        when=formatting.when,
        iso_when=formatting.iso_when,
        iso_date=formatting.iso_date,
        actor=formatting.actor,
        short_date=formatting.short_date,
        money=formatting.money,
        working_time=formatting.working_time,
        seconds_text=formatting.seconds_text,
        limit_text=formatting.limit_text,
        percent=formatting.percent,
        count=formatting.count,
        number=formatting.number,
        filesize=formatting.filesize,
        destination=formatting.destination,
    )
    env.globals.update(
        static_url=static_url,
        STATUS_TONES=formatting.STATUS_TONES,
        CHANNELS_VI=formatting.CHANNELS_VI,
        RETURN_METHODS_VI=formatting.RETURN_METHODS_VI,
        TIMING_VI=formatting.TIMING_VI,
        RESULT_VI=formatting.RESULT_VI,
        STEP_KINDS_VI=formatting.STEP_KINDS_VI,
        PAUSE_KINDS_VI=formatting.PAUSE_KINDS_VI,
        APOLOGY_VI=formatting.APOLOGY_VI,
        EVENTS_VI=formatting.EVENTS_VI,
        ENTRY_STATUS_VI=formatting.ENTRY_STATUS_VI,
        payload_lines=formatting.payload_lines,
        split_message=formatting.split_message,
        RAG_VI=formatting.RAG_VI,
        VN_DATE_PATTERN=formatting.VN_DATE_PATTERN,
        VN_DATE_HINT=formatting.VN_DATE_HINT,
    )
    return env


ENV = _environment()

ROLE_NAMES_VI = {
    "clerk": "Công chức tiếp nhận",
    "officer": "Chuyên viên",
    "leader": "Lãnh đạo",
    "manager": "Quản lý",
    "admin": "Quản trị",
}


#: Rights that open the administrator pages ("Quản trị"): units and procedures, accounts and API
#: clients, the working calendar.
ADMIN_RIGHTS = (
    Right.CATALOG_WRITE,
    Right.USER_WRITE,
    Right.CALENDAR_WRITE,
    Right.INTEGRATION_MANAGE,
)


def nav_items(principal: Principal | None) -> list[tuple[str, str, str]]:
    """(key, label, href) of the menu entries this user may open."""
    if principal is None:
        return []
    items: list[tuple[str, str, str]] = []
    if principal.can(Right.DOSSIER_INTAKE):
        items.append(("counter", "Tiếp nhận", "/web/counter"))
    if principal.can(Right.DOSSIER_PROCESS):
        items.append(("mine", "Việc của tôi", "/web/viec-cua-toi"))
    if principal.can(Right.DOSSIER_VIEW):
        items.append(("dossiers", "Hồ sơ", "/web/dossiers"))
    if principal.can(Right.REPORT_VIEW):
        items.insert(0, ("dashboard", "Tổng quan", "/web/tong-quan"))
        items.append(("worklists", "Theo dõi hạn", "/web/worklists"))
        items.append(("reports", "Báo cáo", "/web/bao-cao/dung-han"))
    if principal.can(Right.DOSSIER_SIGN):
        items.append(("inbox", "Hộp thư", "/web/hop-thu"))
    if any(principal.can(right) for right in ADMIN_RIGHTS):
        items.append(("admin", "Quản trị", "/web/quan-tri"))
    return items


def home_for(role: str) -> str:
    """Where a user lands after login: clerks at the counter, officers on their own work,
    leaders and managers on the dashboard, everyone else on the dossier list."""
    if role == "clerk":
        return "/web/counter"
    if role == "officer":
        return "/web/viec-cua-toi"
    if role in {"leader", "manager"}:
        return "/web/tong-quan"
    return "/web/dossiers"


def home_path(principal: Principal) -> str:
    return home_for(principal.role or "")


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    principal: Principal | None = None,
    status_code: int = 200,
    active: str = "",
) -> HTMLResponse:
    ctx: dict[str, Any] = {
        "request": request,
        "principal": principal,
        "nav": nav_items(principal),
        "active": active,
        "role_name": ROLE_NAMES_VI.get(principal.role or "", "") if principal else "",
        "htmx": is_htmx(request),
    }
    ctx.update(context or {})
    html = ENV.get_template(template).render(ctx)
    return HTMLResponse(html, status_code=status_code)


#: Rights in words (the permission page names what is missing, not the right's code).
RIGHT_NAMES_VI = {
    "dossier:intake": "tiếp nhận hồ sơ",
    "dossier:submit": "nộp hồ sơ trực tuyến",
    "dossier:view": "xem hồ sơ",
    "dossier:process": "xử lý hồ sơ",
    "dossier:sign": "ký, duyệt hồ sơ",
    "dossier:override": "cho phép ngoại lệ",
    "dossier:import": "nhập dữ liệu hồ sơ",
    "personal-data:view": "xem thông tin cá nhân của người nộp",
    "form:print": "in biểu mẫu",
    "report:view": "xem báo cáo",
    "report:close": "khóa số liệu báo cáo",
    "catalog:write": "quản lý danh mục",
    "calendar:write": "quản lý lịch làm việc",
    "user:write": "quản lý người dùng",
    "audit:view": "xem nhật ký",
    "integration:manage": "quản lý đồng bộ với Cổng Dịch vụ công quốc gia",
}


def web_detail(exc: DomainError) -> str:
    """What a person reads of a refusal: Vietnamese only (the API's problem keeps its English)."""
    right = exc.extra.get("right") if exc.code == "missing-right" else None
    if right is not None:
        words = RIGHT_NAMES_VI.get(str(right), "thực hiện việc này")
        return (
            f"Tài khoản của ông/bà không có quyền {words}. Nếu công việc cần, hãy đề nghị"
            " quản trị hệ thống cấp quyền."
        )
    return exc.detail


def error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    """A Vietnamese error message (any English part of ``detail`` left out): a fragment for
    htmx, else a small page with the way back."""
    template = "_message.html" if is_htmx(request) else "error.html"
    return render(
        request,
        template,
        {"status": status, "detail": detail, "tone": "error"},
        status_code=status,
    )


def login_redirect(request: Request, exc: LoginRequired) -> Response:
    target = LOGIN_PATH
    path = ""
    if is_htmx(request):
        current = urlsplit(request.headers.get("hx-current-url", ""))
        path = current.path + (f"?{current.query}" if current.query else "")
    elif request.method == "GET":
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if path.startswith("/web/"):
        target += f"?next={quote(path, safe='')}"
    if exc.expired:
        target += ("&" if "?" in target else "?") + "expired=1"
    response: Response
    if is_htmx(request):
        # htmx follows a 303 inside the XHR and would paste the login page into the target;
        # HX-Redirect makes it load the login page as a whole.
        response = Response(status_code=204, headers={"HX-Redirect": target})
    else:
        response = RedirectResponse(target, status_code=303)
    if exc.expired:
        clear_session_cookie(response, request)
    return response


def secure(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def nul_form_field(request: Request) -> str | None:
    """The first posted form field holding a NUL character (refused before the page runs: the
    services would pass it to the database), or None. A form that does not parse is left to
    the page's own form handling."""
    content_type = request.headers.get("content-type", "").lower()
    if request.method != "POST" or not content_type.startswith(FORM_TYPES):
        return None
    try:
        form = await request.form()
    except MultiPartException:
        return None
    for name, value in form.multi_items():
        if has_nul(name) or (isinstance(value, str) and has_nul(value)):
            return name.replace("\x00", "\\x00")
    return None


class WebRoute(APIRoute):
    """Route class of the web router: login redirects, HTML error pages, security headers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                field = await nul_form_field(request)
                if field is not None:
                    detail = NUL_MESSAGE.format(vi=f"Ô “{field}”", en=field)
                    return secure(error_page(request, 422, detail))
                response = await handler(request)
            except LoginRequired as exc:
                response = login_redirect(request, exc)
            except CrossSiteRejected:
                response = error_page(
                    request,
                    403,
                    "Yêu cầu không xuất phát từ trang của hệ thống nên bị từ chối; hãy tải lại"
                    " trang và thử lại (cross-site request refused)",
                )
            except DomainError as exc:
                response = error_page(request, exc.status, web_detail(exc))
            except RequestValidationError:
                response = error_page(
                    request,
                    422,
                    "Địa chỉ hoặc tham số không hợp lệ (invalid address or parameters)",
                )
            except Exception as exc:
                response = unexpected_page(request, exc)
            return secure(response)

        return run


def unexpected_page(request: Request, exc: Exception) -> Response:
    """As ``http.problems.unexpected``, as a page: 503 while the database cannot be reached (a
    restart, a failover: a warning line), else 500 with the request id (the error line)."""
    if database_unavailable(exc):
        log.warning(
            "database unavailable on %s %s: %s", request.method, request.url.path, describe(exc)
        )
        response = error_page(request, 503, DATABASE_UNAVAILABLE_DETAIL)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    rid = getattr(request.state, "request_id", None) or "?"
    return error_page(
        request,
        500,
        f"Lỗi hệ thống; chưa có gì thay đổi. Hãy thử lại hoặc báo quản trị mã yêu cầu"
        f" {rid} (internal error, request id {rid})",
    )
