"""The citizen's lookup (no login): dossier code + the secret printed on the receipt → status,
appointment and where to collect the result, with the name masked. A wrong secret and an unknown
code get the very same "not found" answer. Once the result is ready the citizen may rate the
service on the three-level scale. Lookups (and ratings, which check the secret too) are limited
per client address as the API's are (``http.ratelimit``): over the limit the page says when to
try again.

The receipt's QR code and printed link carry ``/tra-cuu?code=<code>&secret=<secret>`` (the older
``/tra-cuu/{code}?ma=<secret>`` still works): both open the dossier at once. Code and secret are
accepted in any case and with the spaces or dashes they are printed with. The page shows the
progress in plain words, the receiving agency's address and hotline, the electronic results of a
finished dossier to download (the API's download, with the same secret), and a rating already
given (instead of the form again).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.core import clock
from onestop.core.errors import DomainError, NotFound
from onestop.documents import service as documents_service
from onestop.dossiers import reading
from onestop.dossiers.schemas import PublicDossier
from onestop.http.deps import SessionDep
from onestop.http.ratelimit import lookup_wait
from onestop.metrics.satisfaction import service as satisfaction_service
from onestop.metrics.schemas import RatingCreate
from onestop.web import dossier_files, formatting
from onestop.web.session import SameOrigin, is_htmx
from onestop.web.templating import WebRoute, render

router = APIRouter(route_class=WebRoute, include_in_schema=False)

LOOKUP_PATH = "/tra-cuu"
RATEABLE = frozenset(satisfaction_service.RATEABLE)
LEVELS = tuple(satisfaction_service.LEVELS_VI.items())

CodeField = Annotated[str, Form(max_length=60)]
SecretField = Annotated[str, Form(max_length=64)]


#: The progress timeline in plain words, by ``PublicProgress.kind`` (``{at_unit}``, ``{again}``).
PROGRESS_VI = {
    "submitted": "Ông/bà đã nộp hồ sơ trực tuyến",
    "received": "Hồ sơ đã được tiếp nhận{at_unit}",
    "refused": "Hồ sơ không được tiếp nhận (xem Phiếu từ chối tiếp nhận, giải quyết hồ sơ)",
    "processing": "Hồ sơ đang được giải quyết{at_unit}",
    "supplement": "Đang chờ ông/bà bổ sung, hoàn thiện hồ sơ (xem Phiếu yêu cầu bổ sung)",
    "supplement_received": "Đã nhận giấy tờ bổ sung của ông/bà; hồ sơ tiếp tục được giải quyết",
    "payment": "Đang chờ ông/bà thực hiện nghĩa vụ tài chính (phí, lệ phí, thuế)",
    "payment_received": "Đã ghi nhận ông/bà thực hiện nghĩa vụ tài chính",
    "reappointed": "Hẹn lại ngày trả kết quả: {again}. Cơ quan giải quyết đã có văn bản xin lỗi"
    " ông/bà vì sự chậm trễ",
    "result_ready": "Đã có kết quả; mời ông/bà đến nhận",
    "returned": "Đã trả kết quả cho ông/bà",
    "withdrawn": "Ông/bà đã rút hồ sơ",
    "stopped": "Hồ sơ đã dừng giải quyết (xem Thông báo dừng giải quyết)",
}


def progress_lines(result: PublicDossier) -> list[dict[str, str]]:
    """(time, words, kind) of each step of the dossier's progress, newest last."""
    lines = []
    for item in result.progress:
        words = PROGRESS_VI[item.kind].format(
            at_unit=f" tại {item.unit}" if item.unit else "",
            again=formatting.appointment(item.new_appointment_at) or "ngày mới",
        )
        lines.append({"at": formatting.when(item.at), "text": words, "kind": item.kind})
    return lines


def _context(**values: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "code": "",
        "secret": "",
        "result": None,
        "error": "",
        "levels": LEVELS,
        "rateable": RATEABLE,
        "rated": None,
        "rating_error": "",
        "progress": [],
        "results": [],
    }
    context.update(values)
    return context


async def _lookup(
    request: Request,
    session: AsyncSession,
    code: str,
    secret: str,
    *,
    status: int = 200,
    counted: bool = False,
) -> Response:
    """The lookup page with its result (``counted``: the caller already took this request from
    the address's allowance)."""
    code, secret = code.strip(), secret.strip()
    context = _context(code=code, secret=secret)
    wait = 0
    if not code or not secret:
        context["error"] = "Hãy nhập mã hồ sơ và mã tra cứu in trên Giấy tiếp nhận."
        status = 422
    elif not counted and (wait := lookup_wait(request)):
        context["error"] = too_many(wait)
        status = 429
    else:
        try:
            context["result"] = result = await reading.public(session, code=code, secret=secret)
            context["progress"] = progress_lines(result)
            context["rated"] = await satisfaction_service.rating_of(session, result.code)
            context["results"] = await _results(session, code, secret)
        except NotFound as exc:
            context["error"] = exc.detail
            status = exc.status
    template = "_lookup_result.html" if is_htmx(request) else "lookup.html"
    response = render(request, template, context, status_code=status)
    if wait:
        response.headers["Retry-After"] = str(wait)
    return response


async def _results(session: AsyncSession, code: str, secret: str) -> list[dict[str, object]]:
    """Links to the electronic results of a finished dossier (the secret checked again)."""
    found = await documents_service.public_results(session, code=code, secret=secret)
    return dossier_files.result_links(found, secret)


def too_many(wait: int) -> str:
    return f"Bạn đã tra cứu quá nhiều lần trong thời gian ngắn; hãy thử lại sau {wait} giây."


@router.get(LOOKUP_PATH)
async def lookup_form(
    request: Request,
    code: Annotated[str, Query(max_length=60)] = "",
    secret: Annotated[str, Query(max_length=64)] = "",
    ma: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """The empty form (no database touched), or (the receipt's link: ``?code=…&secret=…``) the
    dossier at once."""
    secret = secret or ma
    if code.strip() or secret.strip():
        async with request.app.state.sessionmaker() as session:
            return await _lookup(request, session, code, secret)
    return render(request, "lookup.html", _context())


@router.get(LOOKUP_PATH + "/{code}")
async def lookup_link(
    request: Request,
    session: SessionDep,
    code: Annotated[str, Path(max_length=60)],
    ma: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """The receipt's QR code: the code in the path, the secret in ``ma``."""
    return await _lookup(request, session, code, ma)


@router.post(LOOKUP_PATH, dependencies=[SameOrigin])
async def lookup(
    request: Request, session: SessionDep, code: CodeField = "", secret: SecretField = ""
) -> Response:
    return await _lookup(request, session, code, secret)


@router.post(LOOKUP_PATH + "/danh-gia", dependencies=[SameOrigin])
async def rate(
    request: Request,
    session: SessionDep,
    code: CodeField = "",
    secret: SecretField = "",
    level: Annotated[str, Form(max_length=40)] = "",
    comment: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Record the citizen's rating, then show the lookup again with the thanks (or the reason
    it was not recorded)."""
    code, secret = code.strip(), secret.strip()
    if lookup_wait(request):  # a rating checks the secret too: the same limit, the same page
        return await _lookup(request, session, code, secret)
    try:
        result = await reading.public(session, code=code, secret=secret)
    except NotFound:
        return await _lookup(request, session, code, secret, counted=True)
    context = _context(
        code=code,
        secret=secret,
        result=result,
        progress=progress_lines(result),
        results=await _results(session, code, secret),
    )
    status = 201
    try:
        body = RatingCreate(
            level=level,
            comment=comment.strip() or None,
            secret=secret,
            channel="portal",
        )
        context["rated"] = await satisfaction_service.rate(
            session, code=code, body=body, principal=None, at=clock.now()
        )
    except ValidationError:
        context["rating_error"] = "Hãy chọn một mức đánh giá."
        status = 422
    except DomainError as exc:
        await session.rollback()
        context["rated"] = await satisfaction_service.rating_of(session, result.code)
        context["rating_error"] = "" if context["rated"] else exc.detail
        status = exc.status
    template = "_lookup_result.html" if is_htmx(request) else "lookup.html"
    return render(request, template, context, status_code=status)
