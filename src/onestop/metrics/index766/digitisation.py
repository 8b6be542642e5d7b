"""Decision 766 indicators counted per dossier of a unit's subtree (competent unit) and a period,
with the list of dossiers behind every count: 4.1–4.3 (digitisation of dossiers, docs/rules.md
§12.3), from the documents attached to the dossiers (``documents.models.DossierDocument``), and
1.4, from the messages delivered to the national portal (``index766.synced``).

* **4.1 electronic result** = dossiers with at least one electronic result ÷ dossiers whose
  result was issued in the period (``finished_at`` in it: status 9, or 10 straight from
  processing). onestop does not record which procedures return a paper result, so every finished
  dossier is in the denominator.
* **4.2 digitised dossiers** = dossiers received in the period with at least one component
  stored electronically and, when the dossier is finished, an electronic result ÷ dossiers
  received in the period (``received_at`` in it).
* **4.3 re-use of digitised data** = dossiers received in the period with at least one component
  reused from an earlier dossier of the same applicant (``DuocTaiSuDung``) ÷ dossiers received in
  the period. Score = min(2, 2 × ratio ÷ 80 %), as reconstructed from the national dashboard.
* **1.4 synced to the national portal** = dossiers received in the period that have reached
  DVCQG (``synced``) ÷ dossiers received in the period. The national denominator is the larger
  of the national reporting system's and DVCQG's totals, which onestop cannot see: it counts its
  own received dossiers. The score is proportional with a weight not published: ratio only.

The national split of the group's 22 points between 4.1 and 4.2 is not verified: they carry a
ratio and no score. No dossier in the period → no ratio (null).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.catalog.models import Procedure
from onestop.catalog.snapshots import ScopeUnit
from onestop.core.errors import InvalidInput
from onestop.core.paging import Page, encode_cursor
from onestop.documents.models import RESULT, SUBMITTED, DossierDocument
from onestop.metrics import drill, periods
from onestop.metrics.index766.indicators import HUNDRED, q
from onestop.metrics.index766.synced import synced_to_portal
from onestop.metrics.periods import Period
from onestop.metrics.schemas import IndicatorRead, ReportDossier

D = periods.D
U = periods.U
P = Procedure.__table__
DD = DossierDocument.__table__
DRILL = "index-766/dossiers"
Part = Literal["numerator", "denominator"]


def _has(*conditions: Any) -> Any:
    return exists().where(DD.c.dossier_id == D.c.id, *conditions)


HAS_RESULT = _has(DD.c.kind == RESULT)
HAS_COMPONENT = _has(DD.c.kind == SUBMITTED)
HAS_REUSED = _has(DD.c.kind == SUBMITTED, DD.c.reused_from_dossier_id.is_not(None))


@dataclass(frozen=True)
class Spec:
    """One indicator: its name, the instant that puts a dossier in the period, the condition of
    its numerator, and its score (None: ratio only)."""

    id: str
    name: str
    instant: str  # column of the dossier: finished_at | received_at
    numerator: Any
    max_score: Decimal | None = None
    full_at: Decimal | None = None  # ratio (%) that earns the whole score

    def in_period(self, p: Period) -> Any:
        column = D.c[self.instant]
        return and_(column >= p.start_at, column < p.end_at)


SPECS = (
    Spec(
        "1.4",
        "Công khai, minh bạch: hồ sơ được đồng bộ lên Cổng Dịch vụ công quốc gia",
        "received_at",
        synced_to_portal(),
    ),
    Spec(
        "4.1",
        "Số hóa: hồ sơ có kết quả giải quyết điện tử",
        "finished_at",
        HAS_RESULT,
    ),
    Spec(
        "4.2",
        "Số hóa: hồ sơ được số hóa thành phần và kết quả",
        "received_at",
        and_(HAS_COMPONENT, (D.c.finished_at.is_(None)) | HAS_RESULT),
    ),
    Spec(
        "4.3",
        "Số hóa: hồ sơ tái sử dụng dữ liệu đã số hóa",
        "received_at",
        HAS_REUSED,
        max_score=Decimal(2),
        full_at=Decimal(80),
    ),
)
BY_ID = {s.id: s for s in SPECS}


def _base(spec: Spec, unit: ScopeUnit, p: Period) -> Any:
    return (
        select(D.c.id)
        .select_from(D.join(U, U.c.id == D.c.competent_unit_id))
        .where(spec.in_period(p), periods.in_subtree(unit))
    )


async def _count(session: AsyncSession, stmt: Any) -> int:
    return int(
        (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    )


def _link(spec: Spec, unit: ScopeUnit, p: Period, part: Part) -> str:
    return periods.link(
        DRILL, from_=p.start, to=p.end, unit=unit.code, indicator=spec.id, part=part
    )


async def indicator(session: AsyncSession, spec: Spec, unit: ScopeUnit, p: Period) -> IndicatorRead:
    base = _base(spec, unit, p)
    total = await _count(session, base)
    hits = await _count(session, base.where(spec.numerator))
    ratio = score = None
    if total:
        ratio = q(Decimal(hits) * HUNDRED / Decimal(total))
        if spec.max_score is not None and spec.full_at is not None:
            score = q(min(spec.max_score, spec.max_score * ratio / spec.full_at))
    return IndicatorRead(
        id=spec.id,
        name=spec.name,
        numerator=hits,
        denominator=total,
        ratio=ratio,
        score=score,
        max_score=spec.max_score,
        links={
            "numerator": _link(spec, unit, p, "numerator"),
            "denominator": _link(spec, unit, p, "denominator"),
        },
    )


async def indicators(session: AsyncSession, unit: ScopeUnit, p: Period) -> list[IndicatorRead]:
    return [await indicator(session, spec, unit, p) for spec in SPECS]


def spec_of(indicator_id: str) -> Spec:
    spec = BY_ID.get(indicator_id)
    if spec is None:
        raise InvalidInput(
            f"Không có chỉ số {indicator_id} (unknown indicator {indicator_id})",
            code="invalid-filter",
            allowed=sorted(BY_ID),
        )
    return spec


async def dossiers(
    session: AsyncSession,
    *,
    unit: ScopeUnit,
    p: Period,
    indicator_id: str,
    part: Part,
    limit: int,
    cursor: str | None,
) -> Page[ReportDossier]:
    """The dossiers behind the numerator or the denominator of one indicator, by dossier id
    (the very conditions the counts use)."""
    spec = spec_of(indicator_id)
    after = drill.after_id(cursor)
    stmt = (
        select(*drill.COLUMNS)
        .select_from(D.join(U, U.c.id == D.c.competent_unit_id).join(P, P.c.id == D.c.procedure_id))
        .where(spec.in_period(p), periods.in_subtree(unit))
        .order_by(D.c.id)
        .limit(limit + 1)
    )
    if part == "numerator":
        stmt = stmt.where(spec.numerator)
    if after is not None:
        stmt = stmt.where(D.c.id > after)
    rows = (await session.execute(stmt)).mappings().all()
    more = len(rows) > limit
    rows = rows[:limit]
    return Page[ReportDossier](
        items=[drill.to_item(r) for r in rows],
        next_cursor=encode_cursor([rows[-1]["id"]]) if more else None,
    )
