"""Who is acting: a user of a unit with a role, or an API client with scopes. No HTTP here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from onestop.auth.rights import Right
from onestop.core.errors import Forbidden

#: Rights each role holds. API clients hold the rights named in their scopes.
ROLE_RIGHTS: dict[str, frozenset[str]] = {
    "clerk": frozenset(
        {Right.DOSSIER_INTAKE, Right.DOSSIER_VIEW, Right.PERSONAL_DATA_VIEW, Right.FORM_PRINT}
    ),
    "officer": frozenset(
        {
            Right.DOSSIER_VIEW,
            Right.DOSSIER_PROCESS,
            Right.PERSONAL_DATA_VIEW,
            Right.FORM_PRINT,
            Right.REPORT_VIEW,
        }
    ),
    "leader": frozenset(
        {
            Right.DOSSIER_VIEW,
            Right.DOSSIER_PROCESS,
            Right.DOSSIER_SIGN,
            Right.DOSSIER_OVERRIDE,
            Right.PERSONAL_DATA_VIEW,
            Right.FORM_PRINT,
            Right.REPORT_VIEW,
        }
    ),
    "manager": frozenset({Right.DOSSIER_VIEW, Right.REPORT_VIEW, Right.REPORT_CLOSE}),
    "admin": frozenset(
        {
            Right.DOSSIER_VIEW,
            Right.DOSSIER_IMPORT,
            Right.PERSONAL_DATA_VIEW,
            Right.REPORT_VIEW,
            Right.REPORT_CLOSE,
            Right.CATALOG_WRITE,
            Right.CALENDAR_WRITE,
            Right.USER_WRITE,
            Right.AUDIT_VIEW,
            Right.INTEGRATION_MANAGE,
        }
    ),
}

#: Scopes an API client may be granted.
CLIENT_SCOPES = frozenset(
    {Right.DOSSIER_SUBMIT, Right.DOSSIER_VIEW, Right.DOSSIER_IMPORT, Right.REPORT_VIEW}
)


@dataclass(frozen=True)
class Principal:
    kind: Literal["user", "client"]
    id: int
    name: str
    full_name: str
    role: str | None = None
    unit_id: int | None = None
    unit_code: str | None = None
    #: Materialised path of the user's unit (``/1/4/``); scope checks are prefix matches.
    unit_path: str | None = None
    rights: frozenset[str] = field(default_factory=frozenset)
    #: For API clients: unit codes they may submit to (subtrees included).
    unit_codes: tuple[str, ...] = ()
    #: ``credential_tag`` of the current password (client secret): a token carries the tag of the
    #: one it was issued against, so changing it ends the tokens issued before.
    credential: str | None = None

    @property
    def actor(self) -> str:
        return f"{self.kind}:{self.name}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def can(self, right: str) -> bool:
        return right in self.rights

    def require(self, right: str) -> None:
        if right not in self.rights:
            raise Forbidden(
                f"Thiếu quyền '{right}' (missing right '{right}')",
                code="missing-right",
                right=right,
            )

    def sees_subtree(self) -> bool:
        """Managers and admins see their unit and everything below it; others only their unit."""
        return self.role in {"manager", "admin"}

    @property
    def covers_whole_tree(self) -> bool:
        """An admin at a root unit (path ``/<id>/``) administers the whole tree."""
        return (
            self.kind == "user"
            and self.role == "admin"
            and self.unit_path is not None
            and self.unit_path.count("/") <= 2
        )

    def covers_unit_path(self, path: str) -> bool:
        """Whether a unit (by its materialised path) is inside this principal's scope."""
        if self.kind != "user" or self.unit_path is None:
            return False
        if self.covers_whole_tree:
            return True
        if self.sees_subtree():
            return path.startswith(self.unit_path)
        return path == self.unit_path

    def require_unit(self, path: str, unit_code: str) -> None:
        if not self.covers_unit_path(path):
            raise Forbidden(
                f"Đơn vị {unit_code} nằm ngoài phạm vi của tài khoản {self.name}"
                f" (unit {unit_code} is outside the scope of {self.name})",
                code="outside-unit-scope",
                right="unit-scope",
                unit=unit_code,
            )


def rights_for_role(role: str) -> frozenset[str]:
    return ROLE_RIGHTS.get(role, frozenset())
