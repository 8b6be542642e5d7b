"""webhook subscriptions of API clients (each one a destination of the outbox: webhook:<id>)

Revision ID: 3c96b58c66de
Revises: c3d91e5a7b28
Create Date: 2026-12-06 06:28:10.365492
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import onestop.core.db

revision: str = "3c96b58c66de"
down_revision: str | None = "c3d91e5a7b28"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "webhook_subscription",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("unit_codes", sa.JSON(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("created_at", onestop.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", onestop.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["api_client.id"],
            name=op.f("fk_webhook_subscription_client_id_api_client"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscription")),
    )
    op.create_index("ix_webhook_subscription_client", "webhook_subscription", ["client_id"])


def downgrade() -> None:
    op.drop_index("ix_webhook_subscription_client", table_name="webhook_subscription")
    op.drop_table("webhook_subscription")
