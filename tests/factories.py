"""Small, deterministic test data inserted straight through the ORM, and login helpers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
from pwdlib import PasswordHash
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.models import ApiClient, User
from onestop.catalog.models import Procedure, ProcedureStep, ProcedureUnit, ProcedureVersion, Unit
from onestop.core import clock

PASSWORD = "onestop-test-pw"
CLIENT_SECRET = "portal-test-secret-0123456789"
_hasher = PasswordHash.recommended()
_HASHED_PASSWORD = _hasher.hash(PASSWORD)
_HASHED_SECRET = _hasher.hash(CLIENT_SECRET)


@dataclass
class World:
    units: dict[str, Unit] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    procedures: dict[str, Procedure] = field(default_factory=dict)
    client: ApiClient | None = None


async def add_unit(
    session: AsyncSession, code: str, name: str, level: str, parent: Unit | None = None, **kw: Any
) -> Unit:
    unit = Unit(
        code=code,
        name=name,
        level=level,
        parent_id=parent.id if parent else None,
        path="",
        province=kw.pop("province", "H99"),
        created_at=clock.now(),
        **kw,
    )
    session.add(unit)
    await session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    return unit


async def add_user(
    session: AsyncSession, username: str, role: str, unit: Unit, full_name: str | None = None
) -> User:
    user = User(
        username=username,
        full_name=full_name or f"Cán bộ {username}",
        title={"leader": "Phó Giám đốc"}.get(role, "Chuyên viên"),
        role=role,
        unit_id=unit.id,
        password_hash=_HASHED_PASSWORD,
        created_at=clock.now(),
    )
    session.add(user)
    await session.flush()
    return user


async def add_procedure(
    session: AsyncSession,
    code: str,
    name: str,
    units: list[Unit],
    *,
    limit: tuple[str, str] = ("5", "working_days"),
    steps: list[tuple[str, str, str]] | None = None,
    effective_from: dt.date = dt.date(2025, 7, 1),
    **version_kw: Any,
) -> Procedure:
    proc = Procedure(code=code, name=name, field="Chứng thực", created_at=clock.now())
    session.add(proc)
    await session.flush()
    for u in units:
        session.add(ProcedureUnit(procedure_id=proc.id, unit_id=u.id))
    version = ProcedureVersion(
        procedure_id=proc.id,
        effective_from=effective_from,
        limit_amount=Decimal(limit[0]),
        limit_unit=limit[1],
        supplement_policy=version_kw.pop("supplement_policy", "pause"),
        max_reappointments=version_kw.pop("max_reappointments", 1),
        documents=version_kw.pop(
            "documents",
            [
                {
                    "code": "TP1",
                    "name": "Đơn đề nghị",
                    "copy_type": "original",
                    "quantity": 1,
                    "required": True,
                }
            ],
        ),
        fees=version_kw.pop("fees", [{"code": "LP1", "name": "Lệ phí", "amount": 50000}]),
        created_at=clock.now(),
        **version_kw,
    )
    session.add(version)
    await session.flush()
    for seq, (step_name, role, hours) in enumerate(steps or [], start=1):
        session.add(
            ProcedureStep(
                version_id=version.id,
                seq=seq,
                name=step_name,
                role=role,
                budget_hours=Decimal(hours),
            )
        )
    await session.flush()
    return proc


async def build_world(app: Any) -> World:
    """Province H99: root UBND, the public-administration centre, two departments, two communes;
    one user per role; two procedures; one portal API client."""
    w = World()
    async with app.state.sessionmaker() as s:
        root = await add_unit(s, "000.00.00.H99", "UBND tỉnh Thử Nghiệm", "province")
        centre = await add_unit(
            s,
            "000.00.01.H99",
            "Trung tâm Phục vụ hành chính công tỉnh",
            "centre",
            root,
            has_counter=True,
        )
        justice = await add_unit(s, "000.00.10.H99", "Sở Tư pháp", "department", root)
        construction = await add_unit(s, "000.00.11.H99", "Sở Xây dựng", "department", root)
        commune_a = await add_unit(
            s, "000.01.20.H99", "UBND xã An Bình", "commune", root, has_counter=True
        )
        commune_b = await add_unit(
            s, "000.01.21.H99", "UBND xã Hòa Lạc", "commune", root, has_counter=True
        )
        for u in (root, centre, justice, construction, commune_a, commune_b):
            w.units[u.code] = u
        w.users["admin"] = await add_user(s, "admin", "admin", root, "Quản trị hệ thống")
        w.users["clerk"] = await add_user(s, "clerk", "clerk", centre, "Nguyễn Thị Tiếp Nhận")
        w.users["officer"] = await add_user(s, "officer", "officer", justice, "Trần Văn Xử Lý")
        w.users["leader"] = await add_user(s, "leader", "leader", justice, "Lê Văn Lãnh Đạo")
        w.users["manager"] = await add_user(s, "manager", "manager", root, "Phạm Thị Quản Lý")
        w.users["clerk_a"] = await add_user(s, "clerk_a", "clerk", commune_a)
        w.users["officer_b"] = await add_user(s, "officer_b", "officer", construction)
        w.procedures["2.000908"] = await add_procedure(
            s,
            "2.000908",
            "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
            [justice, commune_a],
            limit=("1", "working_days"),
            steps=[
                ("Tiếp nhận", "reception", "2"),
                ("Thẩm định", "competent", "3"),
                ("Ký duyệt", "competent", "2"),
                ("Trả kết quả", "return", "1"),
            ],
        )
        w.procedures["1.005129"] = await add_procedure(
            s,
            "1.005129",
            "Cấp giấy phép xây dựng nhà ở riêng lẻ",
            [construction],
            limit=("15", "working_days"),
        )
        w.client = ApiClient(
            client_id="portal",
            name="Cổng Dịch vụ công",
            secret_hash=_HASHED_SECRET,
            scopes=["dossier:submit", "dossier:view"],
            unit_codes=["000.00.00.H99"],
            created_at=clock.now(),
        )
        s.add(w.client)
        await s.commit()
    return w


async def login(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> dict[str, str]:
    resp = await client.post(
        "/api/v1/auth/token", data={"username": username, "password": password}
    )
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}
