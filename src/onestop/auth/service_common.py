"""Pieces shared by the auth services: secret hashing and unit look-ups. No HTTP here."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.exceptions import PwdlibError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.models import UNIT, ApiClient, User
from onestop.auth.principal import Principal, rights_for_role
from onestop.core.db import PerEngine
from onestop.core.errors import InvalidInput, NotFound, Unauthenticated
from onestop.core.singleflight import SingleFlight

#: Argon2id with pwdlib's recommended parameters, for passwords and client secrets alike.
_hasher = PasswordHash.recommended()

#: User names and client ids: lower-case letters, digits, ``.``, ``_`` and ``-``.
IDENT_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,79}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 256


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash of nothing anyone knows; verifying against it costs what a real check costs."""
    return _hasher.hash(secrets.token_urlsafe(24))


async def hash_secret(secret: str) -> str:
    # Argon2 is deliberately slow (~0.1 s): keep it off the event loop.
    return await asyncio.to_thread(_hasher.hash, secret)


async def verify_secret(secret: str, hashed: str | None) -> tuple[bool, str | None]:
    """Check ``secret`` against ``hashed`` (or a dummy hash when there is no account, so an unknown
    name takes as long as a wrong password). Returns (ok, new hash if the parameters changed)."""
    target = hashed or _dummy_hash()
    try:
        ok, updated = await asyncio.to_thread(_hasher.verify_and_update, secret, target)
    except PwdlibError:  # a stored hash pwdlib cannot read never verifies
        return False, None
    if hashed is None:
        return False, None
    return ok, updated


def check_ident(value: str, what: str) -> None:
    if not IDENT_RE.fullmatch(value):
        raise InvalidInput(
            f"{what} chỉ gồm 3–80 chữ thường, số, '.', '_' hoặc '-'"
            f" ({what} must be 3–80 lower-case letters, digits, '.', '_' or '-')",
            code="invalid-identifier",
        )


def check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(
            f"Mật khẩu phải dài từ {MIN_PASSWORD} đến {MAX_PASSWORD} ký tự"
            f" (the password must be {MIN_PASSWORD}–{MAX_PASSWORD} characters long)",
            code="weak-password",
        )


@dataclass(frozen=True)
class UnitRef:
    id: int
    code: str
    name: str
    path: str


async def unit_by_code(session: AsyncSession, code: str) -> UnitRef:
    row = (
        await session.execute(
            select(UNIT.c.id, UNIT.c.code, UNIT.c.name, UNIT.c.path).where(UNIT.c.code == code)
        )
    ).first()
    if row is None:
        raise NotFound(
            f"Không có đơn vị mã {code} (unknown unit {code})", code="unknown-unit", unit=code
        )
    return UnitRef(id=row[0], code=row[1], name=row[2], path=row[3])


async def units_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, UnitRef]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = await session.execute(
        select(UNIT.c.id, UNIT.c.code, UNIT.c.name, UNIT.c.path).where(UNIT.c.id.in_(wanted))
    )
    return {r[0]: UnitRef(id=r[0], code=r[1], name=r[2], path=r[3]) for r in rows}


def credential_tag(hashed: str, version: int = 0) -> str:
    """A short tag of a stored password (client secret) hash and of the account's token version,
    carried in the tokens issued against them (claim ``cred``): a new password gives a new hash,
    a logout a new version, and either a new tag, which ends the tokens issued before. The hash
    itself never leaves the database; the tag is a digest of it under a fixed label (version 0,
    an account never logged out of, keeps the tag of a bare hash)."""
    material = hashed if version == 0 else f"{hashed}:{version}"
    return hashlib.sha256(b"onestop-credential:" + material.encode()).hexdigest()[:16]


#: How long a looked-up principal is reused. Every authenticated request needs it, and reading it
#: costs a query (and, first in a request, the connection's round trips); a change to an account
#: (role, unit, active flag, password, a logout) is applied at once in the process that made it
#: and within this many seconds in the other workers.
PRINCIPAL_TTL_SECONDS = 5.0
PrincipalKey = tuple[str, int]
_principals: PerEngine[dict[PrincipalKey, tuple[float, Principal]]] = PerEngine(dict)
_principal_loads: PerEngine[SingleFlight[Principal]] = PerEngine(SingleFlight)
#: How many times each account was forgotten in this process: a load begun before a change is
#: neither joined by the requests that come after it nor kept in the cache.
_generations: PerEngine[dict[PrincipalKey, int]] = PerEngine(dict)
_monotonic = time.monotonic  # a seam for tests


def forget_principal(session: AsyncSession, kind: str, ident: int) -> None:
    """Drop a cached principal after its account changed (call it once the change committed)."""
    _principals.get(session).pop((kind, ident), None)
    generations = _generations.get(session)
    generations[(kind, ident)] = generations.get((kind, ident), 0) + 1


async def principal_for(session: AsyncSession, kind: str, ident: int) -> Principal:
    """The principal behind a token subject (``user:<id>`` / ``client:<id>``), checked active;
    reused for ``PRINCIPAL_TTL_SECONDS``."""
    cache = _principals.get(session)
    now = _monotonic()
    hit = cache.get((kind, ident))
    if hit is not None and now < hit[0]:
        return hit[1]
    generations = _generations.get(session)
    generation = generations.get((kind, ident), 0)
    principal = await _principal_loads.get(session).load(
        (kind, ident, generation), lambda: _load_principal(session, kind, ident)
    )
    if generations.get((kind, ident), 0) == generation:
        if len(cache) > 10_000:
            cache.clear()
        cache[(kind, ident)] = (now + PRINCIPAL_TTL_SECONDS, principal)
    return principal


async def _load_principal(session: AsyncSession, kind: str, ident: int) -> Principal:
    if kind == "user":
        row = (
            await session.execute(
                select(User, UNIT.c.code, UNIT.c.path)
                .join(UNIT, UNIT.c.id == User.unit_id)
                .where(User.id == ident)
            )
        ).first()
        if row is None or not row[0].is_active:
            raise Unauthenticated(
                "Tài khoản không còn hiệu lực (account disabled)", code="invalid-token"
            )
        user, unit_code, unit_path = row
        return Principal(
            kind="user",
            id=user.id,
            name=user.username,
            full_name=user.full_name,
            role=user.role,
            unit_id=user.unit_id,
            unit_code=unit_code,
            unit_path=unit_path,
            rights=rights_for_role(user.role),
            credential=credential_tag(user.password_hash, user.token_version),
        )
    if kind == "client":
        client = await session.get(ApiClient, ident)
        if client is None or not client.is_active:
            raise Unauthenticated(
                "Ứng dụng không còn hiệu lực (client disabled)", code="invalid-token"
            )
        return Principal(
            kind="client",
            id=client.id,
            name=client.client_id,
            full_name=client.name,
            rights=frozenset(client.scopes),
            unit_codes=tuple(client.unit_codes),
            credential=credential_tag(client.secret_hash, client.token_version),
        )
    raise Unauthenticated("Mã truy cập không hợp lệ (invalid token)", code="invalid-token")
