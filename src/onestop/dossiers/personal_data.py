"""Key rotation for the applicant's personal data encrypted at rest (``core.crypto``): every value
not under the current data key — under an older key, or still in clear from a bulk load — is
encrypted again under the current one, and a missing ID-number hash is filled in.

``onestop rotate-key`` runs it in batches, one transaction each, so it can be interrupted and run
again; a row is rewritten only when one of its values needs it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, Text, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.core import crypto
from onestop.core.db import EncryptedText
from onestop.dossiers.models import Dossier

D: Table = Dossier.__table__  # type: ignore[assignment]
ENCRYPTED = [c.name for c in D.columns if isinstance(c.type, EncryptedText)]
BATCH = 2000


def _stale(ring: crypto.Keyring, raw: dict[str, Any]) -> bool:
    values = [raw[name] for name in ENCRYPTED if raw[name] is not None]
    if any(ring.key_of(str(v)) != ring.current for v in values):
        return True
    return raw["applicant_id_number"] is not None and raw["applicant_id_hash"] is None


async def reencrypt(session: AsyncSession, *, batch: int = BATCH) -> int:
    """Bring every dossier's personal data under the current key; commits per batch and returns
    how many dossiers were rewritten."""
    ring = crypto.keyring()
    raw_columns = [type_coerce(D.c[name], Text).label(name) for name in ENCRYPTED]
    read = select(D.c.id, D.c.applicant_id_hash, *raw_columns).order_by(D.c.id).limit(batch)
    after, changed = 0, 0
    while True:
        rows = (await session.execute(read.where(D.c.id > after))).mappings().all()
        if not rows:
            return changed
        for raw in rows:
            if not _stale(ring, dict(raw)):
                continue
            clear = {
                name: None if raw[name] is None else ring.decrypt(str(raw[name]), name)
                for name in ENCRYPTED
            }
            await session.execute(
                update(D)
                .where(D.c.id == raw["id"])
                .values(**clear, applicant_id_hash=ring.id_hash(clear["applicant_id_number"]))
            )
            changed += 1
        await session.commit()
        after = rows[-1]["id"]


def mask_recipient(channel: str, recipient: str) -> str:
    """``an.nguyen@example.vn`` → ``a***@example.vn``; ``0912345678`` → ``******5678``."""
    value = recipient.strip()
    if channel == "email" and "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    keep = 4 if len(value) > 6 else 1
    return "*" * (len(value) - keep) + value[-keep:]
