"""Vietnamese printing of dates, times, numbers and money, as on official documents.

Dates follow Decree 30/2020/NĐ-CP (Phụ lục I): a day below 10 and the months 1 and 2 take a
leading zero ("ngày 05 tháng 02 năm 2026", "ngày 26 tháng 3 năm 2026"). Times print as
"08 giờ 30 phút". Every instant is converted to Asia/Ho_Chi_Minh before printing; naive datetimes
are refused. Appointments are printed exactly as given (see ``contexts`` for the 07:00 convention).

Numbers (time limits, quantities, working time) print in positional notation with the Vietnamese
decimal comma and the dot as thousands separator — ``10``, ``0,5``, ``1,5``, ``12.345`` — never in
scientific notation (``Decimal.normalize()`` turns 10 into ``1E+1``): :func:`number` is the one
helper (``onestop.core.numbers``, so that the metrics exports share it) every form,
page and export a person reads goes through.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from onestop.core.clock import LOCAL_TZ
from onestop.core.numbers import number as number


def local(instant: dt.datetime) -> dt.datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("cannot print a naive datetime")
    return instant.astimezone(LOCAL_TZ)


def _day(value: dt.date | dt.datetime) -> dt.date:
    return local(value).date() if isinstance(value, dt.datetime) else value


def vn_date(value: dt.date | dt.datetime) -> str:
    """``ngày 05 tháng 02 năm 2026`` (local date of an instant, or a calendar date)."""
    day = _day(value)
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def vn_time(instant: dt.datetime) -> str:
    """``08 giờ 30 phút`` in local time."""
    t = local(instant)
    return f"{t.hour:02d} giờ {t.minute:02d} phút"


def vn_datetime(instant: dt.datetime) -> str:
    """``08 giờ 30 phút, ngày 26 tháng 02 năm 2026`` in local time."""
    return f"{vn_time(instant)}, {vn_date(instant)}"


def short_date(value: dt.date | dt.datetime) -> str:
    """``26/02/2026`` — for table cells (register)."""
    return _day(value).strftime("%d/%m/%Y")


def short_datetime(instant: dt.datetime) -> str:
    """``08:30 26/02/2026`` — for table cells (register)."""
    t = local(instant)
    return f"{t:%H:%M} {t:%d/%m/%Y}"


def date_line(place: str, value: dt.date | dt.datetime) -> str:
    """``Nghệ An, ngày 26 tháng 02 năm 2026`` — the place-and-date line of a document."""
    return f"{place}, {vn_date(value)}" if place.strip() else vn_date(value).capitalize()


def money(amount: int) -> str:
    """``50.000 đồng`` (dot as thousands separator)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount):,}".replace(",", ".") + " đồng"


#: Units of a time limit (``ProcedureVersion.limit_unit``) in words.
LIMIT_UNITS = {
    "working_days": "ngày làm việc",
    "working_hours": "giờ làm việc",
    "calendar_days": "ngày",
}


def limit_text(amount: int | float | Decimal | str, unit: str, *, pad: int = 0) -> str:
    """``10 ngày làm việc``, ``0,5 ngày làm việc``; ``same_day`` → ``Trong ngày làm việc``."""
    if unit == "same_day":
        return "Trong ngày làm việc"
    return f"{number(amount, pad=pad)} {LIMIT_UNITS.get(unit, unit)}"
