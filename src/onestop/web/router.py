"""The web client's routes (all outside /api/v1 and outside the OpenAPI schema) and its static
files. ``app.py`` includes ``router`` and mounts ``static_files()`` at ``STATIC_PREFIX``."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.convertors import Convertor, register_url_convertor
from starlette.staticfiles import StaticFiles

from onestop.web import (
    pages_admin_calendar,
    pages_admin_clients,
    pages_admin_procedures,
    pages_admin_sync,
    pages_admin_units,
    pages_admin_users,
    pages_auth,
    pages_bieu06,
    pages_counter,
    pages_dashboard,
    pages_documents,
    pages_dossiers,
    pages_forms,
    pages_inbox,
    pages_indicators,
    pages_public,
    pages_reports,
    pages_signatures,
    pages_worklists,
)
from onestop.web.templating import STATIC_DIR, STATIC_PREFIX, error_page, secure

__all__ = ["STATIC_PREFIX", "UPLOAD_PATH", "page_error", "router", "static_files"]
#: The page that takes files (its own body limit: ``app.py``).
UPLOAD_PATH = pages_documents.UPLOAD_PATH

router = APIRouter(include_in_schema=False)
for _module in (
    pages_auth,
    pages_counter,
    pages_dossiers,
    pages_documents,
    pages_forms,
    pages_worklists,
    pages_dashboard,
    pages_reports,
    pages_bieu06,
    pages_indicators,
    pages_inbox,
    pages_public,
    pages_signatures,
    pages_admin_units,
    pages_admin_users,
    pages_admin_clients,
    pages_admin_calendar,
    pages_admin_procedures,
    pages_admin_sync,
):
    router.include_router(_module.router)


class _PagePath(Convertor[str]):
    """Any path under ``/web/`` except the static files (mounted after the router)."""

    regex = r"(?!static/).*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("webpage", _PagePath())
NOT_FOUND = (
    "Không tìm thấy trang này. Địa chỉ có thể đã gõ sai hoặc trang đã được chuyển; hãy quay"
    " lại trang làm việc hoặc trang tra cứu hồ sơ."
)


@router.api_route("/web/{rest:webpage}", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
async def not_found(request: Request, rest: str) -> Response:
    """An unknown address of the web client: the styled Vietnamese page, not the API's JSON
    (registered after every page, so only what no page answers lands here)."""
    return secure(error_page(request, 404, NOT_FOUND))


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC_DIR)


def page_error(request: Request, status: int, detail: str) -> Response:
    """A request refused before routing (``http.middleware.RejectNulMiddleware``), answered
    outside the API as the web client's error page."""
    return secure(error_page(request, status, detail))
