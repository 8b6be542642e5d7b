"""Demo dossiers at Sở Tư pháp, placed relative to today so the worklists have something to show:
one overdue without an apology, one due soon, one in progress, one finished early, one finished
late after an apology (still counted late), and an online dossier waiting to be accepted."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.models import User
from onestop.auth.principal import Principal
from onestop.auth.service_common import principal_for
from onestop.catalog.calendars import calendar_for_unit
from onestop.catalog.models import Unit
from onestop.core import clock
from onestop.dossiers.actions import registry
from onestop.dossiers.actions.apology.schemas import ApologizeBody
from onestop.dossiers.actions.schemas import FinishBody, ReturnBody, TransferBody
from onestop.dossiers.intake import write as intake_write
from onestop.dossiers.schemas import ApplicantIn, DossierCreate, DossierDocumentIn
from onestop.worktime import Calendar

PROCEDURE = "1.004746"  # Phiếu lý lịch tư pháp: 10 working days, Sở Tư pháp
JUSTICE = "000.00.10.H99"
APPLICANTS = [
    ("Nguyễn Thị Hồng Nhung", "Số 5 ngõ 12 đường Lê Lợi, phường Trung Tâm"),
    ("Trần Văn Bình", "Thôn Đông, xã An Bình"),
    ("Lê Thị Thu Hà", "Số 18 đường Nguyễn Du, phường Bến Thủy"),
    ("Phạm Quốc Việt", "Tổ 3, phường Hồng Sơn"),
    ("Hoàng Minh Đức", "Xóm Mới, xã Hòa Lạc"),
    ("Vũ Thị Lan Anh", "Số 2 đường Trần Phú, phường Trung Tâm"),
]


def working_days_ago(cal: Calendar, now: dt.datetime, days: int, hour: int = 9) -> dt.datetime:
    """09:00 local of the working day ``days`` working days before today."""
    day = now.astimezone(clock.LOCAL_TZ).date()
    while days > 0:
        day -= dt.timedelta(days=1)
        if cal.is_working_day(day):
            days -= 1
    return dt.datetime.combine(day, dt.time(hour), clock.LOCAL_TZ)


async def seed_demo_dossiers(session: AsyncSession, server_key: str) -> int:
    users = {u.username: u for u in (await session.execute(select(User))).scalars()}
    clerk, officer, leader = [
        await principal_for(session, "user", users[name].id)
        for name in ("clerk", "officer", "leader")
    ]
    justice = (await session.execute(select(Unit).where(Unit.code == JUSTICE))).scalar_one()
    cal = await calendar_for_unit(session, justice)
    now = clock.now()
    plans: list[tuple[int, list[str]]] = [
        (12, ["transfer"]),  # overdue, no apology yet: the leader must apologise before finishing
        (9, ["transfer"]),  # due within the next working day
        (3, ["transfer"]),  # in progress, on time
        (15, ["transfer", "finish-early", "return"]),
        (14, ["transfer", "apologize", "finish-late", "return"]),
    ]
    for index, (age, steps) in enumerate(plans):
        received = working_days_ago(cal, now, age)
        code = await _intake(session, clerk, index, received, server_key)
        at = received + dt.timedelta(hours=1)
        for step in steps:
            at = await _act(session, code, step, at, cal, clerk, officer, leader)
    await _intake(session, clerk, 5, working_days_ago(cal, now, 2), server_key, channel="online")
    return len(plans) + 1


async def _intake(
    session: AsyncSession,
    clerk: Principal,
    index: int,
    at: dt.datetime,
    server_key: str,
    channel: str = "counter",
) -> str:
    name, address = APPLICANTS[index]
    body = DossierCreate(
        procedure=PROCEDURE,
        competent_unit=JUSTICE,
        channel=channel,
        applicant=ApplicantIn(name=name, address=address, phone=f"09123456{index:02d}"),
        documents=[DossierDocumentIn(code="TK")],
        submitted_at=at if channel != "counter" else None,
    )
    outcome = await intake_write.submit(
        session, principal=clerk, body=body, at=at, server_key=server_key
    )
    return outcome.receipt.code


async def _act(
    session: AsyncSession,
    code: str,
    step: str,
    at: dt.datetime,
    cal: Calendar,
    clerk: Principal,
    officer: Principal,
    leader: Principal,
) -> dt.datetime:
    dossier = await registry.load(session, code)
    assert dossier.due_at is not None
    name, body, who, when = _step(step, dossier.due_at, at, cal, clerk, officer, leader)
    await registry.perform(session, code=code, name=name, body=body, principal=who, at=when)
    return when + dt.timedelta(minutes=30)


def _step(
    step: str,
    due: dt.datetime,
    at: dt.datetime,
    cal: Calendar,
    clerk: Principal,
    officer: Principal,
    leader: Principal,
) -> tuple[str, Any, Principal, dt.datetime]:
    late = due + dt.timedelta(hours=2)
    new_appointment = cal.due_at(late, _limit("2 working_days"))
    table: dict[str, tuple[str, Any, Principal, dt.datetime]] = {
        "transfer": ("transfer", TransferBody(), clerk, at),
        "finish-early": ("finish", FinishBody(), officer, due - dt.timedelta(days=4)),
        "apologize": (
            "apologize",
            ApologizeBody(
                reason="Cần xác minh thêm thông tin với cơ quan công an",
                new_appointment_at=new_appointment,
            ),
            leader,
            due - dt.timedelta(days=2),
        ),
        "finish-late": ("finish", FinishBody(), officer, late),
        "return": ("return", ReturnBody(received_by="Người nộp hồ sơ"), clerk, at),
    }
    return table[step]


def _limit(text: str) -> Any:
    from onestop.worktime import TimeLimit

    return TimeLimit.parse(text)
