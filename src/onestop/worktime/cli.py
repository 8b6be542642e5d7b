"""``onestop due`` and ``onestop calendar``: the engine from the command line.

onestop due 2026-02-12T16:30+07:00 "5 working_days" --explain
onestop calendar 2026
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TextIO

from onestop.worktime.calendar import Calendar
from onestop.worktime.days import KIND_LABELS, WEEKDAY_EN, WEEKDAY_VI
from onestop.worktime.explain import Explanation
from onestop.worktime.hours import WorkingHours
from onestop.worktime.limits import TimeLimit
from onestop.worktime.loader import load_calendar

Handler = Callable[[argparse.Namespace], int]


def register(subparsers: Any) -> None:
    """Add ``due`` and ``calendar`` to an argparse subparsers object."""
    due = subparsers.add_parser(
        "due",
        help="compute a due instant in working time",
        description="Due instant of a legal time limit counted from START (ISO 8601 with offset).",
    )
    due.add_argument("start", help="received at, e.g. 2026-02-12T16:30+07:00")
    due.add_argument("limit", help='e.g. "5 working_days", "4 working_hours", "same_day"')
    due.add_argument("--explain", action="store_true", help="print the day-by-day trace")
    due.add_argument("--province", help="province code for provincial days off / working days")
    due.add_argument("--hours", help='working hours, e.g. "07:30-11:30,13:30-17:30"')
    due.add_argument(
        "--pause",
        action="append",
        default=[],
        metavar="FROM/TO",
        help="a pause (supplement requested/received), ISO instants separated by '/'; repeatable",
    )
    due.add_argument("--policy", choices=("pause", "restart"), default="pause")
    due.set_defaults(func=_guarded(_due))

    cal = subparsers.add_parser(
        "calendar",
        help="list a year's non-working weekdays and make-up days",
        description="The year's off weekdays, make-up working days and pending days, with sources.",
    )
    cal.add_argument("year", help="e.g. 2026")
    cal.add_argument("--province", help="province code")
    cal.set_defaults(func=_guarded(_calendar))


def _guarded(handler: Handler) -> Handler:
    """Bad input → one clear line on stderr and exit code 2 (no traceback)."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2

    return run


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"not an ISO 8601 instant: {text!r}") from None
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone offset; add one, e.g. {text}+07:00")
    return value


def _calendar_for(args: argparse.Namespace) -> Calendar:
    hours = WorkingHours.parse(args.hours) if getattr(args, "hours", None) else None
    return load_calendar(province=args.province, hours=hours)


def _due(args: argparse.Namespace) -> int:
    start = _instant(args.start)
    limit = TimeLimit.parse(args.limit)
    pauses = []
    for text in args.pause:
        frm, sep, to = text.partition("/")
        if not sep:
            raise ValueError(f"--pause needs FROM/TO, got {text!r}")
        pauses.append((_instant(frm), _instant(to)))
    cal = _calendar_for(args)
    if not args.explain:
        print(cal.due_at(start, limit, pauses, args.policy).isoformat())
        return 0
    print_explanation(cal.explain(start, limit, pauses, args.policy), sys.stdout)
    return 0


def _day_name(d: datetime) -> str:
    wd = d.weekday()
    return f"{WEEKDAY_VI[wd]} / {WEEKDAY_EN[wd]}"


def print_explanation(ex: Explanation, out: TextIO) -> None:
    due = ex.due_at
    print(f"Hạn trả / Due: {due.isoformat()}  ({_day_name(due)} {due:%d/%m/%Y %H:%M})", file=out)
    print(f"Tiếp nhận / Received: {ex.start.isoformat()}  ({_day_name(ex.start)})", file=out)
    print(f"Bắt đầu tính / Clock starts: {ex.normalised_start.isoformat()}", file=out)
    print(
        f"Thời hạn / Limit: {ex.limit}   policy: {ex.policy}   hours: {ex.hours}   "
        f"province: {ex.province or 'national'}   calendar: {ex.fingerprint}",
        file=out,
    )
    if ex.restarted_at is not None:
        print(f"Restarted at: {ex.restarted_at.isoformat()}", file=out)
    for p in ex.pauses:
        print(
            f"Tạm dừng / Pause: {p.start.isoformat()} → {p.end.isoformat()} "
            f"({_hm(p.working_time)} working time)",
            file=out,
        )
    if ex.provisional:
        print(
            "TẠM TÍNH / PROVISIONAL: uses days not yet confirmed by an official schedule", file=out
        )
    print(file=out)
    for e in ex.entries:
        span = f"{e.start:%H:%M}–{e.end:%H:%M}" if e.start and e.end else "-"
        counted = _hm(e.counted)
        source = f"  [{e.source}]" if e.source else ""
        flag = " (tạm tính)" if e.provisional else ""
        print(
            f"{e.date:%d/%m/%Y}  {e.weekday_vi:<8} {e.weekday_en:<9}  {e.kind:<16} "
            f"{counted:>5}  {span:<11}  {e.note}{flag}{source}",
            file=out,
        )


def _hm(td: timedelta) -> str:
    hours, rest = divmod(int(td.total_seconds()), 3600)
    return f"{hours}:{rest // 60:02d}"


def _calendar(args: argparse.Namespace) -> int:
    try:
        year = int(args.year)
    except ValueError:
        raise ValueError(f"year must be a number, got {args.year!r}") from None
    cal = _calendar_for(args)
    rows = cal.days(year)
    where = f"province {cal.province}" if cal.province else "national"
    print(f"Lịch nghỉ / Calendar {year} ({where}); calendar {cal.fingerprint}")
    if cal.year_is_provisional(year):
        print(
            "TẠM TÍNH / PROVISIONAL: no published civil-servant schedule bundled for this year; "
            "statutory holidays (Labour Code art. 112) with weekend compensation"
        )
    for e in rows:
        wd = e.date.weekday()
        label_vi, label_en = KIND_LABELS[e.kind]
        print(
            f"{e.date.isoformat()}  {WEEKDAY_VI[wd]:<8} {WEEKDAY_EN[wd]:<9}  {e.kind:<16}  "
            f"{label_vi} / {label_en}: {e.name or ''}  [{e.source}]"
            + (f"  (province {e.province})" if e.province else "")
        )
    if not rows:
        print("(no non-standard days)")
    return 0
