"""Legal time limits: an amount and a unit, as published in each procedure's decision (TTHC)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from fractions import Fraction
from typing import Any

from onestop.worktime.errors import WorktimeError
from onestop.worktime.hours import WORKDAY_US

HOUR_US = 3600 * 1_000_000

WORKING_DAYS = "working_days"
WORKING_HOURS = "working_hours"
CALENDAR_DAYS = "calendar_days"
SAME_DAY = "same_day"
UNITS = (WORKING_DAYS, WORKING_HOURS, CALENDAR_DAYS, SAME_DAY)
# Units whose amount is working time added to the normalised start.
WORKING_TIME_UNITS = frozenset({WORKING_DAYS, WORKING_HOURS})

_ALIASES = {
    "working_day": WORKING_DAYS,
    "working_hour": WORKING_HOURS,
    "calendar_day": CALENDAR_DAYS,
    "day": CALENDAR_DAYS,
    "days": CALENDAR_DAYS,
}
_CUTOFF_RE = re.compile(r"(?:^|\s+)(?:cutoff\s*=?\s*|@\s*)?(\d{1,2}):(\d{2})$")
_AMOUNT_RE = re.compile(r"^(\d+(?:\.\d+)?)(?:\s+|$)")


@dataclass(frozen=True)
class TimeLimit:
    """``TimeLimit(5, "working_days")``; fractions allowed (0.5 working day = 4 working hours).

    ``same_day`` means "within the day, or the next working day if received after ``cutoff``"
    (docs/rules.md §3.5); its amount carries no meaning and must be 0 or 1.
    """

    amount: float
    unit: str
    cutoff: time = time(15, 0)
    # Working time in µs for working_days/working_hours, whole days for calendar_days.
    _quantity: int = field(init=False, repr=False, compare=False, default=0)
    # The working amount in whole seconds when it is one (the fast path of due_at), else 0.
    fast_seconds: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise WorktimeError(f"unknown time-limit unit {self.unit!r}; use one of {UNITS}")
        exact = _exact_amount(self.amount)
        if exact < 0:
            raise WorktimeError(f"time-limit amount must be ≥ 0, got {self.amount!r}")
        if not isinstance(self.cutoff, time) or self.cutoff.tzinfo is not None:
            raise WorktimeError(f"cutoff must be a naive datetime.time, got {self.cutoff!r}")
        if self.unit == WORKING_DAYS:
            quantity = round(exact * WORKDAY_US)
        elif self.unit == WORKING_HOURS:
            quantity = round(exact * HOUR_US)
        elif self.unit == CALENDAR_DAYS:
            if exact.denominator != 1 or exact < 1:
                raise WorktimeError(
                    f"calendar_days needs a whole number of days ≥ 1, got {self.amount!r}"
                )
            quantity = int(exact)
        else:
            if exact not in (0, 1):
                raise WorktimeError(f"same_day takes no amount (use 0 or 1), got {self.amount!r}")
            quantity = 0
        object.__setattr__(self, "_quantity", quantity)
        if self.unit in WORKING_TIME_UNITS and quantity % 1_000_000 == 0:
            object.__setattr__(self, "fast_seconds", quantity // 1_000_000)

    @classmethod
    def parse(cls, text: str) -> TimeLimit:
        """``"5 working_days"``, ``"0.5 working_days"``, ``"4 working_hours"``,
        ``"30 calendar_days"``, ``"same_day"``, ``"same_day 14:00"`` (cut-off)."""
        rest = text.strip()
        cutoff = time(15, 0)
        m = _CUTOFF_RE.search(rest)
        if m is not None:
            try:
                cutoff = time(int(m.group(1)), int(m.group(2)))
            except ValueError:
                raise WorktimeError(f"bad cut-off time in {text!r}") from None
            rest = rest[: m.start()].strip()
        amount: float = 1
        m = _AMOUNT_RE.match(rest)
        if m is not None:
            number = m.group(1)
            amount = float(number) if "." in number else int(number)
            rest = rest[m.end() :].strip()
        elif not rest.lower().startswith(SAME_DAY):
            raise WorktimeError(
                f"cannot parse time limit {text!r}; expected e.g. '5 working_days' or 'same_day'"
            )
        unit = re.sub(r"[\s-]+", "_", rest.lower())
        unit = _ALIASES.get(unit, unit)
        if unit not in UNITS:
            raise WorktimeError(f"unknown time-limit unit {rest!r} in {text!r}; use one of {UNITS}")
        return cls(amount, unit, cutoff)

    @property
    def working_us(self) -> int:
        """Working time to add, in µs (working_days / working_hours only)."""
        return self._quantity if self.unit in WORKING_TIME_UNITS else 0

    @property
    def calendar_days(self) -> int:
        return self._quantity if self.unit == CALENDAR_DAYS else 0

    def __str__(self) -> str:
        if self.unit == SAME_DAY:
            return f"same_day (cut-off {self.cutoff:%H:%M})"
        amount = int(self.amount) if float(self.amount).is_integer() else self.amount
        return f"{amount} {self.unit}"

    def to_dict(self) -> dict[str, Any]:
        amount = float(self.amount)
        return {
            "amount": int(amount) if amount.is_integer() else amount,
            "unit": self.unit,
            "cutoff": self.cutoff.strftime("%H:%M"),
        }


def _exact_amount(amount: object) -> Fraction:
    if isinstance(amount, bool) or not isinstance(amount, int | float | Fraction | Decimal):
        raise WorktimeError(f"time-limit amount must be a number, got {amount!r}")
    if isinstance(amount, float | Decimal) and not math.isfinite(amount):
        raise WorktimeError(f"time-limit amount must be finite, got {amount!r}")
    return Fraction(amount)
