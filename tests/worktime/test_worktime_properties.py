"""Property tests against a slow minute-by-minute oracle that knows only docs/rules.md §2.3's day
lists and the 07:00–11:30 / 13:30–17:00 sessions (conftest.py), not the engine's tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction

import numpy as np
from hypothesis import given, settings, strategies as st

from onestop.worktime import TimeLimit, load_calendar

CAL = load_calendar()
PLUS7 = timezone(timedelta(hours=7))
ORIGIN = datetime(2024, 1, 1)  # naive local
SPAN_MINUTES = (datetime(2026, 12, 10) - ORIGIN) // timedelta(minutes=1)
MINUTE = timedelta(minutes=1)
MAX_DAYS_OF_WORK = 3 * 480  # minutes; keeps the oracle's walk short

starts = st.integers(0, SPAN_MINUTES).map(lambda m: ORIGIN + m * MINUTE)
amounts = st.integers(1, MAX_DAYS_OF_WORK)
offsets = st.sampled_from([PLUS7, UTC, timezone(timedelta(hours=-4, minutes=-30))])


def aware(local: datetime, tz: timezone = PLUS7) -> datetime:
    return local.replace(tzinfo=PLUS7).astimezone(tz)


def hours(minutes: int) -> TimeLimit:
    return TimeLimit(Fraction(minutes, 60), "working_hours")  # type: ignore[arg-type]


def oracle_due(
    working: Callable[[datetime], bool],
    start: datetime,
    minutes: int,
    pauses: list[tuple[datetime, datetime]] = (),  # type: ignore[assignment]
) -> datetime:
    """Walk minute by minute; the due instant is the end of the minute that completes the
    amount (so an amount ending at 11:30 is due at 11:30)."""
    m, count = start, 0
    while True:
        if working(m) and not any(a <= m < b for a, b in pauses):
            count += 1
            if count == minutes:
                return m + MINUTE
        m += MINUTE


def oracle_between(working: Callable[[datetime], bool], a: datetime, b: datetime) -> timedelta:
    count, m = 0, a
    while m < b:
        count += working(m)
        m += MINUTE
    return count * MINUTE


@settings(max_examples=120, deadline=None)
@given(start=starts, minutes=amounts, tz=offsets)
def test_due_at_matches_the_oracle(
    working_minute: Callable[[datetime], bool], start: datetime, minutes: int, tz: timezone
) -> None:
    expected = aware(oracle_due(working_minute, start, minutes))
    assert CAL.due_at(aware(start, tz), hours(minutes)) == expected
    if minutes % 480 == 0:
        assert CAL.due_at(aware(start, tz), TimeLimit(minutes // 480, "working_days")) == expected


@settings(max_examples=120, deadline=None)
@given(a=starts, length=st.integers(0, 12 * 24 * 60), backwards=st.booleans())
def test_working_time_between_matches_the_oracle(
    working_minute: Callable[[datetime], bool], a: datetime, length: int, backwards: bool
) -> None:
    b = a + length * MINUTE
    got = CAL.working_time_between(aware(a), aware(b))
    assert got == oracle_between(working_minute, a, b)
    if backwards and length:
        assert CAL.working_time_between(aware(b), aware(a)) == timedelta(0)


@settings(max_examples=150, deadline=None)
@given(start=starts, minutes=st.integers(1, 20 * 480))
def test_working_time_to_the_due_instant_is_the_limit(start: datetime, minutes: int) -> None:
    s = CAL.normalise(aware(start))
    due = CAL.due_at(s, hours(minutes))
    assert CAL.working_time_between(s, due) == minutes * MINUTE
    # ...and the due instant is the earliest such instant: one second earlier falls short.
    assert CAL.working_time_between(s, due - timedelta(seconds=1)) < minutes * MINUTE


pause_lists = st.lists(
    st.tuples(st.integers(-3 * 1440, 10 * 1440), st.integers(0, 4 * 1440)), max_size=3
)


@settings(max_examples=80, deadline=None)
@given(start=starts, minutes=amounts, raw=pause_lists)
def test_pause_policy_matches_the_oracle(
    working_minute: Callable[[datetime], bool],
    start: datetime,
    minutes: int,
    raw: list[tuple[int, int]],
) -> None:
    pauses = [(start + a * MINUTE, start + (a + n) * MINUTE) for a, n in raw]
    expected = oracle_due(working_minute, start, minutes, pauses)
    got = CAL.due_at(aware(start), hours(minutes), [(aware(a), aware(b)) for a, b in pauses])
    assert got == aware(expected)


@settings(max_examples=80, deadline=None)
@given(start=starts, minutes=amounts, raw=pause_lists)
def test_restart_policy_matches_the_oracle(
    working_minute: Callable[[datetime], bool],
    start: datetime,
    minutes: int,
    raw: list[tuple[int, int]],
) -> None:
    pauses = [(start + a * MINUTE, start + (a + n) * MINUTE) for a, n in raw]
    ends = [b for a, b in pauses if b > start and b > a]
    restart_from = max(ends) if ends else start
    expected = oracle_due(working_minute, restart_from, minutes)
    got = CAL.due_at(
        aware(start), hours(minutes), [(aware(a), aware(b)) for a, b in pauses], "restart"
    )
    assert got == aware(expected)


@settings(max_examples=200, deadline=None)
@given(
    start=st.integers(0, SPAN_MINUTES * 60 * 10**6),
    amount=st.one_of(
        st.integers(1, 40).map(lambda n: TimeLimit(n, "working_days")),
        st.integers(1, 300).map(lambda n: TimeLimit(n, "working_hours")),
        st.fractions(Fraction(1, 1000), 30).map(lambda f: TimeLimit(f, "working_days")),  # type: ignore[arg-type]
    ),
)
def test_fast_path_equals_the_explained_path(start: int, amount: TimeLimit) -> None:
    s = aware(ORIGIN + timedelta(microseconds=start))
    fast = CAL.due_at(s, amount)
    assert fast == CAL.explain(s, amount).due_at
    assert CAL.working_time_between(s, fast) == timedelta(microseconds=amount.working_us)


@settings(max_examples=100, deadline=None)
@given(a=starts, gap=st.integers(0, 5 * 1440), minutes=amounts)
def test_due_at_is_monotone_in_the_start(a: datetime, gap: int, minutes: int) -> None:
    b = a + gap * MINUTE
    assert CAL.due_at(aware(a), hours(minutes)) <= CAL.due_at(aware(b), hours(minutes))


limits = st.one_of(
    st.integers(0, 60).map(lambda n: TimeLimit(n, "working_days")),
    st.integers(1, 500).map(lambda n: TimeLimit(Fraction(n, 4), "working_hours")),  # type: ignore[arg-type]
    st.integers(1, 90).map(lambda n: TimeLimit(n, "calendar_days")),
    st.sampled_from(["same_day", "same_day 12:00", "same_day 16:30"]).map(TimeLimit.parse),
)


@settings(max_examples=60, deadline=None)
@given(
    seconds=st.lists(st.integers(0, 20 * 365 * 86400), min_size=1, max_size=50),
    micro=st.integers(0, 999_999),
    limit=limits,
)
def test_batch_equals_scalar(seconds: list[int], micro: int, limit: TimeLimit) -> None:
    base = datetime(2015, 1, 1, tzinfo=UTC)
    instants = [base + timedelta(seconds=s, microseconds=micro * (i % 2)) for i, s in
                enumerate(seconds)]  # fmt: skip
    array = np.array([i.replace(tzinfo=None) for i in instants], dtype="datetime64[us]")
    got = CAL.due_at_many(array, limit)
    want = [CAL.due_at(i, limit).astimezone(UTC).replace(tzinfo=None, microsecond=0)
            for i in instants]  # fmt: skip
    assert got.tolist() == want
    assert CAL.due_at_many(instants, limit).tolist() == want


@settings(max_examples=150, deadline=None)
@given(
    start=st.integers(0, 59 * 365 * 1440).map(lambda m: datetime(2000, 1, 1) + m * MINUTE),
    minutes=st.integers(1, 30 * 480),
)
def test_invariant_holds_across_the_whole_table(start: datetime, minutes: int) -> None:
    """Provisional years (seeded from `holidays`) obey the same arithmetic."""
    s = CAL.normalise(aware(start))
    due = CAL.due_at(s, hours(minutes))
    assert CAL.working_time_between(s, due) == minutes * MINUTE
    assert CAL.is_working_day(due.date()) and due > s
    assert CAL.normalise(due - timedelta(seconds=1)) < due  # due lies in (or ends) a session
