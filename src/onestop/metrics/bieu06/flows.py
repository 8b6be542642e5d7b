"""What one dossier row adds to the Biểu 06 rollups: dated flows (docs/rules.md §10.3; the
columns are ``bieu06.columns``).

Biểu 06 counts, for a period [S, E) of local midnights, flows inside it and stocks at S and E.
Every stock is a prefix sum of day flows, which is exact because S and E are local midnights:
an instant ``a`` is before the midnight X starting day D exactly when ``day(a) < D``.

* received: +1 ``recv_online`` / ``recv_other`` on the local day of ``received_at``;
* ended (only dossiers that were received): +1 on the local day of ``ended_at`` in
  ``end_other`` (withdrawn 7, stopped 8) or in ``end_<bucket>`` (``rates.bucket_sql``);
* in progress at X ⟺ ``received_at < X ≤ ended_at`` (or still open) = Σ_{day<X} received − ended;
* **overdue while in progress** at X ⟺ X lies in one of the dossier's overdue spells (a, b]
  (b = ``ended_at`` or open): Σ_{day<X} ``overdue``, with +1 on day(a) and −1 on day(b):

  - counts late (``late_flag`` or more than one supplement request): one spell for its whole
    life, (received_at, ended_at] — it is late "whatever the instants", paused or not;
  - otherwise (at most one pause [p, q), ``pause_started_at`` / ``pause_ended_at``): overdue once
    the due instant as it then stood has passed and the clock is not stopped —
    (max(received_at, due_at_original), min(p, ended_at)] before the pause and
    (max(due_at, q), ended_at] after it (``due_at`` is the due instant recomputed when the pause
    ended, by pause or restart policy; nothing else moves it). While paused: not overdue.

A spell whose two days coincide adds nothing (no midnight lies inside it).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from onestop.core import clock
from onestop.dossiers.states import Channel

#: Dossier attributes a contribution depends on.
FIELDS = (
    "competent_unit_id",
    "receiving_unit_id",
    "procedure_id",
    "channel",
    "status",
    "received_at",
    "ended_at",
    "finished_at",
    "due_at",
    "due_at_original",
    "timing",
    "late_flag",
    "supplement_count",
    "pause_started_at",
    "pause_ended_at",
)
CLOSED_OTHER = (7, 8)

Flow = tuple[dt.date, str]  # local day, measure (bieu06.models.FLOWS)
Spell = tuple[dt.datetime, dt.datetime | None]


def counts_late(v: dict[str, Any]) -> bool:
    return bool(v["late_flag"]) or (v["supplement_count"] or 0) > 1


def end_measure(v: dict[str, Any]) -> str:
    """The ended column of a received dossier (same rule as ``rates.bucket_sql``)."""
    if v["status"] in CLOSED_OTHER:
        return "end_other"
    finished, due = v["finished_at"], v["due_at"]
    if (
        counts_late(v)
        or v["timing"] == "late"
        or (finished is not None and due is not None and finished > due)
    ):
        return "end_late"
    return "end_early" if v["timing"] == "early" else "end_on_time"


def overdue_spells(v: dict[str, Any]) -> list[Spell]:
    """The (a, b] spells in which the dossier was in progress and overdue (b None: still is)."""
    r, e = v["received_at"], v["ended_at"]
    if r is None:
        return []
    if counts_late(v):
        return [(r, e)]
    due0 = v["due_at_original"]
    if due0 is None:
        return []
    p, q = v["pause_started_at"], v["pause_ended_at"]
    first_end = e if p is None or (e is not None and e < p) else p
    spells: list[Spell] = [(max(r, due0), first_end)]
    if p is not None and q is not None and v["due_at"] is not None:
        spells.append((max(v["due_at"], q), e))
    return spells


def contribution(v: dict[str, Any]) -> Counter[Flow]:
    """The row's flows: (local day, measure) → count (the overdue measure may be −1)."""
    out: Counter[Flow] = Counter()
    r = v["received_at"]
    if r is None:
        return out
    received = "recv_online" if v["channel"] == Channel.ONLINE else "recv_other"
    out[(clock.local_date(r), received)] += 1
    if v["ended_at"] is not None:
        out[(clock.local_date(v["ended_at"]), end_measure(v))] += 1
    for a, b in overdue_spells(v):
        da = clock.local_date(a)
        if b is None:
            out[(da, "overdue")] += 1
        elif da < clock.local_date(b):
            out[(da, "overdue")] += 1
            out[(clock.local_date(b), "overdue")] -= 1
    return Counter({k: n for k, n in out.items() if n != 0})
