"""Explanations: JSON-ready, one entry per day or part-day, with names, kinds and sources."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from onestop.worktime import Calendar, TimeLimit
from onestop.worktime.explain import iso_duration


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def test_to_dict_is_json_ready_and_round_trips(cal: Calendar) -> None:
    ex = cal.explain(at("2026-02-12T16:30+07:00"), TimeLimit(5, "working_days"))
    data = json.loads(json.dumps(ex.to_dict()))
    assert data["due_at"] == "2026-02-26T16:30:00+07:00"
    assert data["start"] == data["normalised_start"] == "2026-02-12T16:30:00+07:00"
    assert data["limit"] == {"amount": 5, "unit": "working_days", "cutoff": "15:00"}
    assert data["policy"] == "pause" and data["provisional"] is False
    assert data["working_time"] == "PT40H" and data["working_time_seconds"] == 40 * 3600
    assert data["fingerprint"] == cal.fingerprint
    assert data["hours"] == "07:00-11:30,13:30-17:00"
    assert data["pauses"] == [] and data["restarted_at"] is None
    entries = data["entries"]
    assert len(entries) == 15  # 12/02 … 26/02, one per day
    first = entries[0]
    assert first == {
        "date": "2026-02-12",
        "weekday_vi": "Thứ Năm",
        "weekday_en": "Thursday",
        "kind": "workday",
        "kind_vi": "Ngày làm việc",
        "status": "counted",
        "counted": "PT30M",
        "counted_seconds": 1800,
        "from": "2026-02-12T16:30:00+07:00",
        "to": "2026-02-12T17:00:00+07:00",
        "name": None,
        "source": None,
        "note": "counted",
        "provisional": False,
    }
    tet = [e for e in entries if e["kind"] == "holiday"]
    assert [e["date"][-2:] for e in tet] == ["16", "17", "18", "19", "20"]
    assert all(e["status"] == "non_working" and e["counted_seconds"] == 0 for e in tet)
    assert all("9441/TB-BNV" in e["source"] and e["from"] is None for e in tet)
    assert tet[1]["weekday_vi"] == "Thứ Ba" and "mùng 1" in tet[1]["name"]
    assert entries[-1]["note"] == "due 16:30"
    assert sum(e["counted_seconds"] for e in entries) == 40 * 3600


def test_part_days_around_lunch(cal: Calendar) -> None:
    ex = cal.explain(at("2026-03-10T12:15+07:00"), TimeLimit(4, "working_hours"))
    assert ex.normalised_start.isoformat() == "2026-03-10T13:30:00+07:00"
    (entry, nxt) = ex.entries
    assert (entry.start, entry.end) == (at("2026-03-10T13:30+07:00"), at("2026-03-10T17:00+07:00"))
    assert entry.counted == timedelta(hours=3, minutes=30)
    assert "clock starts 13:30" in entry.note
    assert (nxt.start, nxt.end, nxt.counted) == (
        at("2026-03-11T07:00+07:00"),
        at("2026-03-11T07:30+07:00"),
        timedelta(minutes=30),
    )


def test_make_up_saturday_is_named_in_the_trace(cal: Calendar) -> None:
    ex = cal.explain(at("2026-01-09T10:00+07:00"), TimeLimit(1, "working_days"))
    saturday = ex.entries[-1]
    assert saturday.kind == "makeup_workday" and saturday.status == "counted"
    assert saturday.weekday_vi == "Thứ Bảy"
    assert "make-up working day" in saturday.note
    assert "12729/VPCP-KGVX" in (saturday.source or "")


def test_calendar_days_trace_numbers_the_days(cal: Calendar) -> None:
    ex = cal.explain(at("2026-02-12T10:00+07:00"), TimeLimit(3, "calendar_days"))
    notes = {e.date.day: e.note for e in ex.entries}
    assert "calendar day 0" in notes[12]
    assert "calendar day 1 of 3" in notes[13]
    assert "calendar day 3 of 3" in notes[15] and "not a working day" in notes[15]
    assert "after the last calendar day" in notes[23] and notes[23].endswith("due 17:00")


def test_same_day_trace_mentions_the_cutoff(cal: Calendar) -> None:
    ex = cal.explain(at("2026-03-06T15:30+07:00"), TimeLimit.parse("same_day"))
    assert ex.due_at.isoformat() == "2026-03-09T17:00:00+07:00"
    assert "after the 15:00 cut-off" in ex.entries[0].note


def test_iso_durations() -> None:
    assert iso_duration(timedelta(0)) == "PT0S"
    assert iso_duration(timedelta(hours=7, minutes=30)) == "PT7H30M"
    assert iso_duration(timedelta(hours=40)) == "PT40H"
    assert iso_duration(timedelta(seconds=5, microseconds=250000)) == "PT5.250000S"
    assert iso_duration(-timedelta(minutes=1)) == "-PT1M"
