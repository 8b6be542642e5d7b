"""Where the bytes of documents live, behind one small interface, addressed by their SHA-256.

A document's key is the hex SHA-256 of its content, so the same scan handed in twice (or reused
by a later dossier) is stored once and a key names the same bytes forever: nothing is ever
overwritten. Two backends: a local directory (the default; ``make run`` keeps it in
``./var/documents``) and S3-compatible object storage (``ONESTOP_S3_BUCKET`` set; MinIO, Ceph,
a cloud hosted in Vietnam…).

The database rows (``dossier_document``) are written after the object, in one transaction; an
object whose transaction failed stays behind unreferenced, and ``onestop documents sweep``
(``documents.sweep``) deletes such objects once they are older than an hour.

The backends are synchronous (file and socket I/O); async callers run them in a worker thread
(``asyncio.to_thread``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from onestop.core.settings import Settings

KEY_RE = re.compile(r"^[0-9a-f]{64}$")


def content_key(data: bytes) -> str:
    """The key of ``data``: its SHA-256, 64 lower-case hex digits."""
    return hashlib.sha256(data).hexdigest()


def check_key(key: str) -> str:
    """``key`` if it is a SHA-256 key (a key never names a path outside the store)."""
    if not KEY_RE.match(key):
        raise ValueError("not a SHA-256 key")
    return key


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    stored_at: dt.datetime


class DocumentStore(Protocol):
    """Content-addressed storage of documents."""

    def put(self, data: bytes) -> str:
        """Store ``data`` under its key (the same content is one object however often it is
        stored); the key."""

    def get(self, key: str) -> bytes:
        """The content under ``key``; ``KeyError`` when there is none."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the object (nothing when there is none)."""

    def objects(self) -> Iterator[StoredObject]:
        """Every object stored, with its size and when it was stored (for the sweeper)."""


class LocalStore:
    """Objects as files ``<root>/<aa>/<bb>/<key>``, written to a temporary file and renamed into
    place, so a reader never sees half an object."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes) -> str:
        key = content_key(data)
        path = self._path(key)
        if path.exists():
            os.utime(path)  # stored again: young again for the sweeper (``documents.sweep``)
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return key

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def objects(self) -> Iterator[StoredObject]:
        if not self.root.is_dir():
            return
        for path in self.root.glob("??/??/*"):
            if not KEY_RE.match(path.name):
                continue  # a temporary file being written
            st = path.stat()
            yield StoredObject(
                path.name, st.st_size, dt.datetime.fromtimestamp(st.st_mtime, dt.UTC)
            )


class S3Store:
    """Objects in one bucket of S3-compatible storage, under ``<prefix><key>``."""

    def __init__(self, client: Any, bucket: str, prefix: str = "documents/") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    @classmethod
    def connect(
        cls,
        *,
        endpoint_url: str | None,
        bucket: str,
        access_key: str,
        secret_key: str,
        region: str = "us-east-1",
    ) -> S3Store:
        import boto3

        client = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None,
            region_name=region,
        )
        return cls(client, bucket)

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, data: bytes) -> str:
        key = content_key(data)
        # Written even when present: the same bytes under the same name, and a fresh
        # LastModified keeps an object adopted again out of the sweeper's reach.
        self.client.put_object(
            Bucket=self.bucket,
            Key=self._name(key),
            Body=data,
            ChecksumSHA256=_b64_sha256(key),
        )
        return key

    def get(self, key: str) -> bytes:
        try:
            reply = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except self.client.exceptions.NoSuchKey:
            raise KeyError(key) from None
        body: bytes = reply["Body"].read()
        return body

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def objects(self) -> Iterator[StoredObject]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                key = str(item["Key"])[len(self.prefix) :]
                if KEY_RE.match(key):
                    yield StoredObject(key, int(item["Size"]), item["LastModified"])


def _b64_sha256(key: str) -> str:
    """The SHA-256 as S3 checks it on upload (base64 of the digest): a corrupted transfer is
    refused by the server."""
    import base64

    return base64.b64encode(bytes.fromhex(key)).decode()


def make_store(settings: Settings) -> DocumentStore:
    """S3-compatible storage when a bucket is configured, else the local directory."""
    if settings.s3_bucket:
        return S3Store.connect(
            endpoint_url=settings.s3_endpoint_url,
            bucket=settings.s3_bucket,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            region=settings.s3_region,
        )
    return LocalStore(settings.storage_dir)
