"""The national portal (DVCQG) as a destination: which events it hears about, and one call per
claimed message group.

Kinds: ``dossier`` — the dossier record after the event (``DongBoHoSoMC``): its first event, every
status change, and the events that change its dates, supplements or documents without changing
the status (an apology's new appointment, a supplement asked or brought, a correction, a document
or result attached); ``progress`` — a hand-over inside a status (``CapNhatTienDoHoSoMC``:
assignment, transfer to the next step or another agency); ``dossier_progress`` — a hand-over
that also changes the status (2 → 4): the record, then the progress entry, both in the same
delivery (re-sent together on a retry: the record is an upsert, and the entry goes last, so it
is never sent twice unless it failed).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.models import ApiClient, User
from onestop.catalog.models import Procedure, Unit
from onestop.core.settings import Settings
from onestop.documents.models import DossierDocument
from onestop.dossiers.models import Dossier, DossierEvent
from onestop.integration.destinations import DeliveryFailed, Message
from onestop.integration.dvcqg import payload
from onestop.integration.dvcqg.client import Credentials, PortalClient
from onestop.integration.feed import Change

NAME = "dvcqg"
#: Fields of a request that hold the applicant's personal data.
PERSONAL_FIELDS = ("ChuHoSo", "SoGiayToChuHoSo", "SoDienThoai", "Email")
#: A file's name as sent may carry a name or a number too.
FILE_NAME_FIELD = ("TaiLieuNop", "TenTepDinhKem")
#: Runs of digits as long as a phone or ID number.
LONG_NUMBER = re.compile(r"\d{9,}")
DOSSIER, PROGRESS, DOSSIER_PROGRESS = "dossier", "progress", "dossier_progress"
HANDOVERS = frozenset({"assign", "transfer"})
#: Events that change what the record says without changing the status.
RECORD_EVENTS = frozenset(
    {"apologize", "request-supplement", "supplement-received", "correction", "document_added"}
)


@dataclass(frozen=True)
class Prepared:
    """The requests for one claimed group, in the order they are sent."""

    requests: list[dict[str, Any]]


class DvcqgDestination:
    name = NAME
    chunked_kinds = frozenset({PROGRESS})

    def __init__(self, client: PortalClient) -> None:
        self.client = client

    @classmethod
    def from_settings(cls, settings: Settings) -> DvcqgDestination | None:
        """The destination when ``dvcqg_url`` is set; None otherwise (no sync)."""
        if not settings.dvcqg_url:
            return None
        credentials = None
        if settings.dvcqg_token_url:
            credentials = Credentials(
                settings.dvcqg_token_url, settings.dvcqg_client_id, settings.dvcqg_client_secret
            )
        client = PortalClient(
            settings.dvcqg_url, timeout=settings.dvcqg_timeout_seconds, credentials=credentials
        )
        return cls(client)

    def kind_of(self, change: Change) -> str | None:
        status_changed = change.from_status is None or change.from_status != change.to_status
        if change.type in HANDOVERS:
            return DOSSIER_PROGRESS if status_changed else PROGRESS
        if status_changed or change.type in RECORD_EVENTS:
            return DOSSIER
        return None

    async def prepare(self, session: AsyncSession, messages: Sequence[Message]) -> Prepared:
        facts, history = await _facts(session, messages[0].dossier_id, max(m.seq for m in messages))
        by_seq = {ev.seq: ev for ev in history}
        requests: list[dict[str, Any]] = []
        entries: list[dict[str, Any]] = []
        for m in messages:
            if m.kind in (DOSSIER, DOSSIER_PROGRESS):
                record = payload.dossier_record(facts, [e for e in history if e.seq <= m.seq])
                updating = m.follows_delivered or bool(requests)
                requests.append(payload.sync_request(record, updating=updating))
            if m.kind in (PROGRESS, DOSSIER_PROGRESS):
                officer = await _officer(session, m.event_id)
                entries.append(payload.progress_entry(facts, by_seq[m.seq], officer))
        if entries:
            requests.append(payload.progress_request(entries))
        return Prepared(requests)

    async def send(self, prepared: object) -> None:
        assert isinstance(prepared, Prepared)
        for body in prepared.requests:
            try:
                await self.client.post(body)
            except DeliveryFailed as exc:
                raise DeliveryFailed(scrub(exc.reason, personal_values(body))) from None

    async def aclose(self) -> None:
        await self.client.aclose()


async def _facts(
    session: AsyncSession, dossier_id: int, up_to: int
) -> tuple[payload.DossierFacts, list[payload.EventFacts]]:
    d = (await session.execute(select(Dossier).where(Dossier.id == dossier_id))).scalar_one()
    proc = (
        await session.execute(select(Procedure).where(Procedure.id == d.procedure_id))
    ).scalar_one()
    units = {
        u.id: u.name
        for u in (
            await session.execute(
                select(Unit).where(Unit.id.in_([d.competent_unit_id, d.receiving_unit_id]))
            )
        ).scalars()
    }
    facts = payload.DossierFacts(
        code=d.code,
        procedure_code=proc.code,
        procedure_name=proc.name,
        field_code=proc.field_code,
        field_name=proc.field,
        channel=d.channel,
        applicant_kind=d.applicant_kind,
        applicant_name=d.applicant_name,
        applicant_id_number=d.applicant_id_number,
        applicant_phone=d.applicant_phone,
        applicant_email=d.applicant_email,
        submitted_at=d.submitted_at,
        return_method=d.return_method,
        competent_unit=units[d.competent_unit_id],
        receiving_unit=units[d.receiving_unit_id],
        documents=await _documents(session, dossier_id),
    )
    e = DossierEvent
    rows = await session.execute(
        select(e.seq, e.type, e.at, e.to_status, e.payload)
        .where(e.dossier_id == dossier_id, e.seq <= up_to)
        .order_by(e.seq)
    )
    history = [
        payload.EventFacts(int(s), str(t), at, int(st), dict(p or {})) for s, t, at, st, p in rows
    ]
    return facts, history


async def _documents(session: AsyncSession, dossier_id: int) -> tuple[payload.DocumentFacts, ...]:
    """Every document of the dossier (each record keeps those uploaded by its event)."""
    rows = (
        await session.execute(
            select(DossierDocument)
            .where(DossierDocument.dossier_id == dossier_id)
            .order_by(DossierDocument.id)
        )
    ).scalars()
    return tuple(
        payload.DocumentFacts(
            id=r.id,
            kind=r.kind,
            component_code=r.component_code,
            component_name=r.component_name,
            filename=r.filename,
            uploaded_at=r.uploaded_at,
            digitised_at_counter=r.digitised_at_counter,
            reused=r.reused_from_dossier_id is not None,
            from_citizen_store=r.from_citizen_store,
        )
        for r in rows
    )


async def _officer(session: AsyncSession, event_id: int) -> payload.Officer:
    """Who acted in the event: a user (name, title, unit) or an API client (its name)."""
    e = DossierEvent
    actor, unit_id = (
        await session.execute(select(e.actor, e.unit_id).where(e.id == event_id))
    ).one()
    kind, _, name = str(actor).partition(":")
    unit_name = None
    if unit_id is not None:
        unit_name = (await session.execute(select(Unit.name).where(Unit.id == unit_id))).scalar()
    if kind == "user":
        user = (
            await session.execute(select(User.full_name, User.title).where(User.username == name))
        ).one_or_none()
        if user is not None:
            return payload.Officer(user[0], user[1], unit_name)
    if kind == "client":
        client = (
            await session.execute(select(ApiClient.name).where(ApiClient.client_id == name))
        ).scalar()
        if client is not None:
            return payload.Officer(str(client), None, unit_name)
    return payload.Officer(name or str(actor), None, unit_name)


def personal_values(body: dict[str, Any]) -> list[str]:
    items = body.get("data", [])
    values = [str(item[key]) for item in items for key in PERSONAL_FIELDS if item.get(key)]
    files, name = FILE_NAME_FIELD
    values += [str(f[name]) for item in items for f in item.get(files) or [] if f.get(name)]
    return values


def scrub(reason: str, values: Sequence[str]) -> str:
    """The portal's message without the applicant's data it may echo (kept as the last error)."""
    for value in sorted(values, key=len, reverse=True):
        reason = reason.replace(value, "***")
    return LONG_NUMBER.sub("***", reason)
