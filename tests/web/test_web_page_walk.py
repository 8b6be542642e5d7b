"""Every page of the web client, as each role would open it, is in Vietnamese.

The walk takes every GET route under ``/web`` from the app itself (so a new page is walked without
being listed here), fills its path parameters with real values of the test province (a dossier
received at the counter, a unit, a user, a procedure), opens it as each staff role and as nobody,
and fails on an English sentence in the visible text of any HTML answer — a page, a permission
page, a 404 — whatever its status. Code values (rights, unit and procedure codes, file types) are
not sentences; a few names the pages show as they are (PDF, CSV, QR…) are allowed by name.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.routing import iter_route_contexts
from tests.factories import World
from tests.web.conftest import HX, ORIGIN, intake_form, receipt_code, visible_text, web_login

ROLES = ("clerk", "officer", "leader", "manager", "admin")
#: Words that make a sentence English when they stand between other words. Chosen so that no
#: Vietnamese word (with or without its diacritics) is among them.
ENGLISH_WORDS = (
    "the|and|of|is|are|was|not|with|for|from|this|that|please|error|invalid|missing|required"
    "|wrong|found|must|cannot|should|click|submit|next|previous|password|username|unknown"
    "|right|forbidden|unauthorized|internal|server|request|failed|none|null|true|false|undefined"
)
ENGLISH = re.compile(rf"\b({ENGLISH_WORDS})\b", re.I)
#: Shown as they are on the pages: formats, acronyms and product names.
ALLOWED = re.compile(r"\b(PDF|CSV|XLSX|QR|API|CCCD|CMND|HTML|JPEG|PNG|PKCS#12|PAdES|onestop)\b")
#: Addresses the walk does not open: they answer files, not pages, or end the session.
NOT_PAGES = re.compile(r"(\.pdf|\.csv|\.xlsx|/tai-ve|/download|/logout|/static)")


def english_in(page: str) -> list[str]:
    return ENGLISH.findall(ALLOWED.sub(" ", visible_text(page)))


#: Where the pages are: the staff client and the citizen's lookup.
PAGE_PREFIXES = ("/web", "/tra-cuu")


def page_paths(app: Any, values: dict[str, dict[str, str]]) -> list[str]:
    """Every GET page of the app, its ``{name}`` parameters filled from ``values``: per path
    prefix (the longest that matches), the value of each parameter name."""
    paths = []
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if "GET" not in (route.methods or ()) or not path.startswith(PAGE_PREFIXES):
            continue
        if NOT_PAGES.search(path) or ":" in path:  # a catch-all: the 404 test covers it
            continue
        prefix = max((p for p in values if path.startswith(p)), key=len, default="")
        given = values.get(prefix, {})
        names = re.findall(r"{(\w+)}", path)
        if any(n not in given for n in names):
            continue
        for name in names:
            path = path.replace(f"{{{name}}}", given[name])
        paths.append(path)
    return sorted(set(paths))


async def _received_dossier(client: httpx.AsyncClient) -> str:
    await web_login(client, "clerk")
    resp = await client.post("/web/counter/intake", data=intake_form(), headers={**HX, **ORIGIN})
    assert resp.status_code == 201, visible_text(resp.text)
    await client.post("/web/logout", headers=ORIGIN)
    return receipt_code(resp.text)


async def test_every_page_as_every_role_is_in_vietnamese(
    app: Any, client: httpx.AsyncClient, world: World
) -> None:
    code = await _received_dossier(client)
    values = {
        "/web/dossiers/": {"code": code},
        "/tra-cuu/": {"code": code},
        "/web/quan-tri/don-vi/": {"code": "000.00.10.H99"},
        "/web/quan-tri/nguoi-dung/": {"username": "officer"},
        "/web/quan-tri/thu-tuc/": {"code": "2.000908"},
    }
    paths = page_paths(app, values)
    assert len(paths) >= 20, paths  # the walk found the client's pages
    found: dict[str, list[str]] = {}
    opened = 0
    for role in (None, *ROLES):
        if role is not None:
            await web_login(client, role)
        for path in paths:
            resp = await client.get(path)
            if not resp.headers.get("content-type", "").startswith("text/html"):
                continue
            opened += 1
            assert resp.status_code < 500, (role, path, visible_text(resp.text)[:300])
            words = english_in(resp.text)
            if words:
                found[f"{role or 'anonymous'} {path} ({resp.status_code})"] = words
        if role is not None:
            await client.post("/web/logout", headers=ORIGIN)
    assert opened >= len(paths) * 3
    assert found == {}
