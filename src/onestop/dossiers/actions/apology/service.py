"""The ``apologize`` action (Form 04) and the ``apology-required`` rule of ``finish`` / ``return``.

docs/rules.md §8: the unit that is late apologises in writing, with the reason and a new
appointment, no later than one working day before the due instant; the letter is signed by a leader
of that unit; re-appointment at most ``max_reappointments`` times (default once). The apology
changes what the applicant is told (``appointment_at``) and nothing else: ``due_at``,
``due_at_original`` and the on-time classification stay, so an apologised dossier finished after
``due_at`` is still late.
A letter issued later than one working day before ``due_at`` is recorded and flagged as a late
apology. The applicant hears of it from ``integration.notify``, which reads the ``apologize``
event (the event log is the outbox).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Table, exists, select

from onestop.auth.models import User
from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog import lookups
from onestop.catalog.lookups import UnitInfo
from onestop.core.db import upsert
from onestop.core.errors import Forbidden, InvalidInput, RuleViolation
from onestop.dossiers import deadlines, states
from onestop.dossiers.access import missing_right
from onestop.dossiers.actions.apology.models import (
    Apology,
    ApologyLetterCounter,
)
from onestop.dossiers.actions.apology.schemas import ApologizeBody
from onestop.dossiers.actions.context import ActionContext, ActionSpec
from onestop.dossiers.models import Dossier, DossierStep
from onestop.worktime import TZ, Calendar

ACTION = "apologize"
SIGN = Right.DOSSIER_SIGN
LETTER_SUFFIX = "PXL"
ONE_WORKING_DAY = dt.timedelta(hours=8)
COUNTER = cast("Table", ApologyLetterCounter.__table__)


def _local(at: dt.datetime) -> str:
    return at.astimezone(TZ).strftime("%H:%M ngày %d/%m/%Y")


def at_fault_unit_id(d: Dossier) -> int:
    """The unit that is late: the one holding the current step, else the competent unit."""
    return d.current_unit_id if d.current_unit_id is not None else d.competent_unit_id


async def _involved(ctx: ActionContext) -> set[int]:
    d = ctx.dossier
    steps = await ctx.session.execute(
        select(DossierStep.unit_id).where(DossierStep.dossier_id == d.id).distinct()
    )
    ids = {d.competent_unit_id, d.receiving_unit_id, d.returning_unit_id}
    if d.current_unit_id is not None:
        ids.add(d.current_unit_id)
    return ids | {r[0] for r in steps}


async def issuing_unit(ctx: ActionContext, body: ApologizeBody) -> UnitInfo:
    """The given unit (it must take part in the dossier), else the unit at fault."""
    if body.issuing_unit is None:
        return await ctx.unit(at_fault_unit_id(ctx.dossier))
    unit = await lookups.unit_by_code(ctx.session, body.issuing_unit)
    if unit.id not in await _involved(ctx):
        raise InvalidInput(
            f"Đơn vị {unit.code} không tham gia giải quyết hồ sơ {ctx.dossier.code}"
            f" (unit {unit.code} takes no part in dossier {ctx.dossier.code})",
            code="issuing-unit-not-involved",
            unit=unit.code,
        )
    return unit


async def authorize(ctx: ActionContext, body: ApologizeBody) -> None:
    """Only a leader (right dossier:sign) of the issuing unit signs the letter. The dispatcher
    has already checked that the dossier is in the caller's scope (else it is an unknown
    dossier), so the state this may answer with below is told to no one who cannot read it."""
    principal = ctx.principal
    assert principal is not None
    if not principal.can(SIGN):
        raise missing_right(SIGN)
    if states.target(ACTION, ctx.dossier.status) is None:
        return  # the dispatcher answers with the 409 illegal-action problem
    require_leader_of(principal, await issuing_unit(ctx, body))


def require_leader_of(principal: Principal, unit: UnitInfo) -> None:
    """403 unless the principal is a leader (right dossier:sign) of ``unit``."""
    if not principal.can(SIGN):
        raise missing_right(SIGN)
    if principal.kind != "user" or principal.role != "leader" or principal.unit_id != unit.id:
        raise Forbidden(
            f"Chỉ lãnh đạo đơn vị {unit.code} ({unit.name}) mới ký văn bản xin lỗi"
            f" (only a leader holding '{SIGN}' in unit {unit.code} may sign the apology)",
            code="not-leader-of-issuing-unit",
            right=SIGN,
            unit=unit.code,
        )


def inside_working_hours(cal: Calendar, at: dt.datetime) -> bool:
    local = at.astimezone(TZ)
    if not cal.is_working_day(local.date()):
        return False
    t = local.time()
    return any(start <= t <= end for start, end in cal.hours.sessions)


def _check_appointment(ctx: ActionContext, cal: Calendar, new: dt.datetime) -> None:
    d = ctx.dossier
    assert d.due_at is not None
    current = max(d.due_at, d.appointment_at or d.due_at)
    if new <= current:
        raise InvalidInput(
            f"Ngày hẹn mới phải sau thời hạn hiện tại {_local(current)}"
            f" (the new appointment must be later than {current.astimezone(TZ).isoformat()})",
            code="appointment-not-later",
            due_at=deadlines.iso(d.due_at),
            appointment_at=deadlines.iso(d.appointment_at),
        )
    if new <= ctx.at:
        raise InvalidInput(
            "Ngày hẹn mới đã qua (the new appointment is in the past)",
            code="appointment-in-past",
        )
    try:
        inside = inside_working_hours(cal, new)
    except ValueError as exc:
        raise InvalidInput(
            f"Ngày hẹn mới nằm ngoài lịch làm việc ({exc}) (outside the calendar)",
            code="appointment-outside-working-hours",
        ) from exc
    if not inside:
        raise InvalidInput(
            f"Ngày hẹn mới {_local(new)} không thuộc giờ làm việc ({cal.hours})"
            f" (the new appointment is outside working hours {cal.hours} or on a day off)",
            code="appointment-outside-working-hours",
            working_hours=str(cal.hours),
        )


async def _letter_number(ctx: ActionContext, body: ApologizeBody, unit: UnitInfo, year: int) -> str:
    def taken(number: str) -> Any:
        return exists().where(
            Apology.issuing_unit_id == unit.id,
            Apology.year == year,
            Apology.letter_number == number,
        )

    if body.letter_number is not None:
        if (await ctx.session.execute(select(taken(body.letter_number)))).scalar():
            raise RuleViolation(
                f"Số văn bản {body.letter_number} của đơn vị {unit.code} năm {year} đã dùng"
                f" (letter number {body.letter_number} is already used by {unit.code} in {year})",
                code="duplicate-letter-number",
                letter_number=body.letter_number,
            )
        return body.letter_number
    insert = upsert(ctx.session.get_bind().dialect.name)
    next_number = (
        insert(COUNTER)
        .values(unit_id=unit.id, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=[COUNTER.c.unit_id, COUNTER.c.year],
            set_={"last_number": COUNTER.c.last_number + 1},
        )
        .returning(COUNTER.c.last_number)
    )
    while True:  # skip numbers already typed in by hand
        n = (await ctx.session.execute(next_number)).scalar_one()
        number = f"{n}/{LETTER_SUFFIX}"
        if not (await ctx.session.execute(select(taken(number)))).scalar():
            return number


async def _signer(ctx: ActionContext, body: ApologizeBody) -> tuple[int | None, str, str | None]:
    if ctx.principal is None:  # imported history: the letter names its signer
        if body.signer_name is None:
            raise InvalidInput(
                "Cần tên người ký văn bản xin lỗi (signer_name is required for an import)",
                code="signer-required",
            )
        return None, body.signer_name, body.signer_title
    user = await ctx.session.get(User, ctx.principal.id)
    assert user is not None
    if body.signer_name is not None and body.signer_name != user.full_name:
        raise InvalidInput(
            f"Người ký phải là lãnh đạo đang thao tác ({user.full_name})"
            f" (the signer is the acting leader, {user.full_name})",
            code="signer-mismatch",
        )
    return user.id, user.full_name, body.signer_title or user.title


async def may_reappoint(ctx: ActionContext) -> None:
    """The rules of an apology that need no letter: a due instant to apologise for, and a
    re-appointment left (at most ``max_reappointments`` per dossier). The offer list of the
    dossier page asks the same."""
    d = ctx.dossier
    version = await ctx.version()
    if d.reappointment_count >= version.max_reappointments:
        raise RuleViolation(
            f"Hồ sơ {d.code} đã được hẹn lại {d.reappointment_count} lần; tối đa"
            f" {version.max_reappointments} lần (the dossier was already re-appointed"
            f" {d.reappointment_count} time(s); at most {version.max_reappointments})",
            code="reappointment-limit",
            reappointment_count=d.reappointment_count,
            max_reappointments=version.max_reappointments,
        )
    if d.due_at is None:  # not reachable from 4/6, kept for imported oddities
        raise RuleViolation("Hồ sơ chưa có thời hạn (no due instant)", code="no-due-instant")


async def check_content(
    ctx: ActionContext, body: ApologizeBody
) -> tuple[UnitInfo, Calendar, dt.datetime]:
    """The rules on what the letter says (re-appointment limit, issuing unit, new appointment):
    checked when an officer drafts it and again when the leader signs it. Returns the issuing
    unit, the competent unit's calendar and the new appointment in UTC."""
    d = ctx.dossier
    await may_reappoint(ctx)
    unit = await issuing_unit(ctx, body)
    cal = await ctx.calendar(d.competent_unit_id)
    new = body.new_appointment_at.astimezone(dt.UTC)
    _check_appointment(ctx, cal, new)
    return unit, cal, new


async def apologize(ctx: ActionContext, body: ApologizeBody) -> None:
    """Form 04: apology with the reason and a new appointment (due_at never moves)."""
    unit, cal, new = await check_content(ctx, body)
    d = ctx.dossier
    assert d.due_at is not None
    try:
        on_time = cal.working_time_between(ctx.at, d.due_at) >= ONE_WORKING_DAY
    except ValueError as exc:
        raise InvalidInput(
            f"Không tính được thời gian làm việc ({exc})", code="deadline-not-computable"
        ) from exc
    signer_id, signer_name, signer_title = await _signer(ctx, body)
    year = ctx.at.astimezone(TZ).year
    letter = await _letter_number(ctx, body, unit, year)
    previous = d.appointment_at
    d.reappointment_count += 1
    d.appointment_at = new
    ctx.session.add(
        Apology(
            dossier_id=d.id,
            number=d.reappointment_count,
            event_seq=ctx.seq,
            letter_number=letter,
            year=year,
            issuing_unit_id=unit.id,
            reason=body.reason,
            previous_appointment_at=previous,
            new_appointment_at=new,
            due_at=d.due_at,
            signer_user_id=signer_id,
            signer_name=signer_name,
            signer_title=signer_title,
            issued_at=ctx.at,
            on_time=on_time,
            recorded_at=ctx.at,
        )
    )
    ctx.payload.update(
        {
            "letter_number": letter,
            "issuing_unit": unit.code,
            "reason": body.reason,
            "previous_appointment_at": deadlines.iso(previous),
            "new_appointment_at": deadlines.iso(new),
            "due_at": deadlines.iso(d.due_at),
            "due_at_original": deadlines.iso(d.due_at_original),
            "on_time": on_time,
            "reappointment": d.reappointment_count,
            "signer": {"name": signer_name, "title": signer_title},
            "note": body.note,
        }
    )


async def require_apology(ctx: ActionContext) -> None:
    """``finish`` / ``return``: a dossier that ends after its due instant needs an apology on
    record first (409 ``apology-required``). Imported history is not refused; the event says the
    apology was missing."""
    d = ctx.dossier
    if d.due_at is None or ctx.at <= d.due_at or d.reappointment_count > 0:
        return
    if ctx.principal is None:
        ctx.payload["apology_missing"] = True
        return
    unit = await ctx.unit(at_fault_unit_id(d))
    raise RuleViolation(
        f"Hồ sơ {d.code} quá hạn (hạn {_local(d.due_at)}) nhưng chưa có văn bản xin lỗi; lãnh đạo"
        f" {unit.name} ({unit.code}) phải ban hành văn bản xin lỗi và hẹn lại (Mẫu 04) trước khi"
        f" kết thúc hồ sơ (dossier {d.code} is past its due instant"
        f" {d.due_at.astimezone(TZ).isoformat()} and has no apology on record: a Form 04 apology"
        f" signed by the leader of the late unit {unit.code} is required first)",
        code="apology-required",
        dossier_code=d.code,
        due_at=deadlines.iso(d.due_at),
        late_unit=unit.code,
        missing="apology (Form 04)",
        action=ctx.action,
    )


#: The action this module handles, for the registry.
ACTIONS = (
    ActionSpec.of(ACTION, ApologizeBody, apologize, authorize=authorize, precheck=may_reappoint),
)
