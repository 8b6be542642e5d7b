"""Decision 766 indicators 4.1–4.3 from the documents attached to dossiers, per unit and
period, each count with the list of dossiers behind it (API and web page)."""

from __future__ import annotations

import httpx
from tests.documents.conftest import pdf_bytes, png_bytes, upload
from tests.dossiers.conftest import Headers, act, create, set_clock
from tests.factories import World
from tests.metrics.reports_support import JUSTICE, follow
from tests.web.conftest import web_login

REPORT = "/api/v1/reports/index-766"
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


async def scenario(client: httpx.AsyncClient, auth: Headers) -> dict[str, str]:
    """Four dossiers received in March at the centre for Sở Tư pháp:

    * a: scanned component, electronic result, finished → 4.1 ✓, 4.2 ✓;
    * b: scanned component, finished without an electronic result → 4.1 ✗, 4.2 ✗;
    * c: reused component (from a), still in process → 4.2 ✓, 4.3 ✓;
    * d: no document at all, still received → nothing.
    """
    clerk, officer = auth("clerk"), auth("officer")
    set_clock("2026-03-10 09:00")
    a = (await create(client, clerk))["code"]
    scan = (await upload(client, clerk, a, pdf_bytes(marker="a"), digitised_at_counter=True)).json()
    await act(client, clerk, a, "transfer")
    await upload(client, officer, a, png_bytes(), kind="result")
    await act(client, officer, a, "finish")

    set_clock("2026-03-11 09:00")
    b = (await create(client, clerk))["code"]
    await upload(client, clerk, b, pdf_bytes(marker="b"))
    await act(client, clerk, b, "transfer")
    await act(client, officer, b, "finish")

    set_clock("2026-03-12 09:00")
    c = (await create(client, clerk))["code"]
    reused = await client.post(
        f"/api/v1/dossiers/{c}/documents/reuse",
        json={"component": "TP1", "sha256": scan["sha256"]},
        headers=clerk,
    )
    assert reused.status_code == 201, reused.text
    await act(client, clerk, c, "transfer")

    d = (await create(client, clerk))["code"]
    set_clock("2026-04-02 09:00")
    return {"a": a, "b": b, "c": c, "d": d}


async def test_indicators_4_1_to_4_3_with_drill_down(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    m = await scenario(client, auth)
    headers = auth("manager")
    resp = await client.get(REPORT, params={**MARCH, "unit": JUSTICE}, headers=headers)
    assert resp.status_code == 200, resp.text
    by_id = {i["id"]: i for i in resp.json()["indicators"]}
    expected = {
        "4.1": (1, 2, 50.0, None, None, {m["a"]}, {m["a"], m["b"]}),
        "4.2": (2, 4, 50.0, None, None, {m["a"], m["c"]}, set(m.values())),
        "4.3": (1, 4, 25.0, 0.63, 2.0, {m["c"]}, set(m.values())),
    }
    for key, (num, den, ratio, score, max_score, hits, population) in expected.items():
        i = by_id[key]
        assert (i["numerator"], i["denominator"], i["ratio"]) == (num, den, ratio), key
        assert (i["score"], i["max_score"]) == (score, max_score), key
        assert set(await follow(client, headers, i["links"]["numerator"])) == hits, key
        assert set(await follow(client, headers, i["links"]["denominator"])) == population, key

    other_unit = await client.get(
        REPORT, params={**MARCH, "unit": "000.00.11.H99"}, headers=headers
    )
    assert {i["id"]: i["denominator"] for i in other_unit.json()["indicators"]}["4.2"] == 0
    april = await client.get(
        REPORT, params={"from": "2026-04-01", "to": "2026-04-30"}, headers=headers
    )
    assert {i["id"]: i["ratio"] for i in april.json()["indicators"]}["4.3"] is None


async def test_drill_down_refuses_an_unknown_indicator(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    resp = await client.get(
        f"{REPORT}/dossiers", params={**MARCH, "indicator": "9.9"}, headers=auth("manager")
    )
    assert resp.status_code == 422 and resp.json()["type"] == "/problems/invalid-input"


async def test_web_page_links_each_count_to_its_dossiers(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    m = await scenario(client, auth)
    await web_login(client, "manager")
    page = await client.get(
        "/web/bao-cao/chi-so-766",
        params={"ky": "custom", "tu": "01/03/2026", "den": "31/03/2026", "unit": JUSTICE},
    )
    assert page.status_code == 200, page.text
    assert 'data-testid="components-4.3"' in page.text
    link = "/web/bao-cao/chi-so-766/ho-so?from=2026-03-01&amp;to=2026-03-31"
    assert link in page.text
    listed = await client.get(
        "/web/bao-cao/chi-so-766/ho-so",
        params={**MARCH, "unit": JUSTICE, "indicator": "4.3", "part": "numerator"},
    )
    assert listed.status_code == 200
    assert m["c"] in listed.text and m["a"] not in listed.text
