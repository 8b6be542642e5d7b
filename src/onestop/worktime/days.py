"""Calendar rows: one ``DayEntry`` per non-standard day, its kind, and the rules a row must obey.

A standard day needs no row: Monday–Friday work, Saturday–Sunday rest. Rows only record the
exceptions (an off weekday, a make-up weekend day, a day still pending legislation), each with the
document that decided it, because an appointment date must be traceable to its source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from onestop.worktime.errors import CalendarDataError

# Kinds stored in data. Off kinds take a weekday out of service; the others keep or add a day.
HOLIDAY = "holiday"
COMPENSATORY_OFF = "compensatory_off"
SWAPPED_OFF = "swapped_off"
MAKEUP_WORKDAY = "makeup_workday"
PENDING = "pending"
WORKDAY = "workday"
# Kind of a weekend day without a row (never stored; used in explanations).
WEEKEND = "weekend"

OFF_KINDS = frozenset({HOLIDAY, COMPENSATORY_OFF, SWAPPED_OFF})
# ``pending`` counts as a working day until an administrator confirms it (docs/rules.md §2.4).
WORKING_KINDS = frozenset({MAKEUP_WORKDAY, PENDING, WORKDAY})
DATA_KINDS = (HOLIDAY, COMPENSATORY_OFF, SWAPPED_OFF, MAKEUP_WORKDAY, PENDING, WORKDAY)

KIND_LABELS: dict[str, tuple[str, str]] = {
    HOLIDAY: ("Nghỉ lễ, Tết", "public holiday"),
    COMPENSATORY_OFF: ("Nghỉ bù", "compensatory day off"),
    SWAPPED_OFF: ("Nghỉ hoán đổi", "swapped day off"),
    MAKEUP_WORKDAY: ("Làm bù", "make-up working day"),
    PENDING: ("Chưa xác nhận (vẫn làm việc)", "pending, counted as a working day"),
    WORKDAY: ("Ngày làm việc", "working day"),
    WEEKEND: ("Nghỉ hằng tuần", "weekend"),
}

WEEKDAY_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
WEEKDAY_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def normalise_province(province: str | None) -> str | None:
    """Province codes compare case-insensitively; blank means national."""
    if province is None:
        return None
    code = province.strip().upper()
    return code or None


def entry_problem(day: date, kind: str, source: str) -> str | None:
    """The rule a row breaks, or None. Kept separate so the loader can attach file and line."""
    if kind not in DATA_KINDS:
        return f"unknown kind {kind!r} (expected one of {', '.join(DATA_KINDS)})"
    weekday = day.weekday()
    if kind == MAKEUP_WORKDAY and weekday < 5:
        return (
            f"make-up working day {day.isoformat()} is a {WEEKDAY_EN[weekday]}, "
            "not a Saturday or Sunday"
        )
    if kind != MAKEUP_WORKDAY and weekday >= 5:
        what = "off day" if kind in OFF_KINDS else f"{kind} day"
        return (
            f"{what} {day.isoformat()} ({kind}) falls on a {WEEKDAY_EN[weekday]}; "
            "only Monday–Friday can be listed as off, pending or working weekdays"
        )
    if not source.strip():
        return f"{day.isoformat()}: missing source document"
    return None


@dataclass(frozen=True, slots=True)
class DayEntry:
    """One non-standard day: ``DayEntry(date(2026, 1, 2), "swapped_off", "Công văn …")``.

    ``province`` limits the row to one province's calendar. ``provisional`` marks days derived
    from the statutory rules for a year with no published civil-servant schedule.
    """

    date: date
    kind: str
    source: str
    name: str | None = None
    province: str | None = None
    provisional: bool = False

    def __post_init__(self) -> None:
        if type(self.date) is not date:  # a datetime is a date too; reject it explicitly
            raise CalendarDataError(f"day must be a datetime.date, got {self.date!r}")
        problem = entry_problem(self.date, self.kind, self.source)
        if problem is not None:
            raise CalendarDataError(problem)
        object.__setattr__(self, "province", normalise_province(self.province))

    @property
    def is_working(self) -> bool:
        return self.kind in WORKING_KINDS

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plain types (for ``GET /calendar/days``)."""
        wd = self.date.weekday()
        return {
            "date": self.date.isoformat(),
            "weekday_vi": WEEKDAY_VI[wd],
            "weekday_en": WEEKDAY_EN[wd],
            "kind": self.kind,
            "kind_vi": KIND_LABELS[self.kind][0],
            "working": self.is_working,
            "name": self.name,
            "source": self.source,
            "province": self.province,
            "provisional": self.provisional,
        }
