"""Pauses (supplement requested → received): the "pause" policy stops the clock, the "restart"
policy counts the full limit again from the end of the last pause (docs/rules.md §3.6, §3.7)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from onestop.worktime import Calendar, TimeLimit

THREE_DAYS = TimeLimit(3, "working_days")


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def span(a: str, b: str) -> tuple[datetime, datetime]:
    return (at(a), at(b))


START = at("2026-03-02T09:00+07:00")  # Monday


def test_pause_moves_the_due_instant_by_the_working_time_inside_it(cal: Calendar) -> None:
    pause = span("2026-03-02T10:00+07:00", "2026-03-04T15:00+07:00")
    unpaused = cal.due_at(START, THREE_DAYS)
    assert unpaused.isoformat() == "2026-03-05T09:00:00+07:00"
    got = cal.due_at(START, THREE_DAYS, pauses=[pause])
    paused = cal.working_time_between(*pause)
    assert paused == timedelta(hours=19)
    assert got.isoformat() == "2026-03-09T14:00:00+07:00"
    assert cal.working_time_between(START, got) - paused == timedelta(hours=24)


def test_pause_in_non_working_time_changes_nothing(cal: Calendar) -> None:
    weekend = span("2026-03-07T08:00+07:00", "2026-03-08T20:00+07:00")
    evening = span("2026-03-02T17:10+07:00", "2026-03-03T06:50+07:00")
    lunch = span("2026-03-03T11:30+07:00", "2026-03-03T13:30+07:00")
    plain = cal.due_at(START, THREE_DAYS)
    assert cal.due_at(START, THREE_DAYS, pauses=[weekend, evening, lunch]) == plain


def test_pauses_before_the_start_or_after_the_due_instant_are_ignored(cal: Calendar) -> None:
    before = span("2026-02-23T09:00+07:00", "2026-02-27T09:00+07:00")
    after = span("2026-03-05T09:00+07:00", "2026-03-20T09:00+07:00")  # starts at the due instant
    plain = cal.due_at(START, THREE_DAYS)
    assert cal.due_at(START, THREE_DAYS, pauses=[before, after]) == plain


def test_pause_straddling_the_start_is_clipped(cal: Calendar) -> None:
    pause = span("2026-02-27T09:00+07:00", "2026-03-02T11:00+07:00")  # until Mon 11:00
    assert cal.due_at(START, THREE_DAYS, pauses=[pause]) == at("2026-03-05T11:00+07:00")


def test_overlapping_pauses_count_once(cal: Calendar) -> None:
    a = span("2026-03-02T10:00+07:00", "2026-03-03T10:00+07:00")
    b = span("2026-03-03T08:00+07:00", "2026-03-03T16:00+07:00")
    union = span("2026-03-02T10:00+07:00", "2026-03-03T16:00+07:00")
    assert cal.due_at(START, THREE_DAYS, pauses=[b, a]) == cal.due_at(
        START, THREE_DAYS, pauses=[union]
    )


def test_two_separate_pauses_add_up(cal: Calendar) -> None:
    a = span("2026-03-02T10:00+07:00", "2026-03-02T11:00+07:00")  # 1 h
    b = span("2026-03-03T14:00+07:00", "2026-03-03T16:00+07:00")  # 2 h
    # Thu 05/03 09:00 plus 3 h of working time: 09:00–11:30, then 13:30–14:00.
    assert cal.due_at(START, THREE_DAYS, pauses=[a, b]) == at("2026-03-05T14:00+07:00")


def test_pause_ending_in_tet_resumes_after_tet(cal: Calendar) -> None:
    start = at("2026-02-10T09:00+07:00")
    pause = span("2026-02-11T09:00+07:00", "2026-02-18T09:00+07:00")
    # Before: Tue 09:00 → Wed 09:00 = 8 h. Pause holds Wed 09:00–17:00, Thu, Fri = 24 h.
    # Remaining 16 h from Mon 23/02 07:00 → Tue 24/02 17:00.
    assert cal.due_at(start, TimeLimit(3, "working_days"), pauses=[pause]) == at(
        "2026-02-24T17:00+07:00"
    )


def test_restart_counts_the_full_limit_from_the_end_of_the_last_pause(cal: Calendar) -> None:
    first = span("2026-03-02T10:00+07:00", "2026-03-02T15:00+07:00")
    last = span("2026-03-03T09:00+07:00", "2026-03-04T10:00+07:00")
    got = cal.due_at(START, THREE_DAYS, pauses=[last, first], policy="restart")
    assert got == cal.due_at(at("2026-03-04T10:00+07:00"), THREE_DAYS)
    assert got.isoformat() == "2026-03-09T10:00:00+07:00"


def test_restart_after_a_pause_ending_on_a_weekend_normalises(cal: Calendar) -> None:
    pause = span("2026-03-04T09:00+07:00", "2026-03-07T10:00+07:00")  # ends Saturday
    got = cal.due_at(START, TimeLimit(1, "working_days"), pauses=[pause], policy="restart")
    assert got.isoformat() == "2026-03-09T17:00:00+07:00"


def test_restart_without_pauses_is_the_plain_due_date(cal: Calendar) -> None:
    assert cal.due_at(START, THREE_DAYS, policy="restart") == cal.due_at(START, THREE_DAYS)


def test_pause_with_calendar_days_moves_by_working_time(cal: Calendar) -> None:
    limit = TimeLimit(7, "calendar_days")
    assert cal.due_at(START, limit).isoformat() == "2026-03-09T17:00:00+07:00"
    pause = span("2026-03-03T07:00+07:00", "2026-03-03T10:00+07:00")  # 3 working hours
    assert cal.due_at(START, limit, pauses=[pause]).isoformat() == "2026-03-10T10:00:00+07:00"
    restart = cal.due_at(START, limit, pauses=[pause], policy="restart")
    assert restart.isoformat() == "2026-03-10T17:00:00+07:00"  # 7 calendar days from 03/03


def test_pause_with_same_day(cal: Calendar) -> None:
    limit = TimeLimit(1, "same_day")
    pause = span("2026-03-02T10:00+07:00", "2026-03-02T14:00+07:00")  # 2 h working time
    assert cal.due_at(START, limit, pauses=[pause]).isoformat() == "2026-03-03T09:00:00+07:00"


@pytest.mark.parametrize(
    ("pauses", "message"),
    [
        ([span("2026-03-03T10:00+07:00", "2026-03-03T09:00+07:00")], "ends before it begins"),
        ([(at("2026-03-03T10:00+07:00"),)], "pair"),
        ([(datetime(2026, 3, 3, 9), at("2026-03-03T10:00+07:00"))], "no time zone"),
    ],
)
def test_bad_pauses_are_refused(cal: Calendar, pauses: list[object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cal.due_at(START, THREE_DAYS, pauses=pauses)  # type: ignore[arg-type]


def test_explain_shows_paused_parts(cal: Calendar) -> None:
    pause = span("2026-03-02T10:00+07:00", "2026-03-04T15:00+07:00")
    ex = cal.explain(START, THREE_DAYS, pauses=[pause])
    assert ex.due_at == cal.due_at(START, THREE_DAYS, pauses=[pause])
    assert ex.working_time == timedelta(hours=24)
    assert [(p.start, p.end, p.working_time) for p in ex.pauses] == [
        (pause[0], pause[1], timedelta(hours=19))
    ]
    statuses = [(e.date.day, e.status) for e in ex.entries]
    assert statuses[:5] == [
        (2, "counted"),
        (2, "paused"),
        (3, "paused"),
        (4, "paused"),
        (4, "counted"),
    ]
    assert all(e.counted == timedelta(0) for e in ex.entries if e.status == "paused")
    assert ex.to_dict()["pauses"][0]["working_time"] == "PT19H"


def test_explain_restart_marks_the_discarded_time(cal: Calendar) -> None:
    pause = span("2026-03-02T10:00+07:00", "2026-03-03T15:00+07:00")
    ex = cal.explain(START, TimeLimit(2, "working_days"), pauses=[pause], policy="restart")
    assert ex.restarted_at == pause[1]
    assert ex.due_at.isoformat() == "2026-03-05T15:00:00+07:00"
    assert ex.entries[0].status == "superseded" and ex.entries[0].counted == timedelta(0)
    assert ex.working_time == timedelta(hours=16)
    assert ex.to_dict()["restarted_at"] == "2026-03-03T15:00:00+07:00"
