"""dashboard indexes: the ratings of a period and a subtree's open dossiers read from indexes alone

Revision ID: c3d91e5a7b28
Revises: 6172f5f038fc
Create Date: 2026-12-07 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3d91e5a7b28"
down_revision: str | None = "6172f5f038fc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("ended_at IS NULL")
OPEN_COMPETENT = "ix_dossier_open_competent_due"


def _open_competent(include: list[str] | None) -> None:
    op.drop_index(OPEN_COMPETENT, table_name="dossier", postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index(
        OPEN_COMPETENT,
        "dossier",
        ["competent_unit_id", "due_at"],
        postgresql_where=OPEN,
        sqlite_where=OPEN,
        postgresql_include=include or [],
    )


def upgrade() -> None:
    op.create_index(
        "ix_report_rating_at", "report_rating", ["at"], postgresql_include=["unit_id", "level"]
    )
    _open_competent(["status", "reappointment_count"])


def downgrade() -> None:
    _open_competent(None)
    op.drop_index("ix_report_rating_at", table_name="report_rating")
