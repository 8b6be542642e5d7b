"""The Biểu 06 rollups (``metrics.bieu06.models``) from the NumPy columns, as binary COPY batches:
the same flows as ``metrics.bieu06.flows`` (the tests compare them with
``metrics.rollups.differences``),
counted with one ``np.unique`` per table. Text columns (level group, field) are constant inside a
batch (``pgcopy``), so each table is sent in one batch per (level group, field)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from onestop.bench import pgcopy as pc
from onestop.bench.catalog_gen import Catalog
from onestop.bench.dossier_gen import LOCAL, Cols
from onestop.metrics import level_groups
from onestop.metrics.bieu06.models import FLOWS, STOCKS
from onestop.metrics.bieu06.rollup import STRIPES

Arr = npt.NDArray[Any]
GROUPS = ["", *(g for g, _l, _s in level_groups.LEVEL_GROUPS), level_groups.OTHER_GROUP[0]]
KEYS = ["grain", "unit_id", "stripe", "level_group", "field"]


def _day(at: Arr) -> Arr:
    return (at + LOCAL).astype("datetime64[D]").view(np.int64)


def _later(a: Arr, b: Arr) -> Arr:
    return np.where(a > b, a, b)


def flows(c: Cols) -> tuple[Arr, Arr, Arr, Arr]:
    """(dossier index, local day, measure index in FLOWS, +1/−1) of every flow."""
    idx, day, meas, val = [], [], [], []

    def add(mask: Arr, at: Arr, m: Arr | int, v: int) -> None:
        i = np.flatnonzero(mask)
        idx.append(i)
        day.append(_day(at[i]))
        meas.append(np.broadcast_to(m, mask.shape)[i].astype(np.int8))
        val.append(np.full(i.size, v, np.int8))

    r, e, p, q = c["received_at"], c["ended_at"], c["pause_start"], c["pause_end"]
    recv, ended = ~np.isnat(r), ~np.isnat(r) & ~np.isnat(e)
    add(recv, r, np.where(c["channel"] == 1, 0, 1), 1)
    late = (c["finished_at"] > c["due_at"]) | (c["supplement_count"] > 1) | (c["timing"] == 3)
    bucket = np.where(late, 4, np.where(c["timing"] == 1, 2, 3))
    add(ended, e, np.where(np.isin(c["status"], (7, 8)), 5, bucket), 1)
    counts_late = c["supplement_count"] > 1
    first_end = np.where(np.isnat(p) | (~np.isnat(e) & (e < p)), e, p)
    due0, due = c["due_at_original"], c["due_at"]
    for ok, a, b in (
        (recv & counts_late, r, e),
        (recv & ~counts_late & ~np.isnat(due0), _later(r, due0), first_end),
        (recv & ~counts_late & ~np.isnat(p) & ~np.isnat(q) & ~np.isnat(due), _later(due, q), e),
    ):
        da, db = _day(a), _day(b)
        spans = ok & ~np.isnat(b) & (da < db)
        add(ok & (np.isnat(b) | spans), a, 6, 1)
        add(spans, b, 6, -1)
    return (np.concatenate(idx), np.concatenate(day), np.concatenate(meas), np.concatenate(val))


DAY_BITS = 17  # local days from 1970 up to 2328
FIELD_BITS = 12


def _pack(*parts: Arr) -> Arr:
    """(unit, stripe, level group, field, day) in one int64."""
    unit, stripe, group, fld, day = parts
    key: Arr = ((unit * 32 + stripe) * 8 + group) << FIELD_BITS | fld
    return key << DAY_BITS | day


def _unpack(key: Arr) -> list[Arr]:
    day = key & ((1 << DAY_BITS) - 1)
    rest = key >> DAY_BITS
    fld = rest & ((1 << FIELD_BITS) - 1)
    rest >>= FIELD_BITS
    return [rest // 256, (rest // 8) % 32, rest % 8, fld, day]


def _sum(key: Arr, weights: list[Arr]) -> tuple[Arr, Arr]:
    """Distinct keys and the summed weights (rows × len(weights)), all-zero rows dropped."""
    uniq, inv = np.unique(key, return_inverse=True)
    sums = np.stack([np.bincount(inv, w, uniq.size) for w in weights], axis=1).astype(np.int64)
    keep = sums.any(axis=1)
    return uniq[keep], sums[keep]


def tables(c: Cols, cat: Catalog) -> dict[str, tuple[list[str], list[bytes]]]:
    i, day, meas, val = flows(c)
    unit = c["competent_unit_id"][i].astype(np.int64)
    levels = {int(u[0]): str(u[3]) for u in cat.units}
    top = max(levels) + 1
    group_of = np.zeros(top, np.int64)
    root_of = np.zeros(top, np.int64)
    for u in cat.units:
        group_of[int(u[0])] = GROUPS.index(level_groups.level_group(str(u[3])))
        root_of[int(u[0])] = int(str(u[5]).split("/")[1])
    fields = sorted({str(p[3]) for p in cat.procedures})
    field_of = np.array([fields.index(str(p[3])) for p in cat.procedures], np.int64)
    fld = field_of[c["procedure_id"][i].astype(np.int64) - 1]
    weights = [np.where(meas == m, val, 0).astype(np.float64) for m in range(len(FLOWS))]
    zero = np.zeros(unit.size, np.int64)
    stripe = c["receiving_unit_id"][i].astype(np.int64) % STRIPES  # bieu06_rollup.stripe_of
    keys0, sums0 = _sum(_pack(unit, stripe, zero, fld, day), weights)
    u0, s0, _g, f0, d0 = _unpack(keys0)
    # Grain 1 from the grain-0 rows (fewer than the flows).
    per_col = [sums0[:, j].astype(np.float64) for j in range(len(FLOWS))]
    keys1, sums1 = _sum(_pack(root_of[u0], s0, group_of[u0], f0, d0), per_col)
    daily, monthly, total = [], [], []
    for grain, keys, sums in ((0, keys0, sums0), (1, keys1, sums1)):
        daily.append((grain, keys, sums))
        parts = _unpack(keys)
        month = parts[4].astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]")
        cols = [sums[:, j].astype(np.float64) for j in range(len(FLOWS))]
        monthly.append((grain, *_sum(_pack(*parts[:4], month.view(np.int64)), cols)))
        opened = sums[:, 0] + sums[:, 1] - sums[:, 2:6].sum(axis=1)
        stocks = [opened.astype(np.float64), sums[:, 6].astype(np.float64)]
        total.append((grain, *_sum(_pack(*parts[:4], parts[4] * 0), stocks)))
    return {
        "report_b06_daily": ([*KEYS, "day", *FLOWS], list(_batches(daily, fields, True))),
        "report_b06_monthly": ([*KEYS, "month", *FLOWS], list(_batches(monthly, fields, True))),
        "report_b06_total": ([*KEYS, *STOCKS], list(_batches(total, fields, False))),
    }


def _batches(parts: list[tuple[int, Arr, Arr]], fields: list[str], dated: bool) -> Iterator[bytes]:
    for grain, packed, sums in parts:
        unit, stripe, group, fld, day = _unpack(packed)
        combo = group * len(fields) + fld
        order = np.argsort(combo, kind="stable")
        combo, unit, stripe, day = combo[order], unit[order], stripe[order], day[order]
        sums = sums[order].astype(np.int32)
        bounds = np.r_[0, np.flatnonzero(np.diff(combo)) + 1, combo.size]
        unit32, stripe16 = unit.astype(np.int32), stripe.astype(np.int16)
        days = day.astype("datetime64[D]")
        for lo, hi in itertools.pairwise(bounds.tolist()):
            k = int(combo[lo])
            cols: list[pc.Column] = [
                np.full(hi - lo, grain, np.int16),
                unit32[lo:hi],
                stripe16[lo:hi],
                pc.text(GROUPS[k // len(fields)]),
                pc.text(fields[k % len(fields)]),
            ]
            if dated:
                cols.append(days[lo:hi])
            cols += [np.ascontiguousarray(sums[lo:hi, j]) for j in range(sums.shape[1])]
            yield pc.encode(cols)
