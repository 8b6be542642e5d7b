"""Personal data in log lines: masked by shape (ID numbers, phones, e-mails) in every line, and by
value (names, addresses) in the lines of the request that carries them."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from urllib.parse import quote_plus

import orjson
import pytest

from onestop.core import logs
from onestop.core.logs import (
    JsonFormatter,
    PersonalValues,
    TextFormatter,
    configure_logging,
    fold,
    mask_personal_data,
    note_personal,
    request_personal,
)

NAME = "Nguyễn Thị Lựu Độc"
ADDRESS = "Số 7 ngõ Quỳnh Lâm, phường Bạch Mai"
BODY = {
    "procedure": "1.004746",
    "applicant": {
        "name": NAME,
        "id_number": "001203004567",
        "phone": "091 234 5678",
        "email": "luudoc@example.vn",
        "address": ADDRESS,
    },
}


@pytest.mark.parametrize(
    "shaped",
    [
        "123456789",  # CMND
        "001203004567",  # CCCD
        "001 203 004 567",
        "0912345678",
        "091 234 5678",
        "0912.345.678",
        "0912-345-678",
        "+84 912 345 678",
        "(+84) 912 345 678",
        "+84912345678",
        "84912345678",
        "028 3823 4567",
    ],
)
def test_id_numbers_and_phones_are_masked_in_every_form(shaped: str) -> None:
    masked = mask_personal_data(f"khách {shaped}, gọi lại")
    assert shaped not in masked
    digits = "".join(c for c in shaped if c.isdigit())
    assert digits not in "".join(c for c in masked if c.isdigit() or c == " ")
    assert masked.startswith("khách ") and masked.endswith(", gọi lại")


def test_emails_are_masked() -> None:
    masked = mask_personal_data("gửi tới luu.doc+1@example.vn lúc 9h")
    assert masked == "gửi tới ***@example.vn lúc 9h"


@pytest.mark.parametrize(
    "ordinary",
    [
        "2026-03-10 09:00:00",
        "10/03/2026",
        'File "/app/x.py", line 84, in run',
        "hồ sơ 000.00.01.H99-260310-0001",
        "12345678",
        "lệ phí 1.500.000 đồng",
    ],
)
def test_dates_codes_and_short_numbers_are_left_alone(ordinary: str) -> None:
    assert mask_personal_data(ordinary) == ordinary


def _in_request(body: bytes, content_type: str = "application/json", query: bytes = b"") -> None:
    personal = PersonalValues(content_type, query)
    personal.tap(body)
    request_personal.set(personal)


def _run(fn: object) -> str:
    """``fn`` in a fresh context (a request of its own)."""
    return contextvars.copy_context().run(fn)  # type: ignore[arg-type]


def test_the_request_values_are_masked_as_written_folded_and_escaped() -> None:
    def go() -> str:
        _in_request(orjson.dumps(BODY))
        text = " | ".join(
            [
                NAME,
                NAME.upper(),
                fold(NAME),  # Nguyen Thi Luu Doc
                fold(NAME).lower(),
                ADDRESS,
                fold(ADDRESS.split(",")[0]),  # So 7 ngo Quynh Lam
                ascii(NAME),  # 'Nguy\u1ec5n ...'
                repr(NAME.encode()),  # b'Nguy\xe1\xbb\x85n ...'
                json.dumps(NAME),  # "Nguy\u1ec5n ..."
                "luudoc%40example.vn",
                "an toàn",  # not a value
            ]
        )
        return mask_personal_data(text)

    masked = _run(go)
    assert masked.split(" | ")[-1] == "an toàn"
    for gone in ("Lựu", "LỰU", "Luu", "luu", "Quỳnh", "Quynh", "\\u1ef1", "\\xe1", "luudoc"):
        assert gone not in masked, gone


def test_values_come_from_forms_ndjson_malformed_json_and_the_query_string() -> None:
    cases = [
        ("application/x-www-form-urlencoded", b"applicant_name=" + quote_plus(NAME).encode(), b""),
        ("application/x-ndjson", orjson.dumps(BODY) + b"\n" + orjson.dumps(BODY), b""),
        ("application/json", orjson.dumps(BODY)[:-20], b""),  # cut short: not JSON
        ("", b"", "q=Nguyễn Thị Lựu Độc".encode()),
    ]  # fmt: skip
    for content_type, body, query in cases:

        def go(ct: str = content_type, b: bytes = body, q: bytes = query) -> str:
            _in_request(b, ct, q)
            return mask_personal_data(f"lỗi: {NAME} / {fold(NAME)}")

        assert _run(go) == "lỗi: *** / ***", content_type


def test_values_read_from_the_database_are_masked_once_noted() -> None:
    def go() -> str:
        _in_request(b"")
        note_personal(NAME, None, ADDRESS)
        return mask_personal_data(f"không in được phiếu của {NAME}, {ADDRESS}")

    assert _run(go) == "không in được phiếu của ***, ***"


def test_outside_a_request_only_shapes_are_masked() -> None:
    def go() -> str:
        note_personal(NAME)  # no request: nothing to remember it in
        return mask_personal_data(f"{NAME} 0912345678")

    assert _run(go) == f"{NAME} ***78"


def test_other_keys_and_short_values_are_not_masked() -> None:
    def go() -> str:
        _in_request(orjson.dumps({"procedure": "1.004746", "applicant": {"name": "An"}}))
        return mask_personal_data("thủ tục 1.004746 của An")

    assert _run(go) == "thủ tục 1.004746 của An"


def _record(msg: str, *args: object, exc: bool = False, **extra: object) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise RuntimeError(f"hỏng khi lưu {NAME}, 0912.345.678")
        except RuntimeError:
            exc_info = sys.exc_info()
    record = logging.LogRecord("onestop.app", logging.ERROR, __file__, 1, msg, args, exc_info)
    record.__dict__.update(extra)
    return record


@pytest.mark.parametrize("formatter", [JsonFormatter(), TextFormatter()], ids=["json", "text"])
def test_formatters_mask_the_message_and_the_traceback(formatter: logging.Formatter) -> None:
    def go() -> str:
        _in_request(orjson.dumps(BODY))
        return formatter.format(_record("không lưu được hồ sơ của %s", NAME, exc=True))

    line = _run(go)
    assert "Traceback" in line and "RuntimeError" in line
    for gone in (NAME, "Lựu", "0912.345.678", "345"):
        assert gone not in line


def test_a_line_without_free_text_skips_the_request_body() -> None:
    personal = PersonalValues("application/json")
    personal.tap(orjson.dumps(BODY))

    def go() -> str:
        request_personal.set(personal)
        return JsonFormatter().format(_record("request", **{logs.NO_FREE_TEXT: True}))

    assert json.loads(_run(go))["msg"] == "request"
    assert personal._needles is None  # the body was never parsed


@pytest.fixture
def restore_logging() -> Iterator[None]:
    names = ("onestop", "uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi", "")
    saved = {
        n: (lg.handlers[:], lg.level, lg.propagate)
        for n in names
        for lg in [logging.getLogger(n or None)]
    }
    yield
    for n, (handlers, level, propagate) in saved.items():
        lg = logging.getLogger(n or None)
        lg.handlers[:], lg.level, lg.propagate = handlers, level, propagate


def test_uvicorn_logs_through_the_same_masking_handler(
    restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    logging.getLogger("uvicorn.access").handlers[:] = [logging.StreamHandler()]  # access log on
    configure_logging("INFO", as_json=True)

    def go() -> None:
        _in_request(orjson.dumps(BODY))
        try:
            raise ValueError(f"bad {NAME}")
        except ValueError as exc:
            logging.getLogger("uvicorn.error").error(
                "Exception in ASGI application\n", exc_info=exc
            )
        logging.getLogger("uvicorn.access").info('127.0.0.1 - "GET /x?q=%s" 500', NAME)

    _run(go)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(e["logger"], e["level"]) for e in lines] == [
        ("uvicorn.error", "ERROR"),
        ("uvicorn.access", "INFO"),
    ]
    assert NAME not in json.dumps(lines, ensure_ascii=False)
