"""Applicants' ID numbers, phones, e-mails and addresses are encrypted at rest (AES-GCM) on every
write path, read back in clear by those allowed to see them, found by ID number through a keyed
hash, re-encrypted by ``rotate-key``, and encrypted by the migration for rows written before."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
import tests.dossiers.conftest as dossier_fixtures
from cryptography.exceptions import InvalidTag
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from tests.conftest import _recreate_pg_database, pg_side_url
from tests.dossiers.conftest import Headers, intake_body, set_clock
from tests.factories import World, build_world

from onestop.app import create_app
from onestop.auth.tokens import issue_token
from onestop.core import crypto, migrate
from onestop.core.settings import Settings, get_settings
from onestop.dossiers import personal_data

world = dossier_fixtures.world
auth = dossier_fixtures.auth

URL = "/api/v1/dossiers"
APPLICANT = intake_body()["applicant"]
SECRET_FIELDS = {
    "applicant_id_number": APPLICANT["id_number"],
    "applicant_phone": APPLICANT["phone"],
    "applicant_email": APPLICANT["email"],
    "applicant_address": APPLICANT["address"],
}
RAW = text(
    "SELECT code, applicant_id_number, applicant_phone, applicant_email, applicant_address,"
    " applicant_id_hash FROM dossier ORDER BY id"
)


async def raw_rows(engine: Any) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        return [dict(r) for r in (await conn.execute(RAW)).mappings()]


def key_ids(rows: list[dict[str, Any]]) -> set[str | None]:
    ring = crypto.keyring()
    return {ring.key_of(str(r[name])) for r in rows for name in SECRET_FIELDS}


async def receive(client: httpx.AsyncClient, headers: dict[str, str], **over: Any) -> str:
    response = await client.post(URL, json=intake_body(**over), headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["code"])


async def test_every_intake_path_stores_ciphertext_and_reads_clear(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    set_clock("2026-03-02 09:00")
    fast = await receive(client, auth("clerk"))  # application/json: the fast path
    content = httpx.Request("POST", "/", json=intake_body()).content
    documented = await client.post(
        URL,
        content=content,
        headers={**auth("clerk"), "Content-Type": "application/vnd.onestop+json"},
    )
    assert documented.status_code == 201
    rows = await raw_rows(app.state.engine)
    assert [r["code"] for r in rows] == [fast, documented.json()["code"]]
    for row in rows:
        for name, clear in SECRET_FIELDS.items():
            stored = str(row[name])
            assert crypto.is_encrypted(stored), (name, stored)
            assert clear not in stored
        assert row["applicant_id_hash"] == crypto.search_hash(APPLICANT["id_number"])
    assert rows[0]["applicant_phone"] != rows[1]["applicant_phone"]  # a fresh nonce per value
    detail = await client.get(f"{URL}/{fast}", headers=auth("clerk"))
    assert detail.status_code == 200
    shown = detail.json()["applicant"]
    assert {k: shown[k] for k in ("id_number", "phone", "email", "address")} == {
        "id_number": APPLICANT["id_number"],
        "phone": APPLICANT["phone"],
        "email": APPLICANT["email"],
        "address": APPLICANT["address"],
    }


async def test_an_id_number_is_found_exactly(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    set_clock("2026-03-02 09:00")
    mine = await receive(client, auth("clerk"))
    other = await receive(
        client, auth("clerk"), applicant={**APPLICANT, "id_number": "079301000111"}
    )

    async def found(q: str) -> list[str]:
        response = await client.get(URL, params={"q": q}, headers=auth("clerk"))
        assert response.status_code == 200, response.text
        return [item["code"] for item in response.json()["items"]]

    assert await found(APPLICANT["id_number"]) == [mine]
    assert await found("079301000111") == [other]
    assert await found("079301000112") == []


def test_a_value_decrypts_only_in_its_own_column_and_under_a_known_key() -> None:
    ring = crypto.keyring_for(Settings(secret_key="k" * 40))
    stored = ring.encrypt("0912345678", "applicant_phone")
    assert ring.decrypt(stored, "applicant_phone") == "0912345678"
    with pytest.raises(InvalidTag):
        ring.decrypt(stored, "applicant_email")
    other = crypto.keyring_for(Settings(secret_key="o" * 40))
    with pytest.raises(InvalidTag):
        other.decrypt(stored, "applicant_phone")
    foreign = Settings(data_keys=f"zz:{crypto.new_key()}")
    with pytest.raises(crypto.DataKeyError, match="no data key"):
        crypto.keyring_for(foreign).decrypt(stored, "applicant_phone")
    assert ring.decrypt("written in clear", "applicant_phone") == "written in clear"
    for bad in ("nocolon", "k1:not*base64", f"k1:{crypto.new_key()[:20]}", "bad id!:AAAA"):
        with pytest.raises(crypto.DataKeyError):
            crypto.keyring_for(Settings(data_keys=bad))


async def test_rotate_key_moves_every_row_to_the_new_key(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any, settings: Settings
) -> None:
    old, new = crypto.new_key(), crypto.new_key()
    first = settings.model_copy(update={"data_keys": f"k1:{old}"})
    rotated = settings.model_copy(update={"data_keys": f"k2:{new},k1:{old}"})
    only_new = settings.model_copy(update={"data_keys": f"k2:{new}"})
    set_clock("2026-03-02 09:00")

    try:
        crypto.configure(first)
        code = await receive(client, auth("clerk"))
        async with app.state.engine.begin() as conn:  # a row loaded in clear by a bulk tool
            await conn.execute(
                text("UPDATE dossier SET applicant_email = 'clear@example.vn' WHERE code = :c"),
                {"c": code},
            )
        await receive(client, auth("clerk"))
        assert key_ids(await raw_rows(app.state.engine)) == {"k1", None}

        crypto.configure(rotated)
        async with app.state.sessionmaker() as session:
            assert await personal_data.reencrypt(session, batch=1) == 2
            assert await personal_data.reencrypt(session) == 0  # nothing left to do
        assert key_ids(await raw_rows(app.state.engine)) == {"k2"}

        crypto.configure(only_new)  # the old key can go
        detail = await client.get(f"{URL}/{code}", headers=auth("clerk"))
        assert detail.json()["applicant"]["email"] == "clear@example.vn"
        assert detail.json()["applicant"]["phone"] == APPLICANT["phone"]
    finally:
        crypto.configure(settings)


@pytest.fixture(params=["sqlite", "postgres"])
def migrated_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'personal.db'}"
    url = pg_side_url("personal_data")
    asyncio.run(_recreate_pg_database(url))
    return url


BEFORE_ENCRYPTION = "ef8083fdaf11"


def test_the_migration_encrypts_rows_written_before_it(
    migrated_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows are written at head, taken back to clear by the downgrade, and encrypted again by
    the upgrade, with the application's own key (the migration reads the same settings)."""
    own = Settings(
        database_url=migrated_db,
        environment="test",
        secret_key="migration-test-secret-key-0123456789abcdef",
        run_worker_in_app=False,
    )
    monkeypatch.setenv("ONESTOP_SECRET_KEY", own.secret_key)
    get_settings.cache_clear()

    async def scenario() -> None:
        app = create_app(own)
        w = await build_world(app)
        token = issue_token(f"user:{w.users['clerk'].id}", secret=own.secret_key, minutes=60)
        token_headers = {"Authorization": f"Bearer {token}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://onestop.test") as c:
            set_clock("2026-03-02 09:00")
            code = await receive(c, token_headers)
            engine = create_async_engine(migrated_db, poolclass=NullPool)
            await asyncio.to_thread(migrate.downgrade, migrated_db, BEFORE_ENCRYPTION)
            clear = (await raw_rows_without_hash(engine))[0]
            assert clear["applicant_phone"] == APPLICANT["phone"]
            await asyncio.to_thread(migrate.upgrade, migrated_db)
            row = (await raw_rows(engine))[0]
            assert crypto.is_encrypted(str(row["applicant_phone"]))
            assert row["applicant_id_hash"] == crypto.search_hash(APPLICANT["id_number"])
            await engine.dispose()
            detail = await c.get(f"{URL}/{code}", headers=token_headers)
            assert detail.json()["applicant"]["address"] == APPLICANT["address"]
        await app.state.engine.dispose()

    try:
        migrate.upgrade(migrated_db)
        asyncio.run(scenario())
    finally:
        get_settings.cache_clear()
        crypto.configure(Settings())


async def raw_rows_without_hash(engine: Any) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        found = await conn.execute(
            text("SELECT applicant_phone, applicant_address FROM dossier ORDER BY id")
        )
        return [dict(r) for r in found.mappings()]
