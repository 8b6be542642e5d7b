"""Accounts: users (with role and unit) managed by administrators inside their unit scope.

API clients live in ``service_clients``, logins in ``service_login``, the audit list in
``service_audit``; the functions the CLI needs are re-exported here. Every write audits itself in
the same transaction and commits once; a refused request writes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.audit import record
from onestop.auth.models import ROLES, UNIT, User
from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.auth.service_clients import create_api_client, list_api_clients, rotate_secret
from onestop.auth.service_common import (
    UnitRef,
    check_ident,
    check_password,
    forget_principal,
    hash_secret,
    unit_by_code,
    units_by_id,
)
from onestop.core import clock
from onestop.core.errors import Conflict, InvalidInput, NotFound, RuleViolation

__all__ = [
    "UnitRef",
    "create_api_client",
    "create_user",
    "get_user",
    "list_api_clients",
    "list_users",
    "rotate_secret",
    "units_by_id",
    "update_user",
]

USER_FIELDS = frozenset({"role", "unit_code", "full_name", "title", "is_active", "password"})


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidInput(
            f"Vai trò '{role}' không hợp lệ; chọn một trong {', '.join(ROLES)}"
            f" (unknown role '{role}')",
            code="unknown-role",
            roles=list(ROLES),
        )


def _check_name(value: str, what: str) -> str:
    value = value.strip()
    if not 1 <= len(value) <= 255:
        raise InvalidInput(
            f"{what} phải có từ 1 đến 255 ký tự ({what} must be 1–255 characters)",
            code="invalid-input",
        )
    return value


def _duplicate(username: str) -> Conflict:
    return Conflict(
        f"Tên đăng nhập {username} đã tồn tại (username {username} already exists)",
        code="duplicate-username",
        username=username,
    )


def _actor(principal: Principal | None, actor: str) -> str:
    if principal is not None:
        principal.require(Right.USER_WRITE)
        return principal.actor
    return actor


async def _find(session: AsyncSession, username: str) -> User | None:
    return (
        await session.execute(select(User).where(User.username == username))
    ).scalar_one_or_none()


async def create_user(
    *,
    session: AsyncSession,
    username: str,
    password: str,
    full_name: str,
    role: str,
    unit_code: str,
    title: str | None = None,
    actor: str = "system",
    principal: Principal | None = None,
    commit: bool = True,
) -> User:
    """Create an account. With ``principal`` (an administrator), the unit must be in their scope.
    With ``commit=False`` the caller's transaction goes on (``onestop init`` commits the root unit
    and its first administrator together)."""
    who = _actor(principal, actor)
    check_ident(username, "Tên đăng nhập (username)")
    check_password(password)
    _check_role(role)
    full_name = _check_name(full_name, "Họ tên (full name)")
    title = _check_name(title, "Chức danh (title)") if title is not None else None
    unit = await unit_by_code(session, unit_code)
    if principal is not None:
        principal.require_unit(unit.path, unit.code)
    if await _find(session, username) is not None:
        raise _duplicate(username)
    user = User(
        username=username,
        full_name=full_name,
        title=title,
        role=role,
        unit_id=unit.id,
        password_hash=await hash_secret(password),
        is_active=True,
        created_at=clock.now(),
    )
    session.add(user)
    record(
        session,
        actor=who,
        action="user.create",
        object_type="user",
        object_id=username,
        detail={"role": role, "unit_code": unit.code},
    )
    try:
        await (session.commit() if commit else session.flush())
    except IntegrityError as exc:  # a concurrent create of the same name
        await session.rollback()
        raise _duplicate(username) from exc
    return user


async def get_user(
    *, session: AsyncSession, username: str, principal: Principal | None = None
) -> User:
    """A user by name; an administrator may only look inside their unit scope."""
    user = await _find(session, username)
    if user is None:
        raise NotFound(
            f"Không có tài khoản {username} (unknown user {username})",
            code="unknown-user",
            username=username,
        )
    if principal is not None:
        principal.require(Right.USER_WRITE)
        unit = (await units_by_id(session, [user.unit_id]))[user.unit_id]
        principal.require_unit(unit.path, unit.code)
    return user


async def update_user(
    *,
    session: AsyncSession,
    username: str,
    changes: dict[str, Any],
    actor: str = "system",
    principal: Principal | None = None,
) -> User:
    """Change role, unit, full name, title, active flag or password (absent keys stay as they are).
    The user's current and new unit must both be inside the administrator's scope."""
    who = _actor(principal, actor)
    unknown = set(changes) - USER_FIELDS
    if unknown:
        raise InvalidInput(
            f"Không sửa được trường {', '.join(sorted(unknown))} (cannot change these fields)",
            code="invalid-input",
        )
    user = await get_user(session=session, username=username, principal=principal)
    detail: dict[str, Any] = {}
    if "role" in changes:
        _check_role(changes["role"])
        if changes["role"] != user.role:
            detail["role"] = changes["role"]
    if "unit_code" in changes:
        unit = await unit_by_code(session, changes["unit_code"])
        if principal is not None:
            principal.require_unit(unit.path, unit.code)
        if unit.id != user.unit_id:
            detail["unit_code"] = unit.code
            user.unit_id = unit.id
    if "full_name" in changes:
        full_name = _check_name(changes["full_name"], "Họ tên (full name)")
        if full_name != user.full_name:
            detail["full_name"] = user.full_name = full_name
    if "title" in changes:
        title = changes["title"]
        title = _check_name(title, "Chức danh (title)") if title is not None else None
        if title != user.title:
            detail["title"] = user.title = title
    if "is_active" in changes and bool(changes["is_active"]) != user.is_active:
        detail["is_active"] = bool(changes["is_active"])
    if "password" in changes:
        check_password(changes["password"])
        detail["password_changed"] = True  # never the password itself
    is_self = principal is not None and principal.kind == "user" and principal.id == user.id
    if is_self and (detail.get("is_active") is False or detail.get("role", "admin") != "admin"):
        raise RuleViolation(
            "Không thể tự khóa hoặc tự hạ quyền tài khoản của mình"
            " (you cannot disable or demote your own account)",
            code="self-lockout",
        )
    if not detail:
        return user  # nothing changes, nothing is written
    if "role" in detail:
        user.role = detail["role"]
    if "is_active" in detail:
        user.is_active = detail["is_active"]
    if "password" in changes:
        user.password_hash = await hash_secret(changes["password"])
    forget_principal(session, "user", user.id)
    record(
        session,
        actor=who,
        action="user.update",
        object_type="user",
        object_id=username,
        detail=detail,
    )
    await session.commit()
    return user


async def list_users(
    *,
    session: AsyncSession,
    principal: Principal,
    unit_code: str | None = None,
    role: str | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> tuple[list[User], bool]:
    """Users in the administrator's scope, by id; returns (page, whether more follow)."""
    principal.require(Right.USER_WRITE)
    query = select(User).join(UNIT, UNIT.c.id == User.unit_id).order_by(User.id).limit(limit + 1)
    if not principal.covers_whole_tree:
        path = principal.unit_path or "\x00"  # no unit: matches nothing
        if principal.sees_subtree():
            query = query.where(UNIT.c.path.startswith(path, autoescape=True))
        else:
            query = query.where(UNIT.c.path == path)
    if unit_code is not None:
        unit = await unit_by_code(session, unit_code)
        principal.require_unit(unit.path, unit.code)
        query = query.where(User.unit_id == unit.id)
    if role is not None:
        _check_role(role)
        query = query.where(User.role == role)
    if after_id is not None:
        query = query.where(User.id > after_id)
    users = list((await session.execute(query)).scalars())
    return users[:limit], len(users) > limit
