"""The rights a principal may hold, by name. Roles hold sets of them (``principal.ROLE_RIGHTS``);
API clients hold the ones their scopes name. A right is a ``StrEnum``: it compares equal to its
string, which is what tokens and the database carry."""

from __future__ import annotations

from enum import StrEnum


class Right(StrEnum):
    DOSSIER_INTAKE = "dossier:intake"
    DOSSIER_SUBMIT = "dossier:submit"
    DOSSIER_VIEW = "dossier:view"
    DOSSIER_PROCESS = "dossier:process"
    DOSSIER_SIGN = "dossier:sign"
    DOSSIER_OVERRIDE = "dossier:override"
    DOSSIER_IMPORT = "dossier:import"
    PERSONAL_DATA_VIEW = "personal-data:view"
    FORM_PRINT = "form:print"
    REPORT_VIEW = "report:view"
    REPORT_CLOSE = "report:close"
    CATALOG_WRITE = "catalog:write"
    CALENDAR_WRITE = "calendar:write"
    USER_WRITE = "user:write"
    AUDIT_VIEW = "audit:view"
    INTEGRATION_MANAGE = "integration:manage"


#: What each right allows: the OAuth2 scopes of the OpenAPI document (an API client's token
#: carries the scopes it was given; a user's token, the rights of the user's role).
RIGHT_DESCRIPTIONS: dict[str, str] = {
    Right.DOSSIER_INTAKE: "Receive dossiers at the counter",
    Right.DOSSIER_SUBMIT: "Submit dossiers online (portals)",
    Right.DOSSIER_VIEW: "Read and search dossiers in the unit scope",
    Right.DOSSIER_PROCESS: "Act on dossiers: accept, assign, transfer, supplements, finish…",
    Right.DOSSIER_SIGN: "Sign results and apology letters as a leader",
    Right.DOSSIER_OVERRIDE: "Override a rule with a recorded reason",
    Right.DOSSIER_IMPORT: "Import dossier histories (NDJSON)",
    Right.PERSONAL_DATA_VIEW: "See applicants' personal data",
    Right.FORM_PRINT: "Print Forms 01–07",
    Right.REPORT_VIEW: "Read reports and worklists",
    Right.REPORT_CLOSE: "Close reporting periods",
    Right.CATALOG_WRITE: "Change units and procedures",
    Right.CALENDAR_WRITE: "Change the working calendar",
    Right.USER_WRITE: "Manage users and API clients",
    Right.AUDIT_VIEW: "Read the audit log",
    Right.INTEGRATION_MANAGE: "See and replay outgoing messages that failed (national portal sync)",
}
