"""Ratings per unit, local month and level.

The satisfaction report and the 766 indicators read whole months from these sums
(``metrics.satisfaction.rollup``); the ratings already recorded are summed into it here.

Revision ID: 9b1e5c7a2f60
Revises: 4a4d87d18d17
Create Date: 2026-12-06 09:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9b1e5c7a2f60"
down_revision: str | None = "4a4d87d18d17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The local month of a rating, per dialect (Viet Nam: UTC+7, no daylight saving since 1975).
MONTH = {
    "postgresql": "CAST(date_trunc('month', timezone('Asia/Ho_Chi_Minh', at)) AS DATE)",
    "sqlite": "date(at, '+7 hours', 'start of month')",
}


def upgrade() -> None:
    op.create_table(
        "report_rating_monthly",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_report_rating_monthly_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("unit_id", "month", "level", name=op.f("pk_report_rating_monthly")),
    )
    op.create_index(
        "ix_report_rating_monthly_month",
        "report_rating_monthly",
        ["month", "unit_id"],
        unique=False,
        postgresql_include=["n"],
    )
    month = MONTH[op.get_bind().dialect.name]
    op.execute(  # one of the constant expressions of MONTH
        "INSERT INTO report_rating_monthly (unit_id, month, level, n)"  # noqa: S608
        f" SELECT unit_id, {month}, level, count(*) FROM report_rating"
        f" GROUP BY unit_id, {month}, level"
    )


def downgrade() -> None:
    op.drop_index("ix_report_rating_monthly_month", table_name="report_rating_monthly")
    op.drop_table("report_rating_monthly")
