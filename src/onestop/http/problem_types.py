"""Every problem type the API answers with, declared once: its code (``/problems/<code>``), the
status or statuses it comes with, its extra members, and which operations can return it.

The OpenAPI document's error responses are derived from this list (``http.openapi``): an
operation lists, per status, exactly the types whose ``where`` selects it, so a client knows which
``type`` values to expect and which members come with them. Domain code raises these codes
(``code="…"`` on a ``core.errors.DomainError``); a test checks that every code raised over HTTP
is declared here.

``where`` selects operations by what they are (authenticated, taking a JSON body, any input) or
by operation id (the route function's name; shell-style patterns, ``dossier_*``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any


@dataclass(frozen=True)
class Operation:
    """What a selector may ask of an operation of the OpenAPI document."""

    operation_id: str
    path: str
    media: frozenset[str]  # request body media types
    parameters: frozenset[str]  # names of path and query parameters
    authenticated: bool


@dataclass(frozen=True)
class Where:
    """A set of operations (``|`` unites, ``-`` removes)."""

    test: Callable[[Operation], bool]

    def __call__(self, op: Operation) -> bool:
        return self.test(op)

    def __or__(self, other: Where) -> Where:
        return Where(lambda op: self(op) or other(op))

    def __sub__(self, other: Where) -> Where:
        return Where(lambda op: self(op) and not other(op))


def ops(*patterns: str) -> Where:
    """Operations whose id matches one of the patterns."""
    return Where(lambda op: any(fnmatchcase(op.operation_id, p) for p in patterns))


def under(prefix: str) -> Where:
    """Operations on ``prefix`` or below it."""
    return Where(lambda op: op.path == prefix or op.path.startswith(prefix + "/"))


EVERY = Where(lambda op: True)
AUTHENTICATED = Where(lambda op: op.authenticated)
#: Authenticated operations that check a right or a unit scope (not the caller's own account).
RIGHTS_CHECKED = AUTHENTICATED - ops("me", "logout")
JSON_BODY = Where(lambda op: "application/json" in op.media)
FORM_BODY = Where(lambda op: "application/x-www-form-urlencoded" in op.media)
MULTIPART_BODY = Where(lambda op: "multipart/form-data" in op.media)
ANY_BODY = Where(lambda op: bool(op.media))
#: Validated input of any kind: parameters, a body (also a NUL in any query string or path).
ANY_INPUT = Where(lambda op: bool(op.media or op.parameters))
DATABASE = EVERY - ops("healthz", "readyz")
NOWHERE = Where(lambda op: False)

DOSSIER_ACTIONS = ops("dossier_*")
INTAKE = ops("create_dossier", "import_dossiers")
REPORTS = ops(
    "bieu_06*", "on_time*", "overdue", "due_soon", "step_warnings", "satisfaction*", "index_766*"
)
WORKLISTS = ops("overdue", "due_soon", "step_warnings")
DOCUMENT_WRITES = ops("upload_document", "reuse_document")
DOCUMENT_READS = ops("download_document", "public_result_download")
UNIT_WRITES = ops("create_unit", "update_unit")
PROCEDURE_WRITES = ops("create_procedure", "add_version")
ACCOUNT_WRITES = ops("create_user", "update_user", "create_api_client")
PERIOD_FILTERED = REPORTS | ops("unit_register", "list_periods", "close_period", "list_tasks")
#: Operations that issue a form the issuing unit may sign, and those that check signatures.
FORM_ISSUES = ops("dossier_form_pdf")
SIGNATURE_CHECKS = ops("verify_signatures")
#: Operations that name a unit by code (path, query or body) and look it up.
UNIT_LOOKUPS = (
    UNIT_WRITES
    | PROCEDURE_WRITES
    | ACCOUNT_WRITES
    | ops(
        "get_unit",
        "list_procedures",
        "unit_register",
        "calendar_due",
        "calendar_days",
        "add_calendar_day",
    )
    | REPORTS
    | ops("list_units", "list_periods", "close_period", "evaluation_entry")
    | ops("list_users", "list_tasks")
)


@dataclass(frozen=True)
class ProblemType:
    """One problem type: ``statuses`` maps each status it is answered with to the operations
    that can answer it; ``members`` names its members beyond RFC 9457's (``MEMBERS``)."""

    code: str
    title: str
    statuses: Mapping[int, Where]
    members: tuple[str, ...] = ()
    about: str = ""


def _t(
    code: str,
    title: str,
    status: int,
    where: Where,
    *members: str,
    about: str = "",
    also: Mapping[int, Where] | None = None,
) -> ProblemType:
    return ProblemType(code, title, {status: where, **(also or {})}, members, about)


#: Members a problem may carry beyond ``type``, ``title``, ``status``, ``detail``, ``instance``
#: and ``request_id``: their JSON schema and meaning.
MEMBERS: dict[str, dict[str, Any]] = {
    "errors": {
        "type": "array",
        "items": {"$ref": "#/components/schemas/ProblemFieldError"},
        "description": "The fields at fault (validation problems)",
    },
    "dossier_code": {
        "type": "string",
        "description": "The dossier concerned (the existing one for a duplicate or a replayed key)",
    },
    "missing": {
        "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}],
        "description": "What is missing: the document codes, or the apology a late action needs",
    },
    "right": {"type": "string", "description": "The right the request needs"},
    "unit": {"type": "string", "description": "The unit code concerned"},
    "retry_after": {"type": "integer", "description": "Seconds to wait (also Retry-After)"},
    "allowed": {"type": "array", "items": {"type": "string"}, "description": "Allowed values"},
    "allowed_actions": {
        "type": "array",
        "items": {"type": "string"},
        "description": "Actions the dossier's current state allows",
    },
    "current_status": {"type": "integer", "description": "The dossier's national status 1–10"},
    "state": {"type": "string", "description": "The dossier's state"},
    "action": {"type": "string", "description": "The action refused"},
    "reason": {"type": "string", "description": "Why the webhook URL is refused"},
    "due_at": {"type": "string", "format": "date-time", "description": "The due instant"},
    "late_unit": {"type": "string", "description": "The unit at fault for the delay"},
    "appointment_at": {"type": "string", "format": "date-time"},
    "working_hours": {"type": "string", "description": "The unit's working hours"},
    "level": {"type": "string"},
    "hours": {"type": "string"},
    "parent": {"type": "string"},
    "procedure": {"type": "string"},
    "effective_from": {"type": "string", "format": "date"},
    "unknown_codes": {"type": "array", "items": {"type": "string"}},
    "budget_hours": {"type": "number"},
    "limit_hours": {"type": "number"},
    "day": {"type": "string", "format": "date"},
    "province": {"type": ["string", "null"]},
    "username": {"type": "string"},
    "client_id": {"type": "string"},
    "roles": {"type": "array", "items": {"type": "string"}},
    "scopes": {"type": "array", "items": {"type": "string"}},
    "handler": {"type": "string"},
    "officer": {"type": "string"},
    "document": {"type": "string"},
    "step": {"type": "string"},
    "letter_number": {"type": "string"},
    "max_reappointments": {"type": "integer"},
    "reappointment_count": {"type": "integer"},
    "supplement_count": {"type": "integer"},
    "max_rows": {"type": "integer"},
    "max_bytes": {"type": "integer", "description": "The largest size accepted (bytes)"},
    "not_after": {
        "type": "string",
        "format": "date-time",
        "description": "End of the certificate's validity",
    },
    "max_days": {"type": "integer"},
    "period_id": {"type": "integer"},
    "draft_id": {"type": "integer"},
    "draft_status": {"type": "string"},
    "resolved_at": {"type": "string", "format": "date-time"},
    "accepted": {"type": "integer", "description": "Import: lines written"},
    "rejected": {"type": "integer", "description": "Import: lines refused"},
    "lines": {
        "type": "array",
        "items": {"$ref": "#/components/schemas/ImportLineResult"},
        "description": "Import: each line's outcome",
    },
}

PROBLEM_TYPES: tuple[ProblemType, ...] = (
    # Any request.
    _t(
        "internal-error",
        "Internal server error",
        500,
        EVERY,
        about="Unexpected; logged with the request id",
    ),
    _t(
        "database-unavailable",
        "Service unavailable",
        503,
        DATABASE,
        about="The database cannot be reached for a moment: retry after Retry-After",
    ),
    _t(
        "server-shutting-down",
        "Service unavailable",
        503,
        EVERY,
        about="The server is stopping: retry after Retry-After",
    ),
    _t("malformed-json", "Malformed JSON", 400, JSON_BODY, "errors"),
    _t(
        "http-error",
        "HTTP error",
        400,
        FORM_BODY | MULTIPART_BODY,
        about="A form body that cannot be read",
    ),
    _t("body-too-large", "Request body too large", 413, ANY_BODY),
    _t(
        "invalid-input",
        "Invalid input",
        422,
        ANY_INPUT | ACCOUNT_WRITES,
        "errors",
        about="Validation failed (``errors`` names each field; a NUL character in any parameter)",
    ),
    # Authentication and rights.
    _t("unauthenticated", "Authentication required", 401, AUTHENTICATED, about="No bearer token"),
    _t("invalid-token", "Authentication required", 401, AUTHENTICATED),
    _t("token-expired", "Authentication required", 401, AUTHENTICATED),
    _t(
        "token-revoked",
        "Authentication required",
        401,
        AUTHENTICATED,
        about="Ended by a logout or a password change",
    ),
    _t("missing-right", "Forbidden", 403, RIGHTS_CHECKED, "right"),
    _t("outside-unit-scope", "Forbidden", 403, RIGHTS_CHECKED, "right", "unit"),
    _t("invalid-credentials", "Authentication required", 401, ops("issue_token")),
    _t("invalid-client", "Authentication required", 401, ops("issue_token")),
    _t("invalid-request", "Invalid input", 422, ops("issue_token")),
    _t("too-many-login-failures", "Too many requests", 429, ops("issue_token"), "retry_after"),
    _t(
        "too-many-lookups",
        "Too many requests",
        429,
        ops("public_lookup", "public_result*"),
        "retry_after",
    ),
    _t(
        "too-many-signature-checks",
        "Too many requests",
        429,
        ops("verify_signatures"),
        "retry_after",
    ),
    # Catalogue.
    _t(
        "unknown-unit",
        "Not found",
        404,
        UNIT_LOOKUPS | ops("create_user", "update_user", "create_api_client"),
        "unit",
        "unknown_codes",
        also={
            422: INTAKE | ops("list_dossiers", "dossier_transfer", "calendar_due", "create_webhook")
        },
    ),
    _t(
        "unknown-procedure",
        "Not found",
        404,
        ops("get_procedure", "add_version", "on_time_dossiers", "bieu_06_dossiers"),
        "procedure",
        also={422: INTAKE | ops("list_dossiers")},
    ),
    _t("procedure-not-in-force", "Invalid input", 422, INTAKE, "procedure"),
    _t("invalid-time-limit", "Invalid input", 422, PROCEDURE_WRITES | INTAKE | ops("calendar_due")),
    _t(
        "invalid-calendar",
        "Invalid input",
        422,
        INTAKE | DOSSIER_ACTIONS | ops("calendar_due"),
        "unit",
    ),
    _t("invalid-level", "Invalid input", 422, UNIT_WRITES | PROCEDURE_WRITES, "level", "allowed"),
    _t(
        "district-level-abolished",
        "Invalid input",
        422,
        UNIT_WRITES | PROCEDURE_WRITES,
        "level",
        "allowed",
    ),
    _t("invalid-working-hours", "Invalid input", 422, UNIT_WRITES, "hours"),
    _t("unit-cycle", "Invalid input", 422, UNIT_WRITES, "unit", "parent"),
    _t("duplicate-unit", "Conflict", 409, ops("create_unit"), "unit"),
    _t("duplicate-procedure", "Conflict", 409, ops("create_procedure"), "procedure"),
    _t("duplicate-version", "Conflict", 409, PROCEDURE_WRITES, "procedure", "effective_from"),
    _t(
        "step-budget-exceeds-limit",
        "Invalid input",
        422,
        PROCEDURE_WRITES,
        "budget_hours",
        "limit_hours",
    ),
    _t("invalid-start", "Invalid input", 422, ops("calendar_due"), "errors"),
    _t("naive-start", "Invalid input", 422, ops("calendar_due"), "errors"),
    _t("out-of-range", "Invalid input", 422, ops("calendar_due", "calendar_days"), "errors"),
    _t("invalid-calendar-day", "Invalid input", 422, ops("add_calendar_day")),
    _t("outside-calendar-scope", "Forbidden", 403, ops("add_calendar_day"), "right", "province"),
    _t("duplicate-calendar-day", "Conflict", 409, ops("add_calendar_day"), "day", "province"),
    _t(
        "invalid-filter",
        "Invalid input",
        422,
        ops("list_dossiers", "list_units", "index_766_dossiers"),
        "errors",
        "allowed",
    ),
    # Users, API clients, audit.
    _t("unknown-user", "Not found", 404, ops("get_user", "update_user"), "username"),
    _t("unknown-client", "Not found", 404, ops("rotate_secret"), "client_id"),
    _t("duplicate-username", "Conflict", 409, ops("create_user"), "username"),
    _t("duplicate-client-id", "Conflict", 409, ops("create_api_client"), "client_id"),
    _t("unknown-role", "Invalid input", 422, ops("create_user", "update_user"), "roles"),
    _t("unknown-scope", "Invalid input", 422, ops("create_api_client"), "scopes", "allowed"),
    _t("invalid-identifier", "Invalid input", 422, ACCOUNT_WRITES),
    _t("weak-password", "Invalid input", 422, ops("create_user", "update_user")),
    _t("self-lockout", "Rule violation", 409, ops("update_user")),
    _t("invalid-range", "Invalid input", 422, ops("list_audit")),
    # Dossiers: intake and import.
    _t("invalid-idempotency-key", "Invalid input", 422, ops("create_dossier")),
    _t(
        "idempotency-key-reused",
        "Conflict",
        409,
        ops("create_dossier"),
        "dossier_code",
        about="The key was used with another body",
    ),
    _t(
        "duplicate-portal-ref",
        "Conflict",
        409,
        INTAKE,
        "dossier_code",
        about="The portal reference names another dossier of this client",
    ),
    _t("duplicate-code", "Conflict", 409, INTAKE, "dossier_code"),
    _t(
        "concurrent-intake",
        "Conflict",
        409,
        ops("create_dossier"),
        about="The same key is being answered by another request: retry",
    ),
    _t("counter-needs-clerk", "Invalid input", 422, INTAKE),
    _t("invalid-code", "Invalid input", 422, INTAKE),
    _t("missing-documents", "Invalid input", 422, INTAKE, "missing"),
    _t("no-competent-unit", "Invalid input", 422, INTAKE),
    _t("unit-not-competent", "Invalid input", 422, INTAKE, "unit"),
    _t("unknown-document", "Invalid input", 422, INTAKE, "document"),
    _t("submitted-in-future", "Invalid input", 422, INTAKE, "errors"),
    _t("deadline-not-computable", "Invalid input", 422, INTAKE | DOSSIER_ACTIONS),
    _t("empty-import", "Invalid input", 422, ops("import_dossiers")),
    _t("import-too-large", "Invalid input", 422, ops("import_dossiers")),
    _t(
        "import-rejected",
        "Invalid input",
        422,
        ops("import_dossiers"),
        "accepted",
        "rejected",
        "lines",
        "errors",
    ),
    # Dossiers: reading and actions.
    _t("unknown-dossier", "Not found", 404, under("/api/v1/dossiers/{code}")),
    _t(
        "dossier-lookup-failed",
        "Not found",
        404,
        ops("public_lookup", "rate_dossier", "public_result*"),
        about="Unknown code or wrong secret (not told apart)",
    ),
    _t("unknown-action", "Not found", 404, NOWHERE),
    _t(
        "illegal-action",
        "Rule violation",
        409,
        DOSSIER_ACTIONS,
        "action",
        "state",
        "current_status",
        "allowed_actions",
    ),
    _t(
        "concurrent-update",
        "Conflict",
        409,
        DOSSIER_ACTIONS | DOCUMENT_WRITES,
        "dossier_code",
        about="Another action changed the dossier first: read it and retry",
    ),
    _t(
        "apology-required",
        "Rule violation",
        409,
        DOSSIER_ACTIONS,
        "action",
        "dossier_code",
        "due_at",
        "late_unit",
        "missing",
    ),
    _t(
        "supplement-limit",
        "Rule violation",
        409,
        ops("dossier_request_supplement"),
        "supplement_count",
    ),
    _t("no-next-step", "Rule violation", 409, ops("dossier_transfer")),
    _t("step-needs-unit", "Invalid input", 422, DOSSIER_ACTIONS, "step"),
    _t("unknown-handler", "Invalid input", 422, ops("dossier_assign"), "handler"),
    _t("handler-not-in-unit", "Invalid input", 422, ops("dossier_assign"), "handler", "unit"),
    _t("issuing-unit-not-involved", "Invalid input", 422, ops("dossier_apologize"), "unit"),
    _t("not-leader-of-issuing-unit", "Forbidden", 403, ops("dossier_apologize"), "right", "unit"),
    _t(
        "appointment-not-later",
        "Invalid input",
        422,
        ops("dossier_apologize"),
        "appointment_at",
        "due_at",
    ),
    _t("appointment-in-past", "Invalid input", 422, ops("dossier_apologize")),
    _t(
        "appointment-outside-working-hours",
        "Invalid input",
        422,
        ops("dossier_apologize"),
        "working_hours",
    ),
    _t("duplicate-letter-number", "Rule violation", 409, ops("dossier_apologize"), "letter_number"),
    _t("signer-required", "Invalid input", 422, ops("dossier_apologize")),
    _t("signer-mismatch", "Invalid input", 422, ops("dossier_apologize")),
    _t("no-due-instant", "Rule violation", 409, ops("dossier_apologize")),
    _t(
        "reappointment-limit",
        "Rule violation",
        409,
        ops("dossier_apologize"),
        "max_reappointments",
        "reappointment_count",
    ),
    _t("handler-lacks-right", "Invalid input", 422, ops("dossier_assign"), "handler", "unit"),
    _t(
        "unknown-apology-draft",
        "Not found",
        404,
        ops("*_apology_draft"),
        "dossier_code",
        "draft_id",
    ),
    _t("apology-draft-pending", "Rule violation", 409, ops("create_apology_draft"), "dossier_code"),
    _t("apology-draft-decided", "Rule violation", 409, ops("*_apology_draft"), "draft_status"),
    # Documents of dossiers.
    _t("empty-document", "Invalid input", 422, ops("upload_document")),
    _t(
        "document-too-large",
        "Document too large",
        413,
        ops("upload_document"),
        about="Over ONESTOP_DOCUMENT_MAX_BYTES, counted while the file is read",
    ),
    _t(
        "unsupported-document-type",
        "Unsupported document type",
        415,
        ops("upload_document"),
        about="The content (not the name) is not a PDF, JPEG or PNG file",
    ),
    _t("unreadable-pdf", "Invalid input", 422, ops("upload_document")),
    _t("unreadable-image", "Invalid input", 422, ops("upload_document")),
    _t(
        "image-too-large",
        "Invalid input",
        422,
        ops("upload_document"),
        about="More pixels than ONESTOP_DOCUMENT_MAX_PIXELS (checked before decoding)",
    ),
    _t("unknown-component", "Invalid input", 422, DOCUMENT_WRITES, "document", "allowed"),
    _t("citizen-store-portal-only", "Invalid input", 422, ops("upload_document")),
    _t(
        "result-not-allowed",
        "Rule violation",
        409,
        ops("upload_document"),
        "current_status",
        "state",
        about="A result is attached only where the dossier can be finished (status 4 or 6)",
    ),
    _t("dossier-closed", "Rule violation", 409, DOCUMENT_WRITES, "current_status", "state"),
    _t("unknown-reusable-document", "Invalid input", 422, ops("reuse_document"), "document"),
    _t("document-not-found", "Not found", 404, DOCUMENT_READS),
    # Integration.
    _t("unknown-message", "Not found", 404, ops("replay_dead_letter")),
    _t("not-dead-letter", "Rule violation", 409, ops("replay_dead_letter"), "state"),
    _t("invalid-webhook-url", "Invalid input", 422, ops("create_webhook"), "reason"),
    _t(
        "api-client-only",
        "Forbidden",
        403,
        ops("*_webhook", "*_webhook_*", "list_webhooks"),
        about="Webhooks belong to API clients; a user has none",
    ),
    _t("unknown-webhook", "Not found", 404, ops("delete_webhook", "rotate_webhook_secret")),
    # Forms.
    _t("unknown-form", "Not found", 404, ops("dossier_form_pdf")),
    _t("form-not-applicable", "Rule violation", 409, ops("dossier_form_pdf")),
    _t("secret-mismatch", "Invalid input", 422, NOWHERE),
    _t(
        "signing-certificate-expired",
        "Rule violation",
        409,
        FORM_ISSUES,
        "unit",
        "not_after",
        about="The issuing unit's signing certificate is outside its validity period",
    ),
    _t(
        "signing-certificate-not-for-unit",
        "Rule violation",
        409,
        FORM_ISSUES,
        "unit",
        about="The certificate configured for the issuing unit names another holder",
    ),
    _t(
        "signing-unavailable",
        "Service unavailable",
        503,
        FORM_ISSUES,
        "unit",
        about="The issuing unit's signer cannot sign now (key file, token or TSA): retry later",
    ),
    # Signatures.
    _t("empty-upload", "Invalid input", 422, SIGNATURE_CHECKS),
    _t("pdf-too-large", "Request body too large", 413, SIGNATURE_CHECKS, "max_bytes"),
    _t("not-a-pdf", "Invalid input", 422, SIGNATURE_CHECKS),
    _t("unreadable-pdf", "Invalid input", 422, SIGNATURE_CHECKS),
    _t("pdf-not-signed", "Invalid input", 422, SIGNATURE_CHECKS),
    # Reports, periods, tasks, satisfaction.
    _t("invalid-period", "Invalid input", 422, PERIOD_FILTERED),
    _t("period-too-long", "Invalid input", 422, PERIOD_FILTERED, "max_days"),
    _t("unit-required", "Invalid input", 422, PERIOD_FILTERED),
    _t("export-too-large", "Invalid input", 422, WORKLISTS, "max_rows"),
    _t("invalid-as-of", "Invalid input", 422, WORKLISTS | ops("list_tasks"), "errors"),
    _t("unknown-officer", "Invalid input", 422, WORKLISTS, "officer"),
    _t("not-an-officer", "Forbidden", 403, ops("mine"), about="Only officers have a worklist"),
    _t("unknown-period", "Not found", 404, ops("get_period")),
    _t("period-already-closed", "Conflict", 409, ops("close_period"), "period_id"),
    _t("unknown-task", "Not found", 404, ops("resolve_task")),
    _t("task-already-resolved", "Conflict", 409, ops("resolve_task"), "resolved_at"),
    _t("task-already-closed", "Conflict", 409, ops("resolve_task")),
    _t("followup-note-required", "Invalid input", 422, ops("resolve_task")),
    _t("followup-note-too-long", "Invalid input", 422, ops("resolve_task")),
    _t("already-rated", "Conflict", 409, ops("rate_dossier"), "dossier_code"),
    _t("rating-not-ready", "Rule violation", 409, ops("rate_dossier"), "current_status"),
    _t("secret-required", "Invalid input", 422, ops("rate_dossier")),
)

BY_CODE: dict[str, ProblemType] = {t.code: t for t in PROBLEM_TYPES}


def returned_by(op: Operation) -> dict[int, list[ProblemType]]:
    """The problem types ``op`` can answer with, by status."""
    out: dict[int, list[ProblemType]] = {}
    for problem_type in PROBLEM_TYPES:
        for status, where in problem_type.statuses.items():
            if where(op):
                out.setdefault(status, []).append(problem_type)
    return dict(sorted(out.items()))
