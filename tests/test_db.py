"""Pooled PostgreSQL connections are pinged only after being idle, and a failed ping discards the
connection instead of failing the request."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy.exc import DisconnectionError

from onestop.core import db


class FakeConnection:
    def __init__(self, alive: bool = True) -> None:
        self.alive = alive
        self.pings = 0

    def ping(self) -> None:
        self.pings += 1
        if not self.alive:
            raise OSError("connection reset by peer")


class FakeRecord:
    def __init__(self) -> None:
        self.info: dict[str, Any] = {}


def test_a_new_or_recently_used_connection_is_not_pinged(monkeypatch: pytest.MonkeyPatch) -> None:
    conn, record = FakeConnection(), FakeRecord()
    db._ping_if_idle(conn, record, None)  # never checked in: just connected
    monkeypatch.setattr(time, "monotonic", lambda: 1000.0)
    db._mark_idle(conn, record)
    monkeypatch.setattr(time, "monotonic", lambda: 1000.0 + db.PING_AFTER_IDLE_SECONDS - 0.1)
    db._ping_if_idle(conn, record, None)
    assert conn.pings == 0


def test_an_idle_connection_is_pinged_and_a_dead_one_is_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alive, dead, record = FakeConnection(), FakeConnection(alive=False), FakeRecord()
    monkeypatch.setattr(time, "monotonic", lambda: 1000.0)
    db._mark_idle(alive, record)
    monkeypatch.setattr(time, "monotonic", lambda: 1000.0 + db.PING_AFTER_IDLE_SECONDS + 1)
    db._ping_if_idle(alive, record, None)
    assert alive.pings == 1
    with pytest.raises(DisconnectionError):  # the pool then checks out another connection
        db._ping_if_idle(dead, record, None)
