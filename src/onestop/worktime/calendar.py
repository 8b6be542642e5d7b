"""The public ``Calendar``: due instants, working time, and explanations over one day table.

Semantics (docs/rules.md §3): a start is normalised to the next working instant; working_days and
working_hours add working time to it, and an amount ending exactly at a session end is due at that
session end (11:30 / 17:00). calendar_days: closing time of the date N days after the start's local
date, or of the next working day. same_day: closing time of the normalised start's working day, or
of the next one when received after the cut-off. Pauses stop the clock ("pause") or restart the
full limit from the end of the last pause ("restart"), docs/rules.md §3.6 and §3.7.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from onestop.worktime.batch import due_at_many
from onestop.worktime.days import DayEntry
from onestop.worktime.errors import WorktimeError
from onestop.worktime.explain import Explanation, build_explanation
from onestop.worktime.hours import WORKDAY_US, WorkingHours, time_us
from onestop.worktime.limits import CALENDAR_DAYS, WORKING_TIME_UNITS, TimeLimit
from onestop.worktime.table import (
    DAY_US,
    TZ,
    DayTable,
    local_us,
    to_datetime,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


_LOCAL_EPOCH = datetime(1970, 1, 1, tzinfo=TZ)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
POLICIES = ("pause", "restart")

Pause = tuple[datetime, datetime]


@dataclass(frozen=True)
class Plan:
    """How a due instant was reached, in local µs; ``explain`` turns it into a day-by-day trace."""

    start: int
    normalised: int
    due: int
    counted: tuple[tuple[int, int], ...]  # intervals in which the clock ran
    pauses: tuple[tuple[int, int, int], ...]  # (from, to, working µs inside) of merged pauses
    restart_at: int | None  # "restart" policy: where the full limit was counted again


class Calendar:
    """A national or provincial calendar with a working-hours profile. Build it with
    ``load_calendar()``; instances are immutable and safe to share between threads."""

    def __init__(
        self,
        *,
        entries: Mapping[date, DayEntry],
        hours: WorkingHours,
        province: str | None,
        provisional_years: frozenset[int],
        first: date,
        last: date,
    ) -> None:
        self.hours = hours
        self.province = province
        self._entries = dict(sorted(entries.items()))
        self._provisional_years = provisional_years
        self._table = DayTable(first, last, self._entries, hours)
        self.fingerprint = self._fingerprint()
        self._arrays: Any = None  # numpy mirror of the table, built on first batch call

    def __repr__(self) -> str:
        where = self.province or "national"
        return f"<Calendar {where} hours={self.hours} fingerprint={self.fingerprint}>"

    # -- days -----------------------------------------------------------------------------------
    @property
    def first_date(self) -> date:
        return self._table.first

    @property
    def last_date(self) -> date:
        return self._table.last

    def is_working_day(self, d: date) -> bool:
        """Whether a local date is a working day (an aware datetime is taken at its local date)."""
        return self._table.is_working_index(self._table.index(self._local_date(d)))

    def is_provisional(self, d: date) -> bool:
        """True when the day's status comes from statutory rules, not a published schedule."""
        d = self._local_date(d)
        entry = self._entries.get(d)
        if entry is not None:
            return entry.provisional or entry.kind == "pending"
        return d.year in self._provisional_years

    def day_entry(self, d: date) -> DayEntry | None:
        """The effective non-standard row of a local date, or None for a plain weekday/weekend."""
        return self._entries.get(self._local_date(d))

    def days(self, year: int) -> list[DayEntry]:
        """Non-standard days in force for a year (off weekdays, make-up days, pending days), with
        their sources; provisional rows for years without a published schedule."""
        if not self._table.first.year <= year <= self._table.last.year:
            raise self._table.out_of_range(f"year {year}")
        return [e for d, e in self._entries.items() if d.year == year]

    def year_is_provisional(self, year: int) -> bool:
        return year in self._provisional_years

    # -- working time ---------------------------------------------------------------------------
    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time from ``a`` to ``b``; zero if ``b`` ≤ ``a``."""
        t = self._table
        delta = t.pos(local_us(b)) - t.pos(local_us(a))
        return timedelta(microseconds=delta) if delta > 0 else timedelta(0)

    def normalise(self, start: datetime) -> datetime:
        """First working instant at or after ``start`` (the moment the clock starts)."""
        t = self._table
        return to_datetime(t.normalise(t.pos(local_us(start))))

    def due_at(
        self,
        start: datetime,
        limit: TimeLimit,
        pauses: Iterable[Pause] = (),
        policy: str = "pause",
    ) -> datetime:
        """Due instant (aware, +07:00) of a limit counted from ``start``."""
        if pauses or policy != "pause" or type(limit) is not TimeLimit:
            if policy not in POLICIES:
                raise WorktimeError(f"unknown pause policy {policy!r}; use 'pause' or 'restart'")
            if not isinstance(limit, TimeLimit):
                raise WorktimeError(f"limit must be a TimeLimit, got {limit!r}")
            return to_datetime(self._plan(local_us(start), limit, pauses, policy).due)
        seconds = limit.fast_seconds
        if seconds:  # the common case: whole-second working amount, no pauses
            try:
                delta = start - _EPOCH_UTC
            except TypeError:
                local_us(start)  # raises the clear error for naive or non-datetime input
                raise
            return self._table.add_fast(delta.days, delta.seconds, delta.microseconds, seconds)
        return to_datetime(self._due_local(local_us(start), limit))

    def explain(
        self,
        start: datetime,
        limit: TimeLimit,
        pauses: Iterable[Pause] = (),
        policy: str = "pause",
    ) -> Explanation:
        """The due instant with a trace: one entry per day or part-day counted or skipped."""
        if policy not in POLICIES:
            raise WorktimeError(f"unknown pause policy {policy!r}; use 'pause' or 'restart'")
        if not isinstance(limit, TimeLimit):
            raise WorktimeError(f"limit must be a TimeLimit, got {limit!r}")
        plan = self._plan(local_us(start), limit, pauses, policy)
        return build_explanation(self, plan, limit, policy)

    def due_at_many(
        self, starts: npt.NDArray[np.datetime64] | Sequence[datetime], limit: TimeLimit
    ) -> npt.NDArray[np.datetime64]:
        """Batch ``due_at`` without pauses: UTC instants in (numpy datetime64, or aware datetimes),
        numpy ``datetime64[s]`` UTC instants out (sub-second parts are floored)."""
        return due_at_many(self, starts, limit)

    # -- engine ---------------------------------------------------------------------------------
    @property
    def table(self) -> DayTable:
        return self._table

    def _due_local(self, lus: int, limit: TimeLimit) -> int:
        t = self._table
        if limit.unit in WORKING_TIME_UNITS:
            amount = limit.working_us
            position = t.pos(lus)
            return t.locate(position + amount) if amount else t.normalise(position)
        if limit.unit == CALENDAR_DAYS:
            i = lus // DAY_US - t.d0
            if not 0 <= i < t.n:
                raise t.out_of_range("the start")
            i += limit.calendar_days
            if i >= t.n:
                raise t.out_of_range("the due date")
            return t.closing_of_rank(t.rank[i])
        # same_day: the cut-off is compared with the normalised start, so a dossier received
        # at 18:00 (counted from 07:00 next morning) is not "after the cut-off" of that morning.
        position = t.pos(lus)
        k = position // WORKDAY_US
        if t.normalise(position) % DAY_US > time_us(limit.cutoff):
            k += 1
        return t.closing_of_rank(k)

    def _plan(self, lus: int, limit: TimeLimit, pauses: Iterable[Pause], policy: str) -> Plan:
        t = self._table
        merged = _merge_pauses(lus, pauses)
        with_work = tuple((a, b, t.pos(b) - t.pos(a)) for a, b in merged)
        if policy == "restart" and merged:
            restart = merged[-1][1]
            due = self._due_local(restart, limit)
            norm = t.normalise(t.pos(lus))
            return Plan(lus, norm, due, ((restart, due),), with_work, restart)
        norm = t.normalise(t.pos(lus))
        if limit.unit in WORKING_TIME_UNITS and not limit.working_us:
            return Plan(lus, norm, norm, (), (), None)
        # Pause policy, any unit: the due instant moves later by the working time that elapsed
        # inside the pauses (docs/rules.md §3.6); for calendar_days and same_day that is
        # the working time between the start and the unpaused due instant.
        target = t.pos(self._due_local(lus, limit))
        counted: list[tuple[int, int]] = []
        applied: list[tuple[int, int, int]] = []
        cur = lus
        for a, b, work in with_work:
            if target <= t.pos(a):
                break  # the limit runs out before this pause begins
            counted.append((cur, a))
            applied.append((a, b, work))
            target += work
            cur = b
        due = t.locate(target)
        counted.append((cur, due))
        return Plan(lus, norm, due, tuple(counted), tuple(applied), None)

    # -- helpers --------------------------------------------------------------------------------
    def _local_date(self, d: date) -> date:
        if isinstance(d, datetime):
            return (_LOCAL_EPOCH + timedelta(microseconds=local_us(d))).date()
        if not isinstance(d, date):
            raise WorktimeError(f"expected a date, got {d!r}")
        return d

    def _fingerprint(self) -> str:
        """Short stable hash of what decides due dates: range, hours, province, day kinds."""
        digest = hashlib.sha256()
        t = self._table
        head = f"worktime-1|{t.first}|{t.last}|Asia/Ho_Chi_Minh|{self.hours}|{self.province or ''}"
        digest.update(head.encode())
        for d, entry in self._entries.items():
            digest.update(f"\n{d.isoformat()} {entry.kind}".encode())
        return digest.hexdigest()[:16]


def _merge_pauses(start: int, pauses: Iterable[Pause]) -> list[tuple[int, int]]:
    """Pause intervals as local µs, clipped to the start, sorted, overlaps merged."""
    spans: list[tuple[int, int]] = []
    for pair in pauses:
        try:
            frm, to = pair
        except (TypeError, ValueError):
            raise WorktimeError(
                f"a pause must be a (from, to) pair of datetimes, got {pair!r}"
            ) from None
        la, lb = local_us(frm), local_us(to)
        if lb < la:
            raise WorktimeError(
                f"pause ends before it begins: {frm.isoformat()} > {to.isoformat()}"
            )
        la = max(la, start)
        if lb > la:
            spans.append((la, lb))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            if b > merged[-1][1]:
                merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged
