"""The stage table of the dossier load: its DDL from the NumPy columns, and those columns as one
PGCOPY binary stream (fixed-width rows, with NULL instants cut out by a vectorised mask)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import asyncpg  # type: ignore[import-untyped]
import numpy as np

from onestop.bench.dossier_gen import Cols
from onestop.bench.pgcopy import PG_EPOCH_US

INT64_MIN = np.iinfo(np.int64).min  # '-infinity' in PostgreSQL's binary timestamptz


def _pg_type(a: np.ndarray) -> tuple[str, str]:
    if np.issubdtype(a.dtype, np.datetime64):
        return "timestamptz", ">i8"
    if a.dtype == np.bool_:
        return "boolean", "u1"
    if a.dtype == np.float64:
        return "float8", ">f8"
    return {8: ("bigint", ">i8"), 4: ("integer", ">i4"), 2: ("smallint", ">i2")}[a.dtype.itemsize]


def stage_ddl(cols: Cols) -> str:
    body = ", ".join(f"{k} {_pg_type(a)[0]}" for k, a in cols.items())
    return f"CREATE UNLOGGED TABLE bench_stage ({body})"


def binary_chunks(cols: Cols, chunk: int = 500_000) -> Iterator[bytes]:
    """PGCOPY binary format, built with one structured NumPy array per chunk."""
    names = list(cols)
    types = [_pg_type(cols[k]) for k in names]
    fields: list[tuple[str, str]] = [("nf", ">i2")]
    for k, (_pg, np_t) in zip(names, types, strict=True):
        fields += [(f"l_{k}", ">i4"), (f"v_{k}", np_t)]
    dtype = np.dtype(fields)
    n = len(cols[names[0]])
    yield b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        rec = np.empty(hi - lo, dtype)
        rec["nf"] = len(names)
        for k, (_pg, np_t) in zip(names, types, strict=True):
            a = cols[k][lo:hi]
            rec[f"l_{k}"] = np.dtype(np_t).itemsize
            if np.issubdtype(a.dtype, np.datetime64):
                v = a.astype("datetime64[us]").view(np.int64)
                nat = np.isnat(a)
                v = np.where(nat, INT64_MIN, v - PG_EPOCH_US)
                rec[f"l_{k}"] = np.where(nat, -1, 8)  # NULL
                rec[f"v_{k}"] = v
            else:
                rec[f"v_{k}"] = a
        if any(np.issubdtype(cols[k].dtype, np.datetime64) for k in names):
            yield _drop_nulls(rec, names, types)
        else:
            yield rec.tobytes()
    yield (-1).to_bytes(2, "big", signed=True)


def _drop_nulls(rec: np.ndarray, names: list[str], types: list[tuple[str, str]]) -> bytes:
    """A NULL field has length -1 and no value bytes: rows with NULLs are variable length. Build
    the byte stream with a mask over the fixed-width layout (vectorised)."""
    raw = np.frombuffer(rec.tobytes(), np.uint8).reshape(rec.size, rec.dtype.itemsize)
    keep = np.ones(rec.dtype.itemsize, bool)
    masks = []
    for k, (pg, np_t) in zip(names, types, strict=True):
        if pg != "timestamptz":
            continue
        off = rec.dtype.fields[f"v_{k}"][1]  # type: ignore[index]
        width = np.dtype(np_t).itemsize
        masks.append((off, width, rec[f"l_{k}"] < 0))
    if not masks:
        return rec.tobytes()
    keep2 = np.broadcast_to(keep, raw.shape).copy()
    for off, width, null in masks:
        keep2[null, off : off + width] = False
    out: bytes = raw[keep2].tobytes()
    return out


async def copy_bytes(conn: asyncpg.Connection, table: str, chunks: Iterator[bytes]) -> None:
    async def source() -> AsyncIterator[bytes]:
        for c in chunks:
            yield c

    await conn.copy_to_table(table, source=source(), format="binary")
