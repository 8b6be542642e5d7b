"""Re-use of an earlier document of the same applicant, electronic results and the citizen's
download with the receipt's secret, the S3 backend under the API, and the orphan sweeper."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.documents.conftest import (
    URL,
    document_rows,
    pdf_bytes,
    png_bytes,
    stored_files,
    upload,
)
from tests.documents.test_storage import s3_endpoint, s3_store
from tests.dossiers.conftest import Headers, act, create, intake_body
from tests.factories import World

from onestop.core import clock
from onestop.core.settings import Settings
from onestop.documents import service, sweep
from onestop.documents.storage import LocalStore, S3Store

__all__ = ["s3_endpoint", "s3_store"]  # fixtures of the storage tests, used here too


def _applicant(id_number: str) -> dict[str, Any]:
    applicant: dict[str, Any] = intake_body()["applicant"]
    return {**applicant, "id_number": id_number}


# -- re-use ----------------------------------------------------------------------------------------
async def test_reuse_offer_and_attach_by_hash(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any, settings: Settings
) -> None:
    clerk = auth("clerk")
    earlier = (await create(client, clerk))["code"]
    scan = pdf_bytes(marker="CCCD")
    doc = (await upload(client, clerk, earlier, scan, filename="cccd.pdf")).json()
    stranger = (await create(client, clerk, applicant=_applicant("079090001234")))["code"]
    await upload(client, clerk, stranger, pdf_bytes(marker="other"))
    now = (await create(client, clerk))["code"]  # the same applicant again

    offer = await client.get(f"{URL}/{now}/documents/reusable", headers=clerk)
    assert offer.status_code == 200, offer.text
    items = offer.json()["items"]
    assert [(i["component"], i["sha256"], i["filename"]) for i in items] == [
        ("TP1", doc["sha256"], "cccd.pdf")
    ]
    assert "dossier" not in str(items)  # no code of the earlier dossier in the offer
    none = await client.get(f"{URL}/{stranger}/documents/reusable", headers=clerk)
    assert none.json()["items"] == []  # another applicant: nothing of the first one's

    files_before = len(stored_files(settings))
    reused = await client.post(
        f"{URL}/{now}/documents/reuse",
        json={"component": "TP1", "sha256": doc["sha256"]},
        headers=clerk,
    )
    assert reused.status_code == 201, reused.text
    body = reused.json()
    assert (body["reused_from_dossier"], body["sha256"], body["size"]) == (
        earlier,
        doc["sha256"],
        len(scan),
    )
    assert len(stored_files(settings)) == files_before  # nothing uploaded again
    got = await client.get(body["download_path"], headers=clerk)
    assert got.content == scan
    # Offered no more once attached.
    again = await client.get(f"{URL}/{now}/documents/reusable", headers=clerk)
    assert again.json()["items"] == []


async def test_reuse_of_a_hash_the_applicant_never_handed_in(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    clerk = auth("clerk")
    stranger = (await create(client, clerk, applicant=_applicant("079090001234")))["code"]
    theirs = (await upload(client, clerk, stranger, pdf_bytes(marker="theirs"))).json()
    mine = (await create(client, clerk))["code"]
    rows = await document_rows(app)
    for body in (
        {"component": "TP1", "sha256": theirs["sha256"]},  # another applicant's document
        {"component": "TP1", "sha256": "0" * 64},
    ):
        resp = await client.post(f"{URL}/{mine}/documents/reuse", json=body, headers=clerk)
        assert resp.status_code == 422
        assert resp.json()["type"] == "/problems/unknown-reusable-document"
    bad = await client.post(
        f"{URL}/{mine}/documents/reuse", json={"component": "TP1", "sha256": "xyz"}, headers=clerk
    )
    assert bad.status_code == 422 and bad.json()["type"] == "/problems/invalid-input"
    assert await document_rows(app) == rows


# -- electronic results ----------------------------------------------------------------------------
async def test_citizen_downloads_the_result_with_the_secret(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    d = await create(client, auth("clerk"))
    code, secret = d["code"], d["lookup_secret"]
    await act(client, auth("clerk"), code, "transfer")
    result = pdf_bytes(marker="giay-chung-nhan")
    doc = await upload(
        client, auth("officer"), code, result, kind="result", name="Bản sao có chứng thực"
    )
    assert doc.status_code == 201, doc.text
    public = f"/api/v1/public/dossiers/{code}/results"
    # Not finished yet: nothing to download.
    assert (await client.get(public, params={"secret": secret})).json()["items"] == []
    early = await client.get(f"{public}/{doc.json()['id']}", params={"secret": secret})
    assert early.status_code == 404

    await act(client, auth("officer"), code, "finish")
    listed = await client.get(public, params={"secret": secret})
    assert listed.status_code == 200
    (item,) = listed.json()["items"]
    assert item["name"] == "Bản sao có chứng thực"
    got = await client.get(item["download_path"], params={"secret": secret})
    assert got.status_code == 200 and got.content == result
    assert got.headers["cache-control"] == "no-store"
    assert got.headers["content-disposition"].startswith("attachment;")

    wrong = await client.get(item["download_path"], params={"secret": "WRONG-SECRET"})
    assert wrong.status_code == 404
    assert wrong.json()["type"] == "/problems/dossier-lookup-failed"
    missing = await client.get(item["download_path"])
    assert missing.status_code == 422
    # A submitted component is never the citizen's download.
    submitted = await upload(client, auth("officer"), code, png_bytes(), kind="submitted")
    assert submitted.status_code == 409  # the dossier is closed
    unknown = await client.get(f"{public}/999999", params={"secret": secret})
    assert unknown.status_code == 404


# -- the S3 backend under the API ------------------------------------------------------------------
async def test_upload_and_download_through_s3(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any, s3_store: S3Store
) -> None:
    app.state.document_store = s3_store
    code = (await create(client, auth("clerk")))["code"]
    data = pdf_bytes(marker="s3")
    doc = (await upload(client, auth("clerk"), code, data)).json()
    assert s3_store.exists(doc["sha256"])
    assert (await client.get(doc["download_path"], headers=auth("clerk"))).content == data


# -- orphans ---------------------------------------------------------------------------------------
def _age(store: LocalStore, key: str, hours: float) -> None:
    path = store.root / key[:2] / key[2:4] / key
    when = (clock.now() - dt.timedelta(hours=hours)).timestamp()
    os.utime(path, (when, when))


async def test_a_failed_transaction_leaves_an_orphan_that_the_sweeper_deletes(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    app: Any,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code = (await create(client, auth("clerk")))["code"]
    kept = (await upload(client, auth("clerk"), code, pdf_bytes(marker="kept"))).json()

    def fail(*_: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(service, "append_event", fail)
    failed = await upload(client, auth("clerk"), code, pdf_bytes(marker="orphan"))
    assert failed.status_code == 500
    monkeypatch.undo()
    assert await document_rows(app) == 1 and len(stored_files(settings)) == 2

    store = LocalStore(settings.storage_dir)
    young_orphan = store.put(b"%PDF-1.7 just uploaded, row not yet written")
    orphan = next(
        k
        for k in (p.name for p in stored_files(settings))
        if k not in (kept["sha256"], young_orphan)
    )
    for key in (orphan, kept["sha256"]):
        _age(store, key, hours=2)

    async with app.state.sessionmaker() as session:
        dry = await sweep.sweep(session, store, now=clock.now(), dry_run=True)
        assert (dry.checked, dry.deleted) == (3, 1) and len(stored_files(settings)) == 3
        result = await sweep.sweep(session, store, now=clock.now())
    assert (result.checked, result.deleted) == (3, 1)
    assert {p.name for p in stored_files(settings)} == {kept["sha256"], young_orphan}
    got = await client.get(kept["download_path"], headers=auth("clerk"))
    assert got.status_code == 200


async def test_sweep_command(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any, settings: Settings
) -> None:
    code = (await create(client, auth("clerk")))["code"]
    kept = (await upload(client, auth("clerk"), code, png_bytes())).json()
    store = LocalStore(settings.storage_dir)
    orphan = store.put(b"%PDF-1.7 orphan")
    for key in (orphan, kept["sha256"]):
        path = Path(settings.storage_dir) / key[:2] / key[2:4] / key
        os.utime(path, (0, 0))  # 1970: older than any hour
    env = {
        **os.environ,
        "ONESTOP_DATABASE_URL": settings.database_url,
        "ONESTOP_STORAGE_DIR": settings.storage_dir,
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "onestop.cli", "documents", "sweep"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "deleted 1 unreferenced" in done.stdout
    assert [p.name for p in stored_files(settings)] == [kept["sha256"]]
