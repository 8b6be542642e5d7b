"""What the administrator pages ("Quản trị") share: the tabs a user may open, the posted strings,
and the refusals of the services said in Vietnamese next to the field they concern.

The pages check input with the API's own request models and write through the very service
functions of the API, which hold the rules, the unit scope and the audit record; a refusal that
concerns no field of the form (above all a unit outside the administrator's scope, 403) is left
to the error page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.core.errors import DomainError, Forbidden, InvalidInput
from onestop.web import validation
from onestop.web.formatting import split_message
from onestop.web.templating import ADMIN_RIGHTS, render

ADMIN_PATH = "/web/quan-tri"
#: (key, label, address, the right that opens it)
TABS = (
    ("units", "Đơn vị", f"{ADMIN_PATH}/don-vi", Right.CATALOG_WRITE),
    ("users", "Người dùng", f"{ADMIN_PATH}/nguoi-dung", Right.USER_WRITE),
    ("clients", "Ứng dụng kết nối", f"{ADMIN_PATH}/ung-dung", Right.USER_WRITE),
    ("calendar", "Lịch làm việc", f"{ADMIN_PATH}/lich", Right.CALENDAR_WRITE),
    ("procedures", "Thủ tục", f"{ADMIN_PATH}/thu-tuc", Right.CATALOG_WRITE),
    ("sync", "Đồng bộ lỗi", f"{ADMIN_PATH}/dong-bo", Right.INTEGRATION_MANAGE),
)

#: What a page says after the change it was redirected from (``?xong=<key>``): fixed words.
NOTICES = {
    "don-vi-tao": "Đã tạo đơn vị.",
    "don-vi-sua": "Đã lưu thay đổi của đơn vị.",
    "nguoi-dung-tao": "Đã tạo tài khoản.",
    "nguoi-dung-sua": "Đã lưu thay đổi của tài khoản.",
    "nguoi-dung-khoa": "Đã khóa tài khoản: người dùng không đăng nhập được nữa.",
    "nguoi-dung-mo": "Đã mở khóa tài khoản.",
    "ung-dung-khoa": "Đã ngừng ứng dụng: mã truy cập của ứng dụng hết hiệu lực ngay.",
    "lich-xac-nhan": "Đã xác nhận ngày nghỉ; các hạn tính từ nay dùng ngày này.",
    "lich-khong-nghi": "Đã ghi nhận: ngày này vẫn là ngày làm việc.",
    "phien-ban-tao": "Đã tạo phiên bản mới của thủ tục.",
    "gui-lai": "Đã đưa thông điệp vào hàng đợi: hệ thống gửi lại ngay trong lượt tới.",
}

ROLE_CHOICES = (
    ("clerk", "Công chức tiếp nhận"),
    ("officer", "Chuyên viên"),
    ("leader", "Lãnh đạo"),
    ("manager", "Quản lý"),
    ("admin", "Quản trị"),
)


def tabs_for(principal: Principal) -> list[tuple[str, str, str]]:
    return [(key, label, href) for key, label, href, right in TABS if principal.can(right)]


def require_admin(principal: Principal) -> None:
    """403 (in words: the administration rights) unless the user holds one of them."""
    if not any(principal.can(right) for right in ADMIN_RIGHTS):
        principal.require(Right.USER_WRITE)


def field(form: FormData, name: str) -> str:
    raw = form.get(name)
    return raw.strip() if isinstance(raw, str) else ""


def fields(form: FormData, names: tuple[str, ...]) -> dict[str, str]:
    return {name: field(form, name) for name in names}


def filled(values: Mapping[str, str]) -> dict[str, Any]:
    """The fields typed in (an empty optional field is not sent)."""
    return {name: value for name, value in values.items() if value}


def invalid(exc: ValidationError, paths: Mapping[str, str]) -> dict[str, str]:
    """Form field → its Vietnamese problem. ``paths`` maps a form field to the dotted path of the
    request model (positions kept: ``steps.0.name``); a problem of no listed field goes under
    ``""``, the form's general message."""
    out: dict[str, str] = {}
    for path, problem in validation.indexed_messages(exc).items():
        name = next(
            (f for f, p in paths.items() if path == p or path.startswith(p + ".")),
            "",
        )
        out.setdefault(name, problem)
    return out


async def refused(
    session: AsyncSession,
    exc: DomainError,
    codes: Mapping[str, str],
    words: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """A service's refusal under the form field it concerns (``codes``: error code → field; its
    Vietnamese words, or ``words[code]`` when the page says it shorter next to the field), the
    transaction rolled back so the page shows what is stored. A refusal of no listed code (a
    unit outside the scope, an unknown address) is raised again: the Vietnamese error page."""
    if isinstance(exc, Forbidden) or exc.code not in codes:
        raise exc
    await session.rollback()
    text = (words or {}).get(exc.code) or split_message(exc.detail)[0]
    return {codes[exc.code]: text}


def checked(check: Callable[[], object], words: str) -> str:
    """``words`` when a service's check of one field refuses it (InvalidInput), else ``""``:
    every field is checked before anything is written, so the form shows all its problems."""
    try:
        check()
    except InvalidInput:
        return words
    return ""


def page(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    principal: Principal,
    tab: str,
    status_code: int = 200,
) -> HTMLResponse:
    """An administrator page: the tabs, the notice of ``?xong=``, the field errors' marks."""
    errors: dict[str, str] = context.get("field_errors") or {}
    ctx: dict[str, Any] = {
        "tabs": tabs_for(principal),
        "tab": tab,
        "notice": NOTICES.get(request.query_params.get("xong", ""), ""),
        "field_errors": errors,
        "error_fields": {name for name in errors if name},
        "focus": next((name for name in errors if name), ""),
    }
    ctx.update(context)
    return render(
        request, template, ctx, principal=principal, status_code=status_code, active="admin"
    )
