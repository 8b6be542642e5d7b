"""Every response says ``X-Content-Type-Options: nosniff``; every API response (under /api/v1,
the fast paths included, errors included) says ``Cache-Control: no-store``, once; the OpenAPI
document may be cached."""

from __future__ import annotations

import httpx
import tests.dossiers.conftest as dossier_fixtures
from tests.dossiers.conftest import Headers, act, intake_body
from tests.factories import CLIENT_SECRET, World

world = dossier_fixtures.world  # the fixtures of the dossier tests
auth = dossier_fixtures.auth

URL = "/api/v1/dossiers"
JSON = {"Content-Type": "application/json"}


def assert_secured(resp: httpx.Response, *, api: bool = True) -> None:
    where = f"{resp.request.method} {resp.request.url.path} → {resp.status_code}"
    assert resp.headers.get_list("x-content-type-options") == ["nosniff"], where
    if api:
        assert resp.headers.get_list("cache-control") == ["no-store"], where


async def test_api_answers_with_personal_data_or_secrets_are_never_stored(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    clerk = auth("clerk")
    fast = await client.post(URL, json=intake_body(), headers={**clerk, "Idempotency-Key": "k1"})
    assert fast.status_code == 201 and fast.json()["lookup_secret"]
    replay = await client.post(URL, json=intake_body(), headers={**clerk, "Idempotency-Key": "k1"})
    assert replay.headers["idempotent-replayed"] == "true"
    content = httpx.Request("POST", "/", json=intake_body()).content
    documented = await client.post(
        URL, content=content, headers={**clerk, "Content-Type": "application/vnd.onestop+json"}
    )
    assert documented.status_code == 201
    code, secret = fast.json()["code"], fast.json()["lookup_secret"]
    await act(client, clerk, documented.json()["code"], "transfer")
    token = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "portal",
            "client_secret": CLIENT_SECRET,
        },
    )
    assert token.status_code == 200
    responses = [
        fast,
        replay,
        documented,
        token,
        await client.get(f"{URL}/{code}", headers=clerk),
        await client.get(URL, headers=clerk),
        await client.get(f"{URL}/{code}/events", headers=clerk),
        await client.get(f"{URL}/{code}/forms/01.pdf", headers=clerk),
        await client.get(f"/api/v1/public/dossiers/{code}", params={"secret": secret}),
        await client.get("/api/v1/reports/overdue", headers=auth("officer")),  # a fast path
        await client.get("/api/v1/auth/me", headers=clerk),
        # errors too
        await client.get(f"{URL}/NOPE", headers=clerk),
        await client.get(URL),
        await client.post(URL, content=b'{"x": ', headers={**clerk, **JSON}),
        await client.post(URL, content=b"x" * 2_000_000, headers={**clerk, **JSON}),
    ]
    assert [r.status_code for r in responses] == [
        *(201, 201, 201, 200, 200, 200, 200, 200, 200, 200, 200),
        *(404, 401, 400, 413),
    ]
    for resp in responses:
        assert_secured(resp)


async def test_other_responses_are_not_sniffed(client: httpx.AsyncClient, world: World) -> None:
    openapi = await client.get("/openapi.json")
    assert_secured(openapi, api=False)
    assert "no-store" not in openapi.headers.get("cache-control", "")
    assert_secured(await client.get("/healthz"), api=False)
    page = await client.get("/tra-cuu")
    assert_secured(page)  # the pages' own set: no-store as well, each header once
