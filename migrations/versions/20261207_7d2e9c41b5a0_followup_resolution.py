"""follow-up resolution: who recorded the follow-up of a "không hài lòng" rating, and what was done

Revision ID: 7d2e9c41b5a0
Revises: 1c272d96c07b
Create Date: 2026-12-07 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7d2e9c41b5a0"
down_revision: str | None = "1c272d96c07b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("report_followup_task", sa.Column("resolved_by", sa.String(120), nullable=True))
    op.add_column("report_followup_task", sa.Column("resolution", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("report_followup_task") as batch:  # SQLite rebuilds the table
        batch.drop_column("resolution")
        batch.drop_column("resolved_by")
