"""What an applicant is told, and when (pure: no database, no network).

Moments (the message ``kind``): ``receipt`` — the dossier was received (counter intake or an
online dossier accepted): the code, the appointment, the lookup link; ``supplement`` — papers are
missing: which, why, by when (``deadline_days`` calendar days from the request, as on Form 02);
``apology`` — a Form 04 apology: the new appointment; ``result`` — the result is ready
(``finish``), or the dossier was returned with a written answer straight from processing
(``return`` 4 → 10). A ``return`` after ``finish`` is the hand-over itself: no message.

Templates: Jinja2 text, ``templates/<channel>/<kind>.txt``. Dates ``dd/mm/yyyy``, times 24-hour
(``16:30 ngày 26/02/2026``), Vietnam time. The applicant is addressed as "Ông/Bà", never by name:
the code says which dossier it is. SMS keep their diacritics (UTF-8) unless ``sms_ascii``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2

from onestop.core.clock import LOCAL_TZ
from onestop.core.logs import fold
from onestop.dossiers.states import EventType, Status
from onestop.integration.feed import Change

RECEIPT, SUPPLEMENT, APOLOGY, RESULT = "receipt", "supplement", "apology", "result"
KINDS = (RECEIPT, SUPPLEMENT, APOLOGY, RESULT)
EMAIL, SMS = "email", "sms"
LOOKUP_PATH = "/tra-cuu"
SUBJECTS = {
    RECEIPT: "Hồ sơ {code} đã được tiếp nhận",
    SUPPLEMENT: "Hồ sơ {code} cần bổ sung, hoàn thiện",
    APOLOGY: "Hẹn lại ngày trả kết quả hồ sơ {code}",
    RESULT: "Hồ sơ {code} đã có kết quả giải quyết",
}
TEMPLATES = Path(__file__).parent / "templates"


def kind_of(change: Change) -> str | None:
    """The moment this event is, for the applicant (None: nothing to tell)."""
    if change.type in (EventType.RECEIVE, "accept") and change.to_status == Status.RECEIVED:
        return RECEIPT
    if change.type == "request-supplement":
        return SUPPLEMENT
    if change.type == "apologize":
        return APOLOGY
    if change.type == "finish":
        return RESULT
    if change.type == "return" and change.from_status == Status.IN_PROCESS:
        return RESULT
    return None


@dataclass(frozen=True)
class UnitContact:
    name: str
    address: str | None
    hotline: str | None


@dataclass(frozen=True)
class Notice:
    """The facts of one notification: the event it is for and what the applicant may know."""

    kind: str
    code: str
    procedure: str
    event_type: str
    event_at: dt.datetime
    payload: dict[str, Any]
    unit: UnitContact
    return_method: str
    lookup_url: str
    #: Whether ``lookup_url`` carries the receipt's lookup secret (opens the dossier at once).
    lookup_with_secret: bool


def lookup_url(base_url: str, code: str, secret: str | None) -> str:
    query = {"code": code} | ({"secret": secret} if secret else {})
    return f"{base_url.rstrip('/')}{LOOKUP_PATH}?{urlencode(query)}"


def when(instant: dt.datetime | None) -> str:
    """``16:30 ngày 26/02/2026`` (Vietnam time)."""
    if instant is None:
        return ""
    t = instant.astimezone(LOCAL_TZ)
    return f"{t:%H:%M} ngày {t:%d/%m/%Y}"


def day(instant: dt.datetime | None) -> str:
    return "" if instant is None else f"{instant.astimezone(LOCAL_TZ):%d/%m/%Y}"


def _instant(value: Any) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _facts(n: Notice) -> dict[str, Any]:
    """What the templates of ``n.kind`` read besides the notice itself."""
    p = n.payload
    if n.kind == RECEIPT:
        return {"appointment": _instant(p.get("due_at"))}
    if n.kind == SUPPLEMENT:
        days = p.get("deadline_days")
        return {
            "items": [str(i) for i in p.get("items") or []],
            "reason": p.get("reason") or "",
            "deadline": n.event_at + dt.timedelta(days=int(days)) if days else None,
            "before_receipt": p.get("stage") == "reception",
        }
    if n.kind == APOLOGY:
        return {
            "new_appointment": _instant(p.get("new_appointment_at")),
            "reason": p.get("reason") or "",
            "letter_number": p.get("letter_number") or "",
        }
    return {
        "answer_only": n.event_type == "return" or p.get("result") == "rejected",
        "postal": n.return_method == "postal",
        "online": n.return_method == "online",
    }


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=False,  # noqa: S701 - plain text (e-mail, SMS), never HTML
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["when"] = when
    env.filters["day"] = day
    return env


def render(notice: Notice, channel: str) -> str:
    text = (
        _environment()
        .get_template(f"{channel}/{notice.kind}.txt")
        .render(n=notice, **_facts(notice))
    )
    return text.strip() + "\n" if channel == EMAIL else " ".join(text.split())


def subject(notice: Notice) -> str:
    return SUBJECTS[notice.kind].format(code=notice.code)


def sms_text(notice: Notice, *, ascii_only: bool) -> str:
    text = render(notice, SMS)
    return fold(text) if ascii_only else text
