"""One test per rule of docs/rules.md §3: normalisation, boundary convention, units, validation."""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, date, datetime, time, timedelta, timezone
from fractions import Fraction

import pytest

from onestop.worktime import Calendar, OutOfRangeError, TimeLimit, WorkingHours, load_calendar


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def due(
    cal: Calendar, start: str, amount: float | Fraction, unit: str = "working_days", **kw: object
) -> str:
    return cal.due_at(at(start), TimeLimit(amount, unit, **kw)).isoformat()  # type: ignore[arg-type]


# -- start normalisation -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("received", "clock_starts"),
    [
        ("2026-03-10T05:45+07:00", "2026-03-10T07:00:00+07:00"),  # before opening
        ("2026-03-10T07:00+07:00", "2026-03-10T07:00:00+07:00"),
        ("2026-03-10T09:15+07:00", "2026-03-10T09:15:00+07:00"),  # inside a session
        ("2026-03-10T11:30+07:00", "2026-03-10T13:30:00+07:00"),  # lunch starts at 11:30
        ("2026-03-10T12:10+07:00", "2026-03-10T13:30:00+07:00"),  # lunch break
        ("2026-03-10T16:59+07:00", "2026-03-10T16:59:00+07:00"),
        ("2026-03-10T17:00+07:00", "2026-03-11T07:00:00+07:00"),  # at closing
        ("2026-03-13T18:00+07:00", "2026-03-16T07:00:00+07:00"),  # Friday evening
        ("2026-03-14T10:00+07:00", "2026-03-16T07:00:00+07:00"),  # Saturday
        ("2026-02-13T17:05+07:00", "2026-02-23T07:00:00+07:00"),  # eve of Tết
        ("2026-01-10T06:00+07:00", "2026-01-10T07:00:00+07:00"),  # make-up Saturday, same hours
        ("2026-01-10T12:00+07:00", "2026-01-10T13:30:00+07:00"),
    ],
)
def test_start_normalisation(cal: Calendar, received: str, clock_starts: str) -> None:
    assert cal.normalise(at(received)).isoformat() == clock_starts
    assert cal.explain(at(received), TimeLimit(1, "working_hours")).normalised_start == at(
        clock_starts
    )


# -- boundary convention -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        ("2026-03-10T09:00+07:00", 2.5, "2026-03-10T11:30:00+07:00"),  # session end, not 13:30
        ("2026-03-10T07:00+07:00", 4.5, "2026-03-10T11:30:00+07:00"),
        ("2026-03-10T07:00+07:00", 8, "2026-03-10T17:00:00+07:00"),  # not 07:00 next day
        ("2026-03-10T09:00+07:00", 2.75, "2026-03-10T13:45:00+07:00"),
        ("2026-03-10T16:00+07:00", 2, "2026-03-11T08:00:00+07:00"),
        ("2026-03-13T16:00+07:00", 1, "2026-03-13T17:00:00+07:00"),  # Friday closing
        ("2026-03-13T16:00+07:00", 1.5, "2026-03-16T07:30:00+07:00"),
    ],
)
def test_boundary_convention_in_working_hours(
    cal: Calendar, start: str, hours: float, expected: str
) -> None:
    assert due(cal, start, hours, "working_hours") == expected


def test_fractional_working_days(cal: Calendar) -> None:
    assert due(cal, "2026-03-10T07:00+07:00", 0.5) == "2026-03-10T11:00:00+07:00"  # 4 h
    assert due(cal, "2026-03-10T10:00+07:00", 0.5) == "2026-03-10T16:00:00+07:00"
    assert due(cal, "2026-03-10T10:00+07:00", 1.5) == "2026-03-11T16:00:00+07:00"
    assert due(cal, "2026-03-10T07:00+07:00", Fraction(1, 3)) == "2026-03-10T09:40:00+07:00"
    assert TimeLimit(0.5, "working_days").working_us == TimeLimit(4, "working_hours").working_us


def test_zero_amount_is_the_normalised_start(cal: Calendar) -> None:
    assert due(cal, "2026-03-10T12:00+07:00", 0) == "2026-03-10T13:30:00+07:00"
    assert due(cal, "2026-03-13T17:30+07:00", 0, "working_hours") == "2026-03-16T07:00:00+07:00"


def test_any_offset_is_accepted_and_answers_come_in_plus_seven(cal: Calendar) -> None:
    local = at("2026-03-10T09:00+07:00")
    for tz in (UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=9, minutes=30))):
        got = cal.due_at(local.astimezone(tz), TimeLimit(3, "working_days"))
        assert got.isoformat() == "2026-03-13T09:00:00+07:00"
        assert got.utcoffset() == timedelta(hours=7)


def test_microseconds_are_kept(cal: Calendar) -> None:
    start = at("2026-03-10T09:00:00.250000+07:00")
    assert cal.due_at(start, TimeLimit(1, "working_days")) == at("2026-03-11T09:00:00.25+07:00")
    lunch = at("2026-03-10T11:45:10.5+07:00")
    assert cal.due_at(lunch, TimeLimit(1, "working_hours")) == at("2026-03-10T14:30+07:00")


@pytest.mark.parametrize(
    "call",
    [
        lambda c, n: c.due_at(n, TimeLimit(1, "working_days")),
        lambda c, n: c.due_at(n, TimeLimit(1, "calendar_days")),
        lambda c, n: c.explain(n, TimeLimit(1, "working_days")),
        lambda c, n: c.working_time_between(n, n),
        lambda c, n: c.normalise(n),
        lambda c, n: c.due_at_many([n], TimeLimit(1, "working_days")),
        lambda c, n: c.due_at(at("2026-03-10T09:00+07:00"), TimeLimit(1, "working_days"), [(n, n)]),
    ],
)
def test_naive_datetimes_are_refused(cal: Calendar, call: object) -> None:
    naive = datetime(2026, 3, 10, 9, 0)
    with pytest.raises(ValueError, match="no time zone"):
        call(cal, naive)  # type: ignore[operator]


def test_non_datetime_start_is_refused(cal: Calendar) -> None:
    with pytest.raises(ValueError, match="aware datetime"):
        cal.due_at(date(2026, 3, 10), TimeLimit(1, "working_days"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="TimeLimit"):
        cal.due_at(at("2026-03-10T09:00+07:00"), "5 working_days")  # type: ignore[arg-type]


def test_dates_outside_the_table_raise(cal: Calendar) -> None:
    with pytest.raises(OutOfRangeError, match="outside"):
        cal.due_at(at("1999-06-01T09:00+07:00"), TimeLimit(1, "working_days"))
    with pytest.raises(ValueError, match="outside"):
        cal.due_at(at("2060-12-30T09:00+07:00"), TimeLimit(30, "working_days"))


# -- calendar days -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        ("2026-03-02T09:00+07:00", 7, "2026-03-09T17:00:00+07:00"),  # plain week
        ("2026-03-02T16:59+07:00", 1, "2026-03-03T17:00:00+07:00"),
        ("2026-02-12T10:00+07:00", 3, "2026-02-23T17:00:00+07:00"),  # lands in Tết → after
        ("2026-03-07T20:00+07:00", 1, "2026-03-09T17:00:00+07:00"),  # from Saturday's date
        ("2026-01-07T09:00+07:00", 3, "2026-01-10T17:00:00+07:00"),  # make-up Saturday works
        ("2026-08-27T09:00+07:00", 4, "2026-09-03T17:00:00+07:00"),  # 31/08 swapped off
    ],
)
def test_calendar_days(cal: Calendar, start: str, days: int, expected: str) -> None:
    assert due(cal, start, days, "calendar_days") == expected


def test_calendar_days_count_from_the_raw_local_date(cal: Calendar) -> None:
    # 23:30 UTC on 02/03 is 06:30 on 03/03 in Vietnam: the local date is what counts.
    assert due(cal, "2026-03-02T23:30+00:00", 1, "calendar_days") == "2026-03-04T17:00:00+07:00"


# -- same day ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("2026-03-10T10:00+07:00", "2026-03-10T17:00:00+07:00"),
        ("2026-03-10T15:00+07:00", "2026-03-10T17:00:00+07:00"),  # at the cut-off: same day
        ("2026-03-10T15:01+07:00", "2026-03-11T17:00:00+07:00"),  # after it: next working day
        ("2026-03-10T06:00+07:00", "2026-03-10T17:00:00+07:00"),
        ("2026-03-13T16:00+07:00", "2026-03-16T17:00:00+07:00"),  # Friday after cut-off
        ("2026-03-13T18:00+07:00", "2026-03-16T17:00:00+07:00"),  # counted from Mon 07:00
        ("2026-03-14T09:00+07:00", "2026-03-16T17:00:00+07:00"),  # Saturday
        ("2026-02-13T16:00+07:00", "2026-02-23T17:00:00+07:00"),  # before Tết
        ("2026-01-09T16:00+07:00", "2026-01-10T17:00:00+07:00"),  # make-up Saturday next
    ],
)
def test_same_day_with_default_cutoff(cal: Calendar, start: str, expected: str) -> None:
    assert due(cal, start, 1, "same_day") == expected


def test_same_day_with_configured_cutoff(cal: Calendar) -> None:
    noon = time(12, 0)
    assert due(cal, "2026-03-10T11:00+07:00", 0, "same_day", cutoff=noon) == (
        "2026-03-10T17:00:00+07:00"
    )
    # 12:30 is lunch: counted from 13:30, which is after a 12:00 cut-off.
    assert due(cal, "2026-03-10T12:30+07:00", 0, "same_day", cutoff=noon) == (
        "2026-03-11T17:00:00+07:00"
    )


# -- alternative hours profile -------------------------------------------------------------------
def test_other_working_hours_profile() -> None:
    hours = WorkingHours.parse("07:30-11:30,13:30-17:30")
    cal = load_calendar(hours=hours)
    assert cal.normalise(at("2026-03-10T07:00+07:00")).isoformat() == "2026-03-10T07:30:00+07:00"
    assert due(cal, "2026-08-28T17:30+07:00", 1) == "2026-09-03T17:30:00+07:00"
    assert due(cal, "2026-03-10T09:30+07:00", 2, "working_hours") == "2026-03-10T11:30:00+07:00"
    assert due(cal, "2026-03-02T09:00+07:00", 7, "calendar_days") == "2026-03-09T17:30:00+07:00"
    assert due(cal, "2026-03-10T17:10+07:00", 1, "same_day") == "2026-03-11T17:30:00+07:00"
    assert cal.fingerprint != load_calendar().fingerprint


def test_working_hours_parse_and_validate() -> None:
    hours = WorkingHours.parse(" 07:30 - 11:30 , 13:30–17:30 ")
    assert hours.sessions == ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 30)))
    assert str(hours) == "07:30-11:30,13:30-17:30"
    assert WorkingHours() == WorkingHours.parse("07:00-11:30,13:30-17:00")
    assert WorkingHours.parse("08:00-16:00").sessions == ((time(8), time(16)),)
    # Lists on purpose (the type says tuples): WorkingHours normalises any iterable of pairs.
    listed = WorkingHours([[time(7), time(11, 30)], [time(13, 30), time(17)]])  # type: ignore[arg-type]
    assert listed == WorkingHours()
    assert hash(listed) == hash(WorkingHours())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("07:00-11:30,13:30-16:30", "exactly 8 hours"),
        ("07:00-11:00,13:00-17:30", "exactly 8 hours"),
        ("07:00-12:00,11:00-14:00", "overlap"),
        ("13:30-17:00,07:00-11:30", "not in time order"),
        ("11:30-07:00,13:30-17:00", "ends before it starts"),
        ("7h-11h", "expected HH:MM-HH:MM"),
        ("07:00-25:00", "bad time"),
        ("", "empty"),
    ],
)
def test_bad_working_hours_are_rejected(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkingHours.parse(text)


def test_working_hours_reject_non_time_sessions() -> None:
    with pytest.raises(ValueError, match=r"pair of datetime\.time"):
        WorkingHours(((7, 11),))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sequence"):
        WorkingHours("07:00-11:30")  # type: ignore[arg-type]


# -- TimeLimit -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 working_days", TimeLimit(5, "working_days")),
        ("0.5 working_days", TimeLimit(0.5, "working_days")),
        ("1 working_day", TimeLimit(1, "working_days")),
        ("4 working hours", TimeLimit(4, "working_hours")),
        ("30 calendar_days", TimeLimit(30, "calendar_days")),
        ("same_day", TimeLimit(1, "same_day")),
        ("same_day 14:00", TimeLimit(1, "same_day", time(14, 0))),
        ("same_day cutoff=14:30", TimeLimit(1, "same_day", time(14, 30))),
    ],
)
def test_time_limit_parse(text: str, expected: TimeLimit) -> None:
    assert TimeLimit.parse(text) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((-1, "working_days"), "≥ 0"),
        ((5, "weeks"), "unknown time-limit unit"),
        ((True, "working_days"), "must be a number"),
        (("5", "working_days"), "must be a number"),
        ((math.nan, "working_days"), "finite"),
        ((math.inf, "working_hours"), "finite"),
        ((1.5, "calendar_days"), "whole number"),
        ((0, "calendar_days"), "whole number"),
        ((2, "same_day"), "same_day takes no amount"),
    ],
)
def test_time_limit_validation(args: tuple[object, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TimeLimit(*args)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["", "five working_days", "5", "5 fortnights", "same_day 25:00"])
def test_time_limit_parse_errors(text: str) -> None:
    with pytest.raises(ValueError):
        TimeLimit.parse(text)


def test_time_limit_is_frozen_and_hashable() -> None:
    limit = TimeLimit(5, "working_days")
    with pytest.raises(dataclasses.FrozenInstanceError):
        limit.amount = 6  # type: ignore[misc]
    assert {limit, TimeLimit(5.0, "working_days")} == {limit}
    assert str(limit) == "5 working_days"
    assert limit.to_dict() == {"amount": 5, "unit": "working_days", "cutoff": "15:00"}
    assert TimeLimit(0.5, "working_days").to_dict()["amount"] == 0.5
    assert str(TimeLimit(1, "same_day")) == "same_day (cut-off 15:00)"


def test_unknown_policy_is_refused(cal: Calendar) -> None:
    with pytest.raises(ValueError, match="policy"):
        cal.due_at(at("2026-03-10T09:00+07:00"), TimeLimit(1, "working_days"), policy="stop")
    with pytest.raises(ValueError, match="policy"):
        cal.explain(at("2026-03-10T09:00+07:00"), TimeLimit(1, "working_days"), policy="")


# -- working time between ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("2026-03-10T09:00+07:00", "2026-03-10T09:00+07:00", timedelta(0)),
        ("2026-03-10T10:00+07:00", "2026-03-10T09:00+07:00", timedelta(0)),  # b before a
        ("2026-03-10T11:00+07:00", "2026-03-10T14:00+07:00", timedelta(hours=1)),  # lunch skipped
        ("2026-03-13T16:00+07:00", "2026-03-16T08:00+07:00", timedelta(hours=2)),  # weekend
        ("2026-02-13T07:00+07:00", "2026-02-23T07:00+07:00", timedelta(hours=8)),  # Tết
        ("2026-01-09T07:00+07:00", "2026-01-12T07:00+07:00", timedelta(hours=16)),  # make-up Sat
        ("2026-03-10T12:00+07:00", "2026-03-10T13:00+07:00", timedelta(0)),
    ],
)
def test_working_time_between(cal: Calendar, a: str, b: str, expected: timedelta) -> None:
    assert cal.working_time_between(at(a), at(b)) == expected


def test_working_days_and_pending_day() -> None:
    cal = load_calendar()
    assert cal.is_working_day(date(2026, 11, 24))
    assert cal.is_provisional(date(2026, 11, 24))  # may still become a holiday
    assert not cal.is_provisional(date(2026, 11, 23))
