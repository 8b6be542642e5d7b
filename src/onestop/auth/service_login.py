"""Logging in (password and client-credentials grants), failed-login limits, and "who am I".

Failed attempts are rows in ``login_failure`` (per user name or client id, and per client address),
so the limit holds across workers. Every success and every refusal is audited; secrets never are.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from collections import defaultdict

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.audit import record
from onestop.auth.models import UNIT, ApiClient, LoginFailure, User
from onestop.auth.principal import Principal, rights_for_role
from onestop.auth.schemas import MeRead, TokenRead
from onestop.auth.service_common import credential_tag, forget_principal, verify_secret
from onestop.auth.tokens import issue_token
from onestop.core import clock
from onestop.core.errors import TooManyRequests, Unauthenticated
from onestop.core.settings import Settings

#: Now and then a failure also sweeps every subject's expired rows, so names and addresses that
#: never come back do not pile up.
PRUNE_ALL_ONE_IN = 32

BAD_USER_CREDENTIALS = "Sai tên đăng nhập hoặc mật khẩu (wrong username or password)"
BAD_CLIENT_CREDENTIALS = "Sai mã ứng dụng hoặc khóa bí mật (wrong client id or client secret)"


async def login_user(
    *, session: AsyncSession, settings: Settings, username: str, password: str, address: str
) -> TokenRead:
    """Password grant. Unknown user, wrong password and disabled account get the same 401."""
    subjects = [f"user:{username}"[:120], f"ip:{address}"[:120]]
    await _enforce_limit(session, settings, subjects, "user", username, address)
    row = (
        await session.execute(
            select(User, UNIT.c.code)
            .join(UNIT, UNIT.c.id == User.unit_id)
            .where(User.username == username)
        )
    ).first()
    user, unit_code = (row[0], row[1]) if row is not None else (None, None)
    ok, new_hash = await verify_secret(password, user.password_hash if user else None)
    if user is None or not ok or not user.is_active:
        reason = "unknown-user" if user is None else "wrong-password" if not ok else "disabled"
        await _refuse(session, settings, subjects, "user", username, address, reason)
        raise Unauthenticated(BAD_USER_CREDENTIALS, code="invalid-credentials")
    if new_hash:  # rehashed with new parameters: the cached principal's tag is stale
        user.password_hash = new_hash
        forget_principal(session, "user", user.id)
    await session.execute(delete(LoginFailure).where(LoginFailure.subject == subjects[0]))
    record(
        session,
        actor=f"user:{user.username}",
        action="login.success",
        object_type="user",
        object_id=user.username,
        detail={"grant": "password", "address": address},
    )
    await session.commit()
    rights = rights_for_role(user.role)
    return TokenRead(
        access_token=issue_token(
            f"user:{user.id}",
            secret=settings.secret_key,
            minutes=settings.access_token_minutes,
            extra={"cred": credential_tag(user.password_hash, user.token_version)},
        ),
        expires_in=settings.access_token_minutes * 60,
        scope=" ".join(sorted(rights)),
        kind="user",
        role=user.role,
        unit_code=unit_code,
    )


async def login_client(
    *, session: AsyncSession, settings: Settings, client_id: str, client_secret: str, address: str
) -> TokenRead:
    """Client-credentials grant for systems such as the online portal."""
    subjects = [f"client:{client_id}"[:120], f"ip:{address}"[:120]]
    await _enforce_limit(session, settings, subjects, "api_client", client_id, address)
    client = (
        await session.execute(select(ApiClient).where(ApiClient.client_id == client_id))
    ).scalar_one_or_none()
    ok, new_hash = await verify_secret(client_secret, client.secret_hash if client else None)
    if client is None or not ok or not client.is_active:
        reason = "unknown-client" if client is None else "wrong-secret" if not ok else "disabled"
        await _refuse(session, settings, subjects, "api_client", client_id, address, reason)
        raise Unauthenticated(BAD_CLIENT_CREDENTIALS, code="invalid-client")
    if new_hash:
        client.secret_hash = new_hash
        forget_principal(session, "client", client.id)
    await session.execute(delete(LoginFailure).where(LoginFailure.subject == subjects[0]))
    record(
        session,
        actor=f"client:{client.client_id}",
        action="login.success",
        object_type="api_client",
        object_id=client.client_id,
        detail={"grant": "client_credentials", "address": address},
    )
    await session.commit()
    return TokenRead(
        access_token=issue_token(
            f"client:{client.id}",
            secret=settings.secret_key,
            minutes=settings.access_token_minutes,
            extra={"cred": credential_tag(client.secret_hash, client.token_version)},
        ),
        expires_in=settings.access_token_minutes * 60,
        scope=" ".join(sorted(client.scopes)),
        kind="client",
        unit_codes=list(client.unit_codes),
    )


async def _enforce_limit(
    session: AsyncSession,
    settings: Settings,
    subjects: list[str],
    object_type: str,
    object_id: str,
    address: str,
) -> None:
    """429 when a subject already has ``login_max_failures`` failures inside the window."""
    now = clock.now()
    window = dt.timedelta(seconds=settings.login_window_seconds)
    rows = await session.execute(
        select(LoginFailure.subject, LoginFailure.at)
        .where(LoginFailure.subject.in_(subjects), LoginFailure.at > now - window)
        .order_by(LoginFailure.at)
    )
    seen: dict[str, list[dt.datetime]] = defaultdict(list)
    for subject, at in rows:
        seen[subject].append(at)
    retry_after = 0
    for times in seen.values():
        excess = len(times) - settings.login_max_failures
        if excess >= 0:
            # Allowed again once the failures that push it over the limit leave the window.
            free_at = times[excess] + window
            retry_after = max(retry_after, math.ceil((free_at - now).total_seconds()))
    if retry_after <= 0:
        return
    retry_after = max(retry_after, 1)
    await _refuse(
        session, settings, subjects, object_type, object_id, address, "rate-limited", count=False
    )
    raise TooManyRequests(
        f"Đăng nhập sai quá nhiều lần; hãy thử lại sau {retry_after} giây"
        f" (too many failed logins; try again in {retry_after} s)",
        code="too-many-login-failures",
        retry_after=retry_after,
    )


async def _refuse(
    session: AsyncSession,
    settings: Settings,
    subjects: list[str],
    object_type: str,
    object_id: str,
    address: str,
    reason: str,
    *,
    count: bool = True,
) -> None:
    """Record a refused login (and, unless it was already rate-limited, count it as a failure)."""
    await session.rollback()  # nothing of the attempt itself survives (e.g. a hash upgrade)
    now = clock.now()
    if count:
        horizon = now - dt.timedelta(seconds=settings.login_window_seconds)
        expired = LoginFailure.at <= horizon
        if secrets.randbelow(PRUNE_ALL_ONE_IN) != 0:
            expired &= LoginFailure.subject.in_(subjects)  # cheap: the (subject, at) index
        await session.execute(delete(LoginFailure).where(expired))
        session.add_all(LoginFailure(subject=s, at=now) for s in subjects)
    record(
        session,
        actor="anonymous",
        action="login.refused",
        object_type=object_type,
        object_id=object_id[:120],
        detail={"reason": reason, "address": address},
    )
    await session.commit()


async def logout(*, session: AsyncSession, principal: Principal) -> None:
    """End every token of the principal's account: its token version goes up, so the credential
    tag its tokens carry no longer matches (``auth.dependencies``). In this process the cached
    principal is dropped at once; another worker keeps its copy at most
    ``PRINCIPAL_TTL_SECONDS``. Every session of the account ends, not only this one: a token
    names its account, not a session, and one version per account needs no table of revoked
    tokens nor a look-up on every request."""
    model: type[User] | type[ApiClient] = User if principal.kind == "user" else ApiClient
    await session.execute(
        update(model).where(model.id == principal.id).values(token_version=model.token_version + 1)
    )
    record(
        session,
        actor=principal.actor,
        action="logout",
        object_type="user" if principal.kind == "user" else "api_client",
        object_id=principal.name,
    )
    await session.commit()
    forget_principal(session, principal.kind, principal.id)


async def describe(*, session: AsyncSession, principal: Principal) -> MeRead:
    if principal.kind == "client":
        return MeRead(
            kind="client",
            client_id=principal.name,
            full_name=principal.full_name,
            rights=sorted(principal.rights),
            scopes=sorted(principal.rights),
            unit_codes=list(principal.unit_codes),
        )
    row = (
        await session.execute(
            select(User.title, UNIT.c.name)
            .join(UNIT, UNIT.c.id == User.unit_id)
            .where(User.id == principal.id)
        )
    ).one()
    return MeRead(
        kind="user",
        username=principal.name,
        full_name=principal.full_name,
        title=row[0],
        role=principal.role,
        unit_code=principal.unit_code,
        unit_name=row[1],
        rights=sorted(principal.rights),
    )
