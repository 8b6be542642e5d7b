"""Request and response models of onestop.auth (Pydantic v2). Write models reject unknown fields."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from onestop.core.schemas import InputModel, InstantIn

#: Roles as the API spells them (kept in step with onestop.auth.models.ROLES).
Role = Literal["clerk", "officer", "leader", "manager", "admin"]

Username = Annotated[
    str,
    StringConstraints(min_length=3, max_length=80, pattern=r"^[a-z0-9][a-z0-9._-]*$"),
]
ClientId = Annotated[
    str,
    StringConstraints(min_length=3, max_length=80, pattern=r"^[a-z0-9][a-z0-9._-]*$"),
]
Password = Annotated[str, StringConstraints(min_length=10, max_length=256)]
UnitCode = Annotated[str, StringConstraints(min_length=1, max_length=40)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


#: An instant in a query: ISO 8601 with an offset (``2026-03-10T09:00:00+07:00``), within the
#: calendar's years.
IsoInstant = InstantIn


class TokenForm(InputModel):
    """OAuth2 token request (form-encoded). Users: ``grant_type=password`` (the default) with
    ``username`` and ``password``. API clients: ``grant_type=client_credentials`` with
    ``client_id`` and ``client_secret`` here or as HTTP Basic credentials."""

    grant_type: Literal["password", "client_credentials"] = "password"
    username: Annotated[str, StringConstraints(max_length=120)] | None = None
    password: Annotated[str, StringConstraints(max_length=1024)] | None = None
    client_id: Annotated[str, StringConstraints(max_length=120)] | None = None
    client_secret: Annotated[str, StringConstraints(max_length=1024)] | None = None
    scope: Annotated[str, StringConstraints(max_length=1024)] = Field(
        default="", description="Ignored: rights follow the account"
    )


class TokenRead(BaseModel):
    """OAuth2 token response (RFC 6749 §5.1) with who the token speaks for."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105
    expires_in: int = Field(description="Seconds until the token expires")
    scope: str = Field(description="Space-separated rights (users) or scopes (API clients)")
    kind: Literal["user", "client"]
    role: str | None = None
    unit_code: str | None = None
    unit_codes: list[str] = Field(default_factory=list)


class MeRead(BaseModel):
    """The current principal: a user of a unit with a role, or an API client with scopes."""

    kind: Literal["user", "client"]
    username: str | None = None
    client_id: str | None = None
    full_name: str
    title: str | None = None
    role: str | None = None
    unit_code: str | None = None
    unit_name: str | None = None
    rights: list[str]
    scopes: list[str] = Field(default_factory=list)
    unit_codes: list[str] = Field(default_factory=list)


class UserCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    username: Username
    password: Password
    full_name: Name
    title: Name | None = None
    role: Role
    unit_code: UnitCode


class UserUpdate(InputModel):
    """Fields to change; absent fields stay as they are. Only ``title`` may be set to null."""

    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    unit_code: UnitCode | None = None
    full_name: Name | None = None
    title: Name | None = None
    is_active: bool | None = None
    password: Password | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> UserUpdate:
        nulls = [
            name
            for name in self.model_fields_set
            if name != "title" and getattr(self, name) is None
        ]
        if nulls:
            raise ValueError(f"fields cannot be null: {', '.join(sorted(nulls))}")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class UserRead(BaseModel):
    username: str
    full_name: str
    title: str | None
    role: str
    unit_code: str
    unit_name: str
    is_active: bool
    created_at: dt.datetime


class ApiClientCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    client_id: ClientId
    name: Name
    scopes: list[Annotated[str, StringConstraints(max_length=40)]] = Field(
        min_length=1, max_length=20
    )
    unit_codes: list[UnitCode] = Field(min_length=1, max_length=200)


class ApiClientRead(BaseModel):
    client_id: str
    name: str
    scopes: list[str]
    unit_codes: list[str]
    is_active: bool
    created_at: dt.datetime


class ApiClientSecret(BaseModel):
    """Returned once, when the client is created or its secret rotated; only a hash is kept."""

    client: ApiClientRead
    client_secret: str


class AuditRead(BaseModel):
    id: int
    at: dt.datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    request_id: str | None
    detail: dict[str, Any]
    note: str | None
