"""Working-time engine: Vietnamese legal deadlines as data, with an explanation for every due date.

Pure library (standard library, zoneinfo, NumPy; `holidays` only seeds years without bundled data);
imports nothing else from onestop.

    >>> from datetime import datetime
    >>> from onestop.worktime import load_calendar, TimeLimit
    >>> cal = load_calendar()
    >>> cal.due_at(datetime.fromisoformat("2026-02-12T16:30+07:00"), TimeLimit(5, "working_days"))
    datetime.datetime(2026, 2, 26, 16, 30, tzinfo=zoneinfo.ZoneInfo(key='Asia/Ho_Chi_Minh'))
"""

from onestop.worktime.calendar import Calendar
from onestop.worktime.days import DATA_KINDS, DayEntry
from onestop.worktime.errors import CalendarDataError, OutOfRangeError, WorktimeError
from onestop.worktime.explain import Explanation, ExplanationEntry, PauseSpan
from onestop.worktime.hours import WorkingHours
from onestop.worktime.limits import UNITS, TimeLimit
from onestop.worktime.loader import load_calendar, read_days_csv
from onestop.worktime.table import TZ

__all__ = [
    "DATA_KINDS",
    "TZ",
    "UNITS",
    "Calendar",
    "CalendarDataError",
    "DayEntry",
    "Explanation",
    "ExplanationEntry",
    "OutOfRangeError",
    "PauseSpan",
    "TimeLimit",
    "WorkingHours",
    "WorktimeError",
    "load_calendar",
    "read_days_csv",
]
