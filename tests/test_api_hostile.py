"""No input makes a 500: every operation of the committed OpenAPI document, called as an
administrator and as a clerk with hostile values in every path, query parameter and body field —
text with NUL characters, instants and dates at the edges of the calendar, integers beyond 64 bits,
values of the wrong type, cursors no list wrote. Every answer is below 500, and every 4xx is a
problem+json. Runs on each database lane (a 500 on PostgreSQL alone is still a 500).

A case starts from one schemathesis generates for the operation (so bodies have the documented
shape), then hostile values replace either one field or many; path parameters are mostly real
codes of the test province, so the hostile values reach the services behind the routes."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies as st
from schemathesis.core import NotSet
from sqlalchemy import select
from starlette.testclient import TestClient
from tests.conftest import _truncate
from tests.dossiers.conftest import intake_body
from tests.factories import build_world

from onestop.app import create_app
from onestop.auth.models import ApiClient, User
from onestop.auth.tokens import issue_token
from onestop.core import clock
from onestop.core.settings import Settings

SECRET = "hostile-input-secret-key-0123456789abcdef"
DOCUMENT = json.loads((Path(__file__).parents[1] / "openapi" / "openapi.json").read_text())
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
ROLES = ("admin", "clerk")
PROBLEM = "application/problem+json"
#: Cases per operation and role: the file runs in a minute or two per database lane.
EXAMPLES = 6


def _cursor(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


NUL_TEXT = st.builds(
    lambda a, b: f"{a}\x00{b}", st.text(max_size=6), st.text(max_size=6)
) | st.sampled_from(["\x00", "000.00.10.H99\x00", "2.000908\x00", "admin\x00"])
INSTANTS = st.sampled_from(
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999+00:00",
        "1999-12-31T20:00:00-14:00",
        "2060-12-31T23:59:59-12:00",
        "2061-01-01T00:00:00+07:00",
        "1970-01-01T00:00:00+00:00",
    ]
)
DATES = st.sampled_from(["0001-01-01", "9999-12-31", "1999-12-31", "2061-01-01"])
HUGE = st.sampled_from([2**63, 2**64, -(2**63) - 1, 10**30, -1, 0])
CURSORS = st.sampled_from(
    [
        _cursor(v)
        for v in (
            [2**63],
            [True],
            [None],
            ["x\x00"],
            [1.5],
            [[1]],
            [{}],
            [],
            {},
            ["0001-01-01T00:00:00+14:00", 1],
            ["9999-12-31T23:59:59-14:00", True],
            ["2026-03-10T00:00:00+07:00", 2**63],
            ["2026-03-10T00:00:00+07:00", -1],
            ["2026-03-10T00:00:00", 1],
        )
    ]
    + ["not base64!", "", "W10"]
)
#: A hostile value for a query string or a path (text).
HOSTILE_TEXT = st.one_of(
    NUL_TEXT, INSTANTS, DATES, HUGE.map(str), CURSORS, st.sampled_from(["true", "null", "1e400"])
)
#: A hostile JSON value for a body field.
HOSTILE_JSON = st.one_of(
    NUL_TEXT,
    INSTANTS,
    DATES,
    HUGE,
    st.sampled_from([True, None, 1.5e308, [], {}, ["\x00"], {"\x00": 1}]),
)


@dataclass
class Province:
    """The test province behind the app, with the real codes a path parameter may name."""

    client: TestClient
    tokens: dict[str, str]
    codes: dict[str, list[str]] = field(default_factory=dict)


async def _populate(app: Any) -> dict[str, list[str]]:
    world = await build_world(app)
    return {
        "units": list(world.units),
        "procedures": list(world.procedures),
        "users": list(world.users),
        "api-clients": ["portal"],
    }


@pytest.fixture(scope="module")
def province(database_url: str) -> Iterator[Province]:
    clock.set_now(None)
    app = create_app(
        Settings(
            database_url=database_url,
            environment="test",
            secret_key=SECRET,
            run_worker_in_app=False,
        )
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.portal is not None
        codes = client.portal.call(_populate, app)
        tokens = client.portal.call(_tokens, app)
        dossiers = []
        for channel in ("counter", "online"):
            who = "clerk" if channel == "counter" else "portal"
            resp = client.post(
                "/api/v1/dossiers",
                json=intake_body(channel=channel),
                headers={"Authorization": f"Bearer {tokens[who]}"},
            )
            assert resp.status_code == 201, resp.text
            dossiers.append(resp.json()["code"])
        codes["dossiers"] = dossiers
        yield Province(client, tokens, codes)
        client.portal.call(_truncate, app.state.engine)


async def _tokens(app: Any) -> dict[str, str]:
    async with app.state.sessionmaker() as s:
        users = {u.username: u.id for u in (await s.execute(select(User))).scalars()}
        portal = (await s.execute(select(ApiClient))).scalars().one()
    tokens = {r: issue_token(f"user:{users[r]}", secret=SECRET, minutes=600) for r in ROLES}
    tokens["portal"] = issue_token(f"client:{portal.id}", secret=SECRET, minutes=600)
    return tokens


def _real(path: str, name: str, codes: dict[str, list[str]]) -> list[str]:
    """Real values for a path parameter (empty: none known)."""
    if name == "code":
        for prefix in ("dossiers", "units", "procedures"):
            if f"/{prefix}/" in path:
                return codes[prefix]
        return codes["dossiers"]
    return {
        "username": codes["users"],
        "client_id": codes["api-clients"],
        "form": ["01", "02", "04"],
        "fmt": ["pdf", "xlsx"],
        "period_id": ["1"],
        "task_id": ["1"],
    }.get(name, [])


#: Plausible values of query parameters, so the other parameters' hostile values get past them.
PLAUSIBLE = {
    "unit": "000.00.10.H99",
    "unit_code": "000.00.10.H99",
    "procedure": "2.000908",
    "from": "2026-03-01",
    "to": "2026-03-31",
    "as_of": "2026-03-10T09:00:00+07:00",
    "start": "2026-03-10T09:00:00+07:00",
    "due_before": "2026-03-10T09:00:00+07:00",
    "received_from": "2026-03-01",
    "received_to": "2026-03-31",
    "amount": "1",
    "year": "2026",
    "column": "4",
}


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict) and value:
        return [p for k, v in value.items() for p in _leaves(v, (*path, k))]
    if isinstance(value, list) and value:
        return [p for i, v in enumerate(value) for p in _leaves(v, (*path, i))]
    return [path]


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replace(value[head], rest, new)}
    copy = list(value)
    copy[head] = _replace(copy[head], rest, new)
    return copy


def _mutate(data: st.DataObject, body: Any, everywhere: bool) -> Any:
    leaves = _leaves(body)
    chosen = leaves if everywhere else [data.draw(st.sampled_from(leaves), label="field")]
    for leaf in chosen:
        body = _replace(body, leaf, data.draw(HOSTILE_JSON, label=f"body{list(leaf)}"))
    return body


IMPORT_LINE = {
    **intake_body(receiving_unit="000.00.01.H99"),
    "events": [
        {"type": "receive", "at": "2026-03-02T08:00:00+07:00", "actor": "nguyenvana"},
        {"type": "transfer", "at": "2026-03-02T08:30:00+07:00"},
        {"type": "finish", "at": "2026-03-02T14:00:00+07:00", "body": {"result_number": "5/CT"}},
    ],
}


def _request(data: st.DataObject, operation: Any, province: Province, role: str) -> dict[str, Any]:
    case = data.draw(operation.as_strategy(), label="case")
    everywhere = data.draw(st.booleans(), label="everywhere")
    path = operation.path
    for name in {
        p["name"] for p in operation.definition.raw.get("parameters", ()) if p["in"] == "path"
    }:
        real = _real(operation.path, name, province.codes)
        generated = str((case.path_parameters or {}).get(name, "x"))
        options = [*real, generated]
        value = data.draw(
            st.sampled_from(options) | HOSTILE_TEXT if not everywhere else HOSTILE_TEXT,
            label=f"path {name}",
        )
        path = path.replace("{" + name + "}", quote(str(value), safe=""))
    query: list[tuple[str, str]] = []
    declared = [p for p in operation.definition.raw.get("parameters", ()) if p["in"] == "query"]
    hostile = {p["name"] for p in declared} if everywhere else set()
    if declared and not everywhere:
        hostile = {data.draw(st.sampled_from([p["name"] for p in declared]), label="param")}
    generated_query = case.query or {}
    for p in declared:
        name = p["name"]
        if name in hostile:
            value = data.draw(CURSORS if name == "cursor" else HOSTILE_TEXT, label=f"query {name}")
        elif name in PLAUSIBLE and data.draw(st.booleans(), label=f"plausible {name}"):
            value = PLAUSIBLE[name]
        elif name in generated_query:
            raw = generated_query[name]
            for v in raw if isinstance(raw, list) else [raw]:
                query.append((name, str(v).lower() if isinstance(v, bool) else str(v)))
            continue
        else:
            continue
        query.append((name, value))
    kwargs: dict[str, Any] = {"params": query}
    media = case.media_type
    if media == "application/json" or (media is None and not isinstance(case.body, NotSet)):
        body = None if isinstance(case.body, NotSet) else case.body
        kwargs["content"] = json.dumps(_mutate(data, body, everywhere)).encode()
        kwargs["headers"] = {"content-type": "application/json"}
    elif media == "application/x-www-form-urlencoded":
        body = case.body if isinstance(case.body, dict) else {}
        form = _mutate(data, body or {"username": "admin", "password": "x"}, everywhere)
        kwargs["data"] = (
            {str(k): str(v) for k, v in (form or {}).items()} if isinstance(form, dict) else {}
        )
    elif media in ("application/x-ndjson", "text/plain"):
        lines = [
            json.dumps(_mutate(data, IMPORT_LINE, everywhere))
            for _ in range(data.draw(st.integers(1, 3), label="lines"))
        ]
        kwargs["content"] = "\n".join(lines).encode()
        kwargs["headers"] = {"content-type": media}
    headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {province.tokens[role]}"}
    return {"method": operation.method.upper(), "url": path, "headers": headers, **kwargs}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: f"{op.method.upper()} {op.path}")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_input_makes_a_500(
    province: Province, operation: Any, role: str, data: st.DataObject
) -> None:
    request = _request(data, operation, province, role)
    resp = province.client.request(**request)
    assert resp.status_code < 500, (request, resp.text)
    if 400 <= resp.status_code < 500:
        assert resp.headers["content-type"].startswith(PROBLEM), (request, resp.text)
