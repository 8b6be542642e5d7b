"""Synthetic dossiers as NumPy columns (one array per column, index = dossier id - 1).

Instants are UTC ``datetime64[us]`` with NaT for NULL. Every due instant comes from the real
working-time engine in batch (``Calendar.due_at_many``), grouped by time limit:

* ``due_at_original`` = ``due_at_many(received_at, limit)``;
* a supplement pause starts ``h`` working hours after receipt and lasts ``k`` whole working days,
  so the paused due instant is ``due_at_many(received_at, limit + k working days)`` — exactly what
  ``cal.due_at(received_at, limit, pauses=[(start, end)])`` gives (checked in the tests);
* finishing instants are ``received_at`` plus a drawn number of working hours, so dossiers finish
  inside office hours; about 4.5 % overrun their due instant (late).

About 3 % of the dossiers are open at ``now`` (those not finished by then, 40 % of the last
30 days' and 1 % of older, stuck ones); those past their due instant are overdue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from onestop.bench.catalog_gen import Catalog
from onestop.worktime import Calendar, TimeLimit

Arr = npt.NDArray[Any]
Cols = dict[str, Arr]
US = np.timedelta64(1, "us")
HOUR = np.timedelta64(3_600_000_000, "us")
DAY = 24 * HOUR
NAT = np.datetime64("NaT", "us")
LOCAL = 7 * HOUR  # Asia/Ho_Chi_Minh, no daylight saving since 1975

#: Event slots in timeline order: (slot name, event type, from status, to status).
SLOTS: list[tuple[str, str, int | None, int]] = [
    ("submit", "submit", None, 1),
    ("receive", "receive", None, 2),  # "accept" 1 → 2 for online / postal dossiers
    ("refuse", "refuse", 1, 3),
    ("assign", "assign", 2, 4),
    ("supreq", "request-supplement", 4, 5),
    ("suprec", "supplement-received", 5, 4),
    ("apology", "apologize", 4, 4),
    ("finish", "finish", 4, 9),
    ("return", "return", 9, 10),  # 4 → 10 when the dossier went straight to 10
    ("end", "withdraw", 4, 7),  # "stop" 4 → 8
]


def grouped(
    keys: npt.NDArray[Any],
    starts: npt.NDArray[Any],
    due: Callable[[int, npt.NDArray[Any]], npt.NDArray[np.datetime64]],
) -> npt.NDArray[Any]:
    """Apply ``due(key, starts_of_that_key)`` per distinct key (one sort, no per-key masks)."""
    out = np.empty(starts.size, "datetime64[us]")
    if starts.size == 0:
        return out
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    bounds = np.flatnonzero(np.diff(sk)) + 1
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, sk.size], strict=True):
        idx = order[lo:hi]
        out[idx] = due(int(sk[lo]), starts[idx]).astype("datetime64[us]")
    return out


def _hours(
    cal: Calendar,
) -> Callable[[int, npt.NDArray[np.datetime64]], npt.NDArray[np.datetime64]]:
    return lambda h, s: cal.due_at_many(s, TimeLimit(h, "working_hours"))


def working_days(cal: Calendar, start: dt.date, end: dt.date) -> npt.NDArray[np.datetime64]:
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    return np.array([d for d in days if cal.is_working_day(d)], "datetime64[D]")


def generate(
    rng: np.random.Generator,
    cat: Catalog,
    cal: Calendar,
    *,
    n: int,
    start: dt.date,
    end: dt.date,
    now: dt.datetime,
) -> Cols:
    now64 = np.datetime64(now.astimezone(dt.UTC).replace(tzinfo=None), "us")
    wd = working_days(cal, start, end)
    # Receipt: a working day, a moment inside the office hours (07:00–11:30, 13:30–17:00).
    secs = rng.integers(0, 8 * 3600, n)
    tod = np.where(secs < 16200, 7 * 3600 + secs, 13 * 3600 + 1800 + secs - 16200)
    local = wd[rng.integers(0, wd.size, n)].astype("datetime64[us]") + tod * np.int64(1_000_000)
    received: npt.NDArray[Any] = np.sort(local - LOCAL)
    received = np.minimum(received, now64 - np.timedelta64(60_000_000, "us"))

    proc = rng.choice(cat.proc_weight.size, n, p=cat.proc_weight).astype(np.int32)
    rday = (received + LOCAL).astype("datetime64[D]")
    v2 = cat.proc_v2[proc]
    version = np.where((v2 > 0) & (rday >= cat.proc_v2_from[proc]), v2, cat.proc_v1[proc])
    li = cat.version_limit[version - 1].astype(np.int64)
    commune = cat.proc_is_commune[proc]
    cu_commune = rng.choice(cat.commune_ids, n, p=cat.commune_weight)
    competent = np.where(commune, cu_commune, cat.proc_department[proc]).astype(np.int32)
    receiving = np.where(commune, competent, 2).astype(np.int32)
    r = rng.random(n)
    channel = np.where(r < 0.62, 0, np.where(r < 0.98, 1, 2)).astype(np.int16)

    limits = cat.limits
    due_orig = grouped(li, received, lambda k, s: cal.due_at_many(s, limits[k]))
    unit = np.array([lim.unit for lim in limits])[li]
    wt = (unit == "working_days") | (unit == "working_hours")
    lh = np.array([round(lim.working_us / 3_600_000_000) for lim in limits], np.int64)[li]

    # Supplement pauses (working-time limits only).
    sup = wt & (rng.random(n) < 0.03)
    h1 = 1 + (rng.random(n) * np.maximum(1, np.minimum(8, lh) - 1)).astype(np.int64)
    k = rng.integers(1, 6, n).astype(np.int64)
    p_start = np.full(n, NAT)
    p_end = np.full(n, NAT)
    due = due_orig.copy()
    i = np.flatnonzero(sup)
    p_start[i] = grouped(h1[i], received[i], _hours(cal))
    p_end[i] = grouped(
        k[i], p_start[i], lambda d, s: cal.due_at_many(s, TimeLimit(d, "working_days"))
    )
    due[i] = grouped(lh[i] + 8 * k[i], received[i], _hours(cal))
    extra = np.where(sup, 8 * k, 0)

    # Finish: a share of the limit in working hours (4.5 % beyond it: late).
    late_draw = rng.random(n) < 0.045
    f = np.where(late_draw, rng.uniform(1.02, 1.6, n), rng.uniform(0.15, 1.0, n))
    fh = np.where(
        late_draw, lh + np.maximum(1, np.rint((f - 1) * lh)), np.maximum(1, np.rint(f * lh))
    ).astype(np.int64)
    finished: npt.NDArray[Any] = np.full(n, NAT)
    i = np.flatnonzero(wt)
    finished[i] = grouped(fh[i] + extra[i], received[i], _hours(cal))
    i = np.flatnonzero(~wt)
    span = (due[i] - received[i]).astype(np.int64)
    finished[i] = received[i] + (f[i] * span).astype(np.int64) * US

    # Online / postal: submitted before receipt; accept within 8 working hours.
    online = channel > 0
    submitted = received.copy()
    i = np.flatnonzero(online)
    submitted[i] = (
        received[i] - (rng.uniform(0.2, 30, i.size) * 3_600_000_000).astype(np.int64) * US
    )
    accept_due = np.full(n, NAT)
    accept_due[i] = cal.due_at_many(submitted[i], TimeLimit(8, "working_hours"))

    # Who is still open at now.
    age = now64 - received
    is_open = (rng.random(n) < np.where(age < 30 * DAY, 0.4, 0.01)) | (finished > now64)
    r = rng.random(n)
    refused = ~is_open & online & (r < 0.004)
    ended_other = ~is_open & ~refused & (r >= 0.004) & (r < 0.010)
    stopped = ended_other & (r >= 0.008)
    is_fin = ~is_open & ~refused & ~ended_other
    sup &= ~(refused | ended_other) & (p_start < now64)
    awaiting = sup & is_open & (p_end > now64)
    p_start[~sup] = NAT
    p_end[~sup | awaiting] = NAT
    due = np.where(sup & ~awaiting, due, due_orig)
    sup_count = sup.astype(np.int16)

    ended = np.full(n, NAT)
    i = np.flatnonzero(ended_other)
    ended[i] = (
        received[i]
        + ((due[i] - received[i]).astype(np.int64) * f[i].clip(0.1, 0.9)).astype(np.int64) * US
    )
    ended = np.minimum(ended, now64 - 60_000_000 * US)
    i = np.flatnonzero(refused)
    ended[i] = submitted[i] + 2 * HOUR
    finished = np.where(is_fin, finished, NAT)
    ended = np.where(is_fin, finished, ended)
    jump = is_fin & (rng.random(n) < 0.7)
    returned = np.where(
        jump, finished, finished + (rng.random(n) * 3 * 86_400_000_000).astype(np.int64) * US
    )
    returned = np.where(is_fin & (returned <= now64), returned, NAT)
    status = np.select(
        [refused, ended_other & ~stopped, stopped, is_fin & ~np.isnat(returned), is_fin, awaiting],
        [3, 7, 8, 10, 9, 5],
        default=4,
    ).astype(np.int16)
    status[is_open & ~sup & (rng.random(n) < 0.15)] = 2
    received = np.where(refused, NAT, received)
    for a in (due_orig, due, accept_due):
        a[refused] = NAT
    accept_due[~online] = NAT

    # Timing at finish: late past due; early before 07:00 of due_at's local day.
    due_day_start: npt.NDArray[Any] = (due + LOCAL).astype("datetime64[D]").astype(
        "datetime64[us]"
    ) - LOCAL
    timing = np.full(n, 2, np.int16)  # on time
    timing[finished < due_day_start + 7 * HOUR] = 1  # early
    timing[finished > due] = 3  # late
    timing[~is_fin] = 0

    # Apologies: 60 % of the late ones (finished late, or open past due).
    overdue_open = is_open & (status != 5) & (due < now64)
    apology = ((is_fin & (timing == 3)) | overdue_open) & (rng.random(n) < 0.6)
    ap_at = received + ((due - received).astype(np.int64) * 0.7).astype(np.int64) * US
    ap_at = np.where(np.isnat(p_end), ap_at, np.maximum(ap_at, p_end + 60_000_000 * US))
    ap_at = np.where(apology, ap_at, NAT)
    appointment = due.copy()
    i = np.flatnonzero(apology)
    appointment[i] = cal.due_at_many(due[i], TimeLimit(5, "working_days"))

    # Ratings of finished dossiers: 35 % rated; 1 rất hài lòng, 2 hài lòng, 3 không hài lòng.
    r = rng.random(n)
    rating = np.where(is_fin & (r < 0.35), np.where(r < 0.217, 1, np.where(r < 0.343, 2, 3)), 0)
    rating_at = np.where(np.isnat(returned), finished, returned) + 2 * HOUR
    rating_at = np.where(rating > 0, np.minimum(rating_at, now64), NAT)

    # Event timeline (sequence number per slot, 0 = absent).
    recv = ~refused
    present = np.stack(
        [
            online,
            recv,
            refused,
            recv & (status != 2),
            sup,
            sup & ~awaiting,
            apology,
            is_fin & ~jump,
            ~np.isnat(returned) | (is_fin & jump),
            ended_other,
        ],
        axis=1,
    )
    seq = (np.cumsum(present, axis=1) * present).astype(np.int16)

    cols: Cols = {
        "id": np.arange(1, n + 1, dtype=np.int64),
        "procedure_id": (proc + 1).astype(np.int32),
        "version_id": version.astype(np.int32),
        "competent_unit_id": competent,
        "receiving_unit_id": receiving,
        "channel": channel,
        "status": status,
        "submitted_at": submitted,
        "received_at": received,
        "accept_due_at": accept_due,
        "due_at_original": due_orig,
        "due_at": due,
        "appointment_at": appointment,
        "finished_at": finished,
        "returned_at": returned,
        "ended_at": ended,
        "supplement_count": sup_count,
        "awaiting": awaiting,
        "timing": timing,
        "jump": jump,
        "pause_start": p_start,
        "pause_end": p_end,
        "apology_at": ap_at,
        "rating": rating.astype(np.int16),
        "rating_at": rating_at,
        "budget": cat.version_budget[version - 1],
        "event_count": seq.max(axis=1).astype(np.int16),
    }
    for j, (slot, *_rest) in enumerate(SLOTS):
        cols[f"e_{slot}"] = np.ascontiguousarray(seq[:, j])
    return cols
