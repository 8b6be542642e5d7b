"""The committed openapi/openapi.json must equal what the app serves, declare each operation's
own problem types (every code the API raises is declared once) and describe every operation and
the paging parameters of the lists (clients are generated from it)."""

import ast
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from onestop.http.problem_types import BY_CODE
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


def _raised_codes() -> set[str]:
    """Problem codes raised in the code serving the API (``code="…"`` on a call); the web pages,
    the command line's bootstrap and the demo data are not the API's."""
    source = Path(__file__).resolve().parents[1] / "src" / "onestop"
    skipped = ("web", "demo", "bench")
    codes: set[str] = set()
    for path in source.rglob("*.py"):
        if path.relative_to(source).parts[0] in skipped or path.name == "bootstrap.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg == "code" and isinstance(kw.value, ast.Constant):
                        codes.add(str(kw.value.value))
    return codes


def test_every_problem_code_raised_is_declared() -> None:
    assert _raised_codes() - set(BY_CODE) == set()


def test_operations_list_their_own_problem_types() -> None:
    spec = json.loads(COMMITTED.read_text(encoding="utf-8"))
    health = spec["paths"]["/healthz"]["get"]["responses"]
    assert sorted(health) == ["200", "500", "503"]
    events = spec["paths"]["/api/v1/dossiers/{code}/events"]["get"]
    assert events["operationId"] == "list_dossier_events"
    assert "/problems/unknown-dossier" in events["responses"]["404"]["description"]
    created = spec["paths"]["/api/v1/dossiers"]["post"]["responses"]
    assert {"Location", "Idempotent-Replayed"} <= set(created["201"]["headers"])
    assert "/problems/idempotency-key-reused" in created["409"]["description"]
    members = spec["components"]["schemas"]["Problem"]["properties"]
    assert {"errors", "dossier_code", "missing"} <= set(members)
    scopes = spec["components"]["securitySchemes"]["OAuth2"]["flows"]["password"]["scopes"]
    assert "dossier:submit" in scopes
    assert spec["servers"]


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def test_every_operation_is_described() -> None:
    spec = json.loads(COMMITTED.read_text(encoding="utf-8"))
    undescribed = [
        (m, p) for m, p, op in _operations(spec) if not op.get("description", "").strip()
    ]
    assert undescribed == []


def test_paging_parameters_of_lists_are_described() -> None:
    spec = json.loads(COMMITTED.read_text(encoding="utf-8"))
    paging = {"cursor", "after", "limit"}
    checked, undescribed = 0, []
    for method, path, op in _operations(spec):
        if method != "get":
            continue
        for param in op.get("parameters", []):
            if param["in"] == "query" and param["name"] in paging:
                checked += 1
                if not param.get("description", "").strip():
                    undescribed.append((path, param["name"]))
    assert checked > 0
    assert undescribed == []
