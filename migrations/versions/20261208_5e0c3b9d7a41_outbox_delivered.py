"""Old delivered messages can go: what they said is kept per destination and dossier first.

``outbox_delivered`` keeps, per destination and dossier, when a message was first and last
delivered and the last one's ``seq``, for the messages the worker removes once they are old
(``integration.retention``); the messages kept are still read as they are, so it starts empty.
The index of messages by state orders them by ``delivered_at`` within it now, to find the old
ones. On PostgreSQL the statistics of both tables are refreshed sooner than the default (they
fill from empty in minutes, and the delivery is planned from them: with an empty table's
statistics, a lookup of 200 dossiers became a scan of the whole table).

Revision ID: 5e0c3b9d7a41
Revises: 9b1e5c7a2f60
Create Date: 2026-12-06 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import onestop.core.db

revision: str = "5e0c3b9d7a41"
down_revision: str | None = "9b1e5c7a2f60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Tables whose statistics autovacuum refreshes sooner than by default.
OUTBOX_TABLES = ("outbox_message", "outbox_delivered")


def upgrade() -> None:
    op.create_table(
        "outbox_delivered",
        sa.Column("destination", sa.String(length=40), nullable=False),
        sa.Column("dossier_id", sa.BigInteger(), nullable=False),
        sa.Column("first_delivered_at", onestop.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_delivered_at", onestop.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("destination", "dossier_id", name=op.f("pk_outbox_delivered")),
    )
    # By state, then by age: the delivered ones the worker removes, oldest first.
    op.drop_index("ix_outbox_message_state", table_name="outbox_message")
    op.create_index("ix_outbox_message_state", "outbox_message", ["state", "delivered_at"])
    if op.get_bind().dialect.name == "postgresql":
        for table in OUTBOX_TABLES:
            op.execute(
                f"ALTER TABLE {table} SET (autovacuum_analyze_scale_factor = 0.02,"
                " autovacuum_analyze_threshold = 1000, autovacuum_vacuum_scale_factor = 0.05)"
            )
            op.execute(f"ANALYZE {table}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE outbox_message RESET (autovacuum_analyze_scale_factor,"
            " autovacuum_analyze_threshold, autovacuum_vacuum_scale_factor)"
        )
    op.drop_index("ix_outbox_message_state", table_name="outbox_message")
    op.create_index("ix_outbox_message_state", "outbox_message", ["state", "destination"])
    op.drop_table("outbox_delivered")
