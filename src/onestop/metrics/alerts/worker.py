"""Running the worklist job: ``onestop worker [--once] [--interval S]``, or inside the app process
under ``make run`` on SQLite (``settings.run_worker_in_app``). Each pass also forgets the
idempotency keys past their retention (``dossiers.intake.idempotency``)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from onestop.core import clock
from onestop.core.settings import Settings
from onestop.dossiers.intake import idempotency
from onestop.metrics.alerts import job as alerts_job

log = logging.getLogger("onestop.worker")

DEFAULT_INTERVAL = 60.0
DEFAULT_KEY_DAYS: int = Settings.model_fields["idempotency_key_days"].default


async def run_loop(
    maker: async_sessionmaker[AsyncSession],
    *,
    interval: float = DEFAULT_INTERVAL,
    once: bool = False,
    stop: asyncio.Event | None = None,
    key_days: int = DEFAULT_KEY_DAYS,
) -> int:
    """Run passes every ``interval`` seconds until ``stop`` is set (or one pass with ``once``).
    A failed pass is logged and retried at the next tick; with ``once`` it makes the exit code 1."""
    stop = stop or asyncio.Event()
    while True:
        try:
            now = clock.now()
            async with maker() as session:
                result = await alerts_job.run_once(session, now=now)
                forgotten = await idempotency.forget_idempotency_keys(
                    session, before=now - dt.timedelta(days=key_days)
                )
            log.info("worklist job: %s; %d idempotency keys forgotten", result.summary(), forgotten)
        except Exception:
            log.exception("worklist job failed")
            if once:
                return 1
        if once:
            return 0
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
        if stop.is_set():
            return 0


def run_command(
    *,
    once: bool,
    interval: float,
    make_sessionmaker: Callable[[AsyncEngine], async_sessionmaker[AsyncSession]],
) -> int:
    """The ``onestop worker`` command (SIGINT / SIGTERM end the loop after the current pass), on
    the sessions ``make_sessionmaker`` gives (the CLI passes the wired ones)."""
    from onestop.core.db import make_engine
    from onestop.core.logs import configure_logging
    from onestop.core.settings import get_settings

    if interval <= 0:
        raise SystemExit("--interval must be a positive number of seconds")
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)

    async def main() -> int:
        engine = make_engine(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        try:
            return await run_loop(
                make_sessionmaker(engine),
                interval=interval,
                once=once,
                stop=stop,
                key_days=settings.idempotency_key_days,
            )
        finally:
            await engine.dispose()

    return asyncio.run(main())


@dataclass
class InAppWorker:
    """The job running as a task of the app's event loop (SQLite demo: one process)."""

    task: asyncio.Task[int]
    stop: asyncio.Event

    async def close(self) -> None:
        self.stop.set()
        try:
            await asyncio.wait_for(self.task, timeout=30)
        except TimeoutError:
            self.task.cancel()


def start_in_app(
    maker: async_sessionmaker[AsyncSession],
    interval: float = DEFAULT_INTERVAL,
    key_days: int = DEFAULT_KEY_DAYS,
) -> InAppWorker:
    stop = asyncio.Event()
    loop = run_loop(maker, interval=interval, stop=stop, key_days=key_days)
    task = asyncio.create_task(loop, name="onestop-worker")
    return InAppWorker(task, stop)
