"""Service commands of the ``onestop`` CLI (seed-demo, create-user, …)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    _ = (sub, argparse)
