"""Documents of a dossier over the API: upload, list, download, the event in the history, one
stored object per content, and every refusal (a problem, nothing stored, history unchanged)."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from tests.documents.conftest import (
    MAX_BODY,
    MAX_BYTES,
    URL,
    document_rows,
    event_count,
    in_process,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    stored_files,
    upload,
)
from tests.dossiers.conftest import Headers, act, create
from tests.factories import World

from onestop.core.settings import Settings
from onestop.documents.validation import safe_filename
from onestop.dossiers.models import DossierEvent


async def test_upload_list_download_and_history(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any, settings: Settings
) -> None:
    d = await create(client, auth("clerk"))
    code, before = d["code"], await event_count(app, d["code"])
    data = pdf_bytes()
    resp = await upload(
        client, auth("clerk"), code, data, filename="Đơn đề nghị.pdf", digitised_at_counter=True
    )
    assert resp.status_code == 201, resp.text
    doc = resp.json()
    assert doc["sha256"] == hashlib.sha256(data).hexdigest()
    assert (doc["kind"], doc["component"], doc["component_name"]) == (
        "submitted",
        "TP1",
        "Đơn đề nghị",
    )
    assert (doc["media_type"], doc["size"], doc["filename"]) == (
        "application/pdf",
        len(data),
        "Đơn đề nghị.pdf",
    )
    assert doc["digitised_at_counter"] is True and doc["uploaded_by"] == "user:clerk"

    listed = (await client.get(f"{URL}/{code}/documents", headers=auth("clerk"))).json()
    assert [x["id"] for x in listed["items"]] == [doc["id"]]

    got = await client.get(doc["download_path"], headers=auth("clerk"))
    assert got.status_code == 200 and got.content == data
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["cache-control"] == "no-store"
    assert got.headers["x-content-type-options"] == "nosniff"
    disposition = got.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Don_de_nghi.pdf"')
    assert "filename*=UTF-8''%C4%90%C6%A1n%20%C4%91%E1%BB%81%20ngh%E1%BB%8B.pdf" in disposition

    # The hash is in the dossier's history; the status did not change.
    assert await event_count(app, code) == before + 1
    async with app.state.sessionmaker() as s:
        event = (
            await s.execute(select(DossierEvent).where(DossierEvent.type == "document_added"))
        ).scalar_one()
    assert event.payload["sha256"] == doc["sha256"]
    assert event.from_status == event.to_status == 2
    assert "filename" not in event.payload
    timeline = (await client.get(f"{URL}/{code}/events", headers=auth("clerk"))).json()
    assert timeline["items"][-1]["type"] == "document_added"
    detail = (await client.get(f"{URL}/{code}", headers=auth("clerk"))).json()
    assert detail["status"] == 2


async def test_same_content_is_stored_once(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any, settings: Settings
) -> None:
    """Same content, same component, same dossier: the same row (200), nothing new. The same
    content on another dossier: a second row, still one stored object."""
    first = (await create(client, auth("clerk")))["code"]
    second = (await create(client, auth("clerk")))["code"]
    data = jpeg_bytes()
    a = await upload(client, auth("clerk"), first, data, filename="a.jpg")
    events = await event_count(app, first)
    again = await upload(client, auth("clerk"), first, data, filename="b.jpg")
    assert (a.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == a.json()["id"]
    assert await event_count(app, first) == events
    other = await upload(client, auth("clerk"), second, data, filename="a.jpg")
    assert other.status_code == 201 and other.json()["id"] != a.json()["id"]
    assert await document_rows(app) == 2
    assert len(stored_files(settings)) == 1


async def test_portal_records_the_citizen_store(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    d = await create(client, auth("portal"), channel="online")
    resp = await upload(client, auth("portal"), d["code"], png_bytes(), from_citizen_store=True)
    assert resp.status_code == 201, resp.text
    assert resp.json()["from_citizen_store"] is True
    assert resp.json()["uploaded_by"].startswith("client:")
    by_officer = await upload(
        client, auth("officer"), d["code"], pdf_bytes(), from_citizen_store=True
    )
    assert by_officer.status_code == 422
    assert by_officer.json()["type"] == "/problems/citizen-store-portal-only"


def _exe() -> bytes:
    return b"MZ\x90\x00\x03" + b"\x00" * 200 + b"This program cannot be run in DOS mode"


def _bomb() -> bytes:
    return png_bytes(2000, 2000)  # 4 M pixels in a few kB: over the tests' 1 M limit


BAD_FILES = [
    pytest.param(_exe(), "giay-to.pdf", 415, "unsupported-document-type", id="exe-renamed-pdf"),
    pytest.param(b"", "trong.pdf", 422, "empty-document", id="empty"),
    pytest.param(
        b"%PDF-1.7\n" + b"0" * (MAX_BYTES + 10), "lon.pdf", 413, "document-too-large", id="big"
    ),
    pytest.param(b"%PDF-1.4\n1 0 obj\n<<", "hong.pdf", 422, "unreadable-pdf", id="broken-pdf"),
    pytest.param(pdf_bytes()[:200], "cut.pdf", 422, "unreadable-pdf", id="truncated-pdf"),
    pytest.param(_bomb(), "bom.png", 422, "image-too-large", id="image-bomb"),
    pytest.param(png_bytes()[:30], "cut.png", 422, "unreadable-image", id="truncated-png"),
]


@pytest.mark.parametrize(("data", "filename", "status", "problem"), BAD_FILES)
async def test_bad_files_are_refused_and_nothing_is_stored(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    app: Any,
    settings: Settings,
    data: bytes,
    filename: str,
    status: int,
    problem: str,
) -> None:
    code = (await create(client, auth("clerk")))["code"]
    before = await event_count(app, code)
    resp = await upload(client, auth("clerk"), code, data, filename=filename)
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["type"] == f"/problems/{problem}"
    assert await document_rows(app) == 0
    assert stored_files(settings) == []
    assert await event_count(app, code) == before


async def test_uploads_have_a_body_limit_of_their_own(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    code = (await create(client, auth("clerk")))["code"]
    data = pdf_bytes(width=200, marker="x" * (2 * MAX_BODY))
    assert MAX_BODY < len(data) < MAX_BYTES
    resp = await upload(client, auth("clerk"), code, data)
    assert resp.status_code == 201, resp.text
    elsewhere = await client.post(
        "/api/v1/dossiers", content=b"{" + b" " * (2 * MAX_BODY) + b"}", headers=auth("clerk")
    )
    assert elsewhere.status_code == 413  # the rest of the API keeps ONESTOP_MAX_BODY_BYTES


async def test_a_body_far_over_the_limit_is_cut_before_it_is_read(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any, settings: Settings
) -> None:
    code = (await create(client, auth("clerk")))["code"]
    resp = await upload(client, auth("clerk"), code, b"%PDF-1.7\n" + b"0" * (4 * MAX_BYTES))
    assert resp.status_code == 413
    assert resp.json()["type"] == "/problems/body-too-large"
    assert await document_rows(app) == 0 and stored_files(settings) == []


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\an\\CCCD mặt trước.PDF", "CCCD mặt trước.pdf"),
        ("hoa\u202efdp.exe", "hoafdp.exe.pdf"),
        ("...", "tai-lieu.pdf"),
    ],
)
async def test_file_names_are_sanitised(
    client: httpx.AsyncClient, world: World, auth: Headers, given: str, kept: str
) -> None:
    """Path separators and control or format characters are dropped (never refused); a name
    whose extension is not its type's gets the right one appended."""
    code = (await create(client, auth("clerk")))["code"]
    resp = await upload(client, auth("clerk"), code, pdf_bytes(), filename=given)
    assert resp.status_code == 201, resp.text
    assert resp.json()["filename"] == kept


def test_control_characters_are_dropped_from_names() -> None:
    """Browsers percent-encode control characters in multipart names; a client that sends them
    raw gets them dropped."""
    assert safe_filename("tab\tand\nnew\x00line\x7f.pdf", "application/pdf") == (
        "tabandnewline.pdf"
    )
    assert safe_filename("ảnh.JPEG", "image/jpeg") == "ảnh.jpg"
    assert safe_filename(None, "image/png") == "tai-lieu.png"


async def test_unknown_component_is_refused(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any, settings: Settings
) -> None:
    code = (await create(client, auth("clerk")))["code"]
    resp = await upload(client, auth("clerk"), code, pdf_bytes(), component="TP9")
    assert resp.status_code == 422
    body = resp.json()
    assert body["type"] == "/problems/unknown-component" and body["allowed"] == ["TP1"]
    assert await document_rows(app) == 0 and stored_files(settings) == []


async def test_another_units_dossier_is_not_found(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any, settings: Settings
) -> None:
    code = (await create(client, auth("clerk")))["code"]
    doc = (await upload(client, auth("clerk"), code, pdf_bytes())).json()
    outsider = auth("clerk_a")  # the counter of commune A: not this dossier's units
    for resp in (
        await upload(client, outsider, code, pdf_bytes(marker="x")),
        await client.get(f"{URL}/{code}/documents", headers=outsider),
        await client.get(doc["download_path"], headers=outsider),
        await client.get(f"{URL}/{code}/documents/reusable", headers=outsider),
    ):
        assert resp.status_code == 404, resp.text
        assert resp.json()["type"] == "/problems/unknown-dossier"
    assert await document_rows(app) == 1 and len(stored_files(settings)) == 1


async def test_download_of_another_dossiers_document_is_not_found(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    a = (await create(client, auth("clerk")))["code"]
    b = (await create(client, auth("clerk")))["code"]
    doc = (await upload(client, auth("clerk"), a, pdf_bytes())).json()
    resp = await client.get(f"{URL}/{b}/documents/{doc['id']}", headers=auth("clerk"))
    assert resp.status_code == 404 and resp.json()["type"] == "/problems/document-not-found"


async def test_result_only_where_the_dossier_can_be_finished(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any, settings: Settings
) -> None:
    received = (await create(client, auth("clerk")))["code"]  # status 2: not finishable
    resp = await upload(client, auth("officer"), received, pdf_bytes(), kind="result")
    assert resp.status_code == 409
    assert resp.json()["type"] == "/problems/result-not-allowed"
    assert resp.json()["current_status"] == 2
    assert await document_rows(app) == 0 and stored_files(settings) == []

    code = await in_process(client, auth)
    by_clerk = await upload(client, auth("clerk"), code, pdf_bytes(), kind="result")
    assert by_clerk.status_code == 403  # results are the officers'
    ok = await upload(client, auth("officer"), code, pdf_bytes(), kind="result", component="")
    assert ok.status_code == 201, ok.text
    assert (ok.json()["kind"], ok.json()["component_name"]) == ("result", "Kết quả giải quyết")


async def test_closed_dossier_takes_no_more_documents(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    code = await in_process(client, auth)
    await act(client, auth("officer"), code, "finish")
    resp = await upload(client, auth("clerk"), code, pdf_bytes())
    assert resp.status_code == 409 and resp.json()["type"] == "/problems/dossier-closed"


async def test_upload_needs_a_file_and_a_known_kind(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    code = (await create(client, auth("clerk")))["code"]
    no_file = await client.post(
        f"{URL}/{code}/documents", data={"component": "TP1"}, headers=auth("clerk")
    )
    assert no_file.status_code == 422
    bad_kind = await upload(client, auth("clerk"), code, pdf_bytes(), kind="other")
    assert bad_kind.status_code == 422
    anonymous = await client.post(
        f"{URL}/{code}/documents", files={"file": ("a.pdf", pdf_bytes(), "application/pdf")}
    )
    assert anonymous.status_code == 401
