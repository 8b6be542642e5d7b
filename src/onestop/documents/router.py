"""HTTP routes of the documents of a dossier: upload (multipart), re-use by hash, list, download,
the re-use offer, and the citizen's download of electronic results with the receipt's secret.

Downloads are sent as attachments with ``Cache-Control: no-store`` (scans carry personal data),
``X-Content-Type-Options: nosniff`` and the type the content was checked to be at upload.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, Response, UploadFile

from onestop.auth.dependencies import CurrentPrincipal
from onestop.core import clock
from onestop.core.paging import Page
from onestop.documents import service, validation
from onestop.documents.schemas import (
    DocumentMeta,
    DocumentReuse,
    PublicResult,
    ReusableDocument,
    StoredDocumentRead,
)
from onestop.documents.storage import DocumentStore, make_store
from onestop.http.deps import SessionDep
from onestop.http.ratelimit import limit_public_lookup

router = APIRouter()
TAG = "documents"
#: The route that takes files: the body limit there is the document limit plus the form around
#: it (``http.middleware.BodySizeLimitMiddleware``).
UPLOAD_PATH = re.compile(r"^/api/v1/dossiers/[^/]+/documents$")
MULTIPART_SLACK = 64 * 1024

DocumentId = Annotated[int, Path(ge=1, le=2**62)]
SecretQuery = Annotated[
    str, Query(min_length=1, max_length=64, description="The lookup secret on the receipt")
]


def document_store(request: Request) -> DocumentStore:
    """The application's store, made from its settings on first use."""
    state = request.app.state
    store: DocumentStore | None = getattr(state, "document_store", None)
    if store is None:
        store = state.document_store = make_store(state.settings)
    return store


StoreDep = Annotated[DocumentStore, Depends(document_store)]


def limits(request: Request) -> service.Limits:
    settings = request.app.state.settings
    return service.Limits(settings.document_max_bytes, settings.document_max_pixels)


def file_response(content: service.Content) -> Response:
    ascii_name = validation.ascii_filename(content.filename)
    disposition = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(content.filename)}"
    )
    return Response(
        content.data,
        media_type=content.media_type,
        headers={
            "Content-Disposition": disposition,
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


FILE_RESPONSE = {
    200: {
        "content": {
            media_type: {"schema": {"type": "string", "format": "binary"}}
            for media_type in validation.EXTENSIONS
        },
        "description": "The file, as an attachment",
    }
}


@router.post(
    "/dossiers/{code}/documents",
    tags=[TAG],
    status_code=201,
    summary="Attach a document (a component handed in, or an electronic result)",
    responses={200: {"model": StoredDocumentRead, "description": "Already attached: the same row"}},
)
async def upload_document(
    request: Request,
    response: Response,
    code: str,
    session: SessionDep,
    principal: CurrentPrincipal,
    store: StoreDep,
    file: Annotated[UploadFile, File(description="PDF, JPEG or PNG")],
    meta: Annotated[DocumentMeta, Form()],
) -> StoredDocumentRead:
    """The file is checked by its content (PDF, JPEG or PNG; a PDF must parse; an image's pixel
    count is limited), stored once per content (SHA-256) and recorded in the dossier's history
    (``document_added``). The same content for the same component again answers 200 with the
    row already there."""
    limit = limits(request)
    data = await validation.read_bounded(file.read, limit.max_bytes)
    attached = await service.upload(
        session,
        store,
        principal=principal,
        code=code,
        meta=meta,
        data=data,
        filename=file.filename,
        limits=limit,
        at=clock.now(),
    )
    if not attached.created:
        response.status_code = 200
    return attached.document


@router.post(
    "/dossiers/{code}/documents/reuse",
    tags=[TAG],
    status_code=201,
    summary="Attach an earlier document of the same applicant by its hash",
    responses={200: {"model": StoredDocumentRead, "description": "Already attached: the same row"}},
)
async def reuse_document(
    response: Response,
    code: str,
    body: DocumentReuse,
    session: SessionDep,
    principal: CurrentPrincipal,
    store: StoreDep,
) -> StoredDocumentRead:
    """Attach, as a submitted component, a document the same applicant handed in with an earlier
    dossier, named by its SHA-256 (see ``/documents/reusable``); who may attach and when is as for
    an upload (the dossier open, ``dossier:intake``, ``dossier:process`` or ``dossier:submit`` over
    its units). An unknown hash or component answers 422; the same content already attached to the
    component answers 200 with that row."""
    attached = await service.reuse(
        session, store, principal=principal, code=code, body=body, at=clock.now()
    )
    if not attached.created:
        response.status_code = 200
    return attached.document


@router.get("/dossiers/{code}/documents", tags=[TAG], summary="The documents of a dossier")
async def list_documents(
    code: str, session: SessionDep, principal: CurrentPrincipal
) -> Page[StoredDocumentRead]:
    """Every document attached to the dossier (submitted components and results) with its hash,
    size and type, in one page; requires ``dossier:view`` and the dossier in the caller's unit
    scope (outside it, the 404 of an unknown code)."""
    items = await service.list_documents(session, principal=principal, code=code)
    return Page[StoredDocumentRead](items=items, next_cursor=None)


@router.get(
    "/dossiers/{code}/documents/reusable",
    tags=[TAG],
    summary="Earlier documents of the same applicant that this dossier may reuse",
)
async def reusable_documents(
    code: str,
    session: SessionDep,
    principal: CurrentPrincipal,
    component: Annotated[
        str | None,
        Query(min_length=1, max_length=60, description="Only this component code of the version"),
    ] = None,
) -> Page[ReusableDocument]:
    """Documents the same applicant (matched by the keyed hash of the ID number) handed in with
    earlier dossiers for this dossier's components (or the one ``component``), newest first, one
    per content and component, leaving out those already attached, in one page. Requires the right
    to attach submitted documents to this dossier."""
    items = await service.reusable(session, principal=principal, code=code, component=component)
    return Page[ReusableDocument](items=items, next_cursor=None)


@router.get(
    "/dossiers/{code}/documents/{document_id:int}",  # an int: "reuse" is another route
    tags=[TAG],
    summary="Download a document of a dossier",
    response_class=Response,
    responses=FILE_RESPONSE,  # type: ignore[arg-type]
)
async def download_document(
    code: str,
    document_id: DocumentId,
    session: SessionDep,
    principal: CurrentPrincipal,
    store: StoreDep,
) -> Response:
    """The file of one document of the dossier, as an attachment with ``Cache-Control: no-store``;
    requires ``dossier:view`` and the dossier in the caller's unit scope. Every download is written
    to the audit log (scans carry personal data)."""
    content = await service.download(
        session, store, principal=principal, code=code, document_id=document_id
    )
    return file_response(content)


@router.get(
    "/public/dossiers/{code}/results",
    tags=["public"],
    summary="The electronic results of a finished dossier (with the receipt's secret)",
    dependencies=[Depends(limit_public_lookup)],
)
async def public_results(code: str, session: SessionDep, secret: SecretQuery) -> Page[PublicResult]:
    """For the citizen, with the receipt's lookup secret and no login: the electronic results of
    the dossier once it is finished (status 9 or 10; an empty page before), each with its download
    path. A wrong code or secret answers 404; requests are rate-limited per address (429 with
    ``Retry-After``)."""
    items = await service.public_results(session, code=code, secret=secret)
    return Page[PublicResult](items=items, next_cursor=None)


@router.get(
    "/public/dossiers/{code}/results/{document_id}",
    tags=["public"],
    summary="Download an electronic result (with the receipt's secret)",
    response_class=Response,
    responses=FILE_RESPONSE,  # type: ignore[arg-type]
    dependencies=[Depends(limit_public_lookup)],
)
async def public_result_download(
    code: str,
    document_id: DocumentId,
    session: SessionDep,
    store: StoreDep,
    secret: SecretQuery,
) -> Response:
    """For the citizen, with the receipt's lookup secret: the file of one electronic result of a
    finished dossier, as an attachment. A wrong code or secret, or a document that is not a
    published result, answers 404; rate-limited per address like the lookup."""
    content = await service.public_download(
        session, store, code=code, secret=secret, document_id=document_id
    )
    return file_response(content)
