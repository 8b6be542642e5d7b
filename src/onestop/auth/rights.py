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
