"""Satisfaction ratings: one per dossier, on the three-level scale, once the result is ready.

Who rates: the citizen with the receipt's lookup secret (portal or counter kiosk; a wrong secret
gets the same 404 as an unknown code, checked with the dossiers package's ``secret_matches``), or
a clerk recording it at the counter (authenticated with ``dossier:intake`` over the dossier's
returning or receiving unit; channel ``counter``). Only in status 9 (result ready) or 10
(returned); a second rating is a 409. A "không hài lòng" opens a follow-up task for the leader of
the competent unit in the same transaction (``report_followup_task``, listed by
``GET /api/v1/reports/satisfaction/followups``).

Why not a ``worklist_alert`` row: that table's ``GET /api/v1/tasks`` only reads the worklist kinds
(a ``TaskKind`` literal: another kind there is a 500) and its alert worker closes every alert of a
dossier that has ended (a rated dossier always has). Moving these tasks there needs the kind added
to ``TaskKind`` and the worker's "closed" rule limited to the worklist kinds.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.core.errors import Conflict, InvalidInput, NotFound, RuleViolation
from onestop.dossiers import history
from onestop.dossiers.access import CITIZEN, Actor, require_any, require_sees, unknown_dossier
from onestop.dossiers.intake.lookup_secret import secret_matches
from onestop.dossiers.models import Dossier
from onestop.dossiers.reading import by_public_code
from onestop.dossiers.states import EventType, Status
from onestop.metrics.satisfaction import rollup
from onestop.metrics.satisfaction.models import FollowupTask, Rating
from onestop.metrics.schemas import RatingCreate, RatingRead

LEVELS_VI = {
    "rat_hai_long": "Rất hài lòng",
    "hai_long": "Hài lòng",
    "khong_hai_long": "Không hài lòng",
}
RATEABLE = frozenset({int(Status.RESULT_READY), int(Status.RETURNED)})
FOLLOWUP_KIND = "dissatisfied_rating"


def _lookup_failed() -> NotFound:
    # The very words of the citizen lookup (dossiers.reading.public): nothing tells a wrong
    # secret from an unknown code.
    return NotFound(
        "Không tìm thấy hồ sơ với mã và mã tra cứu này (no dossier with this code and secret)",
        code="dossier-lookup-failed",
    )


async def _dossier(session: AsyncSession, code: str) -> Dossier | None:
    """The dossier a typed code names (any case, stray spaces ignored, as the lookup reads it)."""
    return await by_public_code(session, code)


async def rating_of(session: AsyncSession, dossier: Dossier | str) -> RatingRead | None:
    """The rating already given for a dossier (the lookup page shows it instead of the form)."""
    d = dossier if isinstance(dossier, Dossier) else await _dossier(session, dossier)
    if d is None:
        return None
    rating = (
        await session.execute(select(Rating).where(Rating.dossier_id == d.id))
    ).scalar_one_or_none()
    if rating is None:
        return None
    return RatingRead(
        dossier_code=d.code,
        level=rating.level,
        level_label=LEVELS_VI.get(rating.level, rating.level),
        comment=rating.comment,
        channel=rating.channel,
        at=rating.at,
    )


def already_rated(code: str) -> Conflict:
    return Conflict(
        f"Hồ sơ {code} đã được đánh giá; mỗi hồ sơ chỉ đánh giá một lần"
        f" (dossier {code} has already been rated)",
        code="already-rated",
        dossier_code=code,
    )


def _record_event(session: AsyncSession, d: Dossier, rating: Rating, actor: Actor) -> None:
    """The ``rated`` event: the rating in the dossier's history and its changes feed (webhook
    ``rating.received``); the level only, never the comment (it may name people)."""
    payload = {"level": rating.level, "channel": rating.channel}
    history.record(session, d, EventType.RATED, actor, rating.at, payload)


async def rate(
    session: AsyncSession,
    *,
    code: str,
    body: RatingCreate,
    principal: Principal | None,
    at: dt.datetime,
) -> RatingRead:
    """Record the rating (and the follow-up task) in one transaction."""
    counter = principal is not None and principal.kind == "user"
    if not counter and body.secret is None:
        raise InvalidInput(
            "Cần mã tra cứu in trên giấy tiếp nhận (the receipt's secret is required)",
            code="secret-required",
        )
    if counter:
        assert principal is not None
        # The right first and a dossier out of sight as an unknown one: nothing here tells
        # whether a dossier outside the clerk's scope exists.
        principal.require(Right.DOSSIER_INTAKE)
    d = await _dossier(session, code)
    if counter:
        assert principal is not None
        if d is None:
            raise unknown_dossier(code)
        await require_sees(session, principal, d)
        await require_any(
            session, principal, [(Right.DOSSIER_INTAKE, [d.returning_unit_id, d.receiving_unit_id])]
        )
        channel, given_by = "counter", principal.actor
    else:
        assert body.secret is not None
        if d is None or not secret_matches(d.secret_hash, body.secret):
            raise _lookup_failed()
        channel = body.channel or "portal"
        given_by = "citizen" if principal is None else f"citizen via {principal.actor}"
    code = d.code  # as stored, however it was typed
    if d.status not in RATEABLE:
        raise RuleViolation(
            f"Chỉ đánh giá khi đã có kết quả (mã 9 hoặc 10); hồ sơ đang ở mã {d.status}"
            f" (a rating is accepted once the result is ready; status is {d.status})",
            code="rating-not-ready",
            current_status=d.status,
        )
    if (
        await session.execute(select(Rating.id).where(Rating.dossier_id == d.id))
    ).scalar_one_or_none() is not None:
        raise already_rated(code)
    rating = Rating(
        dossier_id=d.id,
        unit_id=d.competent_unit_id,
        procedure_id=d.procedure_id,
        level=body.level,
        comment=body.comment or None,
        channel=channel,
        given_by=given_by,
        at=at,
    )
    session.add(rating)
    _record_event(session, d, rating, Actor.of(principal) if counter and principal else CITIZEN)
    task: FollowupTask | None = None
    try:
        await session.flush()
        await rollup.count(session, rating)
        if body.level == "khong_hai_long":
            task = FollowupTask(
                kind=FOLLOWUP_KIND,
                unit_id=d.competent_unit_id,
                dossier_id=d.id,
                rating_id=rating.id,
                assignee_role="leader",
                title=f"Công dân không hài lòng với kết quả giải quyết hồ sơ {code}: lãnh đạo"
                " đơn vị xem xét, phản hồi (a citizen was not satisfied: follow up)",
                created_at=at,
            )
            session.add(task)
            await session.flush()
        await session.commit()
    except (IntegrityError, StaleDataError):  # a concurrent rating won the unique (dossier_id)
        await session.rollback()
        raise already_rated(code) from None
    return RatingRead(
        dossier_code=code,
        level=body.level,
        level_label=LEVELS_VI[body.level],
        comment=rating.comment,
        channel=channel,
        at=at,
        followup_task_id=task.id if task is not None else None,
    )
