"""Working-hours profiles: the daily sessions in local time (Asia/Ho_Chi_Minh).

A working day is 8 working hours by law and in every implementation examined (docs/rules.md
§2.1), so a profile whose sessions do not add up to exactly 8 hours is rejected rather than silently
making "1 working day" mean something else.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time, timedelta

from onestop.worktime.errors import WorktimeError

US_PER_SECOND = 1_000_000
WORKDAY_US = 8 * 3600 * US_PER_SECOND

Session = tuple[time, time]

_SESSION_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")


def time_us(t: time) -> int:
    """Microseconds since midnight."""
    return ((t.hour * 60 + t.minute) * 60 + t.second) * US_PER_SECOND + t.microsecond


def _fmt(t: time) -> str:
    return t.strftime("%H:%M") if not (t.second or t.microsecond) else t.isoformat()


@dataclass(frozen=True)
class WorkingHours:
    """Daily sessions, e.g. 07:00–11:30 and 13:30–17:00 (the default)."""

    sessions: tuple[Session, ...] = ((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))

    def __post_init__(self) -> None:
        sessions = tuple(_as_session(s) for s in _as_iterable(self.sessions))
        object.__setattr__(self, "sessions", sessions)
        if not sessions:
            raise WorktimeError("working hours need at least one session")
        for start, end in sessions:
            if start.tzinfo is not None or end.tzinfo is not None:
                raise WorktimeError("session times are local wall-clock times; drop the tzinfo")
            if start.microsecond or end.microsecond:
                raise WorktimeError("session times must be whole seconds")
            if start >= end:
                raise WorktimeError(f"session {_fmt(start)}-{_fmt(end)} ends before it starts")
        for (s1, e1), (s2, e2) in itertools.pairwise(sessions):
            if s2 < e1:
                raise WorktimeError(
                    f"sessions {_fmt(s1)}-{_fmt(e1)} and {_fmt(s2)}-{_fmt(e2)} overlap or are "
                    "not in time order"
                )
        total = sum(time_us(e) - time_us(s) for s, e in sessions)
        if total != WORKDAY_US:
            raise WorktimeError(
                f"working hours {self} add up to {timedelta(microseconds=total)} a day; "
                "a working day must be exactly 8 hours"
            )

    @classmethod
    def parse(cls, text: str) -> WorkingHours:
        """``"07:30-11:30,13:30-17:30"`` → WorkingHours (ValueError on any malformed part)."""
        parts = [p for p in text.split(",") if p.strip()]
        if not parts:
            raise WorktimeError(f"empty working-hours profile {text!r}")
        sessions: list[Session] = []
        for part in parts:
            m = _SESSION_RE.match(part)
            if m is None:
                raise WorktimeError(
                    f"bad session {part.strip()!r} in {text!r}; expected HH:MM-HH:MM"
                )
            h1, m1, h2, m2 = (int(g) for g in m.groups())
            try:
                sessions.append((time(h1, m1), time(h2, m2)))
            except ValueError as exc:
                raise WorktimeError(f"bad time in session {part.strip()!r}: {exc}") from None
        return cls(tuple(sessions))

    def __str__(self) -> str:
        return ",".join(f"{_fmt(s)}-{_fmt(e)}" for s, e in self.sessions)

    @property
    def opening(self) -> time:
        return self.sessions[0][0]

    @property
    def closing(self) -> time:
        return self.sessions[-1][1]

    def bounds_us(self) -> tuple[tuple[int, int, int], ...]:
        """(start, end, working time before this session) per session, in µs of the day."""
        out: list[tuple[int, int, int]] = []
        before = 0
        for s, e in self.sessions:
            out.append((time_us(s), time_us(e), before))
            before += time_us(e) - time_us(s)
        return tuple(out)


def _as_iterable(value: object) -> Iterable[object]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise WorktimeError(
            "sessions must be a sequence of (start, end) times; use WorkingHours.parse() for text"
        )
    return value


def _as_session(value: object) -> Session:
    if (
        isinstance(value, tuple | list)
        and len(value) == 2
        and all(isinstance(t, time) for t in value)
    ):
        return (value[0], value[1])
    raise WorktimeError(f"a session must be a (start, end) pair of datetime.time, got {value!r}")
