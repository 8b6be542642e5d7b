"""The nine evaluation indicators of TTHC resolution (docs/rules.md §12.4), each 0 / 1 / 2 points.

Indicators 1, 2, 3, 4 and 7 are scored from the data, per dossier finished in the period (its
``finished_at`` in the period, competent unit in the subtree); the unit's score for an indicator
is the mean of its dossiers' points (2 decimals, half-up), so the total is the mean evaluation form
(0–18). Per dossier:

1. total time vs the legal time: early 2, on time 1, late 0 (``rates.bucket``);
2. time of each agency involved vs its allotted time: any step late 0; every classified step early
   2; otherwise 1; with no classified step, the dossier's own points of indicator 1;
3. contacts needed to complete the dossier: no supplement request (at reception or while
   processing) 2, one 1, more 0;
4. agencies the applicant had to go to: none — submitted online or by post and the result sent
   online or by post — 2; only the one-stop counter (the receiving unit has a counter) 1;
   otherwise 0;
7. staff attitude: a "không hài lòng" rating 0; else early 2, on time 1, late 0.

Indicators 5, 6, 8 and 9 need facts onestop does not hold (share of procedures the one-stop unit
approves, publicity, feedback handling, online-service levels): a manager enters them
(``POST /api/v1/reports/evaluation-entries``) for the unit and the exact period.

Classification of the total (one province's rule, docs/rules.md §12.4): > 15 Xuất sắc; 12–15 Tốt;
9–<12 Khá; 6–<9 Trung bình; < 6 Yếu. The source's "12–<15 Tốt" and "> 15 Xuất sắc" leave exactly
15 uncovered; we put 15 in **Tốt** (Xuất sắc stays "strictly more than 15", as written). With
entries missing there is no classification (``missing`` names them).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth import audit
from onestop.auth.principal import Principal
from onestop.catalog.snapshots import ScopeUnit
from onestop.dossiers.models import DossierStep
from onestop.dossiers.states import Channel
from onestop.metrics import periods
from onestop.metrics.index766.indicators import q
from onestop.metrics.index766.models import EvaluationEntry
from onestop.metrics.ontime import rates
from onestop.metrics.periods import Period
from onestop.metrics.satisfaction.models import Rating
from onestop.metrics.schemas import (
    EvaluationEntryCreate,
    EvaluationEntryRead,
    EvaluationIndicatorRead,
    EvaluationRead,
)

D = periods.D
U = periods.U
ST = DossierStep.__table__
RT = Rating.__table__

NAMES = {
    1: "Tổng thời gian giải quyết so với thời gian quy định",
    2: "Thời gian thực hiện của từng cơ quan, đơn vị tham gia giải quyết",
    3: "Số lần liên hệ với nơi tiếp nhận hồ sơ để hoàn thiện hồ sơ",
    4: "Số lượng cơ quan, đơn vị, tổ chức phải liên hệ",
    5: "Thực hiện tiếp nhận, giải quyết, trả kết quả tại Bộ phận Một cửa",
    6: "Công khai thủ tục hành chính",
    7: "Thái độ của cán bộ, công chức, viên chức",
    8: "Tiếp nhận, xử lý phản ánh, kiến nghị",
    9: "Tiến độ, chất lượng cung cấp dịch vụ công trực tuyến",
}
AUTO = (1, 2, 3, 4, 7)
ENTERED = (5, 6, 8, 9)
RULE = "> 15: Xuất sắc; 12–15: Tốt; 9–<12: Khá; 6–<9: Trung bình; < 6: Yếu (15 → Tốt)"


def classify(total: Decimal) -> str:
    if total > 15:
        return "Xuất sắc"
    if total >= 12:
        return "Tốt"
    if total >= 9:
        return "Khá"
    if total >= 6:
        return "Trung bình"
    return "Yếu"


def _points(b: Any) -> Any:
    return case((b == "early", 2), (b == "on_time", 1), else_=0)


async def auto_scores(
    session: AsyncSession, unit: ScopeUnit, p: Period
) -> tuple[int, dict[int, Decimal | None]]:
    """(dossiers scored, mean points per automatic indicator)."""
    ru = U.alias("ru")
    b = rates.bucket_sql()
    p1 = _points(b)
    # Indicator 2 per dossier from its own steps (a correlated subquery: an index lookup per
    # dossier of the period, not an aggregate over every step ever recorded); NULL when no
    # step is classified, and then the dossier's points of indicator 1.
    late = func.sum(case((ST.c.outcome == "late", 1), else_=0))
    early = func.sum(case((ST.c.outcome == "early", 1), else_=0))
    classified = func.count(ST.c.outcome)
    steps = (
        select(
            case(
                (late > 0, 0),
                (and_(classified > 0, early == classified), 2),
                (classified > 0, 1),
                else_=None,
            )
        )
        .where(ST.c.dossier_id == D.c.id)
        .scalar_subquery()
    )
    p2 = func.coalesce(steps, p1)
    contacts = D.c.reception_supplement_count + D.c.supplement_count
    p3 = case((contacts == 0, 2), (contacts == 1, 1), else_=0)
    remote = (Channel.ONLINE, Channel.POSTAL)
    p4 = case(
        (and_(D.c.channel.in_(remote), D.c.return_method.in_(remote)), 2),
        (ru.c.has_counter.is_(True), 1),
        else_=0,
    )
    disliked = exists().where(RT.c.dossier_id == D.c.id, RT.c.level == "khong_hai_long")
    p7 = case((disliked, 0), else_=_points(b))
    stmt = (
        select(
            func.count(),
            *(func.coalesce(func.sum(x), literal(0)) for x in (p1, p2, p3, p4, p7)),
        )
        .select_from(
            D.join(U, U.c.id == D.c.competent_unit_id).join(ru, ru.c.id == D.c.receiving_unit_id)
        )
        .where(D.c.finished_at >= p.start_at, D.c.finished_at < p.end_at, periods.in_subtree(unit))
    )
    await periods.custom_plans(session)
    n, *sums = (await session.execute(stmt)).one()
    n = int(n)
    scores: dict[int, Decimal | None] = {
        k: (q(Decimal(int(s)) / Decimal(n)) if n else None) for k, s in zip(AUTO, sums, strict=True)
    }
    return n, scores


async def entries(session: AsyncSession, unit: ScopeUnit, p: Period) -> dict[int, EvaluationEntry]:
    rows = (
        await session.execute(
            select(EvaluationEntry).where(
                EvaluationEntry.unit_id == unit.id,
                EvaluationEntry.date_from == p.start,
                EvaluationEntry.date_to == p.end,
            )
        )
    ).scalars()
    return {e.indicator: e for e in rows}


async def evaluation(session: AsyncSession, unit: ScopeUnit, p: Period) -> EvaluationRead:
    n, auto = await auto_scores(session, unit, p)
    entered = await entries(session, unit, p)
    items: list[EvaluationIndicatorRead] = []
    for number in range(1, 10):
        if number in AUTO:
            score = auto[number]
            items.append(
                EvaluationIndicatorRead(
                    number=number,
                    name=NAMES[number],
                    score=score,
                    source="auto" if score is not None else "missing",
                    basis=n,
                    note=None if score is not None else "Không có hồ sơ giải quyết trong kỳ",
                )
            )
        else:
            e = entered.get(number)
            items.append(
                EvaluationIndicatorRead(
                    number=number,
                    name=NAMES[number],
                    score=Decimal(e.score) if e else None,
                    source="entry" if e else "missing",
                    note=e.note if e else "Chưa nhập (not entered yet)",
                )
            )
    missing = [i.number for i in items if i.score is None]
    total = sum((i.score for i in items if i.score is not None), Decimal(0))
    return EvaluationRead(
        indicators=items,
        total=q(total),
        complete=not missing,
        missing=missing,
        classification=None if missing else classify(total),
        classification_rule=RULE,
    )


async def enter(
    session: AsyncSession,
    *,
    principal: Principal,
    unit: ScopeUnit,
    p: Period,
    body: EvaluationEntryCreate,
    at: dt.datetime,
) -> tuple[EvaluationEntryRead, bool]:
    """Create or replace the entry for (unit, period, indicator); audited. Returns (entry,
    created)."""
    entry = (await entries(session, unit, p)).get(body.indicator)
    created = entry is None
    before = None if entry is None else {"score": entry.score, "note": entry.note}
    if entry is None:
        entry = EvaluationEntry(
            unit_id=unit.id, date_from=p.start, date_to=p.end, indicator=body.indicator
        )
        session.add(entry)
    entry.score = body.score
    entry.note = body.note
    entry.entered_by = principal.actor
    entry.entered_at = at
    await session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="evaluation-entry",
        object_type="unit",
        object_id=unit.code,
        detail={
            "from": p.start.isoformat(),
            "to": p.end.isoformat(),
            "indicator": body.indicator,
            "score": body.score,
            "before": before,
        },
    )
    await session.commit()
    return (
        EvaluationEntryRead(
            id=entry.id,
            unit=unit.code,
            from_=p.start,
            to=p.end,
            indicator=entry.indicator,
            score=entry.score,
            note=entry.note,
            entered_by=entry.entered_by,
            entered_at=entry.entered_at,
        ),
        created,
    )
