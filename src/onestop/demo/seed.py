"""Seeds the demo province once: units, ~20 procedures, demo accounts (password onestop-demo)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from importlib import resources
from typing import Any

from pwdlib import PasswordHash
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.models import ApiClient, User
from onestop.auth.rights import Right
from onestop.catalog.models import Procedure, ProcedureStep, ProcedureUnit, ProcedureVersion, Unit
from onestop.core import clock

DEMO_PASSWORD = "onestop-demo"  # noqa: S105 - demo accounts only, printed in the README
DEMO_CLIENT_SECRET = "onestop-demo-portal-secret"  # noqa: S105
EFFECTIVE_FROM = dt.date(2025, 7, 1)  # Decree 118/2025 in force


def load_catalog() -> dict[str, Any]:
    text = resources.files("onestop.demo").joinpath("catalog.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


async def seed_demo(session: AsyncSession, server_key: str = "") -> bool:
    """Returns False when the demo province already exists (seeding runs once). With a server key
    (the app's secret), also receives a handful of demo dossiers placed relative to today."""
    data = load_catalog()
    exists = await session.scalar(select(Unit.id).where(Unit.code == data["province"]["code"]))
    if exists is not None:
        return False
    units = await _seed_units(session, data)
    await _seed_procedures(session, data, units)
    await _seed_accounts(session, units)
    await session.commit()
    if server_key:
        from onestop.demo.dossiers import seed_demo_dossiers

        await seed_demo_dossiers(session, server_key)
    return True


async def _add_unit(
    session: AsyncSession, code: str, name: str, level: str, parent: Unit | None, **kw: Any
) -> Unit:
    unit = Unit(
        code=code,
        name=name,
        level=level,
        parent_id=parent.id if parent else None,
        path="",
        province="H99",
        created_at=clock.now(),
        **kw,
    )
    session.add(unit)
    await session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    return unit


async def _seed_units(session: AsyncSession, data: dict[str, Any]) -> dict[str, Unit]:
    p = data["province"]
    root = await _add_unit(session, p["code"], p["name"], "province", None)
    c = data["centre"]
    centre = await _add_unit(
        session, c["code"], c["name"], "centre", root, has_counter=True, address=c["address"]
    )
    units = {root.code: root, centre.code: centre}
    for code, name in data["departments"]:
        units[code] = await _add_unit(session, code, name, "department", root)
    for code, name in data["communes"]:
        units[code] = await _add_unit(session, code, name, "commune", root, has_counter=True)
    return units


async def _seed_procedures(
    session: AsyncSession, data: dict[str, Any], units: dict[str, Unit]
) -> None:
    communes = [units[code] for code, _ in data["communes"]]
    for item in data["procedures"]:
        proc = Procedure(
            code=item["code"], name=item["name"], field=item["field"], created_at=clock.now()
        )
        session.add(proc)
        await session.flush()
        competent = (
            communes if item["competent"] == "communes" else [units[c] for c in item["competent"]]
        )
        for unit in competent:
            session.add(ProcedureUnit(procedure_id=proc.id, unit_id=unit.id))
        amount, unit_name = item["limit"]
        version = ProcedureVersion(
            procedure_id=proc.id,
            effective_from=EFFECTIVE_FROM,
            limit_amount=Decimal(amount),
            limit_unit=unit_name,
            same_day_cutoff=dt.time(15, 0) if unit_name == "same_day" else None,
            supplement_policy=item.get("supplement_policy", "pause"),
            max_reappointments=1,
            legal_basis="Nghị định 118/2025/NĐ-CP; Thông tư 03/2025/TT-VPCP",
            documents=[
                {"code": c, "name": n, "copy_type": "original", "quantity": 1, "required": True}
                for c, n in item.get("documents", [])
            ],
            fees=[{"code": c, "name": n, "amount": a} for c, n, a in item.get("fees", [])],
            created_at=clock.now(),
        )
        session.add(version)
        await session.flush()
        for seq, (name, role, hours) in enumerate(item.get("steps", []), start=1):
            session.add(
                ProcedureStep(
                    version_id=version.id,
                    seq=seq,
                    name=name,
                    role=role,
                    budget_hours=Decimal(hours),
                )
            )


DEMO_USERS = [
    ("admin", "admin", "000.00.00.H99", "Nguyễn Quản Trị", "Quản trị hệ thống"),
    ("clerk", "clerk", "000.00.01.H99", "Trần Thị Tiếp Nhận", "Công chức tiếp nhận"),
    ("officer", "officer", "000.00.10.H99", "Lê Văn Thẩm Định", "Chuyên viên"),
    ("leader", "leader", "000.00.10.H99", "Phạm Minh Lãnh Đạo", "Phó Giám đốc Sở Tư pháp"),
    ("manager", "manager", "000.00.00.H99", "Hoàng Thị Quản Lý", "Chánh Văn phòng UBND tỉnh"),
]


async def _seed_accounts(session: AsyncSession, units: dict[str, Unit]) -> None:
    hasher = PasswordHash.recommended()
    password_hash = hasher.hash(DEMO_PASSWORD)
    for username, role, unit_code, full_name, title in DEMO_USERS:
        session.add(
            User(
                username=username,
                full_name=full_name,
                title=title,
                role=role,
                unit_id=units[unit_code].id,
                password_hash=password_hash,
                created_at=clock.now(),
            )
        )
    session.add(
        ApiClient(
            client_id="portal-demo",
            name="Cổng Dịch vụ công (demo)",
            secret_hash=hasher.hash(DEMO_CLIENT_SECRET),
            scopes=[Right.DOSSIER_SUBMIT, Right.DOSSIER_VIEW],
            unit_codes=["000.00.00.H99"],
            created_at=clock.now(),
        )
    )
