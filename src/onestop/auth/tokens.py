"""Bearer tokens (JWT, HS256) for users and API clients. No HTTP here."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from typing import Any

import jwt

from onestop.core import clock
from onestop.core.errors import Unauthenticated

ALGORITHM = "HS256"
ISSUER = "onestop"


def issue_token(
    subject: str, *, secret: str, minutes: int, extra: dict[str, Any] | None = None
) -> str:
    now = clock.now()
    claims: dict[str, Any] = {
        "sub": subject,
        "iss": ISSUER,
        "iat": int(now.timestamp()),
        "exp": int((now + dt.timedelta(minutes=minutes)).timestamp()),
    }
    claims.update(extra or {})
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


#: Tokens whose signature was verified, by (secret, token): a client sends the same token with
#: every request, and checking an HS256 signature through PyJWT costs more than the rest of the
#: authentication. Expiry is still checked on every use.
_verified: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
VERIFIED_CACHE_SIZE = 4096


def read_token(token: str, *, secret: str) -> dict[str, Any]:
    """Decode and verify; expiry is checked against the injected clock."""
    key = (secret, token)
    claims = _verified.get(key)
    if claims is None:
        claims = _decode(token, secret)
        _verified[key] = claims
        if len(_verified) > VERIFIED_CACHE_SIZE:
            _verified.popitem(last=False)
    if int(claims["exp"]) <= int(clock.now().timestamp()):
        raise Unauthenticated("Mã truy cập đã hết hạn (token expired)", code="token-expired")
    return claims


def _decode(token: str, secret: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"verify_exp": False, "require": ["sub", "exp", "iss"]},
        )
    except jwt.PyJWTError as exc:
        raise Unauthenticated(
            "Mã truy cập không hợp lệ (invalid token)", code="invalid-token"
        ) from exc
    return claims
