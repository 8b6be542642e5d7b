"""Early / on-time / late (docs/rules.md §9.1) and the resolved on-time rate (§9.2).

The reference instant of a dossier is ``finished_at`` (status 9, or 10 when it went straight to
10). A finished dossier is

* **late** when ``finished_at > due_at`` (``due_at`` after lawful pauses, never moved by an
  apology), or when more than one supplement was requested while processing
  (``supplement_count > 1``), or when ``late_flag`` is set (a leader overrode the one-supplement
  rule), or when the classification cached at finish said so;
* **early** when it finished before the opening of the working day on which ``due_at`` falls
  (07:00 with the default hours; the competent unit's own hours otherwise). The finishing action
  stores this as ``timing = 'early'`` (``dossiers.deadlines.classify`` with the competent unit's
  calendar), and it cannot change afterwards: nothing moves ``due_at`` once a dossier is finished;
* **on time** otherwise.

``bucket`` (Python) and ``bucket_sql`` (SQL) are the same function of the dossier row; the rollup
uses the first, the drill-down lists use the second, so a count and its list always agree.

Rate = (early + on time) ÷ finished × 100, rounded half-up to 2 decimals; ``None`` (shown "—")
when nothing finished.

Status against a unit's target (``unit.on_time_target``, default 99.70 %): **green** when the rate
reaches the target, **amber** when it is below by at most 2 percentage points, **red** below that;
no status when there is no rate.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import case, literal, or_
from sqlalchemy.sql.elements import ColumnElement

from onestop.catalog.models import DEFAULT_ON_TIME_TARGET
from onestop.dossiers.models import Dossier

Bucket = Literal["early", "on_time", "late"]
Status = Literal["green", "amber", "red"]
BUCKETS: tuple[Bucket, ...] = ("early", "on_time", "late")
LABELS_VI: dict[str, str] = {
    "early": "Trước hạn",
    "on_time": "Đúng hạn",
    "late": "Quá hạn",
    "finished": "Đã giải quyết",
}

DEFAULT_TARGET = DEFAULT_ON_TIME_TARGET
#: Below the target by at most this many percentage points → amber; further → red.
AMBER_BAND = Decimal("2")


def bucket(
    *,
    finished_at: dt.datetime | None,
    due_at: dt.datetime | None,
    timing: str | None,
    late_flag: bool | None,
    supplement_count: int | None,
) -> Bucket | None:
    """The bucket of a dossier row, or None when it has not finished."""
    if finished_at is None:
        return None
    if (
        late_flag
        or (supplement_count or 0) > 1
        or timing == "late"
        or (due_at is not None and finished_at > due_at)
    ):
        return "late"
    return "early" if timing == "early" else "on_time"


def bucket_of(d: Any) -> Bucket | None:
    """``bucket`` of anything with the dossier's attributes (an ORM row, a Row, a namespace)."""
    return bucket(
        finished_at=d.finished_at,
        due_at=d.due_at,
        timing=d.timing,
        late_flag=d.late_flag,
        supplement_count=d.supplement_count,
    )


def bucket_sql(table: Any = None) -> ColumnElement[str]:
    """The same classification as SQL over the dossier table (or an alias of it)."""
    t = table if table is not None else Dossier.__table__
    c = t.c
    late = or_(
        c.late_flag.is_(True),
        c.supplement_count > 1,
        c.timing == "late",
        c.finished_at > c.due_at,
    )
    return case(
        (late, literal("late")),
        (c.timing == "early", literal("early")),
        else_=literal("on_time"),
    )


def rate(early: int, on_time: int, finished: int) -> Decimal | None:
    """(early + on time) ÷ finished × 100, half-up to 2 decimals; None when nothing finished."""
    if finished <= 0:
        return None
    return percent(early + on_time, finished)


def percent(numerator: int, denominator: int) -> Decimal:
    """numerator ÷ denominator × 100, rounded half-up to 2 decimals."""
    return Decimal(hundredths(numerator, denominator)).scaleb(-2)


def hundredths(numerator: int, denominator: int) -> int:
    """``percent`` in hundredths of a percent, by exact integer arithmetic:
    floor((2 × 10⁴ × n + d) ÷ 2d) for n ≥ 0, d > 0."""
    return (20000 * numerator + denominator) // (2 * denominator)


def status(value: Decimal | None, target: Decimal) -> Status | None:
    """green ≥ target; amber ≥ target − 2 points; red below; None without a rate."""
    if value is None:
        return None
    if value >= target:
        return "green"
    if value >= target - AMBER_BAND:
        return "amber"
    return "red"


@lru_cache(maxsize=256)
def target_hundredths(target: Decimal) -> int:
    """The smallest whole number of hundredths of a percent that reaches ``target``."""
    return int(-((-target * 100) // 1))


def status_hundredths(value: int | None, target: Decimal) -> Status | None:
    """``status`` of a rate given in hundredths (``hundredths``), with integers only: a report
    classifies thousands of rows. ``value / 100 ≥ target`` ⇔ ``value ≥ ⌈100 × target⌉``."""
    if value is None:
        return None
    least = target_hundredths(target)
    if value >= least:
        return "green"
    if value >= least - 100 * int(AMBER_BAND):
        return "amber"
    return "red"


STATUS_VI = {"green": "Đạt", "amber": "Gần đạt", "red": "Không đạt", None: "—"}
