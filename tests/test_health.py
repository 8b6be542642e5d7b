import httpx
import pytest


@pytest.mark.no_database
async def test_healthz(client: httpx.AsyncClient) -> None:
    resp = await client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}
    assert len(resp.headers["x-request-id"]) >= 8


@pytest.mark.no_database
async def test_unknown_route_is_a_problem(client: httpx.AsyncClient) -> None:
    resp = await client.get("/nope")
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("application/problem+json")
    body = resp.json()
    assert body["type"] == "/problems/not-found" and body["status"] == 404
