"""The intake's fast path (``dossiers.intake.route``) answers as the documented FastAPI route does,
and hands it everything unusual."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from tests.dossiers.conftest import Headers, intake_body, set_clock
from tests.factories import World

from onestop.http.fast_path import FastEndpoint

URL = "/api/v1/dossiers"
#: Values that differ between two intakes of one body.
PER_DOSSIER = {"code", "lookup_secret", "lookup_path"}


@pytest.fixture
def fallbacks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each request the fast path hands to the documented route."""
    seen: list[str] = []
    original = FastEndpoint._fallback

    async def spy(self: FastEndpoint, scope: Any, body: bytes, send: Any) -> None:
        seen.append(dict(scope["headers"]).get(b"content-type", b"").decode())
        await original(self, scope, body, send)

    monkeypatch.setattr(FastEndpoint, "_fallback", spy)
    return seen


def _same(a: httpx.Response, b: httpx.Response) -> None:
    assert a.status_code == b.status_code == 201
    assert a.headers["content-type"] == b.headers["content-type"] == "application/json"
    assert a.headers["location"] == f"{URL}/{a.json()['code']}"
    assert b.headers["location"] == f"{URL}/{b.json()['code']}"
    fast, documented = a.json(), b.json()
    assert fast.keys() == documented.keys()
    assert {k: v for k, v in fast.items() if k not in PER_DOSSIER} == {
        k: v for k, v in documented.items() if k not in PER_DOSSIER
    }


async def test_fast_and_documented_routes_answer_alike(
    client: httpx.AsyncClient, world: World, auth: Headers, fallbacks: list[str]
) -> None:
    set_clock("2026-03-02 09:00")
    content = httpx.Request("POST", "/", json=intake_body()).content
    fast = await client.post(
        URL, content=content, headers={**auth("clerk"), "Content-Type": "application/json"}
    )
    assert fallbacks == []
    # A JSON media type of another name is valid for FastAPI and not taken by the fast path.
    documented = await client.post(
        URL,
        content=content,
        headers={**auth("clerk"), "Content-Type": "application/vnd.onestop+json"},
    )
    assert fallbacks == ["application/vnd.onestop+json"]
    _same(fast, documented)
    assert documented.json()["code"] != fast.json()["code"]


async def test_replay_through_the_fast_path(
    client: httpx.AsyncClient, world: World, auth: Headers, fallbacks: list[str]
) -> None:
    set_clock("2026-03-02 09:00")
    headers = {**auth("clerk"), "Idempotency-Key": "quay-1-0001"}
    first = await client.post(URL, json=intake_body(), headers=headers)
    again = await client.post(URL, json=intake_body(), headers=headers)
    assert fallbacks == []
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    other = await client.post(URL, json=intake_body(note="khác"), headers=headers)
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["type"] == "/problems/idempotency-key-reused"


JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("token", "headers", "content", "status"),
    [
        (False, JSON, b"{}", 401),
        (False, {**JSON, "Authorization": "Basic eDp5"}, b"{}", 401),
        (True, JSON, b'{"procedure": ', 400),  # malformed JSON
        (True, JSON, b'{"procedure": 7}', 422),  # wrong type
        (True, {"Content-Type": "text/plain"}, b"{}", 422),
        (True, {**JSON, "Idempotency-Key": "k" * 256}, b"{}", 422),
    ],
)
async def test_unusual_requests_get_the_documented_problems(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    fallbacks: list[str],
    token: bool,
    headers: dict[str, str],
    content: bytes,
    status: int,
) -> None:
    given = {**(auth("clerk") if token else {}), **headers}
    resp = await client.post(URL, content=content, headers=given)
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    assert len(fallbacks) == 1
    listed = await client.get(URL, headers=auth("clerk"))
    assert listed.json()["items"] == []  # nothing written


async def test_domain_errors_raised_on_the_fast_path_are_problems(
    client: httpx.AsyncClient, world: World, auth: Headers, fallbacks: list[str]
) -> None:
    resp = await client.post(URL, json=intake_body(procedure="9.999999"), headers=auth("clerk"))
    assert fallbacks == []
    assert resp.status_code in (404, 422)
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["instance"] == URL
    assert resp.json()["request_id"] == resp.headers["x-request-id"]


async def test_the_access_log_names_the_route(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    caplog: pytest.LogCaptureFixture,
) -> None:
    set_clock("2026-03-02 09:00")
    with caplog.at_level(logging.INFO, logger="onestop.access"):
        resp = await client.post(URL, json=intake_body(), headers=auth("clerk"))
    assert resp.status_code == 201
    records = [r for r in caplog.records if r.name == "onestop.access"]
    assert [(r.path, r.status, r.actor) for r in records] == [(URL, 201, "user:clerk")]  # type: ignore[attr-defined]


async def test_other_methods_reach_the_documented_routes(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    resp = await client.request("OPTIONS", URL, headers=auth("clerk"))
    assert resp.status_code == 405
    assert resp.headers["allow"] == "GET, POST"
    assert (await client.get(URL, headers=auth("clerk"))).status_code == 200


async def test_the_fallback_is_logged_under_the_route(
    client: httpx.AsyncClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="onestop.access"):
        resp = await client.post(URL, json=intake_body())  # no token: the documented route
    assert resp.status_code == 401
    records = [r for r in caplog.records if r.name == "onestop.access"]
    assert [(r.path, r.status) for r in records] == [(URL, 401)]  # type: ignore[attr-defined]


async def test_a_static_path_allows_only_its_own_methods(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    # GET /dossiers/{code} would match "import" as a code; the import path itself is POST only.
    resp = await client.request("OPTIONS", f"{URL}/import", headers=auth("clerk"))
    assert resp.status_code == 405
    assert resp.headers["allow"] == "POST"
