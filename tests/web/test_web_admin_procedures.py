"""The administrators' procedures page: the catalogue searched, a procedure's dated versions, a
new version (dates typed dd/mm/yyyy) with the API's checks said next to the fields — step
budgets within the legal time limit above all — and the unit scope of a commune administrator."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from tests.web.admin_fixtures import audit_rows, commune_admin, refused
from tests.web.conftest import ORIGIN, auth, visible_text, web_login, world

from onestop.catalog.models import Procedure, ProcedureVersion

__all__ = ["auth", "commune_admin", "world"]

PROCEDURES = "/web/quan-tri/thu-tuc"
CERTIFY = "2.000908"  # 1 working day, steps 2 + 3 + 2 + 1 hours; Sở Tư pháp and xã An Bình
NEW_VERSION = f"{PROCEDURES}/{CERTIFY}/phien-ban"


def version_form(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "effective_from": "01/07/2026",
        "limit_amount": "2",
        "limit_unit": "working_days",
        "cutoff": "",
        "supplement_policy": "pause",
        "legal_basis": "Quyết định 123/QĐ-UBND",
        "step_name": ["Tiếp nhận", "Thẩm định", "Ký duyệt", ""],
        "step_role": ["reception", "competent", "competent", "competent"],
        "step_amount": ["4", "1,25", "2", ""],
        "step_unit": ["working_hours", "working_days", "working_hours", "working_hours"],
        "step_unit_code": ["", "", "", ""],
    }
    data.update(over)
    return data


async def versions(app: Any, code: str = CERTIFY) -> list[ProcedureVersion]:
    async with app.state.sessionmaker() as s:
        rows = await s.execute(
            select(ProcedureVersion)
            .join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
            .where(Procedure.code == code)
            .order_by(ProcedureVersion.effective_from)
            .options(selectinload(ProcedureVersion.steps))
        )
        return list(rows.scalars())


async def test_the_catalogue_is_listed_and_searched(client: httpx.AsyncClient, world: Any) -> None:
    await web_login(client, "admin")
    page = await client.get(PROCEDURES)
    assert page.status_code == 200
    text = visible_text(page.text)
    assert CERTIFY in text and "1.005129" in text
    assert "1 ngày làm việc từ 01/07/2025" in text
    found = visible_text((await client.get(PROCEDURES, params={"q": "xây dựng"})).text)
    assert "1.005129" in found and CERTIFY not in found


async def test_a_procedure_shows_its_versions_and_a_prefilled_form(
    client: httpx.AsyncClient, world: Any
) -> None:
    await web_login(client, "admin")
    page = await client.get(f"{PROCEDURES}/{CERTIFY}")
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "01/07/2025 Đang áp dụng" in text
    assert "2. Thẩm định — 3 giờ" in text
    assert 'placeholder="dd/mm/yyyy"' in page.text and 'type="date"' not in page.text
    assert 'value="Thẩm định"' in page.text  # the steps of the latest version, ready to change


async def test_a_new_version_is_created_audited_and_listed(
    app: Any, client: httpx.AsyncClient, world: Any
) -> None:
    await web_login(client, "admin")
    resp = await client.post(NEW_VERSION, data=version_form(), headers=ORIGIN)
    assert resp.status_code == 303, visible_text(resp.text)
    old, new = await versions(app)
    assert new.effective_from == dt.date(2026, 7, 1)
    assert (new.limit_amount, new.limit_unit) == (Decimal(2), "working_days")
    assert [(s.name, s.budget_hours) for s in new.steps] == [
        ("Tiếp nhận", Decimal(4)),
        ("Thẩm định", Decimal(10)),
        ("Ký duyệt", Decimal(2)),
    ]
    assert new.documents == old.documents and new.fees == old.fees  # carried over
    page = await client.get(resp.headers["location"])
    text = visible_text(page.text)
    assert "Đã tạo phiên bản mới của thủ tục." in text and "01/07/2026" in text
    [entry] = await audit_rows(app, "procedure.version.create")
    assert entry.actor == "user:admin" and entry.detail["effective_from"] == "2026-07-01"


@pytest.mark.parametrize(
    ("over", "field", "words"),
    [
        (
            {"limit_amount": "1", "step_amount": ["4", "1", "4", ""]},
            "budgets",
            "Tổng thời gian các bước 16 giờ làm việc vượt thời hạn giải quyết 8 giờ làm việc",
        ),
        ({"effective_from": "2026-07-01"}, "effective_from", "cần dạng ngày/tháng/năm"),
        ({"effective_from": "31/02/2026"}, "effective_from", "cần dạng ngày/tháng/năm"),
        ({"effective_from": ""}, "effective_from", "chưa nhập"),
        (
            {"effective_from": "01/07/2025"},
            "effective_from",
            "đã có phiên bản hiệu lực từ 01/07/2025",
        ),
        ({"limit_amount": "0"}, "limit_amount", "Thời hạn phải lớn hơn 0"),
        ({"limit_amount": "hai"}, "limit_amount", "phải là số"),
        ({"step_amount": ["4", "", "4", ""]}, "step_amount-1", "chưa nhập"),
        ({"step_amount": ["4", "một", "4", ""]}, "step_amount-1", "phải là số"),
        ({"step_name": ["Tiếp nhận", "", "Ký duyệt", ""]}, "step_name-1", "chưa nhập"),
        ({"step_amount": ["4", "0", "4", ""]}, "step_amount-1", "nằm ngoài giới hạn"),
        ({"cutoff": "15:00"}, "limit_amount", "Giờ chốt chỉ dùng cho thủ tục trong ngày"),
        ({"limit_unit": "same_day", "cutoff": "25:00"}, "cutoff", "không hợp lệ"),
    ],
)
async def test_a_refused_version_is_said_next_to_its_field_and_nothing_is_written(
    app: Any,
    client: httpx.AsyncClient,
    world: Any,
    over: dict[str, Any],
    field: str,
    words: str,
) -> None:
    await web_login(client, "admin")
    await refused(client, NEW_VERSION, version_form(**over), field, words)
    assert len(await versions(app)) == 1
    assert await audit_rows(app, "procedure.version.create") == []


async def test_the_typed_values_stay_after_a_refusal(client: httpx.AsyncClient, world: Any) -> None:
    await web_login(client, "admin")
    resp = await client.post(
        NEW_VERSION, data=version_form(limit_amount="1", legal_basis="QĐ 9/2026"), headers=ORIGIN
    )
    assert resp.status_code == 422
    assert 'value="01/07/2026"' in resp.text and "QĐ 9/2026" in resp.text
    assert 'value="1,25"' in resp.text


@pytest.mark.parametrize("code", [CERTIFY, "1.005129"])
async def test_a_procedure_of_units_outside_the_subtree_gets_the_vietnamese_403_page(
    app: Any, client: httpx.AsyncClient, commune_admin: str, code: str
) -> None:
    await web_login(client, commune_admin)
    resp = await client.post(f"{PROCEDURES}/{code}/phien-ban", data=version_form(), headers=ORIGIN)
    assert resp.status_code == 403
    text = visible_text(resp.text)
    assert "Không có quyền" in text and "nằm ngoài phạm vi của tài khoản admin_a" in text
    assert len(await versions(app, code)) == 1
    assert await audit_rows(app, "procedure.version.create") == []
