"""The injected clock: domain code asks this module for "now" so tests can set it; and the local
(Asia/Ho_Chi_Minh) dates every package counts days in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

_now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)  # noqa: E731, TID251


def now() -> dt.datetime:
    """Current instant, timezone-aware (UTC)."""
    return _now()


def set_now(fn: Callable[[], dt.datetime] | dt.datetime | None) -> None:
    """Freeze (a datetime), drive (a callable) or reset (None) the clock. For tests and imports."""
    global _now
    if fn is None:
        _now = lambda: dt.datetime.now(dt.UTC)  # noqa: E731, TID251
    elif isinstance(fn, dt.datetime):
        if fn.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        frozen = fn
        _now = lambda: frozen  # noqa: E731
    else:
        _now = fn


def local_today() -> dt.date:
    return now().astimezone(LOCAL_TZ).date()


def local_date(at: dt.datetime) -> dt.date:
    """The local (Asia/Ho_Chi_Minh) date of an instant: the day of a code counter, a rollup row,
    a report period."""
    return at.astimezone(LOCAL_TZ).date()


def day_start(day: dt.date) -> dt.datetime:
    """The instant (UTC) a local date begins; periods are local dates, inclusive."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=LOCAL_TZ).astimezone(dt.UTC)
