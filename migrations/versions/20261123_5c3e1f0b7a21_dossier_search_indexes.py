"""dossier search indexes (PostgreSQL): code prefixes and trigrams of applicant names

Revision ID: 5c3e1f0b7a21
Revises: a41949ef6ced
Create Date: 2026-11-23 07:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5c3e1f0b7a21"
down_revision: str | None = "a41949ef6ced"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return  # SQLite searches by scanning: these are PostgreSQL index methods
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_dossier_code_pattern",
        "dossier",
        ["code"],
        postgresql_ops={"code": "varchar_pattern_ops"},
    )
    op.create_index(
        "ix_dossier_applicant_trgm",
        "dossier",
        ["applicant_search"],
        postgresql_using="gin",
        postgresql_ops={"applicant_search": "gin_trgm_ops"},
    )


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.drop_index("ix_dossier_applicant_trgm", table_name="dossier")
    op.drop_index("ix_dossier_code_pattern", table_name="dossier")
