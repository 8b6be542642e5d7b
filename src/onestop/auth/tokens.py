"""Bearer tokens (JWT, HS256) for users and API clients. No HTTP here."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jwt

from onestop import clock
from onestop.errors import Unauthenticated

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


def read_token(token: str, *, secret: str) -> dict[str, Any]:
    """Decode and verify; expiry is checked against the injected clock."""
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
    if int(claims["exp"]) <= int(clock.now().timestamp()):
        raise Unauthenticated("Mã truy cập đã hết hạn (token expired)", code="token-expired")
    return claims
