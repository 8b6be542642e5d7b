"""dossier documents: the files of a dossier's components and its electronic results

One row per document attached to a dossier (``onestop.documents``): the SHA-256 of the stored
object, its size and type, the sanitised file name, who attached it and when, and the flags the
national sync and Decision 766 indicators 4.1–4.3 count (scanned at the counter, reused from an
earlier dossier, taken from the citizen's store, replaces the paper copy).

Revision ID: 6172f5f038fc
Revises: 513299d5dbd6
Create Date: 2026-12-06 06:15:01.871912
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import onestop.core.db

revision: str = "6172f5f038fc"
down_revision: str | None = "513299d5dbd6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "dossier_document",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("dossier_id", BIG_ID, nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("component_code", sa.String(length=60), nullable=False),
        sa.Column("component_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("uploaded_at", onestop.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.String(length=120), nullable=False),
        sa.Column("digitised_at_counter", sa.Boolean(), nullable=False),
        sa.Column("reused_from_dossier_id", BIG_ID, nullable=True),
        sa.Column("from_citizen_store", sa.Boolean(), nullable=False),
        sa.Column("replaces_paper", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossier.id"], name=op.f("fk_dossier_document_dossier_id_dossier")
        ),
        sa.ForeignKeyConstraint(
            ["reused_from_dossier_id"],
            ["dossier.id"],
            name=op.f("fk_dossier_document_reused_from_dossier_id_dossier"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_document")),
        sa.UniqueConstraint(
            "dossier_id",
            "kind",
            "component_code",
            "sha256",
            name=op.f("uq_dossier_document_dossier_id_kind_component_code_sha256"),
        ),
    )
    op.create_index("ix_dossier_document_sha256", "dossier_document", ["sha256"])
    op.create_index("ix_dossier_document_uploaded_at", "dossier_document", ["uploaded_at"])


def downgrade() -> None:
    op.drop_index("ix_dossier_document_uploaded_at", table_name="dossier_document")
    op.drop_index("ix_dossier_document_sha256", table_name="dossier_document")
    op.drop_table("dossier_document")
