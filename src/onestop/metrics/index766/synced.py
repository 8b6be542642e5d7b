"""What Decision 766 indicator 1.4 (dossiers synced to the national portal) reads of the outbox.

The outbox belongs to ``onestop.integration``, a layer above metrics, so metrics does not import
its model: it names the table and the columns it reads (``sqlalchemy.table``), a read-only view
of a fact the integration layer writes (a test checks them against the model). A dossier is
synced once a message of the national portal's destination has been delivered for it — a
delivered message still kept, or its row in ``outbox_delivered``, where old delivered messages
are folded before they are removed (``integration.retention``): messages of a dossier go out in
order, so the first one delivered is its record.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, String, column, exists, or_, table

from onestop.metrics.periods import D

#: The national portal's destination name (``integration.dvcqg.destination.NAME``).
DVCQG = "dvcqg"
OUTBOX = table(
    "outbox_message",
    column("destination", String),
    column("dossier_id", BigInteger),
    column("state", String),
)
FOLDED = table(
    "outbox_delivered",
    column("destination", String),
    column("dossier_id", BigInteger),
)


def synced_to_portal() -> Any:
    """The dossier (``periods.D``) has reached the national portal."""
    o, f = OUTBOX.c, FOLDED.c
    kept = exists().where(o.destination == DVCQG, o.dossier_id == D.c.id, o.state == "delivered")
    return or_(kept, exists().where(f.destination == DVCQG, f.dossier_id == D.c.id))
