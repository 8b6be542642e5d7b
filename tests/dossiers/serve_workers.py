"""Runs onestop in several worker processes for the concurrency tests:
``python -m tests.dossiers.serve_workers PORT WORKERS``.

Settings come from ``ONESTOP_*`` variables as in production; ``ONESTOP_TEST_NOW`` (ISO 8601 with
an offset) freezes the injected clock in every worker, as the in-process tests freeze it.
"""

from __future__ import annotations

import datetime as dt
import os
import sys

import uvicorn
from fastapi import FastAPI

from onestop.app import create_app
from onestop.core import clock


def app() -> FastAPI:
    """The application of one worker (uvicorn's factory)."""
    now = os.environ.get("ONESTOP_TEST_NOW")
    if now:
        clock.set_now(dt.datetime.fromisoformat(now))
    return create_app()


def main() -> None:
    uvicorn.run(
        "tests.dossiers.serve_workers:app",
        factory=True,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        workers=int(sys.argv[2]),
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
