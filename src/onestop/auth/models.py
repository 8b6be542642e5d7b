"""Accounts (users and API clients), failed-login records and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, column, table
from sqlalchemy.orm import Mapped, mapped_column

from onestop.core.db import Base, UTCDateTime

ROLES = ("clerk", "officer", "leader", "manager", "admin")

#: Read-only view of the catalog's ``unit`` table (id, code, name, path). ``auth`` sits below
#: ``catalog`` in the import layers, so it reads units through this clause instead of importing
#: ``onestop.catalog.models.Unit``.
UNIT = table(
    "unit",
    column("id", Integer),
    column("code", String),
    column("name", String),
    column("path", String),
)


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(255))  # chức danh, printed in signature blocks
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    #: Raised by a logout: part of the credential tag its tokens carry, so it ends them all.
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ApiClient(Base):
    """A system (the online portal, an importer) authenticating with client credentials."""

    __tablename__ = "api_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    secret_hash: Mapped[str] = mapped_column(String(255))
    #: Raised by a logout (``POST /api/v1/auth/logout``), as ``User.token_version``.
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Codes of the units this client may submit to (their subtrees included).
    unit_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class LoginFailure(Base):
    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_subject_at", "subject", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(120))  # "user:<name>" or "ip:<address>"
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """Who did what, including who viewed a dossier's personal data. Append-only."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(120))  # "user:clerk" | "client:portal" | "system"
    action: Mapped[str] = mapped_column(String(80))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(120))
    request_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)
