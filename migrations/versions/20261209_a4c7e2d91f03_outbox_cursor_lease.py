"""The feed position of a destination can be leased: a worker sends the events after it straight
away and writes each message once, with its outcome.

``outbox_cursor.leased_until``: the worker holding the position's lease, until when. Empty for
every destination at first (nobody holds one).

Revision ID: a4c7e2d91f03
Revises: 5e0c3b9d7a41
Create Date: 2026-12-06 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import onestop.core.db

revision: str = "a4c7e2d91f03"
down_revision: str | None = "5e0c3b9d7a41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "outbox_cursor",
        sa.Column("leased_until", onestop.core.db.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("outbox_cursor") as batch:  # SQLite rebuilds the table
        batch.drop_column("leased_until")
