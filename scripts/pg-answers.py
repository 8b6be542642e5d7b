"""Exits 0 when the PostgreSQL server of a SQLAlchemy URL answers, else prints why and exits 1.

    .venv/bin/python scripts/pg-answers.py postgresql+asyncpg://postgres@127.0.0.1:5432/db

It connects to the server's ``postgres`` database, so the named database need not exist yet.
"""

from __future__ import annotations

import asyncio
import sys

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url


async def answers(url: str) -> None:
    u = make_url(url).set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(u.render_as_string(hide_password=False), timeout=5)
    await conn.close()


def main() -> int:
    url = sys.argv[1]
    try:
        asyncio.run(answers(url))
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        print(f"no PostgreSQL answers at {url}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
