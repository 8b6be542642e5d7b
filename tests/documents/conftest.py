"""Fixtures of the document tests: the dossier tests' province and tokens, a document store in a
temporary directory with small limits, and files of each kind made on the spot."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import pytest
import tests.dossiers.conftest as dossier_fixtures
from PIL import Image
from pypdf import PdfWriter
from sqlalchemy import func, select
from tests.dossiers.conftest import Headers, act, create

from onestop.core.settings import Settings
from onestop.documents.models import DossierDocument
from onestop.dossiers.models import Dossier

world = dossier_fixtures.world  # the fixtures of the dossier tests
auth = dossier_fixtures.auth

URL = "/api/v1/dossiers"
#: The limits of the tests' app: small, so the refusals are cheap to provoke.
MAX_BYTES = 64 * 1024
MAX_PIXELS = 1_000_000
#: Below the document limit: the upload routes have a body limit of their own.
MAX_BODY = 16 * 1024


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        environment="test",
        secret_key="test-secret-key-for-onestop-tests-0123456789",
        log_json=True,
        db_pool_size=5,
        run_worker_in_app=False,
        storage_dir=str(tmp_path / "documents"),
        document_max_bytes=MAX_BYTES,
        max_body_bytes=MAX_BODY,
        document_max_pixels=MAX_PIXELS,
    )


def pdf_bytes(pages: int = 1, width: int = 200, marker: str = "") -> bytes:
    """A valid PDF; ``marker`` makes its content (and hash) differ."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width, 200)
    if marker:
        writer.add_metadata({"/Subject": marker})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes(width: int = 8, height: int = 8) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    code: str,
    data: bytes,
    *,
    filename: str = "scan.pdf",
    content_type: str = "application/pdf",
    **fields: Any,
) -> httpx.Response:
    form = {
        "component": "TP1",
        **{k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in fields.items()},
    }
    return await client.post(
        f"{URL}/{code}/documents",
        files={"file": (filename, data, content_type)},
        data=form,
        headers=headers,
    )


async def in_process(client: httpx.AsyncClient, auth: Headers, **over: Any) -> str:
    """A counter dossier handed to Sở Tư pháp (status 4, where it can be finished)."""
    code: str = (await create(client, auth("clerk"), **over))["code"]
    await act(client, auth("clerk"), code, "transfer")
    return code


def stored_files(settings: Settings) -> list[Path]:
    root = Path(settings.storage_dir)
    return sorted(p for p in root.glob("??/??/*") if p.is_file()) if root.is_dir() else []


async def document_rows(app: Any) -> int:
    async with app.state.sessionmaker() as s:
        return int(
            (await s.execute(select(func.count()).select_from(DossierDocument))).scalar_one()
        )


async def event_count(app: Any, code: str) -> int:
    async with app.state.sessionmaker() as s:
        return int(
            (await s.execute(select(Dossier.event_count).where(Dossier.code == code))).scalar_one()
        )
