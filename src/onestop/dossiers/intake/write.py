"""Writing an intake: the dossier, its first event, its reception step, the code counter and the
idempotency key, in one transaction.

On PostgreSQL the live path sends all of it as ONE statement (data-modifying CTEs,
``intake.statement``) that is its own transaction, shared by the intakes arriving together
(``intake.group_commit``): the counter row is locked only while that statement runs, so concurrent
intakes at one counter queue for the shortest possible time. Elsewhere (SQLite, replays, codes
supplied by a portal) the same rows are written by a few plain statements in the request's
transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from onestop.auth.principal import Principal
from onestop.core import clock
from onestop.core.errors import Conflict, InvalidInput
from onestop.dossiers.access import Actor
from onestop.dossiers.intake import (
    group_commit,
    idempotency,
    prepare as intake_prepare,
    statement as intake_statement,
)
from onestop.dossiers.intake.codes import next_code
from onestop.dossiers.intake.lookup_secret import derive_secret
from onestop.dossiers.models import Dossier, DossierEvent, DossierStep, IdempotencyKey
from onestop.dossiers.schemas import ApplicantRead, DossierCreate, IntakeReceipt

D: Table = Dossier.__table__  # type: ignore[assignment]
E: Table = DossierEvent.__table__  # type: ignore[assignment]
ST: Table = DossierStep.__table__  # type: ignore[assignment]
IK: Table = IdempotencyKey.__table__  # type: ignore[assignment]

LOOKUP_PATH = "/api/v1/public/dossiers/{code}"
NONCE = "_secret_nonce"


@dataclass
class IntakeOutcome:
    status_code: int
    receipt: IntakeReceipt
    replayed: bool = False


@dataclass(frozen=True)
class IdemKey:
    principal: str
    key: str
    request_hash: str
    server_key: str
    nonce: str = field(default_factory=lambda: secrets.token_hex(16))

    @property
    def secret(self) -> str:
        return derive_secret(self.server_key, self.nonce)


def request_hash(body: DossierCreate) -> str:
    canonical = orjson.dumps(body.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


def _stored_response(receipt: IntakeReceipt, nonce: str) -> dict[str, Any]:
    # The code and the applicant are read back from the dossier row on replay: the code may be
    # generated inside the statement, and personal data is not copied into a second table. The
    # lookup secret is not stored either: only the nonce it is derived from with the server key.
    stored = receipt.model_dump(
        mode="json", exclude={"code", "applicant", "lookup_path", "lookup_secret"}
    )
    stored[NONCE] = nonce
    return stored


INSERT_DOSSIER = insert(D).returning(D.c.id)
INSERT_EVENT = insert(E)
INSERT_STEP = insert(ST)
INSERT_KEY = insert(IK)


async def write_generic(
    session: AsyncSession, draft: intake_prepare.Draft, idem: IdemKey | None
) -> tuple[int, str]:
    """Plain statements (SQLite, replays, codes supplied by a portal)."""
    conn = await session.connection()
    if draft.code is not None:
        code = draft.code
    else:
        assert draft.plan is not None
        code = await next_code(session, draft.plan)
    dossier_id = (await conn.execute(INSERT_DOSSIER, {**draft.dossier, "code": code})).scalar_one()
    await conn.execute(INSERT_EVENT, {**draft.event, "dossier_id": dossier_id})
    if draft.step is not None:
        await conn.execute(INSERT_STEP, {**draft.step, "dossier_id": dossier_id})
    if idem is not None:
        await conn.execute(INSERT_KEY, {**_idem_values(draft, idem), "dossier_id": dossier_id})
    for ext in intake_statement.extensions(session):
        await ext.generic(session, draft)
    return int(dossier_id), code


def _idem_values(draft: intake_prepare.Draft, idem: IdemKey) -> dict[str, Any]:
    return {
        "principal": idem.principal,
        "key": idem.key,
        "request_hash": idem.request_hash,
        "status_code": 201,
        "response": _stored_response(draft.receipt, idem.nonce),
        "created_at": draft.dossier["created_at"],
    }


async def write_fused(
    session: AsyncSession, draft: intake_prepare.Draft, idem: IdemKey | None, *, last: bool = False
) -> tuple[int, str]:
    """PostgreSQL: counter, dossier, event, step, key and extension rows in one statement
    (``intake.statement``).

    ``last`` (the intake writes nothing after it): when the session has no transaction open
    (principal and catalogue came from caches), the intake joins the group commit
    (``group_commit``): its statement runs on a pooled connection outside the session and is a
    transaction of its own, so the daily code counter's row lock is held for the statement alone,
    never while this process gets round to sending COMMIT. Otherwise (an import replays events
    after it) it runs in the session's transaction."""
    item = intake_statement.Item(draft, _idem_values(draft, idem) if idem is not None else None)
    bind = session.bind
    if last and not session.in_transaction() and isinstance(bind, AsyncEngine):
        exts = intake_statement.extensions(session)
        return await group_commit.for_engine(bind, exts).write(item)
    conn = await session.connection()
    exts = intake_statement.extensions(session)
    return (await intake_statement.write(conn, [item], exts, own_transaction=False))[0]


async def write(
    session: AsyncSession, draft: intake_prepare.Draft, idem: IdemKey | None, *, last: bool = False
) -> str:
    """Write the draft's rows (the caller commits) and complete the receipt; ``last``: nothing
    else is written in this transaction (see ``write_fused``)."""
    draft.event["recorded_at"] = clock.now()
    if draft.code is None and session.get_bind().dialect.name == "postgresql":
        _, code = await write_fused(session, draft, idem, last=last)
    else:
        _, code = await write_generic(session, draft, idem)
    draft.receipt.code = code
    draft.receipt.lookup_path = LOOKUP_PATH.format(code=code)
    return code


# -- idempotency and duplicates --------------------------------------------------------------------
async def replay(session: AsyncSession, idem: IdemKey) -> IntakeOutcome | None:
    """The stored response of an earlier request with this key, a 409 if the body differed, or
    None when the key is new."""
    row = (
        await session.execute(
            select(
                IK.c.request_hash,
                IK.c.status_code,
                IK.c.response,
                D.c.code,
                D.c.applicant_name,
                D.c.applicant_kind,
                D.c.applicant_id_number,
                D.c.applicant_phone,
                D.c.applicant_email,
                D.c.applicant_address,
            )
            .join(D, D.c.id == IK.c.dossier_id)
            .where(IK.c.principal == idem.principal, IK.c.key == idem.key)
        )
    ).first()
    if row is None:
        return None
    if row.request_hash != idem.request_hash:
        raise Conflict(
            "Khóa Idempotency-Key đã dùng cho một yêu cầu khác"
            " (this Idempotency-Key was used with a different request body)",
            code="idempotency-key-reused",
            dossier_code=row.code,
        )
    stored = dict(row.response)
    nonce = str(stored.pop(NONCE, ""))
    receipt = IntakeReceipt.model_validate(
        {
            **stored,
            "lookup_secret": derive_secret(idem.server_key, nonce),
            "code": row.code,
            "lookup_path": LOOKUP_PATH.format(code=row.code),
            "applicant": ApplicantRead(
                name=row.applicant_name,
                kind=row.applicant_kind,
                id_number=row.applicant_id_number,
                phone=row.applicant_phone,
                email=row.applicant_email,
                address=row.applicant_address,
            ),
        }
    )
    return IntakeOutcome(int(row.status_code), receipt, replayed=True)


async def refuse_duplicates(session: AsyncSession, body: DossierCreate, *, actor: str) -> None:
    """409 when the portal reference or the portal's code was already received. The dossier's
    code is named only to the client (``actor``) that sent it: another client learns that the
    reference is taken, not which dossier holds it."""
    if body.portal_ref is not None:
        row = (
            await session.execute(
                select(D.c.code, E.c.actor)
                .outerjoin(E, (E.c.dossier_id == D.c.id) & (E.c.seq == 1))
                .where(D.c.portal_ref == body.portal_ref)
            )
        ).first()
        if row is not None and row.actor == actor:
            raise Conflict(
                f"Hồ sơ của cổng với mã tham chiếu {body.portal_ref} đã được tiếp nhận: {row.code}"
                f" (portal reference already received as dossier {row.code})",
                code="duplicate-portal-ref",
                dossier_code=row.code,
            )
        if row is not None:
            raise Conflict(
                f"Mã tham chiếu {body.portal_ref} đã được dùng cho một hồ sơ đã tiếp nhận"
                " (portal reference already received)",
                code="duplicate-portal-ref",
            )
    if body.code is not None:
        exists = (
            await session.execute(select(D.c.id).where(D.c.code == body.code))
        ).scalar_one_or_none()
        if exists is not None:
            raise Conflict(
                f"Mã hồ sơ {body.code} đã tồn tại (dossier code already exists)",
                code="duplicate-code",
                dossier_code=body.code,
            )


async def _replay_or_refuse(
    session: AsyncSession, body: DossierCreate, actor: str, idem: IdemKey | None
) -> IntakeOutcome | None:
    """None when nothing was received before; the stored response when this request's twin
    (same key) committed meanwhile; else the 409 of ``refuse_duplicates``.

    The key is read again after a duplicate is found: the replay check and the duplicate check
    are two statements, and on PostgreSQL (read committed) each sees what was committed when it
    began, so a twin that commits between them leaves no key for the first and a taken portal
    reference (or code) for the second. The twin wrote its dossier and its key in one
    transaction: whoever sees the one sees the other on the next read."""
    try:
        await refuse_duplicates(session, body, actor=actor)
    except Conflict:
        earlier = await replay(session, idem) if idem is not None else None
        if earlier is None:
            raise
        return earlier
    return None


async def submit(
    session: AsyncSession,
    *,
    principal: Principal,
    body: DossierCreate,
    at: Any,
    server_key: str,
    idempotency_key: str | None = None,
) -> IntakeOutcome:
    """Intake by a user or an API client; commits. Replays and duplicates are answered first."""
    actor = Actor.of(principal)
    idem: IdemKey | None = None
    if idempotency_key is not None:
        key = idempotency_key.strip()
        if not key or len(key) > idempotency.MAX_KEY_LENGTH:
            raise InvalidInput(
                f"Idempotency-Key phải có 1–{idempotency.MAX_KEY_LENGTH} ký tự"
                f" (Idempotency-Key must be 1–{idempotency.MAX_KEY_LENGTH} characters)",
                code="invalid-idempotency-key",
            )
        idem = IdemKey(principal.actor, key, request_hash(body), server_key)
        earlier = await replay(session, idem)
        if earlier is not None:
            return earlier
    earlier = await _replay_or_refuse(session, body, principal.actor, idem)
    if earlier is not None:
        return earlier
    draft = await intake_prepare.prepare(
        session,
        body=body,
        at=at,
        actor=actor,
        principal=principal,
        actor_full_name=principal.full_name,
        secret=idem.secret if idem is not None else None,
    )
    if session.in_transaction():
        # Only reads came before (a principal or catalogue entry not cached, the checks above):
        # end their transaction, so that the write joins the group commit and locks the code
        # counter for its statement alone, not until this busy process gets round to COMMIT.
        await session.commit()
    try:
        await write(session, draft, idem, last=True)
        if session.in_transaction():  # else the write was a transaction of its own
            await session.commit()
    except IntegrityError:
        await session.rollback()
        # Lost a race with the same key, portal reference or code: answer as if we had come second.
        earlier = await replay(session, idem) if idem is not None else None
        earlier = earlier or await _replay_or_refuse(session, body, principal.actor, idem)
        if earlier is not None:
            return earlier
        raise Conflict(
            "Hồ sơ trùng với một hồ sơ vừa được tiếp nhận (conflicts with a concurrent intake)",
            code="concurrent-intake",
        ) from None
    return IntakeOutcome(201, draft.receipt)
