"""``/web/kiem-tra-chu-ky``: anyone (no login) uploads a PDF and reads, in Vietnamese, whether
each of its signatures is valid, who signed, when, and whether the document was changed after
signing — the same check as ``POST /api/v1/signatures/verify``, with the same allowance per
address (``http.ratelimit``). A citizen holding a signed form can see that it is genuine; the
upload is a plain form POST (same-origin checked), nothing is kept."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Request, Response, UploadFile

from onestop.core import clock
from onestop.core.errors import DomainError
from onestop.http.ratelimit import SIGNATURE_CHECKS, wait_for
from onestop.signing.router import read_upload
from onestop.signing.verify import check_pdf
from onestop.web.session import SameOrigin
from onestop.web.templating import WebRoute, render

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PATH = "/web/kiem-tra-chu-ky"

#: Why a signature is not valid, in words (``signing.schemas.Problem``).
PROBLEMS_VI = {
    "hash-mismatch": "Nội dung đã bị sửa trong phần được ký: chữ ký không còn khớp với tài liệu.",
    "bad-signature": "Chữ ký số không đúng về mặt mật mã.",
    "untrusted": "Chứng thư số không do tổ chức chứng thực được hệ thống tin cậy cấp.",
    "certificate-expired": "Chứng thư số đã hết hạn.",
    "certificate-not-yet-valid": "Chứng thư số chưa đến ngày có hiệu lực.",
    "certificate-revoked": "Chứng thư số đã bị thu hồi.",
    "changed-after-signing": "Tài liệu đã bị thay đổi sau khi ký.",
}


def _page(request: Request, status: int = 200, **values: Any) -> Response:
    context: dict[str, Any] = {"result": None, "error": "", "problems_vi": PROBLEMS_VI}
    context.update(values)
    return render(request, "kiem_tra_chu_ky.html", context, status_code=status)


@router.get(PATH)
async def signature_check_form(request: Request) -> Response:
    return _page(request)


@router.post(PATH, dependencies=[SameOrigin])
async def signature_check(
    request: Request,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    if file is None or not file.filename:
        return _page(request, 422, error="Hãy chọn tệp PDF cần kiểm tra.")
    if wait := wait_for(request, SIGNATURE_CHECKS):
        error = f"Bạn đã kiểm tra quá nhiều lần trong thời gian ngắn; hãy thử lại sau {wait} giây."
        response = _page(request, 429, error=error, filename=file.filename)
        response.headers["Retry-After"] = str(wait)
        return response
    max_bytes = request.app.state.settings.signature_check_max_bytes
    try:
        result = await check_pdf(
            await read_upload(file, max_bytes),
            trust=request.app.state.trust_roots,
            max_bytes=max_bytes,
            at=clock.now(),
        )
    except DomainError as exc:
        return _page(request, exc.status, error=exc.detail, filename=file.filename)
    return _page(request, result=result, filename=file.filename)
