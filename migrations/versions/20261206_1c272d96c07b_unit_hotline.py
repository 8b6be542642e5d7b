"""unit hotline: the public telephone line citizens are shown with a unit's address

Revision ID: 1c272d96c07b
Revises: 16b1d37f475a
Create Date: 2026-12-06 02:43:01.221585
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1c272d96c07b"
down_revision: str | None = "16b1d37f475a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("unit", sa.Column("hotline", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("unit") as batch:  # SQLite rebuilds the table
        batch.drop_column("hotline")
