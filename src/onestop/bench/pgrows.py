"""Events, steps, ratings and the on-time rollups as binary COPY batches, straight from the NumPy
columns (text values are constant inside each batch, see ``pgcopy``)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from onestop.bench import pgcopy as pc
from onestop.bench.dossier_gen import LOCAL, SLOTS, Cols
from onestop.bench.sql import EVENT_STRIDE, LEVELS, RATING_CHANNELS

CHUNK = 1_000_000
EVENT_COLUMNS = ["id", "dossier_id", "seq", "type", "at", "recorded_at", "actor", "unit_id",
                 "from_status", "to_status", "payload"]  # fmt: skip
STEP_COLUMNS = ["id", "dossier_id", "seq", "name", "kind", "procedure_step_seq", "unit_id",
                "from_unit_id", "handler_id", "handed_by", "started_at", "budget_hours", "due_at",
                "ended_at", "outcome", "note"]  # fmt: skip
RATING_COLUMNS = ["id", "dossier_id", "unit_id", "procedure_id", "level", "comment", "channel",
                  "given_by", "at"]  # fmt: skip
ROLLUP_COLUMNS = ["early", "on_time", "late"]


def _chunks(idx: npt.NDArray[np.intp]) -> Iterator[npt.NDArray[np.intp]]:
    for lo in range(0, idx.size, CHUNK):
        yield idx[lo : lo + CHUNK]


def events(c: Cols) -> Iterator[bytes]:
    at_of = {
        "submit": c["submitted_at"],
        "receive": c["received_at"],
        "refuse": c["ended_at"],
        "assign": c["received_at"],
        "supreq": c["pause_start"],
        "suprec": c["pause_end"],
        "apology": c["apology_at"],
        "finish": c["finished_at"],
        "return": np.where(np.isnat(c["returned_at"]), c["finished_at"], c["returned_at"]),
        "end": c["ended_at"],
    }
    actor, payload = pc.text("user:bench"), pc.text("{}")
    for slot, typ, frm, to in SLOTS:
        seq = c[f"e_{slot}"]
        present = seq > 0
        variants: list[tuple[npt.NDArray[np.bool_], str, int | None, int]]
        if slot == "receive":
            online = c["channel"] > 0
            variants = [(~online, "receive", None, 2), (online, "accept", 1, 2)]
        elif slot == "return":
            variants = [(c["jump"], typ, 4, to), (~c["jump"], typ, 9, to)]
        elif slot == "end":
            stop = c["status"] == 8
            variants = [(stop, "stop", 4, 8), (~stop, "withdraw", 4, 7)]
        else:
            variants = [(np.ones(present.size, bool), typ, frm, to)]
        unit = (
            c["receiving_unit_id"]
            if slot in ("submit", "receive", "refuse", "return")
            else (c["competent_unit_id"])
        )
        for mask, name, f, t in variants:
            for i in _chunks(np.flatnonzero(present & mask)):
                ids = c["id"][i]
                s = seq[i].astype(np.int32)
                at = at_of[slot][i]
                yield pc.encode(
                    [
                        ids * EVENT_STRIDE + s,
                        ids,
                        s,
                        pc.text(name),
                        at,
                        at,
                        actor,
                        unit[i],
                        pc.int2(f),
                        pc.int2(t),
                        payload,
                    ]
                )


def steps(c: Cols) -> Iterator[bytes]:
    received = ~np.isnat(c["received_at"])
    finished = ~np.isnat(c["finished_at"])
    outcome = np.where(finished, c["timing"], 0)
    open_ = np.isnat(c["ended_at"])
    budgets, b_idx = np.unique(c["budget"], return_inverse=True)
    key = (b_idx.astype(np.int64) * 8 + outcome * 2 + open_)[received]
    rows = np.flatnonzero(received)
    order = np.argsort(key, kind="stable")
    sk = key[order]
    bounds = np.r_[0, np.flatnonzero(np.diff(sk)) + 1, sk.size]
    names = {0: None, 1: "early", 2: "on_time", 3: "late"}
    common = [pc.text("Thẩm định, giải quyết"), pc.text("competent")]
    for lo, hi in itertools.pairwise(bounds):
        k = int(sk[lo])
        b, o, is_open = k // 8, (k % 8) // 2, k % 2
        for i in _chunks(rows[order[lo:hi]]):
            ended: pc.Column = pc.Const(None) if is_open else c["ended_at"][i]
            yield pc.encode(
                [
                    c["id"][i],
                    c["id"][i],
                    pc.int2(1),
                    *common,
                    pc.int2(2),
                    c["competent_unit_id"][i],
                    c["receiving_unit_id"][i],
                    pc.Const(None),
                    pc.text("user:bench"),
                    c["received_at"][i],
                    pc.numeric(Decimal(str(round(float(budgets[b]), 2)))),
                    c["due_at"][i],
                    ended,
                    pc.text(names[o]),
                    pc.Const(None),
                ]
            )


def ratings(c: Cols) -> Iterator[bytes]:
    rated = c["rating"] > 0
    channel = c["id"] % 3
    for level in (1, 2, 3):
        for ch in range(3):
            comment = "Chờ lâu, hướng dẫn chưa rõ" if level == 3 else None
            for i in _chunks(np.flatnonzero(rated & (c["rating"] == level) & (channel == ch))):
                yield pc.encode(
                    [
                        c["id"][i],
                        c["id"][i],
                        c["competent_unit_id"][i],
                        c["procedure_id"][i],
                        pc.text(LEVELS[level]),
                        pc.text(comment),
                        pc.text(RATING_CHANNELS[ch]),
                        pc.text("citizen"),
                        c["rating_at"][i],
                    ]
                )


def rollups(c: Cols) -> dict[str, tuple[list[str], list[Any]]]:
    """The three rollup tables, as ``metrics.ontime.rollup`` defines them: finished dossiers per
    (competent unit, procedure, local day of finished_at) / (unit, day) / (unit, month), counted
    early / on time / late (``rates.bucket``: late if past due, more than one supplement,
    late_flag or timing late; early if timing early)."""
    fin = ~np.isnat(c["finished_at"])
    unit = c["competent_unit_id"][fin].astype(np.int64)
    proc = c["procedure_id"][fin].astype(np.int64)
    day = (c["finished_at"][fin] + LOCAL).astype("datetime64[D]").view(np.int64)
    late = (c["finished_at"][fin] > c["due_at"][fin]) | (c["supplement_count"][fin] > 1)
    late |= c["timing"][fin] == 3
    bucket = np.where(late, 2, np.where(c["timing"][fin] == 1, 0, 1))
    month = (day.astype("datetime64[D]").astype("datetime64[M]")).astype("datetime64[D]")
    out: dict[str, tuple[list[str], list[Any]]] = {}
    for table, keys in (
        ("report_ontime_daily", [("competent_unit_id", unit), ("procedure_id", proc),
                                 ("day", day)]),
        ("report_ontime_unit_daily", [("competent_unit_id", unit), ("day", day)]),
        ("report_ontime_unit_monthly", [("competent_unit_id", unit),
                                        ("month", month.view(np.int64))]),
    ):  # fmt: skip
        combined = np.zeros(unit.size, np.int64)
        for _name, arr in keys:
            combined = combined * 100_000 + arr
        uniq, inv = np.unique(combined, return_inverse=True)
        counts = [np.bincount(inv[bucket == b], minlength=uniq.size).astype(np.int32)
                  for b in range(3)]  # fmt: skip
        first = np.zeros(uniq.size, np.int64)
        first[inv] = np.arange(inv.size)
        cols: list[Any] = []
        for name, arr in keys:
            v = arr[first]
            if name in ("day", "month"):
                cols.append(v.astype("datetime64[D]"))
            else:
                cols.append(v.astype(np.int32))
        out[table] = ([k for k, _ in keys] + ROLLUP_COLUMNS, cols + counts)
    return out
