"""PostgreSQL binary COPY built with NumPy: one structured array per batch of rows.

A batch has a fixed row layout: array columns (int, float, timestamptz, date, bool, NULL where
an instant is NaT) and constant columns (the same bytes, or NULL, in every row of the batch).
Callers split rows into batches so that text values are constant inside each (event types,
step outcomes, …) — then millions of rows encode in well under a second.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 in Unix µs
PG_EPOCH_DAY = 10_957  # 2000-01-01 in Unix days
HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
TRAILER = (-1).to_bytes(2, "big", signed=True)


@dataclass(frozen=True)
class Const:
    """The same value in every row: raw binary bytes, or None for NULL."""

    value: bytes | None


def text(value: str | None) -> Const:
    return Const(None if value is None else value.encode())


def int2(value: int | None) -> Const:
    return Const(None if value is None else value.to_bytes(2, "big", signed=True))


def numeric(value: Decimal | float) -> Const:
    """PostgreSQL binary numeric (base-10000 digits)."""
    d = Decimal(str(value))
    sign = 0x4000 if d < 0 else 0
    d = abs(d)
    scale = max(0, -int(d.as_tuple().exponent))
    int_part, frac = divmod(d, 1)
    ip = int(int_part)
    groups: list[int] = []
    while ip:
        groups.insert(0, ip % 10000)
        ip //= 10000
    weight = len(groups) - 1
    fdigits = f"{frac:f}"[2:] if frac else ""
    fdigits += "0" * (-len(fdigits) % 4)
    for i in range(0, len(fdigits), 4):
        groups.append(int(fdigits[i : i + 4]))
    if not groups:
        weight = 0
    while groups and groups[-1] == 0:
        groups.pop()
    head = [len(groups), weight, sign, scale]
    return Const(b"".join(v.to_bytes(2, "big", signed=True) for v in head + groups))


Column = npt.NDArray[Any] | Const


def _kind(a: npt.NDArray[Any]) -> tuple[str, int]:
    if np.issubdtype(a.dtype, np.datetime64):
        return ("date", 4) if a.dtype == np.dtype("datetime64[D]") else ("ts", 8)
    if a.dtype == np.bool_:
        return "bool", 1
    if a.dtype == np.float64:
        return "f8", 8
    return "int", int(a.dtype.itemsize)


def encode(columns: list[Column]) -> bytes:
    """One batch (no header): every array column has the same length; instants may be NaT
    (NULL) only in columns where the whole batch is NaT-free or all-NaT is handled by callers."""
    n = next((len(c) for c in columns if not isinstance(c, Const)), 0)
    fields: list[tuple[str, str]] = [("nf", ">i2")]
    fill: list[tuple[str, Any]] = [("nf", len(columns))]
    for i, c in enumerate(columns):
        if isinstance(c, Const):
            if c.value is None:
                fields.append((f"l{i}", ">i4"))
                fill.append((f"l{i}", -1))
            else:
                fields += [(f"l{i}", ">i4"), (f"v{i}", f"S{len(c.value)}")]
                fill += [(f"l{i}", len(c.value)), (f"v{i}", c.value)]
            continue
        kind, width = _kind(c)
        fields += [(f"l{i}", ">i4"), (f"v{i}", {"bool": "u1", "f8": ">f8"}.get(kind, f">i{width}"))]
        fill.append((f"l{i}", width))
        if kind == "ts":
            fill.append((f"v{i}", c.astype("datetime64[us]").view(np.int64) - PG_EPOCH_US))
        elif kind == "date":
            fill.append((f"v{i}", c.view(np.int64) - PG_EPOCH_DAY))
        else:
            fill.append((f"v{i}", c))
    rec = np.empty(n, np.dtype(fields))
    for name, value in fill:
        rec[name] = value
    return rec.tobytes()


async def copy(
    conn: Any, table: str, columns: list[str], batches: Iterable[bytes], *, freeze: bool = False
) -> None:
    """COPY the batches; with ``freeze`` the table is emptied in the same transaction and the rows
    arrive frozen and all-visible (no VACUUM pass needed, index-only scans work at once)."""

    async def source() -> AsyncIterator[bytes]:
        yield HEADER
        for b in batches:
            if b:
                yield b
        yield TRAILER

    if not freeze:
        await conn.copy_to_table(table, source=source(), columns=columns, format="binary")
        return
    async with conn.transaction():
        await conn.execute(f"TRUNCATE {table}")
        await conn.copy_to_table(
            table, source=source(), columns=columns, format="binary", freeze=True
        )
