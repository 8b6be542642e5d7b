"""The electronic copies on the web: the dossier page's list and attach form (multipart, same
origin only), a refusal shown on the page with nothing stored, and the citizen's result link on
the lookup page (/tra-cuu)."""

from __future__ import annotations

from typing import Any

import httpx
from tests.documents.conftest import (
    MAX_BODY,
    document_rows,
    in_process,
    pdf_bytes,
    stored_files,
)
from tests.dossiers.conftest import Headers, act, create
from tests.factories import World
from tests.web.conftest import ORIGIN, visible_text, web_login

from onestop.core.settings import Settings


def _attach(
    client: httpx.AsyncClient, code: str, data: bytes, target: str = "submitted:TP1", **extra: Any
) -> Any:
    return client.post(
        f"/web/dossiers/{code}/giay-to",
        data={"target": target, "digitised": "1", **extra},
        files={"file": ("Đơn.pdf", data, "application/pdf")},
        headers=ORIGIN,
    )


async def test_clerk_attaches_a_scan_from_the_dossier_page(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    code = (await create(client, auth("clerk")))["code"]
    await web_login(client, "clerk")
    page = await client.get(f"/web/dossiers/{code}")
    assert 'data-testid="attach-form"' in page.text
    assert 'enctype="multipart/form-data"' in page.text
    assert "<script>" not in page.text  # strict CSP: no inline script
    resp = await _attach(client, code, pdf_bytes())
    assert resp.status_code == 303
    larger = pdf_bytes(marker="x" * (2 * MAX_BODY))  # over the pages' usual body limit
    assert (await _attach(client, code, larger)).status_code == 303
    assert resp.headers["location"] == f"/web/dossiers/{code}#ban-dien-tu"
    page = await client.get(f"/web/dossiers/{code}")
    text = visible_text(page.text)
    assert "Đơn.pdf" in text and "TP1 · Đơn đề nghị" in text and "số hóa tại quầy" in text
    assert "Đính kèm bản điện tử" in text  # the timeline's event
    link, _ = [part.split('"')[0] for part in page.text.split('href="')[1:] if "/giay-to/" in part]
    got = await client.get(link)
    assert got.status_code == 200 and got.content.startswith(b"%PDF")
    assert got.headers["cache-control"] == "no-store"


async def test_a_refused_file_is_explained_on_the_page(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any, settings: Settings
) -> None:
    code = (await create(client, auth("clerk")))["code"]
    await web_login(client, "clerk")
    resp = await _attach(client, code, b"MZ\x90\x00 not a pdf")
    assert resp.status_code == 415
    assert 'data-testid="files-error"' in resp.text
    assert "Chỉ nhận tệp PDF, JPEG hoặc PNG" in visible_text(resp.text)
    assert await document_rows(app) == 0 and stored_files(settings) == []
    cross_site = await client.post(
        f"/web/dossiers/{code}/giay-to",
        data={"target": "submitted:TP1"},
        files={"file": ("a.pdf", pdf_bytes(), "application/pdf")},
        headers={"Origin": "https://evil.example"},
    )
    assert cross_site.status_code == 403
    assert await document_rows(app) == 0


async def test_officer_attaches_the_result_and_the_citizen_downloads_it(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    made = await create(client, auth("clerk"))
    code, secret = made["code"], made["lookup_secret"]
    await act(client, auth("clerk"), code, "transfer")
    await web_login(client, "officer")
    page = await client.get(f"/web/dossiers/{code}")
    assert 'value="result:"' in page.text
    resp = await _attach(client, code, pdf_bytes(marker="kq"), target="result:")
    assert resp.status_code == 303
    lookup = await client.get("/tra-cuu", params={"code": code, "secret": secret})
    assert 'data-testid="results"' not in lookup.text  # not finished yet
    await act(client, auth("officer"), code, "finish")
    lookup = await client.get("/tra-cuu", params={"code": code, "secret": secret})
    assert 'data-testid="results"' in lookup.text
    assert "Kết quả điện tử" in visible_text(lookup.text)
    href = next(
        part.split('"')[0] for part in lookup.text.split('href="')[1:] if "/results/" in part
    ).replace("&amp;", "&")
    assert f"secret={secret}" in href
    anonymous = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    async with anonymous:
        got = await anonymous.get(href)
        assert got.status_code == 200 and got.content.startswith(b"%PDF")
        without = await anonymous.get(href.split("?")[0])
        assert without.status_code == 422


async def test_clerk_cannot_attach_a_result(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    code = await in_process(client, auth)
    await web_login(client, "clerk")
    page = await client.get(f"/web/dossiers/{code}")
    assert 'value="result:"' not in page.text
