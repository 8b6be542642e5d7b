"""Bad input is a 422 problem naming the field, never a 500, and writes nothing: NUL characters
(which PostgreSQL refuses in text) in bodies, paths and query strings; instants at the edges of
the calendar (which overflow in UTC or fall outside the working-time table); cursors holding
values no list wrote. The web client answers the same input with a Vietnamese page."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import tests.dossiers.conftest as dossier_fixtures
from sqlalchemy import func, select
from tests.dossiers.conftest import Headers, create, intake_body, table_counts
from tests.factories import World
from tests.web.conftest import ORIGIN, intake_form, web_login

from onestop.auth.models import AuditEntry

world = dossier_fixtures.world
auth = dossier_fixtures.auth

PROBLEM = "application/problem+json"
LOW = "0001-01-01T00:00:00+14:00"
HIGH = "9999-12-31T23:59:59-14:00"
EXTREMES = (LOW, HIGH)


def cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def assert_refused(resp: httpx.Response, *loc: str) -> dict[str, Any]:
    """A 422 problem whose ``errors`` name ``loc``, said in Vietnamese then English."""
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = resp.json()
    assert [e["loc"] for e in body["errors"] if tuple(e["loc"]) == loc], body
    assert body["detail"] and "(" in body["detail"]
    return body


async def everything(app: Any) -> dict[str, int]:
    counts = await table_counts(app)
    async with app.state.sessionmaker() as s:
        counts["audit"] = (
            await s.execute(select(func.count()).select_from(AuditEntry))
        ).scalar_one()
    return counts


# -- NUL characters --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("where", "loc"),
    [
        ({"applicant": {"name": "Nguyễn\x00Văn An"}}, ("body", "applicant", "name")),
        ({"applicant": {"name": "An", "address": "Số 12\x00"}}, ("body", "applicant", "address")),
        ({"note": "ghi chú\x00"}, ("body", "note")),
        ({"documents": [{"code": "TP1\x00"}]}, ("body", "documents", "0", "code")),
    ],
)
async def test_nul_in_an_intake_body(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    app: Any,
    where: dict[str, Any],
    loc: tuple[str, ...],
) -> None:
    before = await everything(app)
    resp = await client.post("/api/v1/dossiers", json=intake_body(**where), headers=auth("clerk"))
    body = assert_refused(resp, *loc)
    assert "NUL" in body["errors"][0]["msg"]
    assert await everything(app) == before


async def test_nul_in_action_and_catalog_bodies(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    code = (await create(client, auth("clerk")))["code"]
    before = await everything(app)
    resp = await client.post(
        f"/api/v1/dossiers/{code}/refuse",
        json={"reason": "Thiếu\x00"},
        headers=auth("clerk"),
    )
    assert_refused(resp, "body", "reason")
    resp = await client.post(
        "/api/v1/units",
        json={"code": "000.00.12.H99", "name": "Sở\x00", "level": "department"},
        headers=auth("admin"),
    )
    assert_refused(resp, "body", "name")
    assert await everything(app) == before


@pytest.mark.parametrize(
    ("url", "params", "loc"),
    [
        ("/api/v1/dossiers/%00x", {}, ("path", "code")),
        ("/api/v1/dossiers/a%00/events", {}, ("path", "code")),
        ("/api/v1/units/%00", {}, ("path", "code")),
        ("/api/v1/procedures/1.%00", {}, ("path", "code")),
        ("/api/v1/dossiers", {"q": "Nguyễn\x00"}, ("query", "q")),
        ("/api/v1/units", {"q": "\x00"}, ("query", "q")),
        ("/api/v1/reports/overdue", {"unit": "000\x00"}, ("query", "unit")),  # the fast path
    ],
)
async def test_nul_in_paths_and_queries(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    url: str,
    params: dict[str, str],
    loc: tuple[str, ...],
) -> None:
    assert_refused(await client.get(url, params=params, headers=auth("admin")), *loc)


async def test_nul_in_the_public_lookup_without_login(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    code = (await create(client, auth("clerk")))["code"]
    resp = await client.get("/api/v1/public/dossiers/a%00b", params={"secret": "x"})
    assert_refused(resp, "path", "code")
    resp = await client.get(f"/api/v1/public/dossiers/{code}", params={"secret": "x\x00"})
    assert_refused(resp, "query", "secret")
    resp = await client.post(f"/api/v1/dossiers/{code}/%00", json={})
    assert resp.status_code in (404, 422) and resp.headers["content-type"].startswith(PROBLEM)


# -- instants at the edges of the calendar ---------------------------------------------------------
@pytest.mark.parametrize("instant", EXTREMES)
async def test_extreme_instants_in_bodies(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any, instant: str
) -> None:
    code = (await create(client, auth("clerk")))["code"]
    before = await everything(app)
    resp = await client.post(
        "/api/v1/dossiers",
        json=intake_body(channel="online", submitted_at=instant),
        headers=auth("portal"),
    )
    body = assert_refused(resp, "body", "submitted_at")
    assert "2000–2060" in body["errors"][0]["msg"]
    resp = await client.post(
        f"/api/v1/dossiers/{code}/apologize",
        json={"reason": "Chờ xác minh", "new_appointment_at": instant},
        headers=auth("admin"),
    )
    assert_refused(resp, "body", "new_appointment_at")
    assert await everything(app) == before


@pytest.mark.parametrize("instant", EXTREMES)
@pytest.mark.parametrize(
    ("url", "name", "extra"),
    [
        ("/api/v1/dossiers", "due_before", {}),
        ("/api/v1/calendar/due", "start", {"amount": 1, "unit": "working_days"}),
        ("/api/v1/reports/overdue", "as_of", {}),  # the fast path
        ("/api/v1/reports/overdue", "as_of", {"format": "csv"}),  # the documented route
        ("/api/v1/reports/due-soon", "as_of", {}),
        ("/api/v1/reports/step-warnings", "as_of", {}),
        ("/api/v1/audit", "from", {}),
        ("/api/v1/audit", "to", {}),
    ],
)
async def test_extreme_instants_in_queries(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    url: str,
    name: str,
    extra: dict[str, Any],
    instant: str,
) -> None:
    resp = await client.get(url, params={name: instant, **extra}, headers=auth("admin"))
    assert_refused(resp, "query", name)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("name", ["received_from", "received_to"])
async def test_extreme_dates_in_the_dossier_search(
    client: httpx.AsyncClient, world: World, auth: Headers, name: str, day: str
) -> None:
    resp = await client.get("/api/v1/dossiers", params={name: day}, headers=auth("admin"))
    assert_refused(resp, "query", name)


# -- cursors ---------------------------------------------------------------------------------------
LISTS = (
    "/api/v1/dossiers",
    "/api/v1/units",
    "/api/v1/procedures",
    "/api/v1/users",
    "/api/v1/api-clients",
    "/api/v1/audit",
    "/api/v1/tasks",
    "/api/v1/reports/overdue",
    "/api/v1/reports/due-soon",
    "/api/v1/reports/step-warnings",
    "/api/v1/reports/periods",
    "/api/v1/reports/satisfaction/followups",
)
FOREIGN_CURSORS: tuple[list[object], ...] = (
    [2**63],
    [True],
    ["x\x00"],
    [LOW, 1],
    [HIGH, True],
    ["2026-03-10T00:00:00+07:00", 2**63],
    ["2026-03-10T00:00:00+07:00", -1],
    [[1]],
    [],
)


@pytest.mark.parametrize("url", LISTS)
async def test_cursors_no_list_wrote(
    client: httpx.AsyncClient, world: World, auth: Headers, url: str
) -> None:
    for values in FOREIGN_CURSORS:
        resp = await client.get(url, params={"cursor": cursor(values)}, headers=auth("admin"))
        assert_refused(resp, "query", "cursor")


# -- the web client --------------------------------------------------------------------------------
async def test_web_forms_answer_nul_in_vietnamese(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    before = await everything(app)
    resp = await client.post("/tra-cuu", data={"code": "a\x00", "secret": "x"}, headers=ORIGIN)
    assert resp.status_code == 422 and "không được chứa ký tự NUL" in resp.text
    resp = await client.post(
        "/web/login", data={"username": "admin\x00", "password": "x"}, headers=ORIGIN
    )
    assert resp.status_code == 422 and "không được chứa ký tự NUL" in resp.text
    assert await everything(app) == before
    await web_login(client, "clerk")
    before = await everything(app)  # the login is audited
    resp = await client.post(
        "/web/counter/intake", data=intake_form(applicant_name="An\x00"), headers=ORIGIN
    )
    assert resp.status_code == 422 and "không được chứa ký tự NUL" in resp.text
    for url in ("/tra-cuu/a%00b", "/web/dossiers/a%00b", "/web/dossiers?q=%00"):
        resp = await client.get(url)
        assert resp.status_code == 422, url
        assert resp.headers["content-type"].startswith("text/html")
        assert "không được chứa ký tự NUL" in resp.text
    assert await everything(app) == before


# -- every request body refuses NUL ----------------------------------------------------------------
def _subclasses(cls: type) -> set[type]:
    out: set[type] = set(cls.__subclasses__())
    for sub in list(out):
        out |= _subclasses(sub)
    return out


def test_every_request_body_is_an_input_model() -> None:
    """The models behind every documented request body (and the import's lines) derive from
    ``InputModel``, whose validator refuses NUL in any of their text."""
    from pydantic import BaseModel

    from onestop.core.schemas import InputModel
    from onestop.dossiers.importer import ImportEvent, ImportLine

    document = json.loads((Path(__file__).parents[1] / "openapi" / "openapi.json").read_text())
    components = document["components"]["schemas"]
    wanted: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.split("/")[-1] not in wanted:
                wanted.add(ref.split("/")[-1])
                walk(components[ref.split("/")[-1]])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for operations in document["paths"].values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            # A multipart upload carries a file (binary: a NUL there is data, not an attack);
            # FastAPI names its schema Body_<operation>.
            walk({media: body for media, body in content.items() if media != "multipart/form-data"})
    models = {m.__name__: m for m in _subclasses(BaseModel) if m.__module__.startswith("onestop")}
    bodies = {name for name in wanted if components[name].get("type") == "object"}
    assert bodies and bodies <= set(models)
    assert [n for n in sorted(bodies) if not issubclass(models[n], InputModel)] == []
    assert issubclass(ImportLine, InputModel) and issubclass(ImportEvent, InputModel)
