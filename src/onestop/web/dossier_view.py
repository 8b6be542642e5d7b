"""What the dossier page shows around the dossier itself: the offered actions as buttons (the
domain decides, ``actions.offers``), the timeline in people's words (names, units and status
names instead of logins and codes), the current appointment after a re-appointment, the success
banner with the form just drawn up, and the people a step may be assigned to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.people import display_names
from onestop.auth.principal import Principal
from onestop.catalog import lookups
from onestop.dossiers.actions import offers
from onestop.dossiers.models import Dossier
from onestop.dossiers.schemas import DossierEventRead, DossierRead
from onestop.dossiers.states import LABELS_VI, TERMINAL, Status
from onestop.web import action_forms
from onestop.web.formatting import actor as actor_text, local, payload_lines

ROLE_TITLES_VI = {"clerk": "Công chức tiếp nhận", "officer": "Chuyên viên", "leader": "Lãnh đạo"}


@dataclass(frozen=True)
class TimelineEntry:
    type: str
    at: dt.datetime
    who: str
    unit: str
    #: ``Được tiếp nhận → Đang xử lý`` when the status changed, else empty.
    change: str
    lines: list[tuple[str, str]]


@dataclass(frozen=True)
class Banner:
    """The success message of an action, with the printed form it drew up (if any)."""

    action: str
    made: str = ""
    form_url: str = ""
    form_no: str = ""


@dataclass(frozen=True)
class Person:
    username: str
    label: str


async def action_buttons(
    session: AsyncSession, dossier: Dossier, user: Principal, now: dt.datetime
) -> tuple[list[action_forms.Button], list[action_forms.Button]]:
    """(allowed, refused) buttons of the actions offered to ``user`` now (with the officer's
    apology draft where the apology is theirs to prepare, not to sign)."""
    offered = await offers.offers(session, dossier, user, at=now)
    allowed, refused = action_forms.buttons(offered)
    draft = action_forms.apology_draft(offered, user)
    return ([*allowed, draft] if draft else allowed), refused


async def people_to_assign(
    session: AsyncSession, dossier: Dossier, user: Principal, now: dt.datetime
) -> list[Person]:
    """The users the current step may be given to, labelled by name and title."""
    users = await offers.assignable(session, dossier, user, at=now)
    return [
        Person(u.username, f"{u.full_name} — {u.title or ROLE_TITLES_VI.get(u.role, u.role)}")
        for u in users
    ]


async def names_of(
    session: AsyncSession, events: list[DossierEventRead], dossier: DossierRead
) -> dict[str, str]:
    """Actor → full name, for the events' actors and the handlers the page names."""
    handlers = {f"user:{s.handler}" for s in dossier.steps if s.handler}
    return await display_names(session, {e.actor for e in events} | handlers)


async def timeline(
    session: AsyncSession, events: list[DossierEventRead], names: Mapping[str, str]
) -> list[TimelineEntry]:
    """The events, newest first, as a person reads them."""
    units = {u.code: u.name for u in await lookups.all_units(session)}
    return [
        TimelineEntry(
            type=e.type,
            at=e.at,
            who=names.get(e.actor) or actor_text(e.actor),
            unit=units.get(e.unit, e.unit) if e.unit else "",
            change=_change(e),
            lines=payload_lines(_named_payload(e.payload, names)),
        )
        for e in reversed(events)
    ]


def _change(e: DossierEventRead) -> str:
    if not e.from_status or e.from_status == e.to_status or e.to_status is None:
        return ""
    return f"{LABELS_VI[Status(e.from_status)]} → {LABELS_VI[Status(e.to_status)]}"


def _named_payload(payload: Mapping[str, Any], names: Mapping[str, str]) -> Mapping[str, Any]:
    """The payload with the handler's login replaced by their name (when known)."""
    handler = payload.get("handler")
    if isinstance(handler, str) and f"user:{handler}" in names:
        return {**payload, "handler": names[f"user:{handler}"]}
    return payload


def handler_name(dossier: DossierRead, names: Mapping[str, str]) -> str:
    step = dossier.current_step
    if step is None or not step.handler:
        return ""
    return names.get(f"user:{step.handler}", step.handler)


def new_appointment(dossier: DossierRead, events: list[DossierEventRead]) -> str:
    """``Hẹn trả mới: 13/03/2026 09:00`` once an apology re-appointed an open dossier."""
    reappointed = any(e.type == "apologize" for e in events)
    closed = Status(dossier.status) in TERMINAL
    if not reappointed or closed or dossier.appointment_at is None:
        return ""
    return f"Hẹn trả mới: {local(dossier.appointment_at):%d/%m/%Y %H:%M}"


def banner(code: str, done: str | None) -> Banner | None:
    form = action_forms.FORMS.get(done) if done else None
    if form is None:
        return None
    if not form.form_no:
        return Banner(form.button)
    url = f"/web/dossiers/{quote(code)}/forms/{form.form_no}.pdf"
    return Banner(form.button, form.made, url, form.form_no)
