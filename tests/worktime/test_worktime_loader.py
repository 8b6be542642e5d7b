"""The data loader: validation errors name file, line and problem; layering of province rows and
administrator overrides; caching and fingerprints."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from onestop.worktime import (
    CalendarDataError,
    DayEntry,
    TimeLimit,
    WorkingHours,
    load_calendar,
    read_days_csv,
)
from onestop.worktime.loader import DATA_DIR

HEADER = "date,kind,name,source,province\n"


def write(tmp_path: Path, name: str, body: str, header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text("# test calendar\n# Sources: test\n" + header + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "line", "problem"),
    [
        (
            "2026-01-01,holiday,Tết,BLLĐ,\n2026-01-01,holiday,Tết,BLLĐ,\n",
            5,
            "duplicate date 2026-01-01",
        ),
        ("2026-01-01,holiday,Tết,BLLĐ,\n2026-01-02,day_off,x,BLLĐ,\n", 5, "unknown kind 'day_off'"),
        ("2026-01-09,makeup_workday,x,CV 1,\n", 4, "2026-01-09 is a Friday, not a Saturday"),
        ("2026-01-10,holiday,x,CV 1,\n", 4, "off day 2026-01-10 (holiday) falls on a Saturday"),
        ("2026-01-11,compensatory_off,x,CV 1,\n", 4, "falls on a Sunday"),
        ("2026-11-28,pending,x,NQ 80,\n", 4, "pending day 2026-11-28 (pending) falls on a"),
        ("2026-02-30,holiday,x,CV 1,\n", 4, "invalid date '2026-02-30'"),
        ("2026-01-01,holiday,Tết\n", 4, "expected 5 columns"),
        ("2026-01-01,holiday,Tết,,\n", 4, "missing source document"),
    ],
)
def test_bad_rows_name_file_line_and_problem(
    tmp_path: Path, body: str, line: int, problem: str
) -> None:
    path = write(tmp_path, "bad.csv", body)
    with pytest.raises(CalendarDataError) as info:
        read_days_csv(path)
    err = info.value
    assert isinstance(err, ValueError)
    assert (err.file, err.line) == (str(path), line)
    assert problem in err.problem
    assert str(err).startswith(f"{path}:{line}: ")
    # The same error surfaces through load_calendar for a data directory.
    with pytest.raises(CalendarDataError, match=f"bad.csv:{line}: "):
        load_calendar(data_dir=tmp_path)


def test_duplicate_across_files_names_both_places(tmp_path: Path) -> None:
    write(tmp_path, "a.csv", "2026-01-02,swapped_off,x,CV 1,\n")
    b = write(tmp_path, "b.csv", "2026-03-02,holiday,y,CV 2,\n2026-01-02,holiday,y,CV 2,\n")
    with pytest.raises(CalendarDataError) as info:
        load_calendar(data_dir=tmp_path)
    assert info.value.file == str(b) and info.value.line == 5
    assert "first listed at" in info.value.problem and "a.csv:4" in info.value.problem


def test_bad_header_and_empty_directory(tmp_path: Path) -> None:
    path = write(tmp_path, "h.csv", "2026-01-01,holiday,x,y,\n", header="day,type,name\n")
    with pytest.raises(CalendarDataError, match=r"h\.csv:3: header must be"):
        read_days_csv(path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CalendarDataError, match="no calendar files"):
        load_calendar(data_dir=empty)
    comments_only = empty / "c.csv"
    comments_only.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(CalendarDataError, match="no header line"):
        read_days_csv(comments_only)


def test_bundled_files_load_cleanly() -> None:
    rows = [r for path in sorted(DATA_DIR.glob("*.csv")) for r in read_days_csv(path)]
    assert len(rows) == 13 + 13 + 16
    assert all(r.entry.province is None for r in rows)


def test_province_rows_apply_only_to_their_province(tmp_path: Path) -> None:
    write(
        tmp_path,
        "vn-2026.csv",
        "2026-01-02,swapped_off,Nghỉ hoán đổi,CV 12729,\n"
        "2026-03-10,holiday,Ngày giải phóng tỉnh,QĐ tỉnh,hni\n"
        "2026-03-14,makeup_workday,Làm bù,QĐ tỉnh,HNI\n"
        "2026-01-02,workday,Tỉnh vẫn làm việc,QĐ tỉnh,DNG\n",
    )
    national = load_calendar(data_dir=tmp_path)
    hanoi = load_calendar(province="HNI", data_dir=tmp_path)
    danang = load_calendar(province=" dng ", data_dir=tmp_path)
    tue, sat, fri = date(2026, 3, 10), date(2026, 3, 14), date(2026, 1, 2)
    assert national.is_working_day(tue) and not hanoi.is_working_day(tue)
    assert hanoi.is_working_day(sat) and not national.is_working_day(sat)
    assert not national.is_working_day(fri) and danang.is_working_day(fri)
    assert hanoi.province == "HNI" and danang.province == "DNG"
    assert len({national.fingerprint, hanoi.fingerprint, danang.fingerprint}) == 3
    start = datetime.fromisoformat("2026-03-09T09:00+07:00")
    assert hanoi.due_at(start, TimeLimit(2, "working_days")).isoformat() == (
        "2026-03-12T09:00:00+07:00"
    )
    row = hanoi.day_entry(date(2026, 3, 10))
    assert row is not None and row.province == "HNI" and row.source == "QĐ tỉnh"
    # Years without national bundled rows in this directory fall back to the provisional seed.
    assert hanoi.year_is_provisional(2025) and not hanoi.year_is_provisional(2026)


def test_overrides_layer_over_bundled_data_later_wins() -> None:
    confirm = DayEntry(date(2026, 11, 24), "holiday", "Luật sửa đổi BLLĐ", name="Văn hóa")
    revert = DayEntry(date(2026, 11, 24), "pending", "NQ 80-NQ/TW")
    assert not load_calendar(overrides=[confirm]).is_working_day(date(2026, 11, 24))
    assert load_calendar(overrides=[confirm, revert]).is_working_day(date(2026, 11, 24))
    assert load_calendar(overrides=[revert, confirm]).day_entry(date(2026, 11, 24)) == confirm


def test_province_overrides_apply_only_when_the_province_matches() -> None:
    local = DayEntry(date(2026, 3, 10), "holiday", "QĐ UBND tỉnh", name="Lễ hội", province="hni")
    assert local.province == "HNI"
    assert load_calendar(overrides=[local]).is_working_day(date(2026, 3, 10))
    assert not load_calendar(province="HNI", overrides=[local]).is_working_day(date(2026, 3, 10))
    assert load_calendar(province="HCM", overrides=[local]).is_working_day(date(2026, 3, 10))


def test_override_can_add_a_provisional_year_day() -> None:
    extra = DayEntry(date(2027, 3, 1), "holiday", "QĐ 2027")
    cal = load_calendar(overrides=[extra])
    assert not cal.is_working_day(date(2027, 3, 1))
    assert not cal.is_provisional(date(2027, 3, 1))  # confirmed by an administrator
    assert cal.is_provisional(date(2027, 3, 2))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"day": date(2026, 11, 28), "kind": "holiday"}, "falls on a Saturday"),
        ({"day": date(2026, 11, 24), "kind": "makeup_workday"}, "not a Saturday or Sunday"),
        ({"day": date(2026, 11, 24), "kind": "festival"}, "unknown kind"),
        ({"day": date(2026, 11, 24), "kind": "holiday", "source": " "}, "missing source"),
        ({"day": datetime(2026, 11, 24, 9), "kind": "holiday"}, "datetime.date"),
    ],
)
def test_day_entry_validates_itself(kwargs: dict[str, object], message: str) -> None:
    args = {"source": "QĐ 1", **kwargs}
    with pytest.raises(CalendarDataError, match=message):
        DayEntry(args["day"], args["kind"], args["source"])  # type: ignore[arg-type]


def test_overrides_must_be_day_entries() -> None:
    with pytest.raises(CalendarDataError, match="override #1 is not a DayEntry"):
        load_calendar(overrides=[("2026-11-24", "holiday")])  # type: ignore[list-item]


def test_calendars_are_cached_and_fingerprints_stable() -> None:
    from onestop.worktime import loader

    a = load_calendar(province="HNI", hours=WorkingHours.parse("07:30-11:30,13:30-17:30"))
    b = load_calendar(province="hni", hours=WorkingHours.parse("07:30-11:30,13:30-17:30"))
    assert a is b
    loader._build.cache_clear()
    c = load_calendar(province="HNI", hours=WorkingHours.parse("07:30-11:30,13:30-17:30"))
    assert c is not a and c.fingerprint == a.fingerprint
    assert len(a.fingerprint) == 16 and int(a.fingerprint, 16) >= 0
    fingerprints = {
        load_calendar().fingerprint,
        load_calendar(province="HNI").fingerprint,
        a.fingerprint,
        load_calendar(overrides=[DayEntry(date(2030, 6, 3), "holiday", "x")]).fingerprint,
    }
    assert len(fingerprints) == 4
    # Only what decides due dates counts: a reworded source keeps the fingerprint.
    reworded = DayEntry(date(2026, 1, 2), "swapped_off", "CV 12729 (bản khác)")
    assert load_calendar(overrides=[reworded]).fingerprint == load_calendar().fingerprint
