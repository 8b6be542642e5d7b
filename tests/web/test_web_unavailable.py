"""The web client while the database cannot be reached: a page saying so, 503 with Retry-After
(never the 500 page of a bug)."""

from __future__ import annotations

import httpx
import pytest
from tests.factories import World
from tests.web.conftest import visible_text, web_login

from onestop.http.problems import RETRY_AFTER_SECONDS


async def test_a_database_out_of_reach_is_a_503_page(
    client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await web_login(client, "clerk")

    async def unreachable(*args: object, **kwargs: object) -> object:
        raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")

    monkeypatch.setattr("onestop.dossiers.listing.list_dossiers", unreachable)
    resp = await client.get("/web/dossiers")
    assert resp.status_code == 503
    assert resp.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert resp.headers["content-type"].startswith("text/html")
    assert "Cơ sở dữ liệu tạm thời không truy cập được" in visible_text(resp.text)
