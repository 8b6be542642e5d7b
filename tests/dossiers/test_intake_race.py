"""One intake retried concurrently (same Idempotency-Key, same portal reference, as an API client)
gets the stored 201 replay while its twin commits — never a 409 about its own dossier — on the
fast path and on the documented route alike."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
from tests.dossiers.conftest import Headers, intake_body, table_counts
from tests.factories import World

URL = "/api/v1/dossiers"
ROUNDS = 100
TWINS = 8
#: The fast path takes ``application/json``; another JSON media type reaches the documented route.
MEDIA = ("application/json", "application/vnd.onestop+json")


def wrong_answers(responses: list[httpx.Response]) -> list[str]:
    """What is wrong with one round: every answer a 201 with one code, exactly one not replayed."""
    wrong = [f"{r.status_code} {r.text[:160]}" for r in responses if r.status_code != 201]
    if wrong:
        return wrong
    codes = {r.json()["code"] for r in responses}
    replayed = Counter(r.headers.get("idempotent-replayed", "") for r in responses)
    if len(codes) != 1:
        wrong.append(f"codes {sorted(codes)}")
    if replayed != Counter({"": 1, "true": len(responses) - 1}):
        wrong.append(f"replayed {dict(replayed)}")
    return wrong


async def test_concurrent_retries_get_the_stored_replay(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    portal = auth("portal")

    async def one(round_no: int, twin: int) -> httpx.Response:
        body = intake_body(receiving_unit="000.00.01.H99", portal_ref=f"DVC-RACE-{round_no:03d}")
        headers = {
            **portal,
            "Idempotency-Key": f"race-{round_no:03d}",
            "Content-Type": MEDIA[(round_no + twin) % 2],
        }
        content = httpx.Request("POST", "/", json=body).content
        return await client.post(URL, content=content, headers=headers)

    wrong: list[str] = []
    for round_no in range(ROUNDS):
        responses = await asyncio.gather(*(one(round_no, t) for t in range(TWINS)))
        wrong += [f"round {round_no}: {w}" for w in wrong_answers(list(responses))]
    assert wrong == [], f"{len(wrong)} wrong answers of {ROUNDS * TWINS}: {wrong[:5]}"
    assert (await table_counts(app))["dossier"] == ROUNDS
