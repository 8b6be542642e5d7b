"""The citizen's lookup is limited per client address (``http.ratelimit``): a burst, then the
steady rate; over it the API answers 429 with ``Retry-After`` and the page says it in
Vietnamese. The API and the page share one allowance."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import tests.dossiers.conftest as dossier_fixtures
from tests.dossiers.conftest import Headers, create
from tests.factories import World

from onestop.core.settings import Settings
from onestop.http.ratelimit import LOOKUPS, TokenBucket

world = dossier_fixtures.world  # the fixtures of the dossier tests
auth = dossier_fixtures.auth

LOOKUP = "/api/v1/public/dossiers/{code}"
ORIGIN = {"Origin": "http://onestop.test"}


def test_a_bucket_spends_its_burst_then_refills_at_the_rate() -> None:
    now = [100.0]
    bucket = TokenBucket(20, 3, now=lambda: now[0], max_keys=2)
    assert [bucket.take("a") for _ in range(3)] == [0, 0, 0]
    assert bucket.take("a") == pytest.approx(3.0)  # one token every 3 s
    assert bucket.take("b") == 0  # another address has its own
    now[0] += 1.5
    assert bucket.take("a") == pytest.approx(1.5)
    now[0] += 1.5
    assert bucket.take("a") == 0 and bucket.take("a") > 0
    now[0] += 3600
    assert [bucket.take("a") for _ in range(4)][:3] == [0, 0, 0]  # never more than the burst
    bucket.take("c")  # a third address: the oldest is forgotten
    assert set(bucket._buckets) == {"a", "c"}


@pytest.fixture
def clock_of(app: Any, settings: Settings) -> list[float]:
    """The lookup bucket of the app, on a clock the test moves."""
    now = [1000.0]
    app.state.rate_limits = {
        LOOKUPS.name: TokenBucket(
            settings.public_lookup_per_minute, settings.public_lookup_burst, now=lambda: now[0]
        )
    }
    return now


async def test_the_api_lookup_is_limited_per_address(
    client: httpx.AsyncClient,
    app: Any,
    world: World,
    auth: Headers,
    settings: Settings,
    clock_of: list[float],
) -> None:
    data = await create(client, auth("clerk"))
    url = LOOKUP.format(code=data["code"])
    burst = settings.public_lookup_burst
    guesses = [await client.get(url, params={"secret": f"WRONG{i}"}) for i in range(burst)]
    assert [r.status_code for r in guesses] == [404] * burst
    resp = await client.get(url, params={"secret": data["lookup_secret"]})  # even the right one
    assert resp.status_code == 429
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["type"] == "/problems/too-many-lookups"
    assert resp.headers["retry-after"] == "3" and resp.json()["retry_after"] == 3
    assert "thử lại sau 3 giây" in resp.json()["detail"]
    # another address is not held back
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://onestop.test") as other:
        resp = await other.get(url, params={"secret": data["lookup_secret"]})
        assert resp.status_code == 200
    clock_of[0] += 3
    assert (await client.get(url, params={"secret": data["lookup_secret"]})).status_code == 200
    assert (await client.get(url, params={"secret": data["lookup_secret"]})).status_code == 429


async def test_the_lookup_page_says_when_to_try_again(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    settings: Settings,
    clock_of: list[float],
) -> None:
    data = await create(client, auth("clerk"))
    for _ in range(settings.public_lookup_burst - 1):  # the page and the API share one allowance
        await client.get(LOOKUP.format(code=data["code"]), params={"secret": "WRONG"})
    form = {"code": data["code"], "secret": "WRONG"}
    assert (await client.post("/tra-cuu", data=form, headers=ORIGIN)).status_code == 404
    resp = await client.post("/tra-cuu", data=form, headers=ORIGIN)
    assert resp.status_code == 429 and resp.headers["retry-after"] == "3"
    assert "hãy thử lại sau 3 giây" in resp.text
    link = await client.get(f"/tra-cuu/{data['code']}", params={"ma": data["lookup_secret"]})
    assert link.status_code == 429
    rating = {**form, "secret": data["lookup_secret"], "level": "hai_long"}
    resp = await client.post("/tra-cuu/danh-gia", data=rating, headers=ORIGIN)
    assert resp.status_code == 429 and "hãy thử lại sau" in resp.text
    clock_of[0] += 60
    link = await client.get(f"/tra-cuu/{data['code']}", params={"ma": data["lookup_secret"]})
    assert link.status_code == 200
