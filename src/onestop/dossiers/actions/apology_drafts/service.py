"""Apology drafts: an officer prepares the apology (Form 04), the leader of the issuing unit signs
or returns it.

The letter is a leader's act, but the officer handling the dossier knows the reason and when the
result can be ready. Drafting checks what the letter says (``service.check_content``) so a
draft that could never be signed is refused at once; signing performs the ``apologize`` action
with the draft's content through the dispatcher, so every rule of the apology (rights, state,
content, letter number, notification) applies there, once, exactly as for a letter issued
directly. A returned draft stays on record with the leader's note; the officer drafts anew.

Checks come in the dispatcher's order: the dossier's scope (outside it, the 404 of an unknown
code), the draft (404 when the dossier has no such draft), the rights, then the state.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from onestop.auth.models import User
from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog import lookups
from onestop.catalog.models import Unit
from onestop.core.errors import NotFound, RuleViolation
from onestop.core.paging import ROW_ID, Page, decode_cursor, encode_cursor
from onestop.dossiers import states
from onestop.dossiers.access import Actor, missing_right, require_sees
from onestop.dossiers.actions import registry
from onestop.dossiers.actions.apology import service
from onestop.dossiers.actions.apology.models import (
    DRAFT_PENDING,
    DRAFT_RETURNED,
    DRAFT_SIGNED,
    Apology,
    ApologyDraft,
)
from onestop.dossiers.actions.apology.schemas import (
    ApologizeBody,
    ApologyDraftCreate,
    ApologyDraftRead,
    ApologyDraftReturn,
    ApologyDraftSign,
)
from onestop.dossiers.actions.context import ActionContext
from onestop.dossiers.models import Dossier
from onestop.dossiers.states import Status

DRAFT = Right.DOSSIER_PROCESS
SIGN = service.SIGN
Drafter = aliased(User)
Decider = aliased(User)


def _read_query() -> Select[*tuple[Any, ...]]:
    return (
        select(
            ApologyDraft,
            Dossier.code,
            Dossier.due_at,
            Unit.code,
            Unit.name,
            Drafter.full_name,
            Decider.full_name,
            Apology.letter_number,
        )
        .join(Dossier, Dossier.id == ApologyDraft.dossier_id)
        .join(Unit, Unit.id == ApologyDraft.issuing_unit_id)
        .join(Drafter, Drafter.id == ApologyDraft.drafted_by_user_id)
        .outerjoin(Decider, Decider.id == ApologyDraft.decided_by_user_id)
        .outerjoin(Apology, Apology.id == ApologyDraft.apology_id)
    )


def _to_read(row: Any) -> ApologyDraftRead:
    draft, code, due_at, unit_code, unit_name, drafter, decider, letter = row
    return ApologyDraftRead(
        id=draft.id,
        dossier_code=code,
        status=draft.status,
        issuing_unit=unit_code,
        issuing_unit_name=unit_name,
        reason=draft.reason,
        new_appointment_at=draft.new_appointment_at,
        due_at=due_at,
        note=draft.note,
        drafted_by=drafter,
        drafted_at=draft.drafted_at,
        decided_by=decider,
        decided_at=draft.decided_at,
        return_note=draft.return_note,
        letter_number=letter,
    )


async def read(session: AsyncSession, draft_id: int) -> ApologyDraftRead:
    row = (await session.execute(_read_query().where(ApologyDraft.id == draft_id))).one()
    return _to_read(row)


def _pending_exists(dossier_code: str) -> RuleViolation:
    return RuleViolation(
        f"Hồ sơ {dossier_code} đã có dự thảo văn bản xin lỗi đang chờ lãnh đạo ký"
        f" (dossier {dossier_code} already has an apology draft awaiting signature)",
        code="apology-draft-pending",
        dossier_code=dossier_code,
    )


async def _has_pending(session: AsyncSession, dossier_id: int) -> bool:
    found = await session.execute(
        select(ApologyDraft.id).where(
            ApologyDraft.dossier_id == dossier_id, ApologyDraft.status == DRAFT_PENDING
        )
    )
    return found.first() is not None


def _as_apology(body: ApologyDraftCreate) -> ApologizeBody:
    return ApologizeBody(
        reason=body.reason,
        new_appointment_at=body.new_appointment_at,
        issuing_unit=body.issuing_unit,
        note=body.note,
    )


async def create(
    session: AsyncSession,
    *,
    principal: Principal,
    code: str,
    body: ApologyDraftCreate,
    at: dt.datetime,
) -> ApologyDraftRead:
    """An officer's draft for the issuing unit's leader; one transaction."""
    try:
        dossier = await registry.load(session, code)
        await require_sees(session, principal, dossier)
        if not principal.can(DRAFT) or principal.kind != "user":
            raise missing_right(DRAFT)
        status = Status(dossier.status)
        if states.target(service.ACTION, status) is None:
            raise registry.illegal(dossier, service.ACTION)
        ctx = ActionContext(
            session, dossier, service.ACTION, at, Actor.of(principal), principal, status, status
        )
        unit, _cal, new = await service.check_content(ctx, _as_apology(body))
        if await _has_pending(session, dossier.id):
            raise _pending_exists(dossier.code)
        draft = ApologyDraft(
            dossier_id=dossier.id,
            issuing_unit_id=unit.id,
            reason=body.reason,
            new_appointment_at=new,
            note=body.note,
            status=DRAFT_PENDING,
            drafted_by_user_id=principal.id,
            drafted_at=at,
        )
        session.add(draft)
        try:
            await session.flush()
        except IntegrityError as exc:  # a concurrent draft of the same dossier
            raise _pending_exists(dossier.code) from exc
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    return await read(session, draft.id)


def _unknown_draft(code: str, draft_id: int) -> NotFound:
    return NotFound(
        f"Hồ sơ {code} không có dự thảo văn bản xin lỗi số {draft_id}"
        f" (dossier {code} has no apology draft {draft_id})",
        code="unknown-apology-draft",
        dossier_code=code,
        draft_id=draft_id,
    )


def _already_decided(draft: ApologyDraft, code: str) -> RuleViolation:
    done = "đã được ký" if draft.status == DRAFT_SIGNED else "đã được trả lại"
    return RuleViolation(
        f"Dự thảo văn bản xin lỗi số {draft.id} của hồ sơ {code} {done}"
        f" (the apology draft is already {draft.status})",
        code="apology-draft-decided",
        draft_status=draft.status,
    )


async def _load_pending(
    session: AsyncSession, principal: Principal, code: str, draft_id: int
) -> tuple[Dossier, ApologyDraft]:
    """The dossier (in scope) and its draft, the leader's right on it, and the draft pending."""
    dossier = await registry.load(session, code)
    await require_sees(session, principal, dossier)
    draft = await session.get(ApologyDraft, draft_id, with_for_update=True)
    if draft is None or draft.dossier_id != dossier.id:
        raise _unknown_draft(code, draft_id)
    if not principal.can(SIGN):
        raise missing_right(SIGN)
    if draft.status != DRAFT_PENDING:
        raise _already_decided(draft, code)
    return dossier, draft


async def sign(
    session: AsyncSession,
    *,
    principal: Principal,
    code: str,
    draft_id: int,
    body: ApologyDraftSign,
    at: dt.datetime,
) -> ApologyDraftRead:
    """The leader signs: the ``apologize`` action with the draft's content, in one
    transaction with the draft's new state."""
    try:
        dossier, draft = await _load_pending(session, principal, code, draft_id)
        unit = await lookups.unit_by_id(session, draft.issuing_unit_id)
        apology = ApologizeBody(
            reason=draft.reason,
            new_appointment_at=draft.new_appointment_at,
            issuing_unit=unit.code,
            letter_number=body.letter_number,
            signer_title=body.signer_title,
            note=draft.note,
        )
        event = await registry.apply_action(
            session,
            dossier,
            service.ACTION,
            apology,
            at=at,
            actor=Actor.of(principal),
            principal=principal,
        )
        issued = await session.execute(
            select(Apology.id).where(
                Apology.dossier_id == dossier.id, Apology.event_seq == event.seq
            )
        )
        draft.apology_id = issued.scalar_one()
        _decide(draft, principal, at, DRAFT_SIGNED)
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    return await read(session, draft_id)


async def send_back(
    session: AsyncSession,
    *,
    principal: Principal,
    code: str,
    draft_id: int,
    body: ApologyDraftReturn,
    at: dt.datetime,
) -> ApologyDraftRead:
    """The leader returns the draft with a note; the dossier does not change."""
    try:
        _dossier, draft = await _load_pending(session, principal, code, draft_id)
        service.require_leader_of(
            principal, await lookups.unit_by_id(session, draft.issuing_unit_id)
        )
        draft.return_note = body.note
        _decide(draft, principal, at, DRAFT_RETURNED)
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    return await read(session, draft_id)


def _decide(draft: ApologyDraft, principal: Principal, at: dt.datetime, status: str) -> None:
    draft.status = status
    draft.decided_by_user_id = principal.id
    draft.decided_at = at


def _awaiting(unit_id: int) -> Any:
    return (ApologyDraft.issuing_unit_id == unit_id) & (ApologyDraft.status == DRAFT_PENDING)


async def awaiting_signature(
    session: AsyncSession, *, principal: Principal, limit: int, cursor: str | None
) -> Page[ApologyDraftRead]:
    """Drafts waiting for the caller, a leader: those whose issuing unit is the leader's own,
    oldest first."""
    if not principal.can(SIGN):
        raise missing_right(SIGN)
    after = decode_cursor(cursor, (ROW_ID,))
    if principal.unit_id is None:
        return Page[ApologyDraftRead](items=[])
    query = _read_query().where(_awaiting(principal.unit_id)).order_by(ApologyDraft.id)
    if after is not None:
        query = query.where(ApologyDraft.id > after[0])
    rows = (await session.execute(query.limit(limit + 1))).all()
    items = [_to_read(r) for r in rows[:limit]]
    more = len(rows) > limit
    return Page[ApologyDraftRead](
        items=items, next_cursor=encode_cursor([items[-1].id]) if more else None
    )


async def awaiting_count(session: AsyncSession, unit_id: int) -> int:
    """How many drafts wait for the leaders of ``unit_id`` (the inbox badge)."""
    query = select(func.count()).select_from(ApologyDraft).where(_awaiting(unit_id))
    return int((await session.execute(query)).scalar_one())
