"""apology drafts: an officer drafts the apology (Form 04), the issuing unit's leader signs or
returns it

Revision ID: f8118f994e84
Revises: 3f6a2b8c1d94
Create Date: 2026-12-07 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import onestop.core.db

revision: str = "f8118f994e84"
down_revision: str | None = "3f6a2b8c1d94"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_table(
        "apology_draft",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("dossier_id", BIG_ID, nullable=False),
        sa.Column("issuing_unit_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("new_appointment_at", onestop.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("drafted_by_user_id", sa.Integer(), nullable=False),
        sa.Column("drafted_at", onestop.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", onestop.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("return_note", sa.Text(), nullable=True),
        sa.Column("apology_id", BIG_ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossier.id"], name=op.f("fk_apology_draft_dossier_id_dossier")
        ),
        sa.ForeignKeyConstraint(
            ["issuing_unit_id"], ["unit.id"], name=op.f("fk_apology_draft_issuing_unit_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["drafted_by_user_id"],
            ["app_user.id"],
            name=op.f("fk_apology_draft_drafted_by_user_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"],
            ["app_user.id"],
            name=op.f("fk_apology_draft_decided_by_user_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["apology_id"],
            ["dossier_apology.id"],
            name=op.f("fk_apology_draft_apology_id_dossier_apology"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apology_draft")),
    )
    op.create_index(
        "uq_apology_draft_pending_dossier",
        "apology_draft",
        ["dossier_id"],
        unique=True,
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    op.create_index(
        "ix_apology_draft_issuing_unit_id_status",
        "apology_draft",
        ["issuing_unit_id", "status"],
    )


def downgrade() -> None:
    op.drop_index("ix_apology_draft_issuing_unit_id_status", table_name="apology_draft")
    op.drop_index("uq_apology_draft_pending_dossier", table_name="apology_draft")
    op.drop_table("apology_draft")
