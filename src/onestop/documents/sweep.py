"""Deleting stored objects that no document row references (``onestop documents sweep``).

An upload stores the object first and then writes its row in one transaction; when that
transaction fails (a refusal after the object was written, a lost connection, a crash) the
object stays behind, referenced by nothing. The sweeper deletes such objects once they are older
than ``min_age`` (an hour by default), so an upload whose row is still being written is never
touched. Storing content that is already there refreshes its age (``LocalStore.put``,
``S3Store.put``), so an orphan adopted again by a new upload is not swept under it.

Objects are checked against the rows in batches, never by loading every hash at once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.documents.models import DossierDocument
from onestop.documents.storage import DocumentStore, StoredObject

MIN_AGE = dt.timedelta(hours=1)
BATCH = 500


@dataclass(frozen=True)
class SweepResult:
    checked: int
    deleted: int
    freed_bytes: int


def _batches(objects: Iterator[StoredObject], size: int) -> Iterator[list[StoredObject]]:
    while batch := list(islice(objects, size)):
        yield batch


async def referenced(session: AsyncSession, keys: list[str]) -> set[str]:
    rows = await session.execute(
        select(DossierDocument.sha256).where(DossierDocument.sha256.in_(keys)).distinct()
    )
    return {r[0] for r in rows}


async def sweep(
    session: AsyncSession,
    store: DocumentStore,
    *,
    now: dt.datetime,
    min_age: dt.timedelta = MIN_AGE,
    dry_run: bool = False,
) -> SweepResult:
    """Delete every object older than ``min_age`` that no row references."""
    cutoff = now - min_age
    objects = await asyncio.to_thread(lambda: list(store.objects()))
    checked = deleted = freed = 0
    for batch in _batches(iter(objects), BATCH):
        checked += len(batch)
        old = [o for o in batch if o.stored_at < cutoff]
        if not old:
            continue
        keep = await referenced(session, [o.key for o in old])
        for obj in old:
            if obj.key in keep:
                continue
            if not dry_run:
                await asyncio.to_thread(store.delete, obj.key)
            deleted += 1
            freed += obj.size
    return SweepResult(checked, deleted, freed)
