"""The worklists' fast path (``metrics.worklists.route``) answers as the documented routes do and
hands them every request it does not take."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.dossiers.conftest import Headers
from tests.factories import World
from tests.metrics.test_worklists import AS_OF, JUSTICE, URL, auth, build, world

from onestop.http.fast_path import FastEndpoint

__all__ = ["auth", "world"]  # the fixtures of the dossier tests


@pytest.fixture
def fallbacks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records the query string of each request the fast path hands to the documented route."""
    seen: list[str] = []
    original = FastEndpoint._fallback

    async def spy(self: FastEndpoint, scope: Any, body: bytes, send: Any) -> None:
        seen.append(scope["query_string"].decode())
        await original(self, scope, body, send)

    monkeypatch.setattr(FastEndpoint, "_fallback", spy)
    return seen


@pytest.mark.parametrize("kind", ["overdue", "due-soon"])
async def test_fast_and_documented_routes_answer_alike(
    client: httpx.AsyncClient, world: World, auth: Headers, fallbacks: list[str], kind: str
) -> None:
    await build(client, auth)
    headers = auth("manager")
    fast = await client.get(
        f"{URL}/{kind}", params={"as_of": AS_OF, "total": "true", "limit": "1"}, headers=headers
    )
    assert fallbacks == []
    # ``total=1`` is true for FastAPI and left to it by the fast path.
    documented = await client.get(
        f"{URL}/{kind}", params={"as_of": AS_OF, "total": "1", "limit": "1"}, headers=headers
    )
    assert len(fallbacks) == 1
    assert fast.status_code == documented.status_code == 200
    assert fast.headers["content-type"] == documented.headers["content-type"]
    assert fast.json() == documented.json()
    assert fast.json()["total"] == 2 and len(fast.json()["items"]) == 1
    cursor = fast.json()["next_cursor"]
    second = await client.get(
        f"{URL}/{kind}",
        params={"as_of": AS_OF, "limit": "1", "cursor": cursor},
        headers=headers,
    )
    assert len(fallbacks) == 1
    assert second.json()["items"][0]["code"] != fast.json()["items"][0]["code"]


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("limit=0", 422),
        ("limit=abc", 422),
        ("limit=501", 422),
        ("unit=" + "x" * 61, 422),
        ("as_of=1741661000", 422),  # Unix time: refused by the service itself
        ("format=csv", 200),
        ("unit=A&unit=B", 422),  # FastAPI takes the last: unknown unit B
        ("unit=", 422),
        ("extra=1", 200),
    ],
)
async def test_unusual_queries_get_the_documented_answers(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    fallbacks: list[str],
    query: str,
    status: int,
) -> None:
    resp = await client.get(f"{URL}/overdue?{query}", headers=auth("manager"))
    assert resp.status_code == status, resp.text
    assert fallbacks == ([] if query.startswith("as_of") else [query])
    if status != 200:
        assert resp.headers["content-type"] == "application/problem+json"


async def test_errors_on_the_fast_path_are_problems(
    client: httpx.AsyncClient, world: World, auth: Headers, fallbacks: list[str]
) -> None:
    assert (await client.get(f"{URL}/overdue")).status_code == 401
    unknown = await client.get(f"{URL}/overdue?unit=000.99.99.H99", headers=auth("manager"))
    outside = await client.get(f"{URL}/overdue?unit={JUSTICE}", headers=auth("clerk_a"))
    assert fallbacks == [""]  # only the request without a token
    for resp in (unknown, outside):
        assert resp.status_code in (403, 404, 422), resp.text
        assert resp.headers["content-type"] == "application/problem+json"
        assert resp.json()["instance"] == f"{URL}/overdue"
