"""JSON-line logs with a request id on every line and personal data masked; Prometheus metrics.

Personal data never reaches a log line. The formatters of every handler this module installs (the
``onestop`` loggers, uvicorn's, and the root logger's when nothing else configured it) mask it in
the message and in the traceback, in two ways:

* by shape: ID numbers (CMND, 9 digits; CCCD, 12 digits, also in groups of three), any run of 9–12
  digits, Vietnamese phone numbers however written (``0912345678``, ``091 234 5678``,
  ``0912.345.678``, ``+84 912 345 678``, ``84912345678``), and e-mail addresses;
* by value: a name or an address has no shape, so the personal values of the request being served
  are masked wherever they appear in its lines — as written, without diacritics, in any case, and
  escaped as reprs, JSON and URLs print them.

Where the values come from: the request itself. ``http.middleware`` gives each request a
``PersonalValues`` (the ``request_personal`` context variable) holding its query string and its
body as the application reads it; the values under personal keys (anything in an ``applicant``
object, ``name``, ``address``, ``phone``, ``email``, ``id_number``, ``q``, ``password``...) are
extracted the first time a line of that request needs them. That seam rather than the intake and
reading code, because every way personal data comes in — counter and portal intake (fast path
and documented route), the import, the web forms, search terms — comes as a request, including
input that fails validation before any service sees it, which is exactly the input an error
message echoes; one tap covers them all and a new route cannot forget it. Values that come from
the database instead (a dossier read, printed or acted on) are added by the one function that
loads a dossier (``dossiers.actions.registry.load``) through ``note_personal``. The extraction is
deferred because most requests log nothing but their access line, which carries no free text.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus

import orjson

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)

MASK = "***"

#: The shapes of personal data, masked in every line (the last two digits kept, to tell lines
#: apart): e-mail addresses, then numbers written in groups — a phone (0912 345 678,
#: 0912.345.678, 091-234-5678, +84 912 345 678, (+84) 912 345 678, 028 3823 4567) or an ID number
#: (001 203 004 567) — then bare runs of 9–12 digits (CMND, CCCD, 0912345678, 84912345678).
#: Groups after the first have 3–4 digits, so dates (2026-03-10) are not numbers here.
_PATTERNS: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)"), MASK + r"@\1"),
    (
        re.compile(r"(?<!\d)(?:\(\+84\) ?|\+)?\d{2,4}(?:[ .-]\d{3,4}){1,3}(?!\d)"),
        lambda m: _masked_number(m.group()),
    ),
    (re.compile(r"(?<!\d)\d{7,10}(\d{2})(?!\d)"), MASK + r"\1"),
]


def _masked_number(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    return MASK + digits[-2:] if 9 <= len(digits) <= 12 else text


#: Keys whose string values are personal data (matched on the last ``_``-separated part, so
#: ``applicant_name`` and ``full_name`` too); every string under an ``applicant…`` key is.
_PERSONAL_KEY = re.compile(r"(?:^|_)(?:name|address|phone|email|id_number|q|password)$")
#: Shorter values are not masked by value: "An" would mask every "an" of the line.
MIN_VALUE_LENGTH = 4
#: Body bytes kept per request for the extraction (the body limit is smaller by default).
MAX_TAPPED_BYTES = 2 * 1024 * 1024
_MULTIPART_FIELD = re.compile(r'name="([^"]{1,64})"\r\n(?:[^\r\n]+\r\n)*\r\n(.*?)\r\n--', re.S)
_JSON_PAIR = re.compile(r'"([^"\\]{1,64})"\s*:\s*"((?:[^"\\]|\\.){0,2000})"')


class PersonalValues:
    """The personal values of one request: read lazily from its body and query string, plus those
    noted by the code (``note_personal``); ``mask`` hides each of them in a text."""

    __slots__ = ("_chunks", "_content_type", "_needles", "_noted", "_query", "_size")

    def __init__(self, content_type: str = "", query: bytes = b"") -> None:
        self._content_type = content_type.split(";", 1)[0].strip().lower()
        self._query = query
        self._chunks: list[bytes] = []
        self._size = 0
        self._noted: list[str] = []
        self._needles: list[str] | None = None

    def tap(self, chunk: bytes) -> None:
        """A piece of the body, as the application reads it."""
        if chunk and self._size < MAX_TAPPED_BYTES:
            self._chunks.append(chunk)
            self._size += len(chunk)
            self._needles = None

    def note(self, values: Iterable[str | None]) -> None:
        self._noted.extend(v for v in values if v)
        self._needles = None

    def mask(self, text: str) -> str:
        lowered = text.lower()
        for needle in self.needles():
            if needle in lowered:
                text = re.sub(re.escape(needle), MASK, text, flags=re.IGNORECASE)
                lowered = text.lower()
        return text

    def needles(self) -> list[str]:
        """Every written form of every value, lower-cased, longest first."""
        if self._needles is None:
            forms: set[str] = set()
            for value in self._values():
                forms.update(_written_forms(value))
            self._needles = sorted(
                (f for f in forms if len(f) >= MIN_VALUE_LENGTH), key=len, reverse=True
            )
        return self._needles

    def _values(self) -> Iterator[str]:
        yield from self._noted
        if self._query:
            yield from _from_pairs(parse_qsl(self._query.decode("utf-8", "replace")))
        if not self._chunks:
            return
        body = b"".join(self._chunks)
        kind = self._content_type
        if kind == "application/x-www-form-urlencoded":
            yield from _from_pairs(parse_qsl(body.decode("utf-8", "replace")))
        elif kind == "multipart/form-data":
            yield from _from_pairs(_MULTIPART_FIELD.findall(body.decode("utf-8", "replace")))
        elif "json" in kind or kind == "text/plain":
            yield from _from_json(body)


def _from_pairs(pairs: Iterable[tuple[str, str]]) -> Iterator[str]:
    for key, value in pairs:
        if _is_personal_key(key):
            yield value


def _from_json(body: bytes) -> Iterator[str]:
    """The personal values of a JSON document, of each line of NDJSON, or of whatever
    ``"key": "value"`` pairs a malformed document still shows."""
    try:
        yield from _walk(orjson.loads(body), False)
        return
    except orjson.JSONDecodeError:
        pass
    for line in body.splitlines():
        try:
            yield from _walk(orjson.loads(line), False)
        except orjson.JSONDecodeError:
            text = line.decode("utf-8", "replace")
            for key, raw in _JSON_PAIR.findall(text):
                if _is_personal_key(key):
                    try:
                        yield str(json.loads(f'"{raw}"'))
                    except ValueError:
                        yield raw


def _walk(node: Any, personal: bool) -> Iterator[str]:
    if isinstance(node, str):
        if personal:
            yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, personal or _is_personal_key(str(key)))
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, personal)


def _is_personal_key(key: str) -> bool:
    key = key.lower()
    return key.startswith("applicant") or _PERSONAL_KEY.search(key) is not None


def fold(text: str) -> str:
    """Without diacritics (``Nguyễn Thị Độc`` → ``Nguyen Thi Doc``), as search columns and
    hand-typed logs write Vietnamese."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _written_forms(value: str) -> set[str]:
    value = " ".join(value.split())
    if len(value) < MIN_VALUE_LENGTH:
        return set()
    forms = {value, *(part.strip() for part in value.split(",")[:-1])}  # "Số 7 ngõ X, phường Y"
    forms.update([fold(f) for f in forms] + [unicodedata.normalize("NFD", f) for f in forms])
    digits = re.sub(r"\D", "", value)
    if len(digits) >= MIN_VALUE_LENGTH and len(digits) * 2 >= len(value):
        forms.add(digits)  # a phone or an ID number written with separators
    for form in list(forms):
        forms.update(
            {
                json.dumps(form)[1:-1],  # \u1ec5
                ascii(form)[1:-1],  # \xe1, \u1ec5
                repr(form.encode())[2:-1],  # \xe1\xbb\x85
                quote(form, safe=""),
                quote_plus(form, safe=""),
            }
        )
    return {f.lower() for f in forms}


request_personal: contextvars.ContextVar[PersonalValues | None] = contextvars.ContextVar(
    "request_personal", default=None
)


def note_personal(*values: str | None) -> None:
    """Personal values the current request handles without having sent them (read from the
    database): masked in its log lines like the ones it sent. Outside a request: nothing."""
    personal = request_personal.get()
    if personal is not None:
        personal.note(values)


def mask_personal_data(text: str) -> str:
    """``text`` without the current request's personal values and without anything shaped like
    an ID number, a phone number or an e-mail address."""
    return _mask(text, request_personal.get())


#: ``extra`` of a record whose message is a constant and whose fields carry no personal data
#: (the access line): the by-value pass, which would parse the request body, is skipped.
NO_FREE_TEXT = "no_free_text"


def _values_for(record: logging.LogRecord) -> PersonalValues | None:
    if getattr(record, NO_FREE_TEXT, False) and not record.exc_info:
        return None
    return request_personal.get()


class JsonFormatter(logging.Formatter):
    """One JSON object a line: the request id, the access fields, the message and the traceback,
    both masked."""

    def format(self, record: logging.LogRecord) -> str:
        personal = _values_for(record)
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": _mask(record.getMessage(), personal),
            "request_id": request_id_var.get(),
        }
        for key in ("method", "path", "status", "duration_ms", "actor"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = _mask(self.formatException(record.exc_info), personal)
        if record.stack_info:
            entry["stack"] = _mask(self.formatStack(record.stack_info), personal)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Plain lines (``ONESTOP_LOG_JSON=false``), masked as a whole."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        record.exc_text = None  # never left unmasked on the record for another handler
        rid = request_id_var.get()
        return _mask(f"{line} [request {rid}]" if rid else line, _values_for(record))


def _mask(text: str, personal: PersonalValues | None) -> str:
    if personal is not None:
        text = personal.mask(text)
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


#: Marks the handler ``configure_logging`` installs, replaced (not added to) when it runs again.
_OWN = "_onestop_handler"


def configure_logging(level: str = "INFO", as_json: bool = True) -> None:
    """One handler on stderr, with the masking formatter, for the application's loggers,
    uvicorn's (its error logger writes "Exception in ASGI application" tracebacks) and the root
    logger (asyncio's "exception was never retrieved") unless something else configured it."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if as_json else TextFormatter())
    setattr(handler, _OWN, True)
    for name in ("onestop", "uvicorn"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
    for name in ("uvicorn.error", "uvicorn.asgi"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    access = logging.getLogger("uvicorn.access")
    if access.handlers:  # uvicorn's access log is on (``onestop serve`` turns it off)
        access.handlers[:] = [handler]
        access.propagate = False
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _OWN, False)]:
        root.removeHandler(old)
    if not root.handlers:
        root.addHandler(handler)
