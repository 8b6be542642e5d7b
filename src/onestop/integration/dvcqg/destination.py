"""The national portal (DVCQG) as a destination: which events it hears about, what each claimed
message group asks of the portal (its requests, in order), and a round's requests sent together
(``calls``: several dossiers' records or progress entries in one call).

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

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from onestop.auth.models import ApiClient, User
from onestop.catalog.models import Procedure, Unit
from onestop.core.db import among
from onestop.core.settings import Settings
from onestop.documents.models import DossierDocument
from onestop.dossiers.models import Dossier, DossierEvent
from onestop.integration import retention
from onestop.integration.destinations import DeliveryFailed, Message, each
from onestop.integration.dvcqg import payload
from onestop.integration.dvcqg.calls import RoundSender
from onestop.integration.dvcqg.client import Credentials, PortalClient
from onestop.integration.feed import Change

NAME = "dvcqg"
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

    def __init__(self, client: PortalClient, records_per_call: int) -> None:
        self.client = client
        self.sender = RoundSender(client, records_per_call)

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
        return cls(client, settings.dvcqg_records_per_call)

    def kind_of(self, change: Change) -> str | None:
        status_changed = change.from_status is None or change.from_status != change.to_status
        if change.type in HANDOVERS:
            return DOSSIER_PROGRESS if status_changed else PROGRESS
        if status_changed or change.type in RECORD_EVENTS:
            return DOSSIER
        return None

    async def prepare(
        self, session: AsyncSession, groups: Sequence[Sequence[Message]]
    ) -> list[Prepared | DeliveryFailed]:
        """The round's requests, from a few queries for all its dossiers."""
        facts = await _facts(session, {g[0].dossier_id for g in groups})
        histories = await _histories(session, set(facts))
        known = await _known(session, set(facts))
        officers = await _officers(
            session,
            {m.event_id for g in groups for m in g if m.kind in (PROGRESS, DOSSIER_PROGRESS)},
        )

        async def one(messages: Sequence[Message]) -> Prepared:
            dossier_id = messages[0].dossier_id
            history = histories.get(dossier_id, [])
            return _requests(facts[dossier_id], history, messages, officers, dossier_id in known)

        return await each(groups, one, self.name)

    async def send(self, prepared: object) -> None:
        (reason,) = await self.send_round([prepared])
        if reason is not None:
            raise DeliveryFailed(reason)

    async def send_round(self, prepared: Sequence[object]) -> list[str | None]:
        """The round's groups in as few calls as the portal takes (``calls``); each group's
        failure reason, or None when the portal took it."""
        groups = [p.requests if isinstance(p, Prepared) else [] for p in prepared]
        sent = await self.sender.send(groups)
        return [
            p.reason if isinstance(p, DeliveryFailed) else r
            for p, r in zip(prepared, sent, strict=True)
        ]

    async def aclose(self) -> None:
        await self.client.aclose()


def _requests(
    facts: payload.DossierFacts,
    history: list[payload.EventFacts],
    messages: Sequence[Message],
    officers: dict[int, payload.Officer],
    known: bool,
) -> Prepared:
    """One claimed group's requests: a record per ``dossier`` message (as of its event), then the
    progress entries in one call; ``known``: the portal already holds the dossier's record (the
    next one is an update)."""
    by_seq = {ev.seq: ev for ev in history}
    requests: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    for m in messages:
        if m.kind in (DOSSIER, DOSSIER_PROGRESS):
            record = payload.dossier_record(facts, [e for e in history if e.seq <= m.seq])
            updating = known or bool(requests)
            requests.append(payload.sync_request(record, updating=updating))
        if m.kind in (PROGRESS, DOSSIER_PROGRESS):
            entries.append(payload.progress_entry(facts, by_seq[m.seq], officers[m.event_id]))
    if entries:
        requests.append(payload.progress_request(entries))
    return Prepared(requests)


#: The dossier's two units (aliases made once: each costs a copy of every column).
_COMPETENT, _RECEIVING = aliased(Unit), aliased(Unit)


async def _facts(session: AsyncSession, ids: set[int]) -> dict[int, payload.DossierFacts]:
    """The dossiers' own fields, with their procedure's and units' names (one query), and their
    documents."""
    d, competent, receiving = Dossier, _COMPETENT, _RECEIVING
    rows = await session.execute(
        select(
            d.id,
            d.code,
            Procedure.code.label("procedure_code"),
            Procedure.name.label("procedure_name"),
            Procedure.field_code,
            Procedure.field.label("field_name"),
            d.channel,
            d.applicant_kind,
            d.applicant_name,
            d.applicant_id_number,
            d.applicant_phone,
            d.applicant_email,
            d.submitted_at,
            d.return_method,
            competent.name.label("competent_unit"),
            receiving.name.label("receiving_unit"),
        )
        .join(Procedure, Procedure.id == d.procedure_id)
        .join(competent, competent.id == d.competent_unit_id)
        .join(receiving, receiving.id == d.receiving_unit_id)
        .where(among(session, d.id, ids))
    )
    documents = await _documents(session, ids)
    out = {}
    for row in rows:
        fields = dict(row._mapping)
        dossier_id = int(fields.pop("id"))
        out[dossier_id] = payload.DossierFacts(**fields, documents=documents.get(dossier_id, ()))
    return out


async def _known(session: AsyncSession, ids: set[int]) -> set[int]:
    """The dossiers the portal has taken a message of."""
    return {dossier_id for _name, dossier_id in await retention.reached(session, ids, NAME)}


async def _histories(session: AsyncSession, ids: set[int]) -> dict[int, list[payload.EventFacts]]:
    """Each dossier's events in order (a record is built from those up to its own event)."""
    e = DossierEvent
    rows = await session.execute(
        select(e.dossier_id, e.seq, e.type, e.at, e.to_status, e.payload)
        .where(among(session, e.dossier_id, ids))
        .order_by(e.dossier_id, e.seq)
    )
    out: dict[int, list[payload.EventFacts]] = defaultdict(list)
    for dossier_id, seq, type_, at, to_status, data in rows:
        out[int(dossier_id)].append(
            payload.EventFacts(int(seq), str(type_), at, int(to_status), dict(data or {}))
        )
    return out


async def _documents(
    session: AsyncSession, ids: set[int]
) -> dict[int, tuple[payload.DocumentFacts, ...]]:
    """Every document of the dossiers (each record keeps those uploaded by its event)."""
    rows = (
        await session.execute(
            select(DossierDocument)
            .where(among(session, DossierDocument.dossier_id, ids))
            .order_by(DossierDocument.id)
        )
    ).scalars()
    out: dict[int, list[payload.DocumentFacts]] = defaultdict(list)
    for r in rows:
        out[r.dossier_id].append(
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
        )
    return {dossier_id: tuple(docs) for dossier_id, docs in out.items()}


async def _officers(session: AsyncSession, event_ids: set[int]) -> dict[int, payload.Officer]:
    """Who acted in each event: a user (name, title, unit) or an API client (its name)."""
    if not event_ids:
        return {}
    e = DossierEvent
    acts = (
        await session.execute(
            select(e.id, e.actor, Unit.name)
            .outerjoin(Unit, Unit.id == e.unit_id)
            .where(among(session, e.id, event_ids))
        )
    ).all()
    actors = [str(actor).partition(":") for _, actor, _ in acts]
    users = {
        str(username): (str(name), title)
        for username, name, title in await session.execute(
            select(User.username, User.full_name, User.title).where(
                User.username.in_({n for kind, _, n in actors if kind == "user"})
            )
        )
    }
    clients = {
        str(client_id): str(name)
        for client_id, name in await session.execute(
            select(ApiClient.client_id, ApiClient.name).where(
                ApiClient.client_id.in_({n for kind, _, n in actors if kind == "client"})
            )
        )
    }
    out = {}
    for (event_id, actor, unit_name), (kind, _, name) in zip(acts, actors, strict=True):
        officer = payload.Officer(name or str(actor), None, unit_name)
        if kind == "user" and name in users:
            officer = payload.Officer(*users[name], unit_name)
        elif kind == "client" and name in clients:
            officer = payload.Officer(clients[name], None, unit_name)
        out[int(event_id)] = officer
    return out
