"""``due`` and ``calendar`` subcommands, exercised through a bare ArgumentParser."""

from __future__ import annotations

import argparse

import pytest

from onestop.worktime.cli import register


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="onestop")
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


def test_due_prints_the_instant(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["due", "2026-08-28T17:30+07:00", "1 working_days"]) == 0
    assert capsys.readouterr().out == "2026-09-03T17:00:00+07:00\n"


def test_due_explain_prints_a_bilingual_trace(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["due", "2026-02-12T16:30+07:00", "5 working_days", "--explain"]) == 0
    out = capsys.readouterr().out
    assert "2026-02-26T16:30:00+07:00" in out
    assert "Thứ Năm / Thursday 26/02/2026 16:30" in out
    lines = out.splitlines()
    tet = next(line for line in lines if line.startswith("17/02/2026"))
    assert "Thứ Ba" in tet and "Tuesday" in tet and "holiday" in tet and "9441/TB-BNV" in tet
    assert any(line.startswith("14/02/2026") and "Thứ Bảy" in line for line in lines)
    assert any(line.startswith("15/02/2026") and "Chủ Nhật" in line for line in lines)
    assert "PROVISIONAL" not in out


def test_due_with_province_hours_and_pause(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "due",
        "2026-03-02T09:00+07:00",
        "3 working_days",
        "--province",
        "HNI",
        "--hours",
        "07:30-11:30,13:30-17:30",
        "--pause",
        "2026-03-02T10:00+07:00/2026-03-04T15:00+07:00",
        "--explain",
    ]
    assert run(argv) == 0
    out = capsys.readouterr().out
    assert "province: HNI" in out and "hours: 07:30-11:30,13:30-17:30" in out
    assert "Pause: 2026-03-02T10:00:00+07:00" in out
    assert "clock stopped" in out
    assert run([*argv[:-1], "--policy", "restart"]) == 0
    assert capsys.readouterr().out.strip() == "2026-03-09T15:00:00+07:00"


def test_due_in_a_provisional_year_warns(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["due", "2027-02-03T09:00+07:00", "3 working_days", "--explain"]) == 0
    out = capsys.readouterr().out
    assert "PROVISIONAL" in out and "2027-02-15T09:00:00+07:00" in out


def test_calendar_lists_days_with_sources(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["calendar", "2026"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line[:4] == "2026"]
    assert [line[:10] for line in lines] == [
        "2026-01-01", "2026-01-02", "2026-01-10", "2026-02-16", "2026-02-17", "2026-02-18",
        "2026-02-19", "2026-02-20", "2026-04-27", "2026-04-30", "2026-05-01", "2026-08-22",
        "2026-08-31", "2026-09-01", "2026-09-02", "2026-11-24",
    ]  # fmt: skip
    assert "Thứ Bảy" in lines[2] and "makeup_workday" in lines[2] and "12729/VPCP-KGVX" in lines[2]
    assert "pending" in lines[-1] and "80-NQ/TW" in lines[-1]
    assert "PROVISIONAL" not in out


def test_calendar_of_a_provisional_year(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["calendar", "2027", "--province", "HNI"]) == 0
    out = capsys.readouterr().out
    assert "province HNI" in out and "PROVISIONAL" in out and "2027-02-04" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["due", "2026-03-02T09:00", "1 working_days"], "no time zone offset"),
        (["due", "next monday", "1 working_days"], "not an ISO 8601 instant"),
        (["due", "2026-03-02T09:00+07:00", "3 weeks"], "unknown time-limit unit"),
        (["due", "2026-03-02T09:00+07:00", "1 working_days", "--hours", "8-12"], "HH:MM-HH:MM"),
        (["due", "2026-03-02T09:00+07:00", "1 working_days", "--hours", "07:00-11:00"], "8 hours"),
        (["due", "2026-03-02T09:00+07:00", "1 working_days", "--pause", "x"], "FROM/TO"),
        (["due", "1990-03-02T09:00+07:00", "1 working_days"], "outside"),
        (["calendar", "1990"], "outside"),
        (["calendar", "MMXXVI"], "year must be a number"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert run(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
