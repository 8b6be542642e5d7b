"""Administrators' procedures page: the catalogue with a search, a procedure's dated versions
(effective date, time limit, internal steps with their budgets), and a new version.

A version is never edited: a change of time limit or steps is a new version from a date, so a
dossier keeps the rules in force when it was received. The new version starts from the latest
one (its papers and fees are carried over unchanged) and goes through
``catalog.service_procedures.add_version`` (the API's own function): its checks (the step budgets
within the legal time limit, one version per date, the competent units inside the
administrator's scope) are said next to the fields, and it audits the version.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog import service_procedures
from onestop.catalog.models import ProcedureVersion
from onestop.catalog.schemas import DocumentIn, FeeIn, VersionCreate
from onestop.core.errors import DomainError
from onestop.core.paging import TEXT, decode_cursor, encode_cursor
from onestop.http.deps import SessionDep
from onestop.web import admin_forms
from onestop.web.admin_forms import ADMIN_PATH, page
from onestop.web.formatting import STEP_KINDS_VI, VN_DATE_PROBLEM, number, parse_date
from onestop.web.session import SameOrigin, WebUser
from onestop.web.templating import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PROCEDURES = f"{ADMIN_PATH}/thu-tuc"
PAGE_SIZE = 50
CodePath = Path(min_length=1, max_length=40)
#: Empty step rows offered below the steps of the latest version.
BLANK_STEPS = 3
LIMIT_UNITS = (
    ("working_days", "ngày làm việc"),
    ("working_hours", "giờ làm việc"),
    ("calendar_days", "ngày (theo lịch)"),
    ("same_day", "trong ngày làm việc"),
)
BUDGET_UNITS = (("working_hours", "giờ làm việc"), ("working_days", "ngày làm việc"))
STEP_ROLES = tuple(
    (role, STEP_KINDS_VI[role]) for role in ("reception", "competent", "coordinating", "return")
)
POLICIES = (("pause", "Tạm dừng, tính tiếp khi đủ hồ sơ"), ("restart", "Tính lại từ đầu"))
VERSION_FIELDS = (
    "effective_from",
    "limit_amount",
    "limit_unit",
    "cutoff",
    "supplement_policy",
    "legal_basis",
)
#: Form field → the path of ``VersionCreate`` (the first match wins: the cut-off before the limit).
VERSION_PATHS = {
    "effective_from": "effective_from",
    "cutoff": "limit.cutoff",
    "limit_unit": "limit.unit",
    "limit_amount": "limit",
    "supplement_policy": "supplement_policy",
    "legal_basis": "legal_basis",
}
REFUSALS = {
    "step-budget-exceeds-limit": "budgets",
    "invalid-time-limit": "limit_amount",
    "duplicate-version": "effective_from",
    "unknown-unit": "",
}


@dataclass
class StepRow:
    """One row of the steps table as typed (strings)."""

    name: str = ""
    role: str = "competent"
    amount: str = ""
    unit: str = "working_hours"
    unit_code: str = ""

    @property
    def blank(self) -> bool:
        return not self.name and not self.amount


@router.get(PROCEDURES)
async def procedures(
    request: Request,
    session: SessionDep,
    user: WebUser,
    q: Annotated[str, Query(max_length=100)] = "",
    cursor: Annotated[str, Query(max_length=512)] = "",
) -> Response:
    user.require(Right.CATALOG_WRITE)
    after = decode_cursor(cursor or None, (TEXT,))
    rows, more = await service_procedures.list_procedures(
        session, q=q.strip() or None, after=str(after[0]) if after else None, limit=PAGE_SIZE
    )
    context = {
        "rows": rows,
        "q": q,
        "cursor": cursor,
        "next_cursor": encode_cursor([rows[-1].procedure.code]) if more and rows else "",
    }
    return page(request, "admin_procedures.html", context, principal=user, tab="procedures")


def _amount_text(value: Any) -> str:
    return number(value) if value is not None else ""


def _rows_of(version: ProcedureVersion | None, codes: dict[int, str]) -> list[StepRow]:
    steps = version.steps if version is not None else []
    rows = [
        StepRow(
            name=s.name,
            role=s.role,
            amount=_amount_text(s.budget_hours),
            unit_code=codes.get(s.unit_id, "") if s.unit_id else "",
        )
        for s in steps
    ]
    return rows + [StepRow() for _ in range(BLANK_STEPS)]


def _values_of(version: ProcedureVersion | None) -> dict[str, str]:
    if version is None:
        return {name: "" for name in VERSION_FIELDS} | {"limit_unit": "working_days"}
    return {
        "effective_from": "",
        "limit_amount": _amount_text(version.limit_amount),
        "limit_unit": version.limit_unit,
        "cutoff": f"{version.same_day_cutoff:%H:%M}" if version.same_day_cutoff else "",
        "supplement_policy": version.supplement_policy,
        "legal_basis": version.legal_basis or "",
    }


async def _procedure_page(
    request: Request,
    session: AsyncSession,
    user: Principal,
    code: str,
    *,
    values: dict[str, str] | None = None,
    steps: list[StepRow] | None = None,
    field_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = await service_procedures.procedure_view(session, code)
    latest = view.versions[-1] if view.versions else None
    context = {
        "view": view,
        "latest": latest,
        "values": values or _values_of(latest),
        "steps": steps or _rows_of(latest, view.step_unit_codes),
        "limit_units": LIMIT_UNITS,
        "budget_units": BUDGET_UNITS,
        "step_roles": STEP_ROLES,
        "policies": POLICIES,
        "policy_names": dict(POLICIES),
        "field_errors": field_errors or {},
    }
    return page(
        request,
        "admin_procedure.html",
        context,
        principal=user,
        tab="procedures",
        status_code=status_code,
    )


@router.get(PROCEDURES + "/{code}")
async def procedure(
    request: Request, session: SessionDep, user: WebUser, code: str = CodePath
) -> Response:
    user.require(Right.CATALOG_WRITE)
    return await _procedure_page(request, session, user, code)


def _step_rows(form: FormData) -> list[StepRow]:
    def column(name: str) -> list[str]:
        return [v.strip() if isinstance(v, str) else "" for v in form.getlist(name)]

    names, roles, amounts = column("step_name"), column("step_role"), column("step_amount")
    units, unit_codes = column("step_unit"), column("step_unit_code")
    count = max(len(names), len(amounts))

    def at(values: list[str], i: int, default: str = "") -> str:
        return values[i] if i < len(values) and values[i] else default

    return [
        StepRow(
            name=at(names, i),
            role=at(roles, i, "competent"),
            amount=at(amounts, i),
            unit=at(units, i, "working_hours"),
            unit_code=at(unit_codes, i),
        )
        for i in range(count)
    ]


def _decimal_text(text: str) -> str | None:
    """``0,5`` (Vietnamese decimal comma) or ``0.5`` → ``0.5``; empty → None."""
    return text.replace(",", ".") if text else None


def _version_body(
    values: dict[str, str], rows: list[StepRow], latest: ProcedureVersion | None, day: dt.date
) -> tuple[dict[str, Any], dict[str, str]]:
    """The ``VersionCreate`` body, and each model path of a step → its row's form key."""
    steps: list[dict[str, Any]] = []
    where: dict[str, str] = {}
    for row_no, row in enumerate(rows):
        if row.blank:
            continue
        i = len(steps)
        for part, key in (("name", "step_name"), ("role", "step_role"), ("budget", "step_amount")):
            where[f"{key}-{row_no}"] = f"steps.{i}.{part}"
        budget = {"unit": row.unit} | ({"amount": _decimal_text(row.amount)} if row.amount else {})
        step: dict[str, Any] = {"name": row.name, "role": row.role, "budget": budget}
        if row.unit_code:
            step["unit_code"] = row.unit_code
        steps.append(step)
    limit: dict[str, Any] = {"unit": values["limit_unit"]}
    if values["limit_amount"]:
        limit["amount"] = _decimal_text(values["limit_amount"])
    if values["cutoff"]:
        limit["cutoff"] = values["cutoff"]
    body: dict[str, Any] = {
        "effective_from": day.isoformat(),
        "limit": limit,
        "steps": steps,
        "supplement_policy": values["supplement_policy"] or "pause",
        "legal_basis": values["legal_basis"] or None,
    }
    if latest is not None:  # papers, fees and re-appointments carry over unchanged
        body["documents"] = [_known(d, DocumentIn.model_fields) for d in latest.documents or []]
        body["fees"] = [_known(f, FeeIn.model_fields) for f in latest.fees or []]
        body["max_reappointments"] = latest.max_reappointments
    return body, where


def _known(item: dict[str, Any], names: Any) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k in names and v is not None}


@router.post(PROCEDURES + "/{code}/phien-ban", dependencies=[SameOrigin])
async def add_version(
    request: Request, session: SessionDep, user: WebUser, code: str = CodePath
) -> Response:
    user.require(Right.CATALOG_WRITE)
    view = await service_procedures.procedure_view(session, code)
    latest = view.versions[-1] if view.versions else None
    form = await request.form()
    values = admin_forms.fields(form, VERSION_FIELDS)
    rows = _step_rows(form)
    day = parse_date(values["effective_from"])
    errors: dict[str, str] = {}
    if day is None:
        errors["effective_from"] = VN_DATE_PROBLEM if values["effective_from"] else "chưa nhập"
    body, where = _version_body(values, rows, latest, day or dt.date(2000, 1, 1))
    status = 422
    data: VersionCreate | None = None
    try:
        data = VersionCreate.model_validate(body)
    except ValidationError as exc:
        errors = admin_forms.invalid(exc, {**VERSION_PATHS, **where}) | errors
    if data is not None and not errors:
        try:
            await service_procedures.add_version(session, code=code, data=data, principal=user)
        except DomainError as exc:
            errors = await admin_forms.refused(session, exc, REFUSALS)
            status = exc.status
        else:
            return RedirectResponse(f"{PROCEDURES}/{code}?xong=phien-ban-tao", status_code=303)
    return await _procedure_page(
        request,
        session,
        user,
        code,
        values=values,
        steps=rows,
        field_errors=errors,
        status_code=status,
    )
