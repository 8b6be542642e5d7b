"""The lookup secret printed on a receipt (Form 01): with the dossier code, it lets a citizen look
the dossier up and rate it. Only a salted hash of it is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # noqa: S105 - no 0/O, 1/I/L
SECRET_LENGTH = 10


def derive_secret(server_key: str, nonce: str) -> str:
    """A lookup secret that can be produced again from a stored nonce and the server key (for an
    idempotent replay of the receipt) while the database alone never reveals it."""
    digest = hmac.new(server_key.encode(), f"lookup-secret:{nonce}".encode(), "sha256").digest()
    return "".join(SECRET_ALPHABET[b % len(SECRET_ALPHABET)] for b in digest[:SECRET_LENGTH])


def random_secret() -> str:
    """``SECRET_LENGTH`` characters drawn uniformly from ``SECRET_ALPHABET``, from one read of the
    system's random source (one ``secrets.choice`` per character costs a read each)."""
    n = len(SECRET_ALPHABET)
    accept = 256 - 256 % n  # bytes at or above this would favour the first letters
    chars: list[str] = []
    while len(chars) < SECRET_LENGTH:
        chars += [
            SECRET_ALPHABET[b % n] for b in secrets.token_bytes(2 * SECRET_LENGTH) if b < accept
        ]
    return "".join(chars[:SECRET_LENGTH])


def new_secret(secret: str | None = None) -> tuple[str, str]:
    """A lookup secret (random unless given) and the stored ``salt$sha256`` of it."""
    if secret is None:
        secret = random_secret()
    salt = secrets.token_hex(8)
    return secret, f"{salt}${hashlib.sha256((salt + secret).encode()).hexdigest()}"


_SEPARATORS = str.maketrans("", "", " \t\r\n-._\u00a0\u2013\u2014")


def compact(text: str) -> str:
    """A code or secret as a person may type it (any case, with the spaces or dashes it is printed
    with: ``k7q2-9xmd 3a``) in its stored form (``K7Q29XMD3A``)."""
    return text.translate(_SEPARATORS).upper()


def secret_matches(stored: str, secret: str) -> bool:
    """Whether ``secret`` (any case, spaces and dashes ignored) is the one hashed in ``stored``.
    A secret imported with its own separators still matches as typed."""
    salt, _, digest = stored.partition("$")
    typed = secret.strip().upper()
    found = False
    for text in {typed, compact(secret)}:
        candidate = hashlib.sha256((salt + text).encode()).hexdigest()
        found |= secrets.compare_digest(candidate, digest)
    return found
