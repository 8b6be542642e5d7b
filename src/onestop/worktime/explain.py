"""Explanations: every due date comes with the days and part-days it counted or skipped, and why.

Clerks print the due instant on the receipt and must be able to defend it; managers drill from an
overdue flag down to the holiday or pause that moved it. So each entry names its day (Vietnamese
and English), its kind, the working time it contributed, and the document behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from onestop.worktime.days import (
    KIND_LABELS,
    PENDING,
    WEEKDAY_EN,
    WEEKDAY_VI,
    WEEKEND,
    WORKDAY,
    DayEntry,
)
from onestop.worktime.hours import time_us
from onestop.worktime.limits import CALENDAR_DAYS, SAME_DAY, TimeLimit
from onestop.worktime.table import DAY_US, day_date, to_datetime

if TYPE_CHECKING:
    from onestop.worktime.calendar import Calendar, Plan

COUNTED = "counted"
NON_WORKING = "non_working"
PAUSED = "paused"
SUPERSEDED = "superseded"
NOT_COUNTED = "not_counted"


@dataclass(frozen=True)
class ExplanationEntry:
    """One day, or one part of a working day, of the trace."""

    date: date
    weekday_vi: str
    weekday_en: str
    kind: str
    status: str  # counted | non_working | paused | superseded | not_counted
    counted: timedelta
    start: datetime | None  # first instant of the part-day (None for a day skipped whole)
    end: datetime | None
    name: str | None
    source: str | None
    note: str
    provisional: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "weekday_vi": self.weekday_vi,
            "weekday_en": self.weekday_en,
            "kind": self.kind,
            "kind_vi": KIND_LABELS[self.kind][0],
            "status": self.status,
            "counted": iso_duration(self.counted),
            "counted_seconds": _seconds(self.counted),
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "name": self.name,
            "source": self.source,
            "note": self.note,
            "provisional": self.provisional,
        }


@dataclass(frozen=True)
class PauseSpan:
    start: datetime
    end: datetime
    working_time: timedelta


@dataclass(frozen=True)
class Explanation:
    due_at: datetime
    start: datetime
    normalised_start: datetime
    limit: TimeLimit
    policy: str
    provisional: bool  # some day used comes from statutory rules or is still pending
    entries: tuple[ExplanationEntry, ...]
    pauses: tuple[PauseSpan, ...]
    restarted_at: datetime | None
    working_time: timedelta  # counted between start and due (pauses excluded)
    fingerprint: str
    province: str | None
    hours: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plain types: ISO 8601 strings for instants and durations."""
        return {
            "due_at": self.due_at.isoformat(),
            "start": self.start.isoformat(),
            "normalised_start": self.normalised_start.isoformat(),
            "limit": self.limit.to_dict(),
            "policy": self.policy,
            "provisional": self.provisional,
            "restarted_at": self.restarted_at.isoformat() if self.restarted_at else None,
            "working_time": iso_duration(self.working_time),
            "working_time_seconds": _seconds(self.working_time),
            "fingerprint": self.fingerprint,
            "province": self.province,
            "hours": self.hours,
            "pauses": [
                {
                    "from": p.start.isoformat(),
                    "to": p.end.isoformat(),
                    "working_time": iso_duration(p.working_time),
                    "working_time_seconds": _seconds(p.working_time),
                }
                for p in self.pauses
            ],
            "entries": [e.to_dict() for e in self.entries],
        }


def iso_duration(td: timedelta) -> str:
    """``timedelta(hours=7, minutes=30)`` → ``"PT7H30M"`` (hours are not folded into days)."""
    us = td // timedelta(microseconds=1)
    sign, us = ("-", -us) if us < 0 else ("", us)
    hours, rest = divmod(us, 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    seconds, micro = divmod(rest, 1_000_000)
    out = f"{sign}PT"
    if hours:
        out += f"{hours}H"
    if minutes:
        out += f"{minutes}M"
    if seconds or micro or out.endswith("T"):
        out += f"{seconds}.{micro:06d}S".replace(".000000", "") if micro else f"{seconds}S"
    return out


def _seconds(td: timedelta) -> int | float:
    s = td.total_seconds()
    return int(s) if s.is_integer() else s


def _clock(lus: int) -> str:
    seconds = (lus % DAY_US) // 1_000_000
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


def _when(lus: int) -> str:
    return f"{day_date(lus // DAY_US):%d/%m/%Y} {_clock(lus)}"


@dataclass(frozen=True)
class _DayContext:
    """What every entry of one date shares."""

    cal: Calendar
    day: date
    row: DayEntry | None
    kind: str

    def entry(
        self, status: str, counted: int, frm: int | None, to: int | None, note: str
    ) -> ExplanationEntry:
        wd = self.day.weekday()
        return ExplanationEntry(
            date=self.day,
            weekday_vi=WEEKDAY_VI[wd],
            weekday_en=WEEKDAY_EN[wd],
            kind=self.kind,
            status=status,
            counted=timedelta(microseconds=counted),
            start=None if frm is None else to_datetime(frm),
            end=None if to is None else to_datetime(to),
            name=self.row.name if self.row else None,
            source=self.row.source if self.row else None,
            note=note,
            provisional=self.cal.is_provisional(self.day),
        )


def build_explanation(cal: Calendar, plan: Plan, limit: TimeLimit, policy: str) -> Explanation:
    t = cal.table
    segments = [(a, b, COUNTED) for a, b in plan.counted]
    segments += [(a, b, PAUSED) for a, b, _ in plan.pauses]
    if plan.restart_at is not None:  # time before the restart, outside pauses, is discarded
        cur = plan.start
        for a, b, _ in plan.pauses:
            segments.append((cur, a, SUPERSEDED))
            cur = b
    entries: list[ExplanationEntry] = []
    first_day, last_day = plan.start // DAY_US, plan.due // DAY_US
    for day_index in range(first_day, last_day + 1):
        d = day_date(day_index)
        row = cal.day_entry(d)
        working = t.is_working_index(day_index - t.d0)
        kind = row.kind if row else (WORKDAY if d.weekday() < 5 else WEEKEND)
        ctx = _DayContext(cal, d, row, kind)
        if not working:
            label = KIND_LABELS[kind][1]
            what = f"{label}: {row.name}" if row and row.name else label
            note = f"not a working day ({what})"
            if limit.unit == CALENDAR_DAYS:
                note += f"; {_calendar_day_note(plan, limit, d)}"
            entries.append(ctx.entry(NON_WORKING, 0, None, None, note))
            continue
        day_open = day_index * DAY_US + t.opening_us
        day_close = day_index * DAY_US + t.closing_us
        pieces: list[tuple[int, int, int, str]] = []
        for a, b, status in segments:
            lo, hi = max(a, day_open), min(b, day_close)
            if hi <= lo:
                continue
            work = t.pos(hi) - t.pos(lo)
            if work > 0:
                pieces.append((t.normalise(t.pos(lo)), t.locate(t.pos(hi)), work, status))
        if not pieces:
            if day_index == first_day and plan.start >= day_close:
                note = "received after closing; the clock starts on the next working day"
            else:
                note = "no working time counted"
            entries.append(ctx.entry(NOT_COUNTED, 0, None, None, note))
            continue
        for frm, to, work, status in sorted(pieces):
            note = _note(plan, limit, d, kind, status, frm, to, cal)
            entries.append(ctx.entry(status, work if status == COUNTED else 0, frm, to, note))
    counted_total = sum((e.counted for e in entries if e.status == COUNTED), timedelta(0))
    return Explanation(
        due_at=to_datetime(plan.due),
        start=to_datetime(plan.start),
        normalised_start=to_datetime(plan.normalised),
        limit=limit,
        policy=policy,
        provisional=any(e.provisional for e in entries),
        entries=tuple(entries),
        pauses=tuple(
            PauseSpan(to_datetime(a), to_datetime(b), timedelta(microseconds=w))
            for a, b, w in plan.pauses
        ),
        restarted_at=None if plan.restart_at is None else to_datetime(plan.restart_at),
        working_time=counted_total,
        fingerprint=cal.fingerprint,
        province=cal.province,
        hours=str(cal.hours),
    )


def _calendar_day_note(plan: Plan, limit: TimeLimit, d: date) -> str:
    clock_start = plan.restart_at if plan.restart_at is not None else plan.start
    n = (d - day_date(clock_start // DAY_US)).days
    if n <= 0:
        return "day of receipt (calendar day 0)"
    if n <= limit.calendar_days:
        return f"calendar day {n} of {limit.calendar_days}"
    return "after the last calendar day, which was not a working day"


def _note(
    plan: Plan, limit: TimeLimit, d: date, kind: str, status: str, frm: int, to: int, cal: Calendar
) -> str:
    if status == PAUSED:
        return f"clock stopped (pause) {_clock(frm)}–{_clock(to)}"
    if status == SUPERSEDED:
        return "not counted: the full limit is counted again after the pause (restart policy)"
    parts: list[str] = []
    clock_start = plan.restart_at if plan.restart_at is not None else plan.start
    if frm == cal.table.normalise(cal.table.pos(clock_start)) and frm != clock_start:
        parts.append(f"received {_when(clock_start)}; the clock starts {_clock(frm)}")
    elif plan.restart_at is not None and frm == plan.restart_at:
        parts.append("the full limit is counted again from here")
    if kind == PENDING:
        parts.append("pending day, counted as a working day until confirmed")
    elif kind != WORKDAY:
        parts.append(KIND_LABELS[kind][1])
    if limit.unit == CALENDAR_DAYS:
        parts.append(_calendar_day_note(plan, limit, d))
    after_cutoff = frm % DAY_US > time_us(limit.cutoff)
    if limit.unit == SAME_DAY and frm == plan.normalised and after_cutoff:
        parts.append(f"received after the {limit.cutoff:%H:%M} cut-off: due the next working day")
    if to == plan.due:
        parts.append(f"due {_clock(to)}")
    return "; ".join(parts) or "counted"
