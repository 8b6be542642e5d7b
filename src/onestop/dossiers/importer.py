"""``POST /api/v1/dossiers/import``: NDJSON history replayed through the same rules.

Each line is one dossier with its procedure, units, applicant and full event list. The first event
creates it (``receive`` at a counter, ``submit`` online / by post); every later event is an action
replayed with the event's own instant, through the same state machine, deadline and supplement
rules as live requests (rights are not checked: the importer is trusted, the rules are not
skipped).

Two modes. ``all`` (the default): the import is one transaction, all or nothing — every line is
replayed, each in its own savepoint so that a bad one leaves no trace for the lines after it, and
when any line is bad nothing is written and the 422 names every bad line with its fields.
``per-line``: the good lines are written and each line's outcome reported (a bad line is rolled
back alone, to its savepoint). Either way the lines are replayed in order, in one transaction:
a line sees the lines before it (a code used twice is refused the second time).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth import audit
from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog import lookups
from onestop.core import db
from onestop.core.errors import DomainError, InvalidInput
from onestop.core.schemas import InputModel, iso_text, within_calendar
from onestop.dossiers.access import Actor, require_covers
from onestop.dossiers.actions import registry
from onestop.dossiers.intake import prepare as intake_prepare, write as intake_write
from onestop.dossiers.schemas import (
    DossierCreate,
    ImportFieldError,
    ImportLineResult,
    ImportResult,
)
from onestop.dossiers.states import INTAKE_EVENTS, Channel, EventType

MAX_LINES = 10_000


class ImportEvent(InputModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(min_length=1, max_length=40)
    #: Naive instants pass here so that ``check_events`` names them (``naive-timestamp``).
    at: Annotated[dt.datetime, BeforeValidator(iso_text), AfterValidator(within_calendar)]
    actor: str | None = Field(default=None, max_length=100)
    unit: str | None = Field(default=None, max_length=60)
    body: dict[str, Any] = Field(default_factory=dict)


class ImportLine(DossierCreate):
    events: list[ImportEvent] = Field(min_length=1, max_length=500)


Mode = Literal["all", "per-line"]
MODES: tuple[Mode, ...] = ("all", "per-line")


class LineRejected(Exception):
    """A line breaks a rule; ``loc`` is the field at fault within the line (() for the line)."""

    def __init__(
        self,
        reason: str,
        problem: str,
        loc: tuple[str | int, ...] = (),
        errors: list[ImportFieldError] | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.problem = problem
        self.errors = errors or [ImportFieldError(loc=list(loc), msg=reason, type=problem)]


def check_events(line: ImportLine, now: dt.datetime) -> None:
    """Instants must carry an offset, never lie in the future and never go backwards; the first
    event creates the dossier and matches its channel."""
    previous: dt.datetime | None = None
    for n, ev in enumerate(line.events, start=1):
        if ev.at.tzinfo is None or ev.at.utcoffset() is None:
            raise LineRejected(
                f"Sự kiện {n} ({ev.type}) có thời điểm không kèm múi giờ"
                f" (event {n} has a naive timestamp: {ev.at.isoformat()})",
                "naive-timestamp",
                ("events", n - 1, "at"),
            )
        if ev.at > now:
            raise LineRejected(
                f"Sự kiện {n} ({ev.type}) ở tương lai (event {n} is in the future:"
                f" {ev.at.isoformat()})",
                "future-timestamp",
                ("events", n - 1, "at"),
            )
        if previous is not None and ev.at < previous:
            raise LineRejected(
                f"Sự kiện {n} ({ev.type}) trước sự kiện liền trước (event {n} is out of order:"
                f" {ev.at.isoformat()} < {previous.isoformat()})",
                "events-out-of-order",
                ("events", n - 1, "at"),
            )
        if n == 1 and ev.type not in INTAKE_EVENTS:
            raise LineRejected(
                f"Sự kiện đầu tiên phải là {' hoặc '.join(INTAKE_EVENTS)}"
                f" (the first event must be one of {', '.join(INTAKE_EVENTS)}, not {ev.type})",
                "bad-first-event",
                ("events", 0, "type"),
            )
        if n > 1 and ev.type in INTAKE_EVENTS:
            raise LineRejected(
                f"Sự kiện {n}: {ev.type} chỉ được là sự kiện đầu tiên"
                f" (event {n}: {ev.type} may only come first)",
                "bad-event",
                ("events", n - 1, "type"),
            )
        previous = ev.at
    first = line.events[0]
    counter = first.type == EventType.RECEIVE
    if line.channel is not None and (line.channel == Channel.COUNTER) != counter:
        raise LineRejected(
            f"Kênh {line.channel} không khớp với sự kiện đầu tiên {first.type}"
            f" (channel {line.channel} does not match first event {first.type})",
            "channel-mismatch",
            ("channel",),
        )
    if line.submitted_at is not None and line.submitted_at > first.at:
        raise LineRejected(
            "submitted_at sau sự kiện đầu tiên (submitted_at is after the first event)",
            "events-out-of-order",
            ("submitted_at",),
        )


async def _actor(session: AsyncSession, principal: Principal, ev: ImportEvent) -> Actor:
    unit_id = (await lookups.unit_by_code(session, ev.unit)).id if ev.unit else None
    return Actor(f"import:{ev.actor}" if ev.actor else principal.actor, None, unit_id)


async def replay_line(session: AsyncSession, principal: Principal, line: ImportLine) -> str:
    """Create the dossier and apply every later event; no commit."""
    first = line.events[0]
    default = Channel.COUNTER if first.type == EventType.RECEIVE else Channel.ONLINE
    channel = line.channel or default
    create = DossierCreate.model_validate(
        {**line.model_dump(exclude={"events"}, exclude_unset=True), "channel": channel}
    )
    await intake_write.refuse_duplicates(session, create, actor=principal.actor)
    actor = await _actor(session, principal, first)
    draft = await intake_prepare.prepare(
        session, body=create, at=first.at, actor=actor, principal=None
    )
    receiving = await lookups.unit_by_id(session, draft.dossier["receiving_unit_id"])
    await require_covers(session, principal, receiving)
    draft.event["payload"]["imported_by"] = principal.actor
    code = await intake_write.write(session, draft, None)
    dossier = await registry.load(session, code)
    specs = registry.ACTIONS
    for n, ev in enumerate(line.events[1:], start=2):
        spec = specs.get(ev.type)
        if spec is None:
            raise LineRejected(
                f"Sự kiện {n}: không có thao tác '{ev.type}' (event {n}: unknown action)",
                "unknown-action",
                ("events", n - 1, "type"),
            )
        try:
            body = spec.body.model_validate(ev.body)
        except ValidationError as exc:
            raise LineRejected(
                f"Sự kiện {n} ({ev.type}): {_errors(exc)}",
                "invalid-input",
                errors=_field_errors(exc, ("events", n - 1, "body")),
            ) from exc
        try:
            await registry.apply_action(
                session,
                dossier,
                ev.type,
                body,
                at=ev.at,
                actor=await _actor(session, principal, ev),
                principal=None,
            )
        except DomainError as exc:
            raise LineRejected(
                f"Sự kiện {n} ({ev.type}): {exc.detail}", exc.code, ("events", n - 1)
            ) from exc
    return code


def _errors(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'line'}: {e['msg']}" for e in exc.errors()[:5]
    )


def _field_errors(
    exc: ValidationError, prefix: tuple[str | int, ...] = ()
) -> list[ImportFieldError]:
    return [
        ImportFieldError(loc=[*prefix, *e["loc"]], msg=str(e["msg"]), type=str(e["type"]))
        for e in exc.errors()
    ]


def _rejected(
    n: int, reason: str, problem: str, errors: list[ImportFieldError]
) -> ImportLineResult:
    return ImportLineResult(
        line=n, status="rejected", reason=reason, problem=problem, errors=errors
    )


async def _replay(
    session: AsyncSession, principal: Principal, n: int, raw: bytes, now: dt.datetime
) -> ImportLineResult:
    """One line in its own savepoint: accepted, or rolled back to the savepoint and rejected
    with the reason and the fields at fault."""
    try:
        line = ImportLine.model_validate_json(raw)
    except ValidationError as exc:
        return _rejected(n, _errors(exc), "invalid-input", _field_errors(exc))
    try:
        async with session.begin_nested():
            check_events(line, now)
            code = await replay_line(session, principal, line)
            await session.flush()
    except LineRejected as exc:
        return _rejected(n, exc.reason, exc.problem, exc.errors)
    except DomainError as exc:
        field = [ImportFieldError(loc=[], msg=exc.detail, type=exc.code)]
        return _rejected(n, exc.detail, exc.code, field)
    except IntegrityError:
        reason = "Trùng dữ liệu đã có (conflicts with existing data)"
        return _rejected(
            n, reason, "conflict", [ImportFieldError(loc=[], msg=reason, type="conflict")]
        )
    return ImportLineResult(line=n, status="accepted", code=code)


async def import_ndjson(
    session: AsyncSession,
    *,
    principal: Principal,
    data: bytes,
    now: dt.datetime,
    mode: Mode = "all",
) -> ImportResult:
    """Replay every line in order in one transaction (savepoint per line). ``all``: any bad line
    and nothing is written (a 422 naming each bad line and its fields); ``per-line``: the good
    lines are written (a 422 only when none is)."""
    principal.require(Right.DOSSIER_IMPORT)
    if mode not in MODES:
        raise InvalidInput(
            f"Chế độ nhập phải là {' hoặc '.join(MODES)} (mode must be one of {', '.join(MODES)})",
            code="invalid-input",
        )
    lines = data.splitlines()
    numbered = [(n, raw) for n, raw in enumerate(lines, start=1) if raw.strip()]
    if not numbered:
        raise InvalidInput("Tệp nhập không có dòng nào (the import is empty)", code="empty-import")
    if len(numbered) > MAX_LINES:
        raise InvalidInput(
            f"Tối đa {MAX_LINES} dòng mỗi lần nhập (at most {MAX_LINES} lines per import)",
            code="import-too-large",
        )
    await db.begin_for_savepoints(session)
    results = [await _replay(session, principal, n, raw, now) for n, raw in numbered]
    rejected = [r for r in results if r.status == "rejected"]
    accepted = len(results) - len(rejected)
    if rejected and (mode == "all" or accepted == 0):
        await session.rollback()
        whole = mode == "all" and accepted > 0
        raise InvalidInput(
            f"Không nhập dòng nào: {len(rejected)} dòng có lỗi, cả tệp bị từ chối"
            f" (nothing was imported: {len(rejected)} of {len(results)} lines were refused)"
            if whole
            else "Không nhập được dòng nào (no line was imported)",
            code="import-rejected",
            accepted=0,
            rejected=len(rejected),
            lines=[r.model_dump() for r in (rejected if mode == "all" else results)],
            errors=[
                {"loc": ["body", str(r.line), *map(str, e.loc)], "msg": e.msg, "type": e.type}
                for r in rejected
                for e in r.errors
            ],
        )
    summary = ImportResult(accepted=accepted, rejected=len(rejected), lines=results)
    audit.record(
        session,
        actor=principal.actor,
        action="import-dossiers",
        object_type="dossier",
        object_id="import",
        detail={"accepted": summary.accepted, "rejected": summary.rejected, "mode": mode},
    )
    await session.commit()
    return summary
