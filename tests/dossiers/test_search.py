"""Text search in ``GET /api/v1/dossiers`` (``q``): the two reads of ``listing._searched`` give
the list one plain query gives, page by page, and on PostgreSQL the search indexes serve it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text
from tests.dossiers.conftest import Headers, create
from tests.factories import World

from onestop.dossiers import listing

URL = "/api/v1/dossiers"
NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Nguyễn Thị Hoa", "Lê Văn Cường", "Nguyễn Văn Nam",
         "Trần Văn Tú", "Nguyễn Văn An"]  # fmt: skip


async def pages(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[str]:
    """Every page's codes, following the cursors."""
    codes: list[str] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        resp = await client.get(URL, params=query, headers=headers)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        codes += [d["code"] for d in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return codes


async def test_search_across_the_window_is_the_plain_list(
    client: httpx.AsyncClient, world: World, auth: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = [(await create(client, auth("clerk"), applicant={"name": n}))["code"] for n in NAMES]
    newest_first = made[::-1]
    m = auth("manager")
    expected = {
        "nguyen": [c for c, n in zip(made, NAMES, strict=True) if n.startswith("Nguyễn")][::-1],
        "van an": [made[6], made[0]],
        "le van": [made[3]],  # only among the older dossiers
        "binh": [made[1]],  # the second oldest
        made[0][:-1]: newest_first,  # a code prefix shared by all
        made[0]: [made[0]],
        "khong ai": [],
    }
    for window in (10**9, 3, 1):  # one read; the newest three then the rest; one by one
        monkeypatch.setattr(listing, "SEARCH_WINDOW", window)
        for q, codes in expected.items():
            for limit in (1, 2, 50):
                assert await pages(client, m, q=q, limit=limit) == codes, (window, q, limit)
    # scopes and other filters still apply in both reads
    assert await pages(client, auth("clerk_a"), q="nguyen", limit=2) == []
    assert await pages(client, m, q="nguyen", status=1) == []


async def test_search_indexes_serve_both_matches_on_postgresql(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    """PostgreSQL: the pattern and trigram indexes can answer both halves of ``q`` (a change
    to the query, say ``ILIKE`` or ``lower()``, would lose them). SQLite: the models create
    neither there."""
    search = (
        "SELECT id FROM dossier WHERE code LIKE :code OR applicant_search LIKE :name"
        " ORDER BY id + 0 DESC LIMIT 51"
    )
    values = {"code": "000.00.01%", "name": "%van an%"}
    async with app.state.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SET enable_seqscan = off"))  # a tiny table: can they?
            plan = "\n".join(r[0] for r in await conn.execute(text("EXPLAIN " + search), values))
            assert "ix_dossier_code_pattern" in plan and "ix_dossier_applicant_trgm" in plan, plan
        else:
            names = await conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))
            assert {"ix_dossier_code_pattern", "ix_dossier_applicant_trgm"}.isdisjoint(
                r[0] for r in names
            )
            assert (await conn.execute(text(search), values)).all() == []
