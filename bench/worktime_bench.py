"""Working-time engine benchmark.

    .venv/bin/python bench/worktime_bench.py [--quick]

Measures, on the national calendar with the default hours:
  * ``cal.due_at`` for one dossier (pure Python): median per-call time over batches of distinct
    dossiers (random receipt instants 2024–2026, limits of 1–30 working days);
  * the same dossiers through a naive day-by-day loop (the anti-pattern), for the ratio;
  * ``cal.due_at_many`` on 1,000,000 starts (NumPy), median of several runs;
  * ``explain`` and ``load_calendar`` (cold) for context.
All methods are cross-checked for equal answers before anything is timed. Prints a Markdown
table ready for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, time as clock, timedelta

import numpy as np

from onestop.worktime import TZ, Calendar, TimeLimit, load_calendar
from onestop.worktime.loader import _build, _bundled, seed_entries

SESSIONS = ((clock(7, 0), clock(11, 30)), (clock(13, 30), clock(17, 0)))
LOCAL = timedelta(hours=7)


def naive_due(
    start: datetime, hours: int, working_days: set[date], weekend_work: set[date]
) -> datetime:
    """Day-by-day walk: the straightforward implementation found in many one-stop systems."""
    local = (start.astimezone(UTC) + LOCAL).replace(tzinfo=None)
    remaining = timedelta(hours=hours)
    day, floor = local.date(), local
    while True:
        if (day.weekday() < 5 and day in working_days) or day in weekend_work:
            for s, e in SESSIONS:
                begin = max(floor, datetime.combine(day, s))
                end = datetime.combine(day, e)
                if begin < end:
                    if remaining <= end - begin:
                        return (begin + remaining - LOCAL).replace(tzinfo=UTC)
                    remaining -= end - begin
        day += timedelta(days=1)
        floor = datetime.combine(day, clock(0))


def day_sets(cal: Calendar) -> tuple[set[date], set[date]]:
    weekdays, weekend = set(), set()
    d = date(2023, 1, 1)
    while d < date(2030, 1, 1):
        if cal.is_working_day(d):
            (weekdays if d.weekday() < 5 else weekend).add(d)
        d += timedelta(days=1)
    return weekdays, weekend


def per_call_median(
    fn: Callable[[datetime, TimeLimit], object], cases: list[tuple[datetime, TimeLimit]], batch: int
) -> float:
    """Median over batches of the mean per-call time (seconds); batches amortise timer cost."""
    times = []
    for i in range(0, len(cases) - batch + 1, batch):
        chunk = cases[i : i + batch]
        t0 = time.perf_counter()
        for start, limit in chunk:
            fn(start, limit)
        times.append((time.perf_counter() - t0) / batch)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run)")
    opts = parser.parse_args()
    n_cases = 20_000 if opts.quick else 200_000
    n_batch = 1_000_000
    runs = 3 if opts.quick else 7

    # Cold load: the `holidays` seed, the CSV files and the day table (cached afterwards).
    _build.cache_clear()
    _bundled.cache_clear()
    seed_entries.cache_clear()
    t0 = time.perf_counter()
    cal = load_calendar()
    cold_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(10_000):
        load_calendar()
    warm_load = (time.perf_counter() - t0) / 10_000

    rng = random.Random(20260212)
    base = datetime(2024, 1, 1, tzinfo=UTC)
    span = int(timedelta(days=3 * 365 - 60).total_seconds())
    limits = {n: TimeLimit(n, "working_days") for n in range(1, 31)}
    cases = [
        (
            base + timedelta(seconds=rng.randrange(span), microseconds=rng.randrange(10**6)),
            limits[rng.randint(1, 30)],
        )
        for _ in range(n_cases)
    ]

    weekdays, weekend = day_sets(cal)
    for start, limit in cases[:20_000]:  # cross-check before timing
        hours = int(limit.amount) * 8
        assert cal.due_at(start, limit) == naive_due(start, hours, weekdays, weekend), (
            start,
            limit,
        )
        assert cal.explain(start, limit).due_at == cal.due_at(start, limit)

    due_at = cal.due_at
    fast = per_call_median(due_at, cases, 1000)
    naive = per_call_median(
        lambda s, lim: naive_due(s, int(lim.amount) * 8, weekdays, weekend),
        cases[: n_cases // 10],
        200,
    )
    explain = per_call_median(cal.explain, cases[:5_000], 100)
    local_cases = [(s.astimezone(TZ), lim) for s, lim in cases]
    fast_local = per_call_median(due_at, local_cases, 1000)

    # Batch: one million starts, one limit per call (as a report recomputing a procedure's dues).
    nrng = np.random.default_rng(20260212)
    starts = np.datetime64("2024-01-01T00:00:00", "us") + nrng.integers(
        0, span * 10**6, n_batch
    ).astype("timedelta64[us]")
    five = TimeLimit(5, "working_days")
    out = cal.due_at_many(starts, five)
    for i in range(0, n_batch, n_batch // 2000):
        s = starts[i].astype(datetime).replace(tzinfo=UTC)
        assert out[i].astype(datetime).replace(tzinfo=UTC) == due_at(s, five).replace(microsecond=0)
    batch: dict[str, float] = {}
    for label, limit in (
        ("5 working_days", five),
        ("4 working_hours", TimeLimit(4, "working_hours")),
        ("30 calendar_days", TimeLimit(30, "calendar_days")),
        ("same_day", TimeLimit(1, "same_day")),
    ):
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            cal.due_at_many(starts, limit)
            samples.append(time.perf_counter() - t0)
        batch[label] = statistics.median(samples)
    seq = [s for s, _ in cases[:100_000]]
    t0 = time.perf_counter()
    cal.due_at_many(seq, five)
    seq_time = time.perf_counter() - t0

    with open("/proc/cpuinfo", encoding="utf-8") as info:
        models = [line.split(":", 1)[1].strip() for line in info if line.startswith("model name")]
    cpu = models[0] if models else platform.processor()
    command = f".venv/bin/python bench/worktime_bench.py{' --quick' if opts.quick else ''}"
    print("## Working-time engine")
    print()
    print(f"- Date: {time.strftime('%Y-%m-%d')}")
    print(f"- Machine: {os.cpu_count()} vCPU ({cpu}), {platform.system()} {platform.release()}")
    print(f"- Python {platform.python_version()}, NumPy {np.__version__}")
    print(f"- Calendar: national, default hours, fingerprint {cal.fingerprint}")
    print(f"- Command: `{command}`")
    print(
        f"- Single dossier: {n_cases:,} distinct (start, N ∈ 1–30 working days) pairs in "
        "2024–2026, aware starts with µs; median over batches of 1,000 of the mean per-call "
        "time. due_at, explain and the naive loop cross-checked equal on 20,000 cases; "
        "due_at_many against due_at on 2,000 of its starts."
    )
    print()
    rows = [
        ("measurement", "result", "target"),
        ("---", "---", "---"),
        ("`cal.due_at`, one dossier, median (UTC starts)", f"**{fast * 1e6:.2f} µs**", "≤ 3 µs"),
        (
            "`cal.due_at`, one dossier, median (+07:00 starts)",
            f"{fast_local * 1e6:.2f} µs",
            "≤ 3 µs",
        ),
        ("naive day-by-day loop, same dossiers", f"{naive * 1e6:.2f} µs", "anti-pattern"),
        ("ratio naive / `cal.due_at`", f"{naive / fast:.1f}×", ""),
    ]
    for label, secs in batch.items():
        rate = f"{n_batch / secs / 1e6:.0f} M/s"
        rows.append(
            (
                f"`cal.due_at_many`, 1,000,000 starts, {label} (median of {runs})",
                f"**{secs * 1e3:.1f} ms** ({rate})",
                "≤ 200 ms",
            )
        )
    rows += [
        ("`cal.due_at_many` from 100,000 Python datetimes", f"{seq_time * 1e3:.1f} ms", ""),
        ("`cal.explain`, one dossier, median", f"{explain * 1e6:.1f} µs", ""),
        ("`load_calendar()` cold (seed 2000–2060, CSV, table)", f"{cold_load * 1e3:.0f} ms", ""),
        ("`load_calendar()` cached (mean of 10,000)", f"{warm_load * 1e6:.2f} µs", ""),
    ]
    for row in rows:
        print("| " + " | ".join(row) + " |")
    ok = fast <= 3e-6 and batch["5 working_days"] <= 0.2
    print()
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
