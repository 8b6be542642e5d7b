"""Runs onestop for the browser tests: ``python tests/e2e/serve.py PORT``.

Settings come from ``ONESTOP_*`` variables as in production; ``ONESTOP_E2E_NOW`` (ISO 8601 with an
offset) freezes the injected clock so appointments and screenshots are the same on every run.
"""

from __future__ import annotations

import datetime as dt
import os
import sys

import uvicorn

from onestop.app import create_app
from onestop.core import clock


def main() -> None:
    now = os.environ.get("ONESTOP_E2E_NOW")
    if now:
        clock.set_now(dt.datetime.fromisoformat(now))
    uvicorn.run(
        create_app(), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False
    )


if __name__ == "__main__":
    main()
