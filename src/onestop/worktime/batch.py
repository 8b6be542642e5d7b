"""Vectorised due dates: the day table as NumPy arrays, the same integer arithmetic as
``DayTable.pos`` / ``locate`` / ``normalise`` applied to whole arrays (reports recompute the due
dates of a million dossiers; a Python loop would take seconds)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from onestop.worktime.errors import WorktimeError
from onestop.worktime.hours import WORKDAY_US, time_us
from onestop.worktime.limits import CALENDAR_DAYS, WORKING_TIME_UNITS, TimeLimit
from onestop.worktime.table import DAY_US, UTC_OFFSET_US, DayTable, local_us

if TYPE_CHECKING:
    from onestop.worktime.calendar import Calendar

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class TableArrays:
    rank_us: I64  # working position at the start of each day (rank × 8 h)
    work: I64  # 1 for a working day, 0 otherwise
    rank: I64
    workdays: I64  # epoch-day index of the k-th working day
    sessions: tuple[tuple[int, int, int], ...]

    @classmethod
    def of(cls, table: DayTable) -> TableArrays:
        rank = np.asarray(table.rank, dtype=np.int64)
        return cls(
            rank_us=rank[:-1] * WORKDAY_US,
            work=np.frombuffer(table.work, dtype=np.uint8).astype(np.int64),
            rank=rank,
            workdays=np.asarray(table.workdays, dtype=np.int64),
            sessions=table.sessions,
        )


def _arrays(cal: Calendar) -> TableArrays:
    # Built once per calendar; a benign race at worst builds it twice.
    if cal._arrays is None:
        cal._arrays = TableArrays.of(cal.table)
    arrays: TableArrays = cal._arrays
    return arrays


def to_local_us(starts: npt.NDArray[np.datetime64] | Sequence[datetime]) -> I64:
    """UTC datetime64 (any unit) or aware datetimes → local µs (int64)."""
    if isinstance(starts, np.ndarray) and np.issubdtype(starts.dtype, np.datetime64):
        if np.isnat(starts).any():
            raise WorktimeError("starts contain NaT")
        utc = starts.astype("datetime64[us]").view(np.int64)
        return utc + np.int64(UTC_OFFSET_US)
    if isinstance(starts, np.ndarray) and starts.dtype != object:
        raise WorktimeError(f"starts must be datetime64 or aware datetimes, not {starts.dtype}")
    return np.fromiter((local_us(s) for s in starts), dtype=np.int64)


def due_at_many(
    cal: Calendar, starts: npt.NDArray[np.datetime64] | Sequence[datetime], limit: TimeLimit
) -> npt.NDArray[np.datetime64]:
    if not isinstance(limit, TimeLimit):
        raise WorktimeError(f"limit must be a TimeLimit, got {limit!r}")
    t = cal.table
    a = _arrays(cal)
    lus = to_local_us(starts)
    if lus.size == 0:
        return np.empty(0, dtype="datetime64[s]")
    day = lus // DAY_US
    i = day - t.d0
    if i.min() < 0 or i.max() >= t.n:
        raise t.out_of_range("a start")
    n_work = a.workdays.size
    out_tod: I64 | np.int64
    if limit.unit == CALENDAR_DAYS:
        j = i + limit.calendar_days
        if j.max() >= t.n:
            raise t.out_of_range("a due date")
        out_day = _workday(a, a.rank[j], n_work, t)
        out_tod = np.int64(t.closing_us)
    else:
        tod = lus - day * DAY_US
        within = np.zeros_like(tod)
        for s, e, _ in a.sessions:
            within += np.clip(tod - s, 0, e - s)
        position = a.rank_us[i] + within * a.work[i]
        amount = limit.working_us
        if limit.unit in WORKING_TIME_UNITS and amount:
            target = position + amount - 1  # locate(): the earliest instant reaching the target
            k = _i64(target // WORKDAY_US)
            r = _i64(target - k * WORKDAY_US + 1)
            out_day = _workday(a, k, n_work, t)
            out_tod = _time_in_day(a, r, inclusive=True)
        else:
            k = _i64(position // WORKDAY_US)
            r = _i64(position - k * WORKDAY_US)
            norm_tod = _time_in_day(a, r, inclusive=False)
            if limit.unit in WORKING_TIME_UNITS:  # zero amount: the normalised start
                out_day, out_tod = _workday(a, k, n_work, t), norm_tod
            else:  # same_day
                k = _i64(k + (norm_tod > time_us(limit.cutoff)))
                out_day, out_tod = _workday(a, k, n_work, t), np.int64(t.closing_us)
    utc_us = out_day * DAY_US + out_tod - UTC_OFFSET_US
    return (utc_us // 1_000_000).astype("datetime64[s]")


def _i64(values: npt.ArrayLike) -> I64:
    return np.asarray(values, dtype=np.int64)  # no copy: only pins the type for mypy


def _workday(a: TableArrays, k: I64, n_work: int, t: DayTable) -> I64:
    if k.max() >= n_work:
        raise t.out_of_range("a due date")
    return a.workdays[k]


def _time_in_day(a: TableArrays, r: I64, *, inclusive: bool) -> I64:
    """Clock time at which ``r`` µs of the day's working time is reached: ``inclusive`` picks the
    session end on a boundary (due instants), otherwise the next session start (normalisation)."""
    s0, _, _ = a.sessions[0]
    out = s0 + r
    for s, _, before in a.sessions[1:]:
        later = r > before if inclusive else r >= before
        out = np.where(later, s + r - before, out)
    return out
