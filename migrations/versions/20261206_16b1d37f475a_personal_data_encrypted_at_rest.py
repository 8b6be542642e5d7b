"""Personal data encrypted at rest: the applicant's ID number, phone, e-mail and address become
AES-GCM ciphertext (core.crypto), and ID numbers get a keyed hash to be found by.

Existing rows are encrypted here, in batches, with the keys of the settings this migration runs
under (``ONESTOP_DATA_KEYS``, else derived from ``ONESTOP_SECRET_KEY``): run it with the
application's own settings. Downgrade decrypts them again.

Revision ID: 16b1d37f475a
Revises: ef8083fdaf11
Create Date: 2026-12-06 02:42:13.369429
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from onestop.core import crypto
from onestop.core.settings import get_settings

revision: str = "16b1d37f475a"
down_revision: str | None = "ef8083fdaf11"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = {
    "applicant_id_number": 40,
    "applicant_phone": 40,
    "applicant_email": 255,
    "applicant_address": 400,
}
BATCH = 2000


def upgrade() -> None:
    op.add_column("dossier", sa.Column("applicant_id_hash", sa.String(length=64), nullable=True))
    with op.batch_alter_table("dossier") as batch:  # SQLite: the table is rebuilt
        for name, length in COLUMNS.items():
            batch.alter_column(
                name,
                existing_type=sa.VARCHAR(length=length),
                type_=sa.Text(),
                existing_nullable=True,
            )
    op.create_index(
        op.f("ix_dossier_applicant_id_hash"), "dossier", ["applicant_id_hash"], unique=False
    )
    ring = crypto.keyring_for(get_settings())

    def encrypt(row: sa.Row[tuple[object, ...]]) -> dict[str, object]:
        id_number = None if row[1] is None else ring.decrypt(str(row[1]), "applicant_id_number")
        values: dict[str, object] = {"id": row.id, "applicant_id_hash": ring.id_hash(id_number)}
        for i, name in enumerate(COLUMNS, start=1):
            value = row[i]
            if value is not None and not crypto.is_encrypted(str(value)):
                value = ring.encrypt(str(value), name)
            values[name] = value
        return values

    _rewrite(encrypt, with_hash=True)


def downgrade() -> None:
    ring = crypto.keyring_for(get_settings())

    def decrypt(row: sa.Row[tuple[object, ...]]) -> dict[str, object]:
        values: dict[str, object] = {"id": row.id}
        for i, name in enumerate(COLUMNS, start=1):
            values[name] = None if row[i] is None else ring.decrypt(str(row[i]), name)
        return values

    _rewrite(decrypt, with_hash=False)
    op.drop_index(op.f("ix_dossier_applicant_id_hash"), table_name="dossier")
    with op.batch_alter_table("dossier") as batch:
        for name, length in COLUMNS.items():
            batch.alter_column(
                name,
                existing_type=sa.Text(),
                type_=sa.VARCHAR(length=length),
                existing_nullable=True,
            )
    op.drop_column("dossier", "applicant_id_hash")


def _rewrite(
    change: Callable[[sa.Row[tuple[object, ...]]], dict[str, object]], *, with_hash: bool
) -> None:
    conn = op.get_bind()
    names = list(COLUMNS)
    read = sa.text(
        f"SELECT id, {', '.join(names)} FROM dossier WHERE id > :after ORDER BY id LIMIT :n"  # noqa: S608
    )
    sets = [f"{n} = :{n}" for n in names] + (
        ["applicant_id_hash = :applicant_id_hash"] if with_hash else []
    )
    write = sa.text(f"UPDATE dossier SET {', '.join(sets)} WHERE id = :id")  # noqa: S608
    after = 0
    while True:
        rows = conn.execute(read, {"after": after, "n": BATCH}).all()
        if not rows:
            return
        conn.execute(write, [change(r) for r in rows])
        after = rows[-1].id
