"""The "electronic copies" card of the dossier page: the dossier's documents with their download
links, and what the user may attach now (``pages_documents`` takes the form)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.principal import Principal
from onestop.catalog import lookups
from onestop.core.errors import DomainError
from onestop.documents import service
from onestop.documents.models import RESULT, SUBMITTED
from onestop.documents.schemas import PublicResult, StoredDocumentRead
from onestop.dossiers import states
from onestop.dossiers.models import Dossier
from onestop.dossiers.states import OPEN, Status

RESULT_TARGET = "result:"
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


@dataclass
class FilesCard:
    """What the dossier page shows of the electronic copies and the attach form."""

    documents: list[StoredDocumentRead]
    targets: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""
    accept: str = ACCEPT


def web_path(code: str, document_id: int) -> str:
    return f"/web/dossiers/{code}/giay-to/{document_id}"


async def targets(session: AsyncSession, d: Dossier, user: Principal) -> list[tuple[str, str]]:
    """(value, label) of what the user may attach now: the version's components while the
    dossier is open, and the result where it can be finished (officers)."""
    out: list[tuple[str, str]] = []
    if Status(d.status) in OPEN and await _may(session, user, d, SUBMITTED):
        version = await lookups.version_of(session, d.procedure_id, d.procedure_version_id)
        out += [
            (f"{SUBMITTED}:{doc.get('code')}", f"{doc.get('code')} · {doc.get('name')}")
            for doc in version.documents
        ]
    if states.target("finish", d.status) is not None and await _may(session, user, d, RESULT):
        out.append((RESULT_TARGET, "Kết quả giải quyết (bản điện tử)"))
    return out


async def _may(session: AsyncSession, user: Principal, d: Dossier, kind: str) -> bool:
    try:
        await service.require_may_attach(session, user, d, kind)
    except DomainError:
        return False
    return True


async def card(session: AsyncSession, d: Dossier, user: Principal, error: str = "") -> FilesCard:
    rows = await service.rows_of(session, d.id)
    documents = [await service.read_one(session, r, d.code) for r in rows]
    for doc in documents:
        doc.download_path = web_path(d.code, doc.id)
    return FilesCard(documents, await targets(session, d, user), error)


def result_links(results: list[PublicResult], secret: str) -> list[dict[str, object]]:
    """The citizen's links to the results (the API's download, the secret in the query)."""
    return [
        {
            "name": r.name,
            "filename": r.filename,
            "size": r.size,
            "url": f"{r.download_path}?{urlencode({'secret': secret})}",
        }
        for r in results
    ]
