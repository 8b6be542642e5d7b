"""The bundled 2024–2026 calendars, checked day by day against docs/rules.md §2.3."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import holidays
import pytest

from onestop.worktime import Calendar, DayEntry, TimeLimit, load_calendar
from onestop.worktime.loader import DATA_DIR


def _every_day(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_every_date_of_the_year_matches_domain_md(
    cal: Calendar, domain_days: dict[int, dict[str, frozenset[date]]], year: int
) -> None:
    off = domain_days[year]["off_weekdays"]
    makeup = domain_days[year]["makeup_workdays"]
    assert all(d.weekday() < 5 for d in off) and all(d.weekday() >= 5 for d in makeup)
    wrong = [
        d
        for d in _every_day(year)
        if cal.is_working_day(d) != (d in makeup or (d.weekday() < 5 and d not in off))
    ]
    assert wrong == []


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_year_rows_equal_the_official_lists_exactly(
    cal: Calendar, domain_days: dict[int, dict[str, frozenset[date]]], year: int
) -> None:
    rows = cal.days(year)
    off = {r.date for r in rows if r.kind in {"holiday", "compensatory_off", "swapped_off"}}
    assert off == domain_days[year]["off_weekdays"]
    assert {r.date for r in rows if r.kind == "makeup_workday"} == domain_days[year][
        "makeup_workdays"
    ]
    assert {r.date for r in rows if r.kind == "pending"} == domain_days[year]["pending"]
    assert len(rows) == len({r.date for r in rows})
    assert all(r.source.strip() and r.name for r in rows)
    assert not any(r.provisional for r in rows)
    assert not cal.year_is_provisional(year)
    assert [r.date for r in rows] == sorted(r.date for r in rows)


@pytest.mark.parametrize(
    ("day", "kind", "source_part"),
    [
        ("2024-04-29", "swapped_off", "2450/VPCP-KGVX"),
        ("2024-05-04", "makeup_workday", "2450/VPCP-KGVX"),
        ("2024-02-14", "compensatory_off", "LĐTBXH"),
        ("2025-05-02", "swapped_off", "VietnamPlus"),
        ("2025-04-26", "makeup_workday", "VietnamPlus"),
        ("2026-01-02", "swapped_off", "12729/VPCP-KGVX"),
        ("2026-01-10", "makeup_workday", "12729/VPCP-KGVX"),
        ("2026-02-17", "holiday", "9441/TB-BNV"),
        ("2026-04-27", "compensatory_off", "Điều 112"),
        ("2026-08-22", "makeup_workday", "9441/TB-BNV"),
        ("2026-08-31", "swapped_off", "9441/TB-BNV"),
        ("2026-11-24", "pending", "80-NQ/TW"),
    ],
)
def test_rows_carry_kind_and_source(cal: Calendar, day: str, kind: str, source_part: str) -> None:
    entry = cal.day_entry(date.fromisoformat(day))
    assert entry is not None
    assert entry.kind == kind
    assert source_part in entry.source


def test_plain_days_have_no_row(cal: Calendar) -> None:
    assert cal.day_entry(date(2026, 3, 10)) is None  # a Tuesday
    assert cal.day_entry(date(2026, 3, 14)) is None  # a Saturday
    assert cal.is_working_day(date(2026, 3, 10))
    assert not cal.is_working_day(date(2026, 3, 14))


def test_pending_day_counts_as_working_until_confirmed(cal: Calendar) -> None:
    monday = datetime.fromisoformat("2026-11-23T09:00+07:00")
    limit = TimeLimit(2, "working_days")
    assert cal.is_working_day(date(2026, 11, 24))
    assert cal.due_at(monday, limit).isoformat() == "2026-11-25T09:00:00+07:00"

    confirmed = load_calendar(
        overrides=[
            DayEntry(date(2026, 11, 24), "holiday", "QĐ xác nhận", name="Ngày Văn hóa Việt Nam")
        ]
    )
    assert not confirmed.is_working_day(date(2026, 11, 24))
    assert confirmed.due_at(monday, limit).isoformat() == "2026-11-26T09:00:00+07:00"
    assert confirmed.fingerprint != cal.fingerprint
    assert confirmed.day_entry(date(2026, 11, 24)) == DayEntry(
        date(2026, 11, 24), "holiday", "QĐ xác nhận", name="Ngày Văn hóa Việt Nam"
    )


def test_bundled_data_wins_over_the_holidays_package_for_2026(cal: Calendar) -> None:
    seed = holidays.country_holidays("VN", years=2026)
    # The package misses the 02/01 ↔ 10/01 swap and already lists 24/11 (docs/rules.md §2.5).
    assert date(2026, 1, 2) not in seed and date(2026, 11, 24) in seed
    assert not cal.is_working_day(date(2026, 1, 2))
    assert cal.is_working_day(date(2026, 1, 10))
    assert cal.is_working_day(date(2026, 11, 24))


def test_data_files_cite_their_sources() -> None:
    files = sorted(DATA_DIR.glob("*.csv"))
    assert [f.name for f in files] == ["vn-2024.csv", "vn-2025.csv", "vn-2026.csv"]
    for path in files:
        head = path.read_text(encoding="utf-8").splitlines()[:20]
        assert any(line.startswith("# Sources") for line in head), path
        assert "date,kind,name,source,province" in head


def test_days_of_a_year_outside_the_table_is_an_error(cal: Calendar) -> None:
    with pytest.raises(ValueError, match="outside the calendar's supported range"):
        cal.days(1999)
    with pytest.raises(ValueError, match="outside"):
        cal.is_working_day(date(2061, 1, 3))


def test_to_dict_of_a_row_is_plain(cal: Calendar) -> None:
    entry = cal.day_entry(date(2026, 1, 10))
    assert entry is not None
    assert entry.to_dict() == {
        "date": "2026-01-10",
        "weekday_vi": "Thứ Bảy",
        "weekday_en": "Saturday",
        "kind": "makeup_workday",
        "kind_vi": "Làm bù",
        "working": True,
        "name": "Làm bù cho thứ Sáu 02/01/2026",
        "source": "Công văn 12729/VPCP-KGVX ngày 25/12/2025",
        "province": None,
        "provisional": False,
    }


def test_is_working_day_takes_the_local_date_of_an_aware_datetime(
    cal: Calendar, official_day: Callable[[date], bool]
) -> None:
    # 17:30 UTC on Friday 09/01 is already Saturday 10/01 in Vietnam: a make-up working day.
    assert cal.is_working_day(datetime.fromisoformat("2026-01-09T17:30+00:00"))
    assert official_day(date(2026, 1, 10))
    with pytest.raises(ValueError, match="time zone"):
        cal.is_working_day(datetime(2026, 1, 10, 9, 0))
