"""Running the worklist job: ``onestop worker [--once] [--interval S]``, or inside the app process
under ``make run`` on SQLite (``settings.run_worker_in_app``). Each pass also forgets the
idempotency keys past their retention (``dossiers.intake.idempotency``), then runs the extra
passes its entry point hands over (``ExtraPass``: the integration relay and delivery), each one
failing on its own."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from onestop.core import clock
from onestop.core.settings import Settings
from onestop.dossiers.intake import idempotency
from onestop.metrics.alerts import job as alerts_job

log = logging.getLogger("onestop.worker")

DEFAULT_INTERVAL = 60.0
DEFAULT_KEY_DAYS: int = Settings.model_fields["idempotency_key_days"].default


class ExtraPass(Protocol):
    """Work a layer above this one runs on every tick (its entry point hands it over)."""

    name: str

    async def run(self) -> str:
        """One pass; a line for the log."""

    async def aclose(self) -> None: ...


#: Builds the extra passes of a worker from its sessions and settings.
ExtraPasses = Callable[[async_sessionmaker[AsyncSession], Settings], Sequence[ExtraPass]]


def no_extra_passes(
    _maker: async_sessionmaker[AsyncSession], _settings: Settings
) -> Sequence[ExtraPass]:
    return ()


async def _run_extra(extra: Sequence[ExtraPass]) -> bool:
    ok = True
    for job in extra:
        try:
            log.info("%s: %s", job.name, await job.run())
        except Exception:
            log.exception("%s pass failed", job.name)
            ok = False
    return ok


async def run_loop(
    maker: async_sessionmaker[AsyncSession],
    *,
    interval: float = DEFAULT_INTERVAL,
    once: bool = False,
    stop: asyncio.Event | None = None,
    key_days: int = DEFAULT_KEY_DAYS,
    extra: Sequence[ExtraPass] = (),
) -> int:
    """Run passes every ``interval`` seconds until ``stop`` is set (or one pass with ``once``).
    A failed pass is logged and retried at the next tick; with ``once`` it makes the exit code 1."""
    stop = stop or asyncio.Event()
    while True:
        ok = True
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
            ok = False
        ok = await _run_extra(extra) and ok
        if once:
            return 0 if ok else 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
        if stop.is_set():
            return 0


def run_command(
    *,
    once: bool,
    interval: float,
    make_sessionmaker: Callable[[AsyncEngine], async_sessionmaker[AsyncSession]],
    extra_passes: ExtraPasses = no_extra_passes,
) -> int:
    """The ``onestop worker`` command (SIGINT / SIGTERM end the loop after the current pass), on
    the sessions ``make_sessionmaker`` gives (the CLI passes the wired ones) and with the extra
    passes ``extra_passes`` builds."""
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
        maker = make_sessionmaker(engine)
        extra = extra_passes(maker, settings)
        try:
            return await run_loop(
                maker,
                interval=interval,
                once=once,
                stop=stop,
                key_days=settings.idempotency_key_days,
                extra=extra,
            )
        finally:
            for job in extra:
                await job.aclose()
            await engine.dispose()

    return asyncio.run(main())


@dataclass
class InAppWorker:
    """The job running as a task of the app's event loop (SQLite demo: one process)."""

    task: asyncio.Task[int]
    stop: asyncio.Event
    extra: Sequence[ExtraPass] = ()

    async def close(self) -> None:
        self.stop.set()
        try:
            await asyncio.wait_for(self.task, timeout=30)
        except TimeoutError:
            self.task.cancel()
        for job in self.extra:
            await job.aclose()


def start_in_app(
    maker: async_sessionmaker[AsyncSession],
    interval: float = DEFAULT_INTERVAL,
    key_days: int = DEFAULT_KEY_DAYS,
    extra: Sequence[ExtraPass] = (),
) -> InAppWorker:
    stop = asyncio.Event()
    loop = run_loop(maker, interval=interval, stop=stop, key_days=key_days, extra=extra)
    task = asyncio.create_task(loop, name="onestop-worker")
    return InAppWorker(task, stop, extra)
