"""Years without a published civil-servant schedule: statutory holidays (Labour Code art. 112,
Tết by the lunar calendar) with weekend compensation, seeded from `holidays`, marked provisional."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from onestop.worktime import Calendar, TimeLimit


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        ("2027-01-01", "holiday"),  # Tết Dương lịch, a Friday
        ("2027-02-04", "compensatory_off"),  # mùng 1 (Sat 06/02) compensated the day before eve
        ("2027-02-05", "holiday"),  # giao thừa
        ("2027-02-08", "holiday"),
        ("2027-02-09", "holiday"),
        ("2027-02-10", "compensatory_off"),  # mùng 2 (Sun 07/02) compensated after Tết
        ("2027-04-16", "holiday"),  # Giỗ Tổ, 10/3 lunar
        ("2027-05-03", "compensatory_off"),  # 1/5 falls on Saturday
        ("2027-09-02", "holiday"),
        ("2027-09-03", "holiday"),
        ("2028-01-03", "compensatory_off"),  # 01/01/2028 is a Saturday
        ("2028-05-02", "compensatory_off"),  # 30/4/2028 is a Sunday
        ("2028-09-04", "compensatory_off"),  # 02/09/2028 is a Saturday
    ],
)
def test_statutory_days_with_weekend_compensation(cal: Calendar, day: str, kind: str) -> None:
    d = date.fromisoformat(day)
    entry = cal.day_entry(d)
    assert entry is not None and entry.kind == kind
    assert entry.provisional and "holidays" in entry.source and "Điều 112" in entry.source
    assert not cal.is_working_day(d)
    assert cal.is_provisional(d)


def test_tet_2027_is_off_from_thursday_to_wednesday(cal: Calendar) -> None:
    assert [cal.is_working_day(date(2027, 2, d)) for d in range(3, 12)] == [
        True, False, False, False, False, False, False, False, True,
    ]  # fmt: skip


def test_cultural_day_stays_pending_in_provisional_years(cal: Calendar) -> None:
    for year in (2027, 2031):
        entry = cal.day_entry(date(year, 11, 24))
        assert entry is not None and entry.kind == "pending"
        assert cal.is_working_day(date(year, 11, 24))
    # 24/11/2029 is a Saturday; the compensation `holidays` adds is pending as well.
    monday = cal.day_entry(date(2029, 11, 26))
    assert monday is not None and monday.kind == "pending" and cal.is_working_day(monday.date)


def test_provisional_years_and_their_rows(cal: Calendar) -> None:
    assert cal.year_is_provisional(2027) and cal.year_is_provisional(2023)
    assert not cal.year_is_provisional(2026)
    rows = cal.days(2027)
    assert rows and all(r.provisional for r in rows)
    assert {r.kind for r in rows} <= {"holiday", "compensatory_off", "pending", "swapped_off"}
    assert all(r.date.weekday() < 5 for r in rows)


def test_explanations_using_provisional_days_say_so(cal: Calendar) -> None:
    in_2026 = cal.explain(at("2026-03-02T09:00+07:00"), TimeLimit(5, "working_days"))
    assert not in_2026.provisional
    crossing = cal.explain(at("2026-12-29T09:00+07:00"), TimeLimit(5, "working_days"))
    assert crossing.provisional
    assert crossing.due_at.isoformat() == "2027-01-06T09:00:00+07:00"  # 01/01/2027 off
    flags = {e.date.year: e.provisional for e in crossing.entries}
    assert flags == {2026: False, 2027: True}
    assert crossing.to_dict()["provisional"] is True


def test_pending_day_makes_an_explanation_provisional(cal: Calendar) -> None:
    ex = cal.explain(at("2026-11-23T09:00+07:00"), TimeLimit(2, "working_days"))
    pending = [e for e in ex.entries if e.kind == "pending"]
    assert [e.date for e in pending] == [date(2026, 11, 24)]
    assert pending[0].status == "counted" and pending[0].provisional
    assert ex.provisional


def test_years_before_the_bundled_data_are_seeded_too(cal: Calendar) -> None:
    # 2019: swap 29/04 ↔ Saturday 04/05 (from `holidays`' special days), provisional here.
    assert not cal.is_working_day(date(2019, 4, 29))
    assert cal.is_working_day(date(2019, 5, 4))
    entry = cal.day_entry(date(2019, 5, 4))
    assert entry is not None and entry.kind == "makeup_workday" and entry.provisional
    swapped = cal.day_entry(date(2019, 4, 29))
    assert swapped is not None and swapped.kind == "swapped_off"
