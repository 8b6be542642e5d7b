"""Due instants of dossiers and steps (docs/rules.md §3), and the early / on-time / late rule
(§9.1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any

from onestop.core.errors import InvalidInput
from onestop.worktime import TZ, Calendar, TimeLimit

#: Online / postal dossiers must be accepted or answered within 8 working hours (docs/rules.md
#: §5.2).
ACCEPT_WINDOW = TimeLimit(8, "working_hours")

Pause = tuple[dt.datetime, dt.datetime]


def _engine_error(exc: ValueError) -> InvalidInput:
    return InvalidInput(
        f"Không tính được thời hạn ({exc}) (cannot compute the due instant)",
        code="deadline-not-computable",
    )


def due(
    cal: Calendar,
    start: dt.datetime,
    limit: TimeLimit,
    pauses: Sequence[Pause] = (),
    policy: str = "pause",
) -> dt.datetime:
    """The due instant in UTC; engine errors (e.g. a date outside the calendar) become a 422."""
    try:
        return cal.due_at(start, limit, pauses=pauses, policy=policy).astimezone(dt.UTC)
    except ValueError as exc:
        raise _engine_error(exc) from exc


def explain(
    cal: Calendar,
    start: dt.datetime,
    limit: TimeLimit,
    pauses: Sequence[Pause] = (),
    policy: str = "pause",
) -> dict[str, Any]:
    try:
        return cal.explain(start, limit, pauses=pauses, policy=policy).to_dict()
    except ValueError as exc:
        raise _engine_error(exc) from exc


@lru_cache(maxsize=256)
def step_limit(budget_hours: Decimal) -> TimeLimit:
    return TimeLimit(budget_hours, "working_hours")  # type: ignore[arg-type]


def classify(cal: Calendar, ended_at: dt.datetime, due_at: dt.datetime) -> str:
    """``late`` after the due instant; ``early`` before the opening of the working day on which
    the due instant falls (docs/rules.md §9.1); ``on_time`` otherwise."""
    if ended_at > due_at:
        return "late"
    local_due = due_at.astimezone(TZ)
    opening = dt.datetime.combine(local_due.date(), cal.hours.opening, tzinfo=TZ)
    return "early" if ended_at < opening else "on_time"


def iso(at: dt.datetime | None) -> str | None:
    """Local ISO 8601 (+07:00) for event payloads."""
    return at.astimezone(TZ).isoformat() if at is not None else None
