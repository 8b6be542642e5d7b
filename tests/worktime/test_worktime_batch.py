"""due_at_many: NumPy datetime64 (UTC) or aware datetimes in, datetime64[s] UTC out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from onestop.worktime import Calendar, TimeLimit

LIMITS = [
    TimeLimit(5, "working_days"),
    TimeLimit(0.5, "working_days"),
    TimeLimit(3, "working_hours"),
    TimeLimit(0, "working_days"),
    TimeLimit(10, "calendar_days"),
    TimeLimit(1, "same_day"),
    TimeLimit.parse("same_day 11:00"),
]


@pytest.fixture(scope="module")
def starts() -> np.ndarray:
    rng = np.random.default_rng(20260212)
    base = np.datetime64("2023-12-31T17:00:00", "us").astype(np.int64)
    offsets = rng.integers(0, 4 * 365 * 86400 * 10**6, 3000)
    return (base + offsets).astype("datetime64[us]")


@pytest.mark.parametrize("limit", LIMITS, ids=str)
def test_batch_matches_scalar(cal: Calendar, starts: np.ndarray, limit: TimeLimit) -> None:
    got = cal.due_at_many(starts, limit)
    assert got.dtype == np.dtype("datetime64[s]") and got.shape == starts.shape
    for s, g in zip(starts.tolist(), got.tolist(), strict=True):
        want = cal.due_at(s.replace(tzinfo=UTC), limit).astimezone(UTC).replace(tzinfo=None)
        assert g == want.replace(microsecond=0)


@pytest.mark.parametrize("unit", ["s", "m", "ms", "ns"])
def test_any_datetime64_unit(cal: Calendar, unit: str) -> None:
    start = np.array(["2026-02-12T09:30"], dtype=f"datetime64[{unit}]")  # 16:30 in Vietnam
    out = cal.due_at_many(start, TimeLimit(5, "working_days"))
    assert out[0] == np.datetime64("2026-02-26T09:30:00")


def test_sequence_of_aware_datetimes(cal: Calendar) -> None:
    seq = [
        datetime.fromisoformat("2026-08-28T17:30+07:00"),
        datetime.fromisoformat("2026-01-09T03:00+00:00"),
    ]
    out = cal.due_at_many(seq, TimeLimit(1, "working_days"))
    assert out.tolist() == [datetime(2026, 9, 3, 10, 0), datetime(2026, 1, 10, 3, 0)]


def test_empty_and_bad_input(cal: Calendar) -> None:
    limit = TimeLimit(1, "working_days")
    assert cal.due_at_many(np.array([], dtype="datetime64[s]"), limit).size == 0
    with pytest.raises(ValueError, match="NaT"):
        cal.due_at_many(np.array(["NaT"], dtype="datetime64[s]"), limit)
    with pytest.raises(ValueError, match="datetime64 or aware"):
        cal.due_at_many(np.array([1, 2, 3]), limit)
    with pytest.raises(ValueError, match="no time zone"):
        cal.due_at_many([datetime(2026, 1, 1, 9)], limit)
    with pytest.raises(ValueError, match="outside"):
        cal.due_at_many(np.array(["1990-01-01T00:00"], dtype="datetime64[s]"), limit)
    with pytest.raises(ValueError, match="outside"):
        cal.due_at_many(
            np.array(["2060-12-20T00:00"], dtype="datetime64[s]"), TimeLimit(40, "working_days")
        )
    with pytest.raises(ValueError, match="TimeLimit"):
        cal.due_at_many(np.array(["2026-01-01"], dtype="datetime64[s]"), "1 working_days")  # type: ignore[arg-type]


def test_large_batch_is_consistent(cal: Calendar) -> None:
    """Not timed (that is bench/): a million starts give the same answers as a sample of scalars."""
    base = np.datetime64("2024-01-01T00:00:00", "s")
    starts = base + np.arange(0, 1_000_000 * 97, 97).astype("timedelta64[s]")
    out = cal.due_at_many(starts, TimeLimit(5, "working_days"))
    for i in range(0, 1_000_000, 99_991):
        s = starts[i].astype(datetime).replace(tzinfo=UTC)
        want = cal.due_at(s, TimeLimit(5, "working_days")).astimezone(UTC).replace(tzinfo=None)
        assert out[i].astype(datetime) == want
    assert (out[1:] >= out[:-1]).all()  # monotone in the start
    assert out[-1] - out[0] > np.timedelta64(timedelta(days=1000))
