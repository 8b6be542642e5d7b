"""token version: a logout raises it, ending every token of the account (users and API clients)

Revision ID: 3f6a2b8c1d94
Revises: 7d2e9c41b5a0
Create Date: 2026-12-07 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3f6a2b8c1d94"
down_revision: str | None = "7d2e9c41b5a0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("app_user", "api_client"):
        op.add_column(
            table,
            sa.Column("token_version", sa.Integer(), server_default="0", nullable=False),
        )


def downgrade() -> None:
    for table in ("api_client", "app_user"):
        with op.batch_alter_table(table) as batch:  # SQLite rebuilds the table
            batch.drop_column("token_version")
