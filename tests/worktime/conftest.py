"""Fixtures of the working-time tests: the national calendar, and the official day lists of
docs/rules.md §2.3 copied by hand (the machine-readable summary), which the data tests and the
minute-by-minute oracle use independently of the engine's own tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import pytest

from onestop.worktime import Calendar, load_calendar


def _d(*isos: str) -> frozenset[date]:
    return frozenset(date.fromisoformat(s) for s in isos)


# docs/rules.md §2.3, "Machine-readable summary" (weekday dates that are NOT working days, and
# Saturdays that ARE working days), checked against the three tables above it.
DOMAIN_MD_4_3: dict[int, dict[str, frozenset[date]]] = {
    2024: {
        "off_weekdays": _d(
            "2024-01-01", "2024-02-08", "2024-02-09", "2024-02-12", "2024-02-13", "2024-02-14",
            "2024-04-18", "2024-04-29", "2024-04-30", "2024-05-01", "2024-09-02", "2024-09-03",
        ),
        "makeup_workdays": _d("2024-05-04"),
        "pending": _d(),
    },
    2025: {
        "off_weekdays": _d(
            "2025-01-01", "2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31",
            "2025-04-07", "2025-04-30", "2025-05-01", "2025-05-02", "2025-09-01", "2025-09-02",
        ),
        "makeup_workdays": _d("2025-04-26"),
        "pending": _d(),
    },
    2026: {
        "off_weekdays": _d(
            "2026-01-01", "2026-01-02", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19",
            "2026-02-20", "2026-04-27", "2026-04-30", "2026-05-01", "2026-08-31", "2026-09-01",
            "2026-09-02",
        ),
        "makeup_workdays": _d("2026-01-10", "2026-08-22"),
        "pending": _d("2026-11-24"),
    },
}  # fmt: skip

OFF = frozenset().union(*(y["off_weekdays"] for y in DOMAIN_MD_4_3.values()))
MAKEUP = frozenset().union(*(y["makeup_workdays"] for y in DOMAIN_MD_4_3.values()))
SESSIONS = ((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))


def official_working_day(d: date) -> bool:
    """Working day per docs/rules.md §2.3 alone (pending days count as working)."""
    return d in MAKEUP or (d.weekday() < 5 and d not in OFF)


def oracle_working_minute(local: datetime) -> bool:
    """Is the minute starting at this naive local (+07:00) time working time?"""
    if not official_working_day(local.date()):
        return False
    t = local.time()
    return any(s <= t < e for s, e in SESSIONS)


@pytest.fixture(scope="session")
def cal() -> Calendar:
    return load_calendar()


@pytest.fixture(scope="session")
def domain_days() -> dict[int, dict[str, frozenset[date]]]:
    return DOMAIN_MD_4_3


@pytest.fixture(scope="session")
def working_minute() -> Callable[[datetime], bool]:
    return oracle_working_minute


@pytest.fixture(scope="session")
def official_day() -> Callable[[date], bool]:
    return official_working_day


ONE_MINUTE = timedelta(minutes=1)
