"""Drop the notification outbox of apologies.

Applicants hear of a dossier (receipt, supplement, apology, result) from ``integration.notify``,
which reads the dossier event log (the event log is the outbox). The table written by the
``apologize`` action held the recipient in clear and nothing read it; its rows are not carried
over.

Revision ID: 4a4d87d18d17
Revises: 3c96b58c66de
Create Date: 2026-12-06 06:48:26.725564
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import onestop.core.db

revision: str = "4a4d87d18d17"
down_revision: str | None = "3c96b58c66de"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_notification_outbox_pending", table_name="notification_outbox")
    op.drop_index("ix_notification_outbox_dossier_id", table_name="notification_outbox")
    op.drop_table("notification_outbox")


def downgrade() -> None:
    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "dossier_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("recipient", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", onestop.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", onestop.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossier.id"], name=op.f("fk_notification_outbox_dossier_id_dossier")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_outbox")),
    )
    op.create_index(
        "ix_notification_outbox_dossier_id", "notification_outbox", ["dossier_id"], unique=False
    )
    op.create_index(
        "ix_notification_outbox_pending",
        "notification_outbox",
        ["created_at"],
        unique=False,
        postgresql_where=sa.text("sent_at IS NULL"),
        sqlite_where=sa.text("sent_at IS NULL"),
    )
