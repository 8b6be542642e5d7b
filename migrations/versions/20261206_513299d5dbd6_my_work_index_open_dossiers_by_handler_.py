"""my work index: open dossiers by the officer holding their step, in due order

"Việc của tôi" (``GET /api/v1/worklists/mine``) reads an officer's open dossiers in ``(due_at, id)``
order; without this index it walks the province-wide ``ix_dossier_open_due_at`` filtering on the
handler.

Revision ID: 513299d5dbd6
Revises: 0f4953c39f2e
Create Date: 2026-12-06 06:04:49.403035
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "513299d5dbd6"
down_revision: str | None = "0f4953c39f2e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("ended_at IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_dossier_open_handler_due",
        "dossier",
        ["handler_id", "due_at"],
        unique=False,
        postgresql_where=OPEN,
        sqlite_where=OPEN,
    )


def downgrade() -> None:
    op.drop_index(
        "ix_dossier_open_handler_due",
        table_name="dossier",
        postgresql_where=OPEN,
        sqlite_where=OPEN,
    )
