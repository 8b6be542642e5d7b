"""Personal data at rest: applicants' ID numbers, phone numbers, e-mail and address are stored
encrypted (AES-256-GCM), and an ID number can still be found exactly through a keyed hash.

* Keys: ``ONESTOP_DATA_KEYS`` is a comma-separated list of ``id:key`` pairs (the key 32 bytes,
  URL-safe base64); the first encrypts, every one decrypts. Without it a key is derived from the
  secret key (HKDF), which suits ``make run`` and tests; production sets its own. Rotation: put a
  new key first, keep the old ones, run ``onestop rotate-key`` (re-encrypts every row still under
  another key), then drop the old key.
* A value is stored as ``v1:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>``; the nonce is 96 random
  bits per value, and the column's name is the associated data, so a value moved to another column
  does not decrypt. A stored value without the prefix is read as it is (rows written before
  encryption, or by a bulk loader), and ``rotate-key`` encrypts it.
* Exact search by ID number: ``search_hash`` is HMAC-SHA256 under ``ONESTOP_SEARCH_KEY`` (derived
  from the secret key by default) of the number's digits; it does not change when data keys
  rotate. Names stay in clear: they are searched by parts (folded, ``dossiers.names``).

The keyring is process state, like the logging configuration: ``configure`` sets it from the
settings, and ``core.db.make_engine`` calls it, so every entry point that opens the database
encrypts with the keys of its own settings.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from onestop.core.settings import Settings

PREFIX = "v1"
NONCE_BYTES = 12
KEY_BYTES = 32


class DataKeyError(ValueError):
    """A key setting that cannot be used, or a value no configured key can decrypt."""


@dataclass(frozen=True)
class Keyring:
    current: str
    keys: dict[str, AESGCM]
    search_key: bytes

    def encrypt(self, plain: str, column: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self.keys[self.current].encrypt(nonce, plain.encode(), column.encode())
        token = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{PREFIX}:{self.current}:{token}"

    def decrypt(self, stored: str, column: str) -> str:
        if not is_encrypted(stored):
            return stored
        _, key_id, token = stored.split(":", 2)
        aead = self.keys.get(key_id)
        if aead is None:
            raise DataKeyError(f"no data key {key_id!r} is configured (ONESTOP_DATA_KEYS)")
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], column.encode()).decode()

    def id_hash(self, id_number: str | None) -> str | None:
        """The keyed hash an ID number is found by (its digits only); None without one."""
        digits = re.sub(r"\D", "", id_number or "")
        if not digits:
            return None
        return hmac.new(self.search_key, digits.encode(), hashlib.sha256).hexdigest()

    def key_of(self, stored: str) -> str | None:
        """The id of the key a stored value is encrypted under; None for a value in clear."""
        return stored.split(":", 2)[1] if is_encrypted(stored) else None


_ENCRYPTED = re.compile(r"^v1:[A-Za-z0-9_-]{1,16}:[A-Za-z0-9_-]+$")


def is_encrypted(stored: str) -> bool:
    return _ENCRYPTED.match(stored) is not None


def _derive(secret: str, purpose: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose)
    return hkdf.derive(secret.encode())


def _parse_keys(text: str) -> list[tuple[str, bytes]]:
    out = []
    for item in (part.strip() for part in text.split(",")):
        key_id, sep, encoded = item.partition(":")
        if not sep or not re.fullmatch(r"[A-Za-z0-9_-]{1,16}", key_id):
            raise DataKeyError(
                "ONESTOP_DATA_KEYS: each entry is id:base64key (id: 1-16 of A-Z a-z 0-9 _ -)"
            )
        try:
            key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except ValueError as exc:
            raise DataKeyError(f"ONESTOP_DATA_KEYS: key {key_id!r} is not base64") from exc
        if len(key) != KEY_BYTES:
            raise DataKeyError(f"ONESTOP_DATA_KEYS: key {key_id!r} must be {KEY_BYTES} bytes")
        out.append((key_id, key))
    return out


def keyring_for(settings: Settings) -> Keyring:
    pairs = (
        _parse_keys(settings.data_keys)
        if settings.data_keys
        else [("d0", _derive(settings.secret_key, b"onestop data key"))]
    )
    search = settings.search_key or settings.secret_key
    return Keyring(
        current=pairs[0][0],
        keys={key_id: AESGCM(key) for key_id, key in pairs},
        search_key=_derive(search, b"onestop search key"),
    )


def new_key() -> str:
    """A fresh data key, as ``ONESTOP_DATA_KEYS`` takes it (without the id)."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode().rstrip("=")


_keyring: Keyring | None = None


def configure(settings: Settings) -> Keyring:
    global _keyring
    _keyring = keyring_for(settings)
    return _keyring


def keyring() -> Keyring:
    if _keyring is None:
        raise RuntimeError("the data keyring is not configured (core.crypto.configure)")
    return _keyring


def search_hash(id_number: str | None) -> str | None:
    """``Keyring.id_hash`` under the configured keyring."""
    return keyring().id_hash(id_number)
