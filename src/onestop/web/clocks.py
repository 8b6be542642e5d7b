"""The colour chip beside a dossier: on time / due soon / overdue, with working time left or late
on the competent unit's calendar (the same calendar its due instant was counted on)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from onestop.catalog import lookups
from onestop.core.errors import DomainError
from onestop.dossiers.schemas import DossierSummary
from onestop.dossiers.states import Status
from onestop.web.formatting import working_time

#: Less working time than this left: "due soon" (one working day, as the apology rule).
DUE_SOON = dt.timedelta(hours=8)
HOUR = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Chip:
    tone: str  # ontime | duesoon | overdue | paused | waiting | closed | done
    text: str


async def _span(
    session: AsyncSession, unit_code: str, a: dt.datetime, b: dt.datetime
) -> dt.timedelta | None:
    try:
        cal = await lookups.calendar_for(session, await lookups.unit_by_code(session, unit_code))
        return cal.working_time_between(a, b)
    except (DomainError, ValueError):
        return None


async def clock_chip(session: AsyncSession, d: DossierSummary, now: dt.datetime) -> Chip:
    status = Status(d.status)
    if status == Status.SUBMITTED:
        if d.late_to_accept:
            return Chip("overdue", "Quá hạn tiếp nhận")
        return Chip("waiting", "Chờ tiếp nhận")
    if status in {Status.RESULT_READY, Status.RETURNED}:
        return Chip("done", "Đã có kết quả" if status == Status.RESULT_READY else "Đã trả")
    if status in {Status.REFUSED, Status.WITHDRAWN, Status.STOPPED}:
        return Chip("closed", "Đã kết thúc")
    if status == Status.SUPPLEMENT_REQUESTED:
        return Chip("paused", "Tạm dừng: chờ bổ sung")
    if d.due_at is None:
        return Chip("ontime", "")
    unit = d.competent_unit.code
    if d.overdue:
        late = await _span(session, unit, d.due_at, now)
        return Chip("overdue", f"Quá hạn {working_time(late / HOUR)}" if late else "Quá hạn")
    left = await _span(session, unit, now, d.due_at)
    if left is None:
        return Chip("ontime", "Trong hạn")
    return Chip("duesoon" if left <= DUE_SOON else "ontime", f"Còn {working_time(left / HOUR)}")
