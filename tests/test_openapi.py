"""The committed openapi/openapi.json must equal what the app serves."""

from pathlib import Path

import httpx
import pytest

from onestop.openapi_dump import render

COMMITTED = Path(__file__).resolve().parents[1] / "openapi" / "openapi.json"


def test_committed_openapi_matches_the_app() -> None:
    assert COMMITTED.is_file(), "openapi/openapi.json is missing: run `make openapi`"
    assert COMMITTED.read_text(encoding="utf-8") == render(), (
        "openapi/openapi.json differs from the app: run `make openapi` and commit it"
    )


@pytest.mark.no_database
async def test_served_openapi_declares_problem_responses(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert "Problem" in spec["components"]["schemas"]
    token_op = spec["paths"]["/api/v1/auth/token"]["post"]
    for status in ("400", "401", "422", "429"):
        assert status in token_op["responses"], status
