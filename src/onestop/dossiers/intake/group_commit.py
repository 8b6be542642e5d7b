"""Group commit for counter and portal intakes on PostgreSQL.

An intake that finds fewer than ``MAX_IN_FLIGHT`` writes under way is written at once, alone: a
quiet counter waits for nothing. Intakes arriving while the writes are busy queue, and the next
free write takes all of them (up to ``MAX_BATCH``) in one statement (``intake.statement``), which is
its own transaction. At a morning peak a statement then carries a dozen dossiers for about the
database and client CPU of two, which is what lets one server keep up with every counter of a
province and the portal. Each intake still commits whole or not at all, and its response is sent
only after its commit.

A batch that fails (a key or portal reference sent twice at once, a lost connection) is written
again one intake at a time, so each gets its own outcome, as if it had come alone.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from onestop.dossiers.intake import statement as intake_statement

MAX_IN_FLIGHT = 1
MAX_BATCH = 64


@dataclass
class _Waiting:
    item: intake_statement.Item
    done: asyncio.Future[tuple[int, str]]


Writer = Callable[[Sequence[intake_statement.Item]], Awaitable[list[tuple[int, str]]]]


class GroupCommit:
    """The queue of one database engine (one per process and database); ``writer`` writes a
    batch and gives each intake's (id, code)."""

    def __init__(self, writer: Writer) -> None:
        self._writer = writer
        self._queue: list[_Waiting] = []
        self._in_flight = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self.batch_sizes: list[int] = []  # the last sizes written, newest last
        self.statements = 0  # statements that committed (a failed batch's retries count one each)
        self.intakes = 0  # intakes they committed

    async def write(self, item: intake_statement.Item) -> tuple[int, str]:
        """Write one intake; its (id, code) once committed."""
        waiting = _Waiting(item, asyncio.get_running_loop().create_future())
        self._queue.append(waiting)
        self._start()
        return await waiting.done

    def _start(self) -> None:
        while self._queue and self._in_flight < MAX_IN_FLIGHT:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            self._in_flight += 1
            task = asyncio.get_running_loop().create_task(self._flush(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _flush(self, batch: list[_Waiting]) -> None:
        try:
            await self._write_batch(batch)
        finally:
            self._in_flight -= 1
            for w in batch:  # never leave a caller waiting (cancelled at shutdown)
                w.done.cancel()
            self._start()

    async def _write_batch(self, batch: list[_Waiting]) -> None:
        self.batch_sizes = [*self.batch_sizes[-99:], len(batch)]
        try:
            written = await self._writer([w.item for w in batch])
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0], exc=exc)
                return
            for w in batch:  # each alone: its own outcome
                try:
                    _settle(w, (await self._writer([w.item]))[0])
                    self._count(1)
                except Exception as one:
                    _settle(w, exc=one)
            return
        self._count(len(batch))
        for w, result in zip(batch, written, strict=True):
            _settle(w, result)

    def _count(self, intakes: int) -> None:
        self.statements += 1
        self.intakes += intakes


def _settle(
    w: _Waiting, result: tuple[int, str] | None = None, *, exc: BaseException | None = None
) -> None:
    if w.done.done():  # the caller went away; its dossier is written all the same
        return
    if exc is not None:
        w.done.set_exception(exc)
    else:
        assert result is not None
        w.done.set_result(result)


_queues: weakref.WeakKeyDictionary[Engine, GroupCommit] = weakref.WeakKeyDictionary()


def for_engine(engine: AsyncEngine, exts: intake_statement.Extensions) -> GroupCommit:
    """The engine's queue, writing with ``exts`` (an engine serves one sessionmaker, so one set
    of extensions)."""
    queue = _queues.get(engine.sync_engine)
    if queue is None:
        queue = _queues[engine.sync_engine] = GroupCommit(_writer(weakref.ref(engine), exts))
    return queue


def _writer(engine_ref: weakref.ref[AsyncEngine], exts: intake_statement.Extensions) -> Writer:
    async def write(items: Sequence[intake_statement.Item]) -> list[tuple[int, str]]:
        engine = engine_ref()
        if engine is None:  # pragma: no cover - an engine outlives its requests
            raise RuntimeError("database engine disposed")
        async with engine.connect() as conn:
            return await intake_statement.write(conn, items, exts)

    return write


def queue_of(engine: Any) -> GroupCommit | None:
    """The engine's queue if it has written anything (for tests and diagnostics)."""
    return _queues.get(getattr(engine, "sync_engine", engine))
