"""The electronic copies on the dossier page: the list of a dossier's documents with their
download links, and the form that attaches a scan per component (and, for the officer of a
dossier that can be finished, its electronic result).

The form is a plain multipart POST (no script), passing the same-origin check of every POST of
the web client; the API's service does every check (``documents.service``). After an attachment
the browser is sent back to the dossier page (303); a refusal shows the page again with the
reason, nothing stored.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Request, Response, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.principal import Principal
from onestop.core import clock
from onestop.core.errors import DomainError, NotFound
from onestop.documents import router as documents_api, service, validation
from onestop.documents.models import SUBMITTED
from onestop.documents.schemas import DocumentMeta
from onestop.http.deps import SessionDep
from onestop.web import pages_dossiers
from onestop.web.session import SameOrigin, WebUser
from onestop.web.templating import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)

UPLOAD_PATH = re.compile(r"^/web/dossiers/[^/]+/giay-to$")
CodePath = Annotated[str, Path(min_length=1, max_length=60)]


def meta_of(target: str, digitised: bool, replaces_paper: bool) -> DocumentMeta:
    kind, _, component = target.partition(":")
    return DocumentMeta.model_validate(
        {
            "kind": kind,
            "component": component,
            "digitised_at_counter": digitised and kind == SUBMITTED,
            "replaces_paper": replaces_paper,
        }
    )


@router.post("/web/dossiers/{code}/giay-to", dependencies=[SameOrigin])
async def attach(
    request: Request,
    session: SessionDep,
    user: WebUser,
    code: CodePath,
    file: Annotated[UploadFile, File()],
    target: Annotated[str, Form(max_length=80)] = "",
    digitised: Annotated[str, Form(max_length=10)] = "",
    replaces_paper: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    store = documents_api.document_store(request)
    limits = documents_api.limits(request)
    try:
        meta = meta_of(target, bool(digitised), bool(replaces_paper))
        data = await validation.read_bounded(file.read, limits.max_bytes)
        await service.upload(
            session,
            store,
            principal=user,
            code=code,
            meta=meta,
            data=data,
            filename=file.filename,
            limits=limits,
            at=clock.now(),
        )
    except ValidationError:
        return await _refused(request, session, user, code, "Hãy chọn giấy tờ cần đính kèm.", 422)
    except DomainError as exc:
        await session.rollback()
        if isinstance(exc, NotFound) and exc.code == "unknown-dossier":
            raise
        return await _refused(request, session, user, code, exc.detail, exc.status)
    return RedirectResponse(f"/web/dossiers/{code}#ban-dien-tu", status_code=303)


async def _refused(
    request: Request, session: AsyncSession, user: Principal, code: str, detail: str, status: int
) -> Response:
    return await pages_dossiers.detail_page(
        request, session, user, code, files_error=detail, status_code=status
    )


@router.get("/web/dossiers/{code}/giay-to/{document_id}")
async def download(
    request: Request,
    session: SessionDep,
    user: WebUser,
    code: CodePath,
    document_id: Annotated[int, Path(ge=1, le=2**62)],
) -> Response:
    content = await service.download(
        session,
        documents_api.document_store(request),
        principal=user,
        code=code,
        document_id=document_id,
    )
    return documents_api.file_response(content)
