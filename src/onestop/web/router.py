"""The web client's routes (all outside /api/v1 and outside the OpenAPI schema) and its static
files. ``app.py`` includes ``router`` and mounts ``static_files()`` at ``STATIC_PREFIX``."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.staticfiles import StaticFiles

from onestop.web import (
    pages_auth,
    pages_counter,
    pages_dossiers,
    pages_forms,
    pages_inbox,
    pages_public,
    pages_reports,
    pages_worklists,
)
from onestop.web.templating import STATIC_DIR, STATIC_PREFIX, error_page, secure

__all__ = ["STATIC_PREFIX", "page_error", "router", "static_files"]

router = APIRouter(include_in_schema=False)
for _module in (
    pages_auth,
    pages_counter,
    pages_dossiers,
    pages_forms,
    pages_worklists,
    pages_reports,
    pages_inbox,
    pages_public,
):
    router.include_router(_module.router)


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC_DIR)


def page_error(request: Request, status: int, detail: str) -> Response:
    """A request refused before routing (``http.middleware.RejectNulMiddleware``), answered
    outside the API as the web client's error page."""
    return secure(error_page(request, status, detail))
