"""The documents of a dossier: attach (upload, or re-use an earlier one by its hash), list,
download, the re-use offer and the citizen's electronic results.

Checks come in the order of the dossier actions (``dossiers.actions.registry``): the dossier's
scope (outside it, the 404 of an unknown code), the rights, the dossier's state, then the
component and the content. Who may attach:

* a **submitted** component, while the dossier is open (status 1, 2, 4, 5, 6): the counter clerk
  (``dossier:intake``) of the receiving, current or returning unit, an officer
  (``dossier:process``) of the current or competent unit, or a portal (``dossier:submit``) over
  the receiving or competent unit. Only a portal may say a file came from the citizen's document
  store;
* a **result**, only where the dossier can be finished (``states.TRANSITIONS["finish"]``: status
  4 or 6): an officer of the current or competent unit. The citizen sees results once the
  dossier is finished (status 9 or 10).

Attaching writes the object first, then the row and a ``document_added`` event (its hash in the
payload; the status does not change) in one transaction. The same content attached again to the
same component of the same dossier answers the existing row and writes nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from onestop.auth import audit
from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog import lookups
from onestop.core.errors import InvalidInput, NotFound, RuleViolation
from onestop.documents import validation
from onestop.documents.models import RESULT, SUBMITTED, DossierDocument
from onestop.documents.schemas import (
    DocumentMeta,
    DocumentReuse,
    PublicResult,
    ReusableDocument,
    StoredDocumentRead,
)
from onestop.documents.storage import DocumentStore
from onestop.dossiers import history, states
from onestop.dossiers.access import Actor, require_any, require_sees
from onestop.dossiers.actions.registry import concurrent_update, load
from onestop.dossiers.intake.lookup_secret import secret_matches
from onestop.dossiers.models import Dossier
from onestop.dossiers.reading import by_public_code, load_visible
from onestop.dossiers.states import OPEN, EventType, Status

API = "/api/v1"
RESULT_NAME = "Kết quả giải quyết"
#: Statuses in which the citizen may download the results.
RESULTS_PUBLIC = frozenset({Status.RESULT_READY, Status.RETURNED})


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_pixels: int


@dataclass(frozen=True)
class Attached:
    document: StoredDocumentRead
    created: bool


# -- rights and state ------------------------------------------------------------------------------
async def require_may_attach(
    session: AsyncSession, principal: Principal, d: Dossier, kind: str
) -> None:
    if kind == RESULT:
        await require_any(
            session, principal, [(Right.DOSSIER_PROCESS, [d.current_unit_id, d.competent_unit_id])]
        )
        return
    await require_any(
        session,
        principal,
        [
            (Right.DOSSIER_INTAKE, [d.receiving_unit_id, d.current_unit_id, d.returning_unit_id]),
            (Right.DOSSIER_PROCESS, [d.current_unit_id, d.competent_unit_id]),
            (Right.DOSSIER_SUBMIT, [d.receiving_unit_id, d.competent_unit_id]),
        ],
    )


def require_state(d: Dossier, kind: str) -> None:
    status = Status(d.status)
    if kind == RESULT and states.target("finish", status) is None:
        raise RuleViolation(
            f"Chỉ đính kèm kết quả khi hồ sơ đang ở bước có thể kết thúc giải quyết; hồ sơ đang ở"
            f" trạng thái {int(status)} ({status.label_vi}) (a result can be attached only where"
            f" the dossier can be finished; it is in status {int(status)})",
            code="result-not-allowed",
            current_status=int(status),
            state=status.state,
        )
    if kind == SUBMITTED and status not in OPEN:
        raise RuleViolation(
            f"Hồ sơ đã kết thúc (trạng thái {int(status)}, {status.label_vi}); không đính kèm"
            f" thêm giấy tờ (the dossier is closed)",
            code="dossier-closed",
            current_status=int(status),
            state=status.state,
        )


async def component_name(session: AsyncSession, d: Dossier, meta: DocumentMeta) -> str:
    """The component's name in the dossier's procedure version (a result: the name given)."""
    if meta.kind == RESULT:
        return meta.name or RESULT_NAME
    version = await lookups.version_of(session, d.procedure_id, d.procedure_version_id)
    listed = {str(doc.get("code")): doc for doc in version.documents}
    spec = listed.get(meta.component)
    if spec is None:
        raise InvalidInput(
            f"Thủ tục không có thành phần hồ sơ mã '{meta.component}'"
            f" (the procedure version has no component '{meta.component}')",
            code="unknown-component",
            document=meta.component,
            allowed=sorted(listed),
        )
    return str(spec.get("name") or meta.component)


def refuse_store_flag(principal: Principal, meta: DocumentMeta) -> None:
    if meta.from_citizen_store and principal.kind != "client":
        raise InvalidInput(
            "Chỉ cổng dịch vụ công ghi nhận giấy tờ lấy từ kho dữ liệu của công dân"
            " (only a portal may set from_citizen_store)",
            code="citizen-store-portal-only",
        )


# -- attach ----------------------------------------------------------------------------------------
async def _open_for_attach(
    session: AsyncSession, principal: Principal, code: str, kind: str
) -> Dossier:
    d = await load(session, code)
    await require_sees(session, principal, d)
    await require_may_attach(session, principal, d, kind)
    require_state(d, kind)
    return d


async def upload(
    session: AsyncSession,
    store: DocumentStore,
    *,
    principal: Principal,
    code: str,
    meta: DocumentMeta,
    data: bytes,
    filename: str | None,
    limits: Limits,
    at: dt.datetime,
) -> Attached:
    """Check and attach one uploaded file. Nothing is stored when a check fails."""
    d = await _open_for_attach(session, principal, code, meta.kind)
    refuse_store_flag(principal, meta)
    name = await component_name(session, d, meta)
    media_type = await asyncio.to_thread(
        validation.inspect, data, max_bytes=limits.max_bytes, max_pixels=limits.max_pixels
    )
    key = await asyncio.to_thread(store.put, data)
    row = DossierDocument(
        dossier_id=d.id,
        kind=meta.kind,
        component_code=meta.component,
        component_name=name,
        sha256=key,
        size=len(data),
        media_type=media_type,
        filename=validation.safe_filename(filename, media_type),
        uploaded_at=at,
        uploaded_by=Actor.of(principal).name,
        digitised_at_counter=meta.digitised_at_counter,
        reused_from_dossier_id=None,
        from_citizen_store=meta.from_citizen_store,
        replaces_paper=meta.replaces_paper,
    )
    return await _record(session, d, row, principal, at)


async def reuse(
    session: AsyncSession,
    store: DocumentStore,
    *,
    principal: Principal,
    code: str,
    body: DocumentReuse,
    at: dt.datetime,
) -> Attached:
    """Attach an earlier document of the same applicant (same component) by its hash."""
    d = await _open_for_attach(session, principal, code, SUBMITTED)
    meta = DocumentMeta(kind="submitted", component=body.component)
    name = await component_name(session, d, meta)
    source = await _reusable_source(session, d, body.component, body.sha256)
    if source is None or not await asyncio.to_thread(store.exists, body.sha256):
        raise InvalidInput(
            "Không có giấy tờ đã nộp trước đây của người nộp này với mã băm và thành phần đã"
            " chọn (no earlier document of this applicant with that hash and component)",
            code="unknown-reusable-document",
            document=body.component,
        )
    row = DossierDocument(
        dossier_id=d.id,
        kind=SUBMITTED,
        component_code=body.component,
        component_name=name,
        sha256=source.sha256,
        size=source.size,
        media_type=source.media_type,
        filename=source.filename,
        uploaded_at=at,
        uploaded_by=Actor.of(principal).name,
        digitised_at_counter=False,
        reused_from_dossier_id=source.dossier_id,
        from_citizen_store=False,
        replaces_paper=body.replaces_paper,
    )
    return await _record(session, d, row, principal, at)


async def _existing(session: AsyncSession, row: DossierDocument) -> DossierDocument | None:
    return (
        await session.execute(
            select(DossierDocument).where(
                DossierDocument.dossier_id == row.dossier_id,
                DossierDocument.kind == row.kind,
                DossierDocument.component_code == row.component_code,
                DossierDocument.sha256 == row.sha256,
            )
        )
    ).scalar_one_or_none()


async def _record(
    session: AsyncSession, d: Dossier, row: DossierDocument, principal: Principal, at: dt.datetime
) -> Attached:
    """The row and its event in one transaction (or the row already there, unchanged)."""
    code = d.code
    same = await _existing(session, row)
    if same is not None:
        return Attached(await read_one(session, same, code), created=False)
    session.add(row)
    append_event(session, d, row, Actor.of(principal), at)
    try:
        await session.flush()
        await session.commit()
    except (StaleDataError, IntegrityError) as exc:
        await session.rollback()
        same = await _existing(session, row)
        if same is None:  # the dossier changed under us: the client reads it again and retries
            raise concurrent_update(code) from exc
        return Attached(await read_one(session, same, code), created=False)
    return Attached(await read_one(session, row, code), created=True)


def append_event(
    session: AsyncSession, d: Dossier, row: DossierDocument, actor: Actor, at: dt.datetime
) -> None:
    """The ``document_added`` event: the hash in the dossier's history; the status stays."""
    history.record(session, d, EventType.DOCUMENT_ADDED, actor, at, event_payload(row))


def event_payload(row: DossierDocument) -> dict[str, Any]:
    """What the history keeps of a document (never its file name: names carry personal
    data)."""
    return {
        "kind": row.kind,
        "component": row.component_code,
        "component_name": row.component_name,
        "sha256": row.sha256,
        "size": row.size,
        "media_type": row.media_type,
        "digitised_at_counter": row.digitised_at_counter,
        "reused": row.reused_from_dossier_id is not None,
        "from_citizen_store": row.from_citizen_store,
        "replaces_paper": row.replaces_paper,
    }


# -- reading ---------------------------------------------------------------------------------------
def download_path(code: str, document_id: int) -> str:
    return f"{API}/dossiers/{code}/documents/{document_id}"


async def read_one(session: AsyncSession, row: DossierDocument, code: str) -> StoredDocumentRead:
    source = None
    if row.reused_from_dossier_id is not None:
        source = (
            await session.execute(
                select(Dossier.code).where(Dossier.id == row.reused_from_dossier_id)
            )
        ).scalar_one_or_none()
    return StoredDocumentRead(
        id=row.id,
        kind=row.kind,
        component=row.component_code,
        component_name=row.component_name,
        sha256=row.sha256,
        size=row.size,
        media_type=row.media_type,
        filename=row.filename,
        uploaded_at=row.uploaded_at,
        uploaded_by=row.uploaded_by,
        digitised_at_counter=row.digitised_at_counter,
        from_citizen_store=row.from_citizen_store,
        replaces_paper=row.replaces_paper,
        reused_from_dossier=source,
        download_path=download_path(code, row.id),
    )


async def rows_of(session: AsyncSession, dossier_id: int) -> list[DossierDocument]:
    return list(
        (
            await session.execute(
                select(DossierDocument)
                .where(DossierDocument.dossier_id == dossier_id)
                .order_by(DossierDocument.id)
            )
        ).scalars()
    )


async def list_documents(
    session: AsyncSession, *, principal: Principal, code: str
) -> list[StoredDocumentRead]:
    d = await load_visible(session, principal, code)
    return [await read_one(session, row, d.code) for row in await rows_of(session, d.id)]


@dataclass(frozen=True)
class Content:
    data: bytes
    media_type: str
    filename: str


def unknown_document(document_id: int) -> NotFound:
    return NotFound(
        f"Hồ sơ không có giấy tờ số {document_id} (unknown document {document_id})",
        code="document-not-found",
    )


async def _content(store: DocumentStore, row: DossierDocument) -> Content:
    try:
        data = await asyncio.to_thread(store.get, row.sha256)
    except KeyError:
        raise unknown_document(row.id) from None
    return Content(data, row.media_type, row.filename)


async def download(
    session: AsyncSession,
    store: DocumentStore,
    *,
    principal: Principal,
    code: str,
    document_id: int,
) -> Content:
    """A document's bytes (the download is written to the audit log: scans carry personal
    data)."""
    d = await load_visible(session, principal, code)
    row = await session.get(DossierDocument, document_id)
    if row is None or row.dossier_id != d.id:
        raise unknown_document(document_id)
    content = await _content(store, row)
    audit.record(
        session,
        actor=principal.actor,
        action="download-document",
        object_type="dossier",
        object_id=d.code,
        detail={"document": row.id, "sha256": row.sha256},
    )
    await session.commit()
    return content


# -- the re-use offer ------------------------------------------------------------------------------
async def _reusable_source(
    session: AsyncSession, d: Dossier, component: str, sha256: str
) -> DossierDocument | None:
    if d.applicant_id_hash is None:
        return None
    return (
        await session.execute(
            select(DossierDocument)
            .join(Dossier, Dossier.id == DossierDocument.dossier_id)
            .where(
                Dossier.applicant_id_hash == d.applicant_id_hash,
                Dossier.id != d.id,
                DossierDocument.kind == SUBMITTED,
                DossierDocument.component_code == component,
                DossierDocument.sha256 == sha256,
            )
            .order_by(DossierDocument.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def reusable(
    session: AsyncSession, *, principal: Principal, code: str, component: str | None
) -> list[ReusableDocument]:
    """Documents the same applicant (by the keyed hash of the ID number) handed in with earlier
    dossiers for the components of this dossier's version (or the one asked), newest first, one
    per content and component, leaving out those this dossier already has."""
    d = await load(session, code)
    await require_sees(session, principal, d)
    await require_may_attach(session, principal, d, SUBMITTED)
    if d.applicant_id_hash is None:
        return []
    version = await lookups.version_of(session, d.procedure_id, d.procedure_version_id)
    codes = {str(doc.get("code")) for doc in version.documents}
    if component is not None:
        codes &= {component}
    if not codes:
        return []
    rows = (
        await session.execute(
            select(DossierDocument)
            .join(Dossier, Dossier.id == DossierDocument.dossier_id)
            .where(
                Dossier.applicant_id_hash == d.applicant_id_hash,
                Dossier.id != d.id,
                DossierDocument.kind == SUBMITTED,
                DossierDocument.component_code.in_(codes),
            )
            .order_by(DossierDocument.id.desc())
            .limit(200)
        )
    ).scalars()
    have = {(r.component_code, r.sha256) for r in await rows_of(session, d.id)}
    out: list[ReusableDocument] = []
    for r in rows:
        if (r.component_code, r.sha256) in have:
            continue
        have.add((r.component_code, r.sha256))
        out.append(
            ReusableDocument(
                component=r.component_code,
                component_name=r.component_name,
                sha256=r.sha256,
                size=r.size,
                media_type=r.media_type,
                filename=r.filename,
                uploaded_at=r.uploaded_at,
            )
        )
    return out


# -- the citizen's electronic results --------------------------------------------------------------
def lookup_failed() -> NotFound:
    return NotFound(
        "Không tìm thấy hồ sơ với mã và mã tra cứu này (no dossier with this code and secret)",
        code="dossier-lookup-failed",
    )


async def _public_dossier(session: AsyncSession, code: str, secret: str) -> Dossier:
    d = await by_public_code(session, code)
    if d is None or not secret or not secret_matches(d.secret_hash, secret):
        raise lookup_failed()
    return d


def public_path(code: str, document_id: int) -> str:
    return f"{API}/public/dossiers/{code}/results/{document_id}"


async def public_results(session: AsyncSession, *, code: str, secret: str) -> list[PublicResult]:
    """The electronic results of a finished dossier (none before it is finished)."""
    d = await _public_dossier(session, code, secret)
    if Status(d.status) not in RESULTS_PUBLIC:
        return []
    return [
        PublicResult(
            id=r.id,
            name=r.component_name,
            filename=r.filename,
            size=r.size,
            media_type=r.media_type,
            uploaded_at=r.uploaded_at,
            download_path=public_path(d.code, r.id),
        )
        for r in await rows_of(session, d.id)
        if r.kind == RESULT
    ]


async def public_download(
    session: AsyncSession, store: DocumentStore, *, code: str, secret: str, document_id: int
) -> Content:
    d = await _public_dossier(session, code, secret)
    row = await session.get(DossierDocument, document_id)
    if (
        row is None
        or row.dossier_id != d.id
        or row.kind != RESULT
        or Status(d.status) not in RESULTS_PUBLIC
    ):
        raise unknown_document(document_id)
    return await _content(store, row)
