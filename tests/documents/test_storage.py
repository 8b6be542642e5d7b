"""The document stores: a local directory, and S3-compatible storage against a real S3 server
(moto in server mode on a free port, spoken to over HTTP by boto3). Content-addressed: the same
content is one object."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from onestop.core.settings import Settings
from onestop.documents.storage import DocumentStore, LocalStore, S3Store, make_store

BUCKET = "onestop-documents"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_store(s3_endpoint: str) -> S3Store:
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    for bucket in client.list_buckets().get("Buckets", []):
        if bucket["Name"] == BUCKET:
            for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
                client.delete_object(Bucket=BUCKET, Key=obj["Key"])
            break
    else:
        client.create_bucket(Bucket=BUCKET)
    return S3Store(client, BUCKET)


def _contract(store: DocumentStore) -> None:
    data = b"%PDF-1.7 one document"
    key = store.put(data)
    assert key == hashlib.sha256(data).hexdigest()
    assert store.put(data) == key  # the same content again: the same single object
    assert store.exists(key) and store.get(key) == data
    objects = list(store.objects())
    assert [(o.key, o.size) for o in objects] == [(key, len(data))]
    assert objects[0].stored_at.tzinfo is not None
    other = store.put(b"another")
    assert {o.key for o in store.objects()} == {key, other}
    store.delete(key)
    store.delete(key)  # deleting what is not there is no error
    assert not store.exists(key)
    with pytest.raises(KeyError):
        store.get(key)
    with pytest.raises(ValueError):
        store.get("../../etc/passwd")


def test_local_store(tmp_path: Path) -> None:
    _contract(LocalStore(tmp_path / "docs"))


def test_local_store_keeps_no_half_written_object(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    key = store.put(b"x" * 10_000)
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [key]


def test_s3_store_against_a_real_s3_server(s3_store: S3Store) -> None:
    _contract(s3_store)


def test_s3_store_refreshes_an_object_stored_again(s3_store: S3Store) -> None:
    key = s3_store.put(b"scan")
    first = next(iter(s3_store.objects())).stored_at
    assert s3_store.put(b"scan") == key
    assert next(iter(s3_store.objects())).stored_at >= first
    assert len(list(s3_store.objects())) == 1


def test_settings_choose_the_backend(tmp_path: Path, s3_endpoint: str) -> None:
    local = make_store(Settings(storage_dir=str(tmp_path)))
    assert isinstance(local, LocalStore) and local.root == tmp_path
    s3 = make_store(
        Settings(
            s3_endpoint_url=s3_endpoint,
            s3_bucket=BUCKET,
            s3_access_key="test",
            s3_secret_key="test",
        )
    )
    assert isinstance(s3, S3Store) and s3.bucket == BUCKET
