"""Administrators' accounts page: the users of their subtree, a user created (unit, role), a
role or unit changed, an account locked or unlocked.

Everything goes through ``auth.service`` (the API's own functions): the unit scope, the rule that
no administrator locks or demotes themselves, the password and user-name rules, the audit record.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth import service as accounts
from onestop.auth.models import ROLES, User
from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.auth.service_common import MAX_PASSWORD, MIN_PASSWORD, check_ident, check_password
from onestop.catalog import service_units
from onestop.core.errors import DomainError
from onestop.core.paging import ROW_ID, decode_cursor, encode_cursor
from onestop.http.deps import SessionDep
from onestop.web import admin_forms
from onestop.web.admin_forms import ADMIN_PATH, ROLE_CHOICES, page
from onestop.web.session import SameOrigin, WebUser
from onestop.web.templating import ROLE_NAMES_VI, WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)

USERS = f"{ADMIN_PATH}/nguoi-dung"
PAGE_SIZE = 50
UsernamePath = Path(min_length=1, max_length=80)
CREATE_FIELDS = ("username", "full_name", "title", "password", "role", "unit_code")
UPDATE_FIELDS = ("full_name", "title", "role", "unit_code")
IDENT_WORDS = "chỉ gồm 3–80 chữ thường không dấu, chữ số, dấu '.', '_' hoặc '-'"
PASSWORD_WORDS = f"phải dài từ {MIN_PASSWORD} đến {MAX_PASSWORD} ký tự"
REFUSALS = {
    "duplicate-username": "username",
    "invalid-identifier": "username",
    "weak-password": "password",
    "unknown-role": "role",
    "unknown-unit": "unit_code",
    "self-lockout": "",
    "invalid-input": "",
}
WORDS = {
    "duplicate-username": "tên đăng nhập này đã có người dùng",
    "invalid-identifier": IDENT_WORDS,
    "weak-password": PASSWORD_WORDS,
}


async def _units(session: AsyncSession, user: Principal) -> list[tuple[Any, int]]:
    rows = await service_units.managed_tree(session, principal=user)
    return [(row.unit, depth) for row, depth in service_units.flatten(rows)]


async def _list_page(
    request: Request,
    session: AsyncSession,
    user: Principal,
    *,
    unit: str = "",
    role: str = "",
    cursor: str = "",
    values: dict[str, str] | None = None,
    field_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    after = decode_cursor(cursor or None, (ROW_ID,))
    users, more = await accounts.list_users(
        session=session,
        principal=user,
        unit_code=unit or None,
        role=role or None,
        after_id=int(after[0]) if after else None,
        limit=PAGE_SIZE,
    )
    names = await accounts.units_by_id(session, {u.unit_id for u in users})
    blank = {name: "" for name in CREATE_FIELDS}
    blank.update(role="clerk", unit_code=user.unit_code or "")
    context = {
        "users": users,
        "unit_names": {i: u.name for i, u in names.items()},
        "next_cursor": encode_cursor([users[-1].id]) if more and users else "",
        "cursor": cursor,
        "filters": {"unit": unit, "role": role},
        "units": await _units(session, user),
        "roles": ROLE_CHOICES,
        "role_names": ROLE_NAMES_VI,
        "values": {**blank, **(values or {})},
        "field_errors": field_errors or {},
        "password_hint": PASSWORD_WORDS,
    }
    return page(
        request, "admin_users.html", context, principal=user, tab="users", status_code=status_code
    )


@router.get(USERS)
async def users(
    request: Request,
    session: SessionDep,
    user: WebUser,
    don_vi: Annotated[str, Query(max_length=40)] = "",
    vai_tro: Annotated[str, Query(max_length=20)] = "",
    cursor: Annotated[str, Query(max_length=512)] = "",
) -> Response:
    user.require(Right.USER_WRITE)
    return await _list_page(request, session, user, unit=don_vi, role=vai_tro, cursor=cursor)


def _field_checks(values: dict[str, str]) -> dict[str, str]:
    """The one-field rules of the accounts service, all at once (before anything is written)."""
    problems = {
        "username": admin_forms.checked(lambda: check_ident(values["username"], ""), IDENT_WORDS),
        "password": admin_forms.checked(lambda: check_password(values["password"]), PASSWORD_WORDS),
        "full_name": "" if values["full_name"] else "chưa nhập",
        "role": "" if values["role"] in ROLES else "chọn một vai trò",
        "unit_code": "" if values["unit_code"] else "chọn một đơn vị",
    }
    return {name: text for name, text in problems.items() if text}


@router.post(USERS, dependencies=[SameOrigin])
async def create_user(request: Request, session: SessionDep, user: WebUser) -> Response:
    user.require(Right.USER_WRITE)
    values = admin_forms.fields(await request.form(), CREATE_FIELDS)
    errors = _field_checks(values)
    status = 422
    if not errors:
        try:
            created = await accounts.create_user(
                session=session,
                username=values["username"],
                password=values["password"],
                full_name=values["full_name"],
                role=values["role"],
                unit_code=values["unit_code"],
                title=values["title"] or None,
                principal=user,
            )
        except DomainError as exc:
            errors = await admin_forms.refused(session, exc, REFUSALS, WORDS)
            status = exc.status
        else:
            return RedirectResponse(
                f"{USERS}/{created.username}?xong=nguoi-dung-tao", status_code=303
            )
    values["password"] = ""  # never sent back to the browser
    return await _list_page(
        request, session, user, values=values, field_errors=errors, status_code=status
    )


async def _user_page(
    request: Request,
    session: AsyncSession,
    user: Principal,
    account: User,
    *,
    values: dict[str, str] | None = None,
    field_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    unit = (await accounts.units_by_id(session, [account.unit_id]))[account.unit_id]
    current = {
        "full_name": account.full_name,
        "title": account.title or "",
        "role": account.role,
        "unit_code": unit.code,
    }
    context = {
        "account": account,
        "unit": unit,
        "is_self": account.id == user.id,
        "units": await _units(session, user),
        "roles": ROLE_CHOICES,
        "role_names": ROLE_NAMES_VI,
        "values": {**current, **(values or {})},
        "field_errors": field_errors or {},
    }
    return page(
        request, "admin_user.html", context, principal=user, tab="users", status_code=status_code
    )


@router.get(USERS + "/{username}")
async def user_form(
    request: Request, session: SessionDep, user: WebUser, username: str = UsernamePath
) -> Response:
    account = await accounts.get_user(session=session, username=username, principal=user)
    return await _user_page(request, session, user, account)


@router.post(USERS + "/{username}", dependencies=[SameOrigin])
async def update_user(
    request: Request, session: SessionDep, user: WebUser, username: str = UsernamePath
) -> Response:
    values = admin_forms.fields(await request.form(), UPDATE_FIELDS)
    changes: dict[str, Any] = {
        "full_name": values["full_name"],
        "title": values["title"] or None,
        "role": values["role"],
        "unit_code": values["unit_code"],
    }
    errors = {"full_name": "chưa nhập"} if not values["full_name"] else {}
    status = 422
    if not errors:
        try:
            await accounts.update_user(
                session=session, username=username, changes=changes, principal=user
            )
        except DomainError as exc:
            errors = await admin_forms.refused(session, exc, REFUSALS)
            status = exc.status
        else:
            return RedirectResponse(f"{USERS}/{username}?xong=nguoi-dung-sua", status_code=303)
    account = await accounts.get_user(session=session, username=username, principal=user)
    return await _user_page(
        request, session, user, account, values=values, field_errors=errors, status_code=status
    )


async def _set_active(
    request: Request, session: AsyncSession, user: Principal, username: str, active: bool
) -> Response:
    try:
        await accounts.update_user(
            session=session, username=username, changes={"is_active": active}, principal=user
        )
    except DomainError as exc:
        errors = await admin_forms.refused(session, exc, REFUSALS)
        account = await accounts.get_user(session=session, username=username, principal=user)
        return await _user_page(
            request, session, user, account, field_errors=errors, status_code=exc.status
        )
    notice = "nguoi-dung-mo" if active else "nguoi-dung-khoa"
    return RedirectResponse(f"{USERS}/{username}?xong={notice}", status_code=303)


@router.post(USERS + "/{username}/khoa", dependencies=[SameOrigin])
async def lock_user(
    request: Request, session: SessionDep, user: WebUser, username: str = UsernamePath
) -> Response:
    return await _set_active(request, session, user, username, False)


@router.post(USERS + "/{username}/mo-khoa", dependencies=[SameOrigin])
async def unlock_user(
    request: Request, session: SessionDep, user: WebUser, username: str = UsernamePath
) -> Response:
    return await _set_active(request, session, user, username, True)
