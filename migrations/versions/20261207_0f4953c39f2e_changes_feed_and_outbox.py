"""changes feed and outbox: dossier_event.txid (the writing transaction, feed order), the outgoing
messages and the relay's position per destination

Revision ID: 0f4953c39f2e
Revises: f8118f994e84
Create Date: 2026-12-07 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import onestop.core.db

revision: str = "0f4953c39f2e"
down_revision: str | None = "f8118f994e84"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PENDING = sa.text("state = 'pending'")
#: The default of new rows on PostgreSQL (``dossiers.models.CurrentTxid``); SQLite keeps 0.
PG_TXID = sa.text("(pg_current_xact_id()::text::bigint)")


def upgrade() -> None:
    # Existing rows get 0: they were all committed before the feed existed, so they come first.
    # On PostgreSQL 11+ adding a column with a constant default rewrites nothing.
    op.add_column(
        "dossier_event",
        sa.Column("txid", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("dossier_event", "txid", server_default=PG_TXID)
    op.create_index("ix_dossier_event_txid_id", "dossier_event", ["txid", "id"])

    op.create_table(
        "outbox_message",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("destination", sa.String(length=40), nullable=False),
        sa.Column("dossier_id", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", onestop.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", onestop.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("failing_since", onestop.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", onestop.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", onestop.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint(
            "destination", "event_id", name=op.f("uq_outbox_message_destination_event_id")
        ),
    )
    op.create_index(
        "ix_outbox_message_pending_due",
        "outbox_message",
        ["destination", "next_attempt_at"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    op.create_index(
        "ix_outbox_message_dossier", "outbox_message", ["destination", "dossier_id", "seq"]
    )
    op.create_index("ix_outbox_message_state", "outbox_message", ["state", "destination"])
    op.create_table(
        "outbox_cursor",
        sa.Column("destination", sa.String(length=40), nullable=False),
        sa.Column("after_txid", sa.BigInteger(), nullable=False),
        sa.Column("after_event_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", onestop.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("destination", name=op.f("pk_outbox_cursor")),
    )


def downgrade() -> None:
    op.drop_table("outbox_cursor")
    op.drop_index("ix_outbox_message_state", table_name="outbox_message")
    op.drop_index("ix_outbox_message_dossier", table_name="outbox_message")
    op.drop_index("ix_outbox_message_pending_due", table_name="outbox_message")
    op.drop_table("outbox_message")
    op.drop_index("ix_dossier_event_txid_id", table_name="dossier_event")
    with op.batch_alter_table("dossier_event") as batch:  # SQLite rebuilds the table
        batch.drop_column("txid")
