"""The worked examples of docs/rules.md §3.8, with the boundary convention of §3.3 (an amount
ending at a session end is due at 17:00, not at 07:00 of the next working day)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from onestop.worktime import Calendar, TimeLimit

EXAMPLES = [
    # received, limit (working days), due
    ("2026-02-12T16:30+07:00", 5, "2026-02-26T16:30:00+07:00"),  # Tết 14–22/02 off
    ("2026-01-09T10:00+07:00", 1, "2026-01-10T10:00:00+07:00"),  # make-up Saturday
    ("2025-12-31T15:00+07:00", 2, "2026-01-06T15:00:00+07:00"),  # 01–04/01 off (swap 02/01)
    ("2026-08-28T17:30+07:00", 1, "2026-09-03T17:00:00+07:00"),  # ≡ Fri 04/09 07:00
    ("2026-04-27T09:00+07:00", 1, "2026-04-28T17:00:00+07:00"),  # ≡ Wed 29/04 07:00
]


def _utc64(iso: str) -> np.datetime64:
    return np.datetime64(datetime.fromisoformat(iso).astimezone(UTC).replace(tzinfo=None), "s")


@pytest.mark.parametrize(("received", "days", "due"), EXAMPLES)
def test_worked_example(cal: Calendar, received: str, days: int, due: str) -> None:
    start = datetime.fromisoformat(received)
    limit = TimeLimit(days, "working_days")
    got = cal.due_at(start, limit)
    assert got.isoformat() == due
    assert str(got.tzinfo) == "Asia/Ho_Chi_Minh"
    explanation = cal.explain(start, limit)
    assert explanation.due_at == got
    assert explanation.working_time == timedelta(hours=8 * days)
    assert sum((e.counted for e in explanation.entries), timedelta(0)) == timedelta(hours=8 * days)
    assert not explanation.provisional
    assert cal.working_time_between(start, got) == timedelta(hours=8 * days)


@pytest.mark.parametrize(("received", "days", "due"), EXAMPLES)
def test_worked_example_in_batch(cal: Calendar, received: str, days: int, due: str) -> None:
    out = cal.due_at_many(np.array([_utc64(received)]), TimeLimit(days, "working_days"))
    assert out.dtype == np.dtype("datetime64[s]")
    assert out[0] == _utc64(due)


@pytest.mark.parametrize(("received", "days", "due"), EXAMPLES)
def test_worked_example_in_other_offsets(cal: Calendar, received: str, days: int, due: str) -> None:
    start_utc = datetime.fromisoformat(received).astimezone(UTC)
    got = cal.due_at(start_utc, TimeLimit(days, "working_days"))
    assert got.isoformat() == due  # the answer is always given in +07:00


def test_example_explanation_names_the_days(cal: Calendar) -> None:
    ex = cal.explain(datetime.fromisoformat("2026-08-28T17:30+07:00"), TimeLimit(1, "working_days"))
    assert ex.normalised_start.isoformat() == "2026-09-03T07:00:00+07:00"
    by_date = {e.date.isoformat(): e for e in ex.entries}
    assert list(by_date) == [
        "2026-08-28", "2026-08-29", "2026-08-30", "2026-08-31", "2026-09-01", "2026-09-02",
        "2026-09-03",
    ]  # fmt: skip
    assert by_date["2026-08-28"].status == "not_counted"
    assert "after closing" in by_date["2026-08-28"].note
    assert by_date["2026-08-29"].kind == "weekend"
    assert by_date["2026-08-31"].kind == "swapped_off"
    assert by_date["2026-08-31"].weekday_vi == "Thứ Hai"
    assert "9441/TB-BNV" in (by_date["2026-08-31"].source or "")
    assert by_date["2026-09-02"].kind == "holiday"
    last = by_date["2026-09-03"]
    assert (last.weekday_vi, last.weekday_en) == ("Thứ Năm", "Thursday")
    assert last.counted == timedelta(hours=8)
    assert last.end is not None and last.end.isoformat() == "2026-09-03T17:00:00+07:00"
