"""Loading the calendar: bundled, reviewed CSV files + a statutory seed for the other years +
administrator overrides, validated row by row.

Layering (later wins, per date): seed for years without bundled data → bundled national rows →
bundled rows of the calendar's province → overrides (national ones, and the province's ones).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from onestop.worktime.calendar import Calendar
from onestop.worktime.days import (
    COMPENSATORY_OFF,
    HOLIDAY,
    MAKEUP_WORKDAY,
    PENDING,
    SWAPPED_OFF,
    DayEntry,
    normalise_province,
)
from onestop.worktime.errors import CalendarDataError
from onestop.worktime.hours import WorkingHours

DATA_DIR = Path(__file__).parent / "data"
# The table covers these years; years without bundled data are seeded from `holidays`.
FIRST_YEAR = 2000
LAST_YEAR = 2060
COLUMNS = ("date", "kind", "name", "source", "province")
_DEFAULT_HOURS = WorkingHours()  # built once: validating a profile costs more than the cache hit


@dataclass(frozen=True, slots=True)
class SourcedEntry:
    """A row with where it came from, for error messages and for duplicate detection."""

    entry: DayEntry
    file: str
    line: int


def read_days_csv(path: Path) -> list[SourcedEntry]:
    """Rows of one calendar file. ``#`` lines are comments; the first other line is the header.
    Any broken rule raises CalendarDataError naming the file, the line and the problem."""
    name = str(path)
    rows: list[SourcedEntry] = []
    header_seen = False
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CalendarDataError(f"cannot read calendar file: {exc}", file=name) from None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in next(csv.reader([raw]))]
        if not header_seen:
            header_seen = True
            if tuple(cells) not in (COLUMNS, COLUMNS[:4]):
                raise CalendarDataError(
                    f"header must be {','.join(COLUMNS)}, got {raw.strip()!r}",
                    file=name,
                    line=lineno,
                )
            continue
        rows.append(SourcedEntry(_parse_row(cells, name, lineno), name, lineno))
    if not header_seen:
        raise CalendarDataError(f"no header line ({','.join(COLUMNS)})", file=name)
    check_duplicates(rows)
    return rows


def check_duplicates(rows: Iterable[SourcedEntry]) -> None:
    """A (date, province) pair may appear only once: two reviewed rows for one day means one of
    them is wrong, and silently letting the later one win would hide it."""
    seen: dict[tuple[date, str | None], SourcedEntry] = {}
    for row in rows:
        key = (row.entry.date, row.entry.province)
        first = seen.setdefault(key, row)
        if first is not row:
            where = "" if key[1] is None else f" for province {key[1]}"
            raise CalendarDataError(
                f"duplicate date {key[0].isoformat()}{where} "
                f"(first listed at {first.file}:{first.line})",
                file=row.file,
                line=row.line,
            )


def _parse_row(cells: list[str], file: str, line: int) -> DayEntry:
    if len(cells) not in (4, 5):
        raise CalendarDataError(
            f"expected {len(COLUMNS)} columns ({','.join(COLUMNS)}), got {len(cells)}",
            file=file,
            line=line,
        )
    day_text, kind, name, source = cells[:4]
    province = cells[4] if len(cells) == 5 else ""
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        raise CalendarDataError(
            f"invalid date {day_text!r} (expected YYYY-MM-DD)", file=file, line=line
        ) from None
    try:
        return DayEntry(day, kind, source, name=name or None, province=province or None)
    except CalendarDataError as exc:
        raise CalendarDataError(exc.problem, file=file, line=line) from None


def read_data_dir(data_dir: Path) -> list[SourcedEntry]:
    """All ``*.csv`` files of a directory, sorted by name, checked for duplicates across files."""
    files = sorted(data_dir.glob("*.csv"))
    if not files:
        raise CalendarDataError(f"no calendar files (*.csv) in {data_dir}")
    rows = [row for path in files for row in read_days_csv(path)]
    check_duplicates(rows)
    return rows


@lru_cache(maxsize=8)
def _bundled(data_dir: str) -> tuple[SourcedEntry, ...]:
    return tuple(read_data_dir(Path(data_dir)))


@lru_cache(maxsize=4)
def seed_entries(first_year: int, last_year: int) -> tuple[DayEntry, ...]:
    """Statutory days of Labour Code 2019 art. 112 from `holidays` (Tết by the lunar calendar,
    weekend compensation by its observed rules), marked provisional. 24/11 and its compensation
    stay ``pending``: `holidays` already lists it, our sources do not show it as law yet."""
    import holidays  # heavy import, only needed once per process

    years = range(first_year, last_year + 1)
    full = holidays.country_holidays("VN", years=years, language="vi")
    statutory = holidays.country_holidays("VN", years=years, language="vi", observed=False)
    version = getattr(holidays, "__version__", "")
    source = (
        f"holidays {version} (BLLĐ 2019 Điều 112, nghỉ bù cuối tuần) — "
        "chưa có lịch nghỉ chính thức, tạm tính"
    )
    out: list[DayEntry] = []
    for day, label in sorted(full.items()):
        if day.weekday() >= 5:
            continue
        if "Văn hóa Việt Nam" in label or (day.month, day.day) == (11, 24):
            kind = PENDING
        elif "thay cho" in label:  # a special swap ("Ngày nghỉ (thay cho ngày …)")
            kind = SWAPPED_OFF
        elif day in statutory:
            kind = HOLIDAY
        else:
            kind = COMPENSATORY_OFF
        out.append(DayEntry(day, kind, source, name=label, provisional=True))
    for day in sorted(getattr(full, "weekend_workdays", ())):
        if first_year <= day.year <= last_year and day.weekday() >= 5:
            out.append(DayEntry(day, MAKEUP_WORKDAY, source, name="Làm bù", provisional=True))
    return tuple(out)


def load_calendar(
    province: str | None = None,
    hours: WorkingHours | None = None,
    overrides: Iterable[DayEntry] = (),
    *,
    data_dir: Path | str | None = None,
) -> Calendar:
    """The calendar in force: bundled data (+ the province's rows) with ``overrides`` layered on.

    Calendars are immutable and cached by their inputs, so calling this per request is cheap.
    """
    override_rows = tuple(overrides)
    for i, entry in enumerate(override_rows):
        if not isinstance(entry, DayEntry):
            raise CalendarDataError(f"override #{i + 1} is not a DayEntry: {entry!r}")
    path = str(Path(data_dir).resolve()) if data_dir is not None else str(DATA_DIR)
    return _build(normalise_province(province), hours or _DEFAULT_HOURS, override_rows, path)


@lru_cache(maxsize=64)
def _build(
    province: str | None, hours: WorkingHours, overrides: tuple[DayEntry, ...], data_dir: str
) -> Calendar:
    bundled = _bundled(data_dir)
    bundled_years = frozenset(r.entry.date.year for r in bundled if r.entry.province is None)
    effective: dict[date, DayEntry] = {
        e.date: e for e in seed_entries(FIRST_YEAR, LAST_YEAR) if e.date.year not in bundled_years
    }
    layers: Sequence[Iterable[DayEntry]] = (
        (r.entry for r in bundled if r.entry.province is None),
        (r.entry for r in bundled if r.entry.province is not None),
        overrides,
    )
    for layer in layers:
        for entry in layer:
            if entry.province is None or entry.province == province:
                effective[entry.date] = entry
    provisional = frozenset(range(FIRST_YEAR, LAST_YEAR + 1)) - bundled_years
    return Calendar(
        entries=effective,
        hours=hours,
        province=province,
        provisional_years=provisional,
        first=date(FIRST_YEAR, 1, 1),
        last=date(LAST_YEAR, 12, 31),
    )
