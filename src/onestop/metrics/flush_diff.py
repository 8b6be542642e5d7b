"""Old and new values of a ``Dossier`` row inside a ``before_flush`` hook (the rollups diff each
row's contribution before and after the flush), and where a stored rollup table and its
recomputation disagree."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.base import NEVER_SET, NO_VALUE

from onestop.dossiers.models import Dossier

D = Dossier.__table__


def current(obj: Dossier, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in fields}


def previous(session: Session, obj: Dossier, fields: tuple[str, ...]) -> dict[str, Any] | None:
    """The row as the database still has it (before this flush); None if no relevant change."""
    state = inspect(obj)
    changed = False
    old: dict[str, Any] = {}
    unknown = False
    for name in fields:
        hist = state.attrs[name].history
        if hist.added or hist.deleted:
            changed = True
            if hist.deleted:
                old[name] = hist.deleted[0]
            else:
                committed = state.committed_state.get(name, NO_VALUE)
                if committed in (NO_VALUE, NEVER_SET):
                    unknown = True
                else:
                    old[name] = committed
        else:
            old[name] = hist.unchanged[0] if hist.unchanged else getattr(obj, name)
    if not changed:
        return None
    if unknown:  # an attribute was set without its old value loaded: read it
        row = (
            session.connection()
            .execute(select(*(D.c[n] for n in fields)).where(D.c.id == obj.id))
            .mappings()
            .first()
        )
        return dict(row) if row is not None else {n: None for n in fields}
    return old


def disagreements(
    want: dict[Any, Any], have: dict[Any, Any], zero: Any
) -> dict[Any, tuple[Any, Any]]:
    """The keys where a rollup table as stored (``have``) and as recomputed (``want``) differ,
    with both values; a key missing on one side counts as ``zero``."""
    return {
        k: (have.get(k, zero), want.get(k, zero))
        for k in set(want) | set(have)
        if have.get(k, zero) != want.get(k, zero)
    }
