"""The precomputed day table that makes a due date a lookup instead of a day-by-day walk.

Time is handled as integers: *local µs* = µs since 1970-01-01 00:00 in Vietnam wall-clock time
(UTC+07:00; Asia/Ho_Chi_Minh has had no offset change or DST since 1975). A *working position*
W(L) is the working time, in µs, from the first day of the table up to the instant L. Because every
working day holds exactly 8 working hours, the k-th working day starts at position k × 8 h; so

* W(L) = rank[day] × 8 h + (working time of that day before L), and
* the instant where position T is reached is ``workdays[(T - 1) // 8 h]`` plus a short scan of the
  day's sessions,

both O(1). Every rule of the engine (normalisation, the session-end boundary convention, pauses)
is expressed through W and these two inverses.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from onestop.worktime.days import DayEntry
from onestop.worktime.errors import OutOfRangeError, WorktimeError
from onestop.worktime.hours import WORKDAY_US, WorkingHours

try:
    TZ: ZoneInfo | timezone = ZoneInfo("Asia/Ho_Chi_Minh")
except ZoneInfoNotFoundError:  # pragma: no cover - no tz database: the same fixed offset
    TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
US_PER_SECOND = 1_000_000
WORKDAY_S = WORKDAY_US // US_PER_SECOND
UTC_OFFSET_S = 7 * 3600
DAY_US = 86_400 * US_PER_SECOND
UTC_OFFSET_US = 7 * 3600 * US_PER_SECOND
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)


def local_us(dt: datetime) -> int:
    """Aware datetime (any offset) → local µs. Naive datetimes are refused: a due date computed
    from a guessed zone would be silently wrong by hours."""
    try:
        delta = dt - _EPOCH_UTC  # raises TypeError for naive datetimes and non-datetimes
    except TypeError:
        if isinstance(dt, datetime):
            raise WorktimeError(
                f"naive datetime {dt.isoformat()} has no time zone; give an offset, e.g. "
                f"{dt.replace(microsecond=0).isoformat()}+07:00"
            ) from None
        raise WorktimeError(f"expected an aware datetime, got {dt!r}") from None
    return delta.days * DAY_US + delta.seconds * US_PER_SECOND + delta.microseconds + UTC_OFFSET_US


def epoch_day(d: date) -> int:
    return d.toordinal() - _EPOCH_ORDINAL


def day_date(epoch_day_index: int) -> date:
    return date.fromordinal(epoch_day_index + _EPOCH_ORDINAL)


class DayTable:
    """Working flags and working-day ranks for every local date from ``first`` to ``last``."""

    def __init__(
        self, first: date, last: date, entries: Mapping[date, DayEntry], hours: WorkingHours
    ) -> None:
        self.first = first
        self.last = last
        self.d0 = epoch_day(first)
        self.n = (last - first).days + 1
        self.sessions = hours.bounds_us()
        self.opening_us = self.sessions[0][0]
        self.closing_us = self.sessions[-1][1]
        work = bytearray(self.n)
        rank = [0] * (self.n + 1)
        workdays: list[int] = []
        day = first
        for i in range(self.n):
            entry = entries.get(day)
            working = entry.is_working if entry is not None else day.weekday() < 5
            rank[i] = len(workdays)
            if working:
                work[i] = 1
                workdays.append(self.d0 + i)
            day += timedelta(days=1)
        rank[self.n] = len(workdays)
        self.work = bytes(work)
        self.rank = rank
        self.workdays = workdays  # absolute epoch-day index of the k-th working day
        # For the fast path: sessions in whole seconds, and each working day as (y, m, d).
        self.sessions_s = tuple(
            tuple(v // US_PER_SECOND for v in (s, e, b, b + e - s)) for s, e, b in self.sessions
        )
        self.workday_ymd = [day_date(w).timetuple()[:3] for w in workdays]

    # -- range checks -------------------------------------------------------------------------
    def out_of_range(self, what: str) -> OutOfRangeError:
        return OutOfRangeError(
            f"{what} is outside the calendar's supported range "
            f"{self.first.isoformat()} – {self.last.isoformat()}"
        )

    def index(self, d: date) -> int:
        i = epoch_day(d) - self.d0
        if not 0 <= i < self.n:
            raise self.out_of_range(d.isoformat())
        return i

    # -- W and its inverses -------------------------------------------------------------------
    def pos(self, lus: int) -> int:
        """Working position of local instant ``lus``."""
        d, t = divmod(lus, DAY_US)
        i = d - self.d0
        if not 0 <= i < self.n:
            raise self.out_of_range(_fmt_local(lus))
        w = self.rank[i] * WORKDAY_US
        if not self.work[i]:
            return w
        for s, e, before in self.sessions:
            if t < e:
                return w + before + (t - s if t > s else 0)
        return w + WORKDAY_US

    def add_fast(self, days: int, seconds: int, micro: int, amount_s: int) -> datetime:
        """Due instant for a whole-second working amount, from the parts of ``start - epoch``.

        Same result as ``locate(pos(start) + amount)``, but every integer stays below 2**30
        (seconds, not µs), which CPython handles much faster: this is the path every intake
        and report takes (median ≤ 3 µs, bench/worktime_bench.py)."""
        sec = seconds + UTC_OFFSET_S
        i = days - self.d0
        if sec >= 86_400:
            sec -= 86_400
            i += 1
        if not 0 <= i < self.n:
            raise self.out_of_range("the start")
        target = self.rank[i] * WORKDAY_S + amount_s
        frac = 0
        if self.work[i]:
            for s, e, before, _ in self.sessions_s:
                if sec < e:
                    if sec >= s:
                        target += before + sec - s
                        frac = micro
                    else:
                        target += before
                    break
            else:
                target += WORKDAY_S
        tod = 0
        if frac:  # strictly inside a second: never on a session boundary
            k, r = divmod(target, WORKDAY_S)
            for s, _, before, upto in self.sessions_s:
                if r < upto:
                    tod = s + r - before
                    break
        else:  # on a boundary the earliest instant wins: 11:30 / 17:00, not the next opening
            k, r = divmod(target - 1, WORKDAY_S)
            r += 1
            for s, _, before, upto in self.sessions_s:
                if r <= upto:
                    tod = s + r - before
                    break
        if k >= len(self.workdays):
            raise self.out_of_range("the due date")
        y, m, d = self.workday_ymd[k]
        h, rest = divmod(tod, 3600)
        mi, sec = divmod(rest, 60)
        return datetime(y, m, d, h, mi, sec, frac, TZ)

    def add(self, lus: int, amount: int) -> int:
        """``locate(pos(lus) + amount)`` for amount > 0, inlined: this is the hot path of every
        intake and report."""
        d, t = divmod(lus, DAY_US)
        i = d - self.d0
        if not 0 <= i < self.n:
            raise self.out_of_range(_fmt_local(lus))
        target = self.rank[i] * WORKDAY_US + amount - 1
        if self.work[i]:
            for s, e, before in self.sessions:
                if t < e:
                    target += before + (t - s if t > s else 0)
                    break
            else:
                target += WORKDAY_US
        k, r = divmod(target, WORKDAY_US)
        if k >= len(self.workdays):
            raise self.out_of_range("the due date")
        r += 1
        base = self.workdays[k] * DAY_US
        for s, e, before in self.sessions:
            if r <= before + (e - s):
                return base + s + (r - before)
        raise AssertionError("sessions do not add up to a working day")  # pragma: no cover

    def locate(self, target: int) -> int:
        """Earliest instant whose position reaches ``target`` (> 0). An amount that ends exactly
        at a session end therefore lands on 11:30 / 17:00, never on the next session start."""
        k, r = divmod(target - 1, WORKDAY_US)
        if not 0 <= k < len(self.workdays):
            raise self.out_of_range("the due date")
        r += 1
        base = self.workdays[k] * DAY_US
        for s, e, before in self.sessions:
            if r <= before + (e - s):
                return base + s + (r - before)
        raise AssertionError("sessions do not add up to a working day")  # pragma: no cover

    def normalise(self, position: int) -> int:
        """Latest instant at ``position``: the first working instant at or after a start (before
        opening → opening, lunch → afternoon start, after closing → next working day)."""
        k, r = divmod(position, WORKDAY_US)
        if not 0 <= k < len(self.workdays):
            raise self.out_of_range("the normalised start")
        base = self.workdays[k] * DAY_US
        for s, e, before in self.sessions:
            if r < before + (e - s):
                return base + s + (r - before)
        raise AssertionError("sessions do not add up to a working day")  # pragma: no cover

    def closing_of_rank(self, k: int) -> int:
        """Closing instant (17:00 by default) of the k-th working day."""
        if not 0 <= k < len(self.workdays):
            raise self.out_of_range("the due date")
        return self.workdays[k] * DAY_US + self.closing_us

    def is_working_index(self, i: int) -> bool:
        return bool(self.work[i])


def _fmt_local(lus: int) -> str:
    return (datetime(1970, 1, 1) + timedelta(microseconds=lus)).isoformat() + "+07:00"


def to_datetime(lus: int) -> datetime:
    """Local µs → aware datetime in Asia/Ho_Chi_Minh (+07:00)."""
    seconds, micro = divmod(lus - UTC_OFFSET_US, US_PER_SECOND)
    out = datetime.fromtimestamp(seconds, TZ)
    return out.replace(microsecond=micro) if micro else out
