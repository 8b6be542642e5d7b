"""Decision 766 indicators 2.1 and 5.4 (docs/rules.md §12.2, §12.3) for a unit's subtree and a
period.

Both use the Biểu 06 population (``bieu06.columns``, counted from its rollups by ``bieu06.read``:
dossiers received and being processed in the period), so the figures agree with that report:

* **2.1 progress** = (resolved early + resolved on time + in progress within time at the end of
  the period) ÷ (received, carried over and processed in the period) = ((8) + (9) + (12)) ÷ (3);
  score = 20 × ratio. Withdrawn / stopped dossiers count as on time, as in Biểu 06. A second
  supplement request makes a dossier late (``rates.bucket``, Biểu 06 (13)).
* **5.4 satisfaction in receiving and resolving** = 100 % − (overdue rate + rate of dossiers with a
  complaint or a "không hài lòng" rating), where overdue = (10) + (13), the rates are over (3), and
  the second counts the "không hài lòng" ratings given in the period to dossiers of the subtree
  (one rating per dossier; onestop keeps no separate complaint register yet, so the rating is the
  complaint signal). Never below 0; score = min(6, 6 × r ÷ 90 %).

No dossier in the period → no ratio and no score (null), rather than a made-up 0 or 20.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from onestop.catalog.snapshots import ScopeUnit
from onestop.metrics import periods
from onestop.metrics.bieu06 import read as bieu06_read
from onestop.metrics.periods import Period
from onestop.metrics.satisfaction import rollup as satisfaction_rollup
from onestop.metrics.schemas import IndicatorRead

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _b06(p: Period, unit: ScopeUnit, column: int) -> str:
    return periods.link("bieu-06/dossiers", from_=p.start, to=p.end, unit=unit.code, column=column)


async def dissatisfied(session: AsyncSession, unit: ScopeUnit, p: Period) -> int:
    """Ratings "không hài lòng" given in the period to dossiers of the subtree (one per
    dossier)."""
    counts = await satisfaction_rollup.level_counts(session, unit, p, level="khong_hai_long")
    return sum(counts.values())


async def indicators(session: AsyncSession, unit: ScopeUnit, p: Period) -> list[IndicatorRead]:
    cells = (await bieu06_read.cells_total(session, unit, p)).columns()
    total = cells.c3
    on_time = cells.c8 + cells.c9 + cells.c12
    overdue = cells.c10 + cells.c13
    disliked = await dissatisfied(session, unit, p)
    progress_ratio = progress_score = sat_ratio = sat_score = None
    detail: dict[str, object] = {"overdue": overdue, "dissatisfied": disliked}
    if total:
        share = Decimal(on_time) / Decimal(total)
        progress_ratio, progress_score = q(share * HUNDRED), q(Decimal(20) * share)
        overdue_rate = Decimal(overdue) * HUNDRED / Decimal(total)
        disliked_rate = Decimal(disliked) * HUNDRED / Decimal(total)
        r = max(Decimal(0), HUNDRED - overdue_rate - disliked_rate)
        sat_ratio = q(r)
        sat_score = q(min(Decimal(6), Decimal(6) * r / Decimal(90)))
        detail.update(
            {"overdue_rate": float(q(overdue_rate)), "dissatisfied_rate": float(q(disliked_rate))}
        )
    return [
        IndicatorRead(
            id="2.1",
            name="Tiến độ, kết quả giải quyết: hồ sơ đã và đang xử lý đúng hạn, trong hạn",
            numerator=on_time,
            denominator=total,
            ratio=progress_ratio,
            score=progress_score,
            max_score=Decimal(20),
            detail={"early": cells.c8, "on_time": cells.c9, "in_time": cells.c12},
            links={
                "early": _b06(p, unit, 8),
                "on_time": _b06(p, unit, 9),
                "in_time": _b06(p, unit, 12),
                "denominator": _b06(p, unit, 3),
            },
        ),
        IndicatorRead(
            id="5.4",
            name="Mức độ hài lòng trong tiếp nhận, giải quyết TTHC",
            numerator=max(0, total - overdue - disliked),
            denominator=total,
            ratio=sat_ratio,
            score=sat_score,
            max_score=Decimal(6),
            detail=detail,
            links={
                "overdue_resolved": _b06(p, unit, 10),
                "overdue_in_progress": _b06(p, unit, 13),
                "dissatisfied": periods.link(
                    "satisfaction/ratings",
                    from_=p.start,
                    to=p.end,
                    unit=unit.code,
                    level="khong_hai_long",
                ),
                "denominator": _b06(p, unit, 3),
            },
        ),
    ]
