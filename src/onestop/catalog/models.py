"""Catalog tables: units, procedures (thủ tục hành chính) with dated versions and step budgets,
and the calendar days an administrator confirmed or added on top of the bundled calendar."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onestop.core.db import Base, UTCDateTime

DEFAULT_HOURS = "07:00-11:30,13:30-17:00"


#: The on-time rate a unit is held to unless an administrator sets its own (provinces publish
#: "99,7 % on time").
DEFAULT_ON_TIME_TARGET = Decimal("99.70")


class Unit(Base):
    """An agency or a one-stop counter. ``path`` (``/1/4/17/``) makes subtree queries a prefix
    match."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    level: Mapped[str] = mapped_column(
        String(20)
    )  # ministry | province | department | commune | centre
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    path: Mapped[str] = mapped_column(String(400), index=True)
    province: Mapped[str | None] = mapped_column(String(20))
    hours: Mapped[str] = mapped_column(String(60), default=DEFAULT_HOURS)
    has_counter: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[str | None] = mapped_column(String(400))
    #: The unit's public telephone line (đường dây nóng), shown to citizens with its address.
    hotline: Mapped[str | None] = mapped_column(String(40))
    #: Working days before due_at that make an open dossier "due soon" (configurable per unit).
    due_soon_days: Mapped[Decimal] = mapped_column(Numeric(4, 1), default=Decimal("1"))
    #: On-time target in percent, e.g. 99.70.
    on_time_target: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=DEFAULT_ON_TIME_TARGET)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    parent: Mapped[Unit | None] = relationship(remote_side=[id], lazy="raise")


class ProcedureUnit(Base):
    """A unit competent to resolve a procedure."""

    __tablename__ = "procedure_unit"

    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True, index=True)


class Procedure(Base):
    __tablename__ = "procedure"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # national code, e.g. 1.005129
    name: Mapped[str] = mapped_column(Text)
    field: Mapped[str] = mapped_column(String(255))  # lĩnh vực
    field_code: Mapped[str | None] = mapped_column(String(40))
    level: Mapped[str | None] = mapped_column(String(20))  # province | commune | ministry
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    versions: Mapped[list[ProcedureVersion]] = relationship(
        back_populates="procedure", order_by="ProcedureVersion.effective_from", lazy="raise"
    )


class ProcedureVersion(Base):
    """The rules of a procedure from ``effective_from`` on. A dossier pins the version in force at
    receipt, so a later change of time limit never moves an existing promise."""

    __tablename__ = "procedure_version"
    __table_args__ = (UniqueConstraint("procedure_id", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"), index=True)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    limit_amount: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    limit_unit: Mapped[str] = mapped_column(
        String(20)
    )  # working_days|working_hours|calendar_days|same_day
    same_day_cutoff: Mapped[dt.time | None] = mapped_column(Time)
    supplement_policy: Mapped[str] = mapped_column(String(10), default="pause")  # pause | restart
    max_reappointments: Mapped[int] = mapped_column(Integer, default=1)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    #: [{"code", "name", "copy_type": original|copy|electronic, "quantity", "required"}]
    documents: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: [{"code", "name", "amount"}] amounts in VND
    fees: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    procedure: Mapped[Procedure] = relationship(back_populates="versions", lazy="raise")
    steps: Mapped[list[ProcedureStep]] = relationship(
        order_by="ProcedureStep.seq", lazy="raise", cascade="all, delete-orphan"
    )


class ProcedureStep(Base):
    """One step of the internal procedure (quy trình nội bộ) with its time budget."""

    __tablename__ = "procedure_step"
    __table_args__ = (UniqueConstraint("version_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("procedure_version.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    #: reception | competent | coordinating | return: who performs it when no unit is fixed
    role: Mapped[str] = mapped_column(String(20), default="competent")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    budget_hours: Mapped[Decimal] = mapped_column(Numeric(8, 2))  # working hours


class CalendarDay(Base):
    """A day confirmed or added by an administrator, layered over the bundled calendar data."""

    __tablename__ = "calendar_day"
    __table_args__ = (
        UniqueConstraint("day", "province"),
        Index("ix_calendar_day_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(Text)
    province: Mapped[str | None] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
