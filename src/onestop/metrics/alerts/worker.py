"""Running the worklist job: ``onestop worker [--once] [--interval S]``, or inside the app process
under ``make run`` on SQLite (``settings.run_worker_in_app``). Each pass also forgets the
idempotency keys past their retention (``dossiers.intake.idempotency``).

The extra passes its entry point hands over (``ExtraPass``: the integration relay and delivery)
keep their own pace beside it, each failing on its own: a pass says how long to wait before the
next (``PassResult.pause``: a fraction of a second for the outbox, whose lag is measured in
seconds, against the worklist job's minute); one that fails waits ``FAILED_PASS_PAUSE``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
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


@dataclass(frozen=True)
class PassResult:
    """What an extra pass did: a line for the log, whether it did anything (``busy``: logged at
    info level, else debug), and the seconds to wait before the next pass (``pause``)."""

    summary: str
    busy: bool
    pause: float = 0.0


class ExtraPass(Protocol):
    """Work a layer above this one runs beside the worklist job (its entry point hands it over)."""

    name: str

    async def run(self) -> PassResult:
        """One pass."""

    async def aclose(self) -> None: ...


#: Builds the extra passes of a worker from its sessions and settings.
ExtraPasses = Callable[[async_sessionmaker[AsyncSession], Settings], Sequence[ExtraPass]]


def no_extra_passes(
    _maker: async_sessionmaker[AsyncSession], _settings: Settings
) -> Sequence[ExtraPass]:
    return ()


#: Seconds an extra pass waits after it failed (the database or a destination away).
FAILED_PASS_PAUSE = 5.0


async def _run_extra(job: ExtraPass) -> PassResult | None:
    """One pass of ``job``, logged; None when it failed."""
    try:
        result = await job.run()
    except Exception:
        log.exception("%s pass failed", job.name)
        return None
    log.log(logging.INFO if result.busy else logging.DEBUG, "%s: %s", job.name, result.summary)
    return result


async def _keep_running(job: ExtraPass, stop: asyncio.Event) -> None:
    """``job`` again and again until ``stop``, each pass after the pause the last one asked for."""
    while not stop.is_set():
        result = await _run_extra(job)
        pause = result.pause if result is not None else FAILED_PASS_PAUSE
        if pause <= 0:
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=pause)


async def _worklist_pass(maker: async_sessionmaker[AsyncSession], key_days: int) -> bool:
    """The worklist job and the idempotency keys' retention, once; False when it failed."""
    try:
        now = clock.now()
        async with maker() as session:
            result = await alerts_job.run_once(session, now=now)
            forgotten = await idempotency.forget_idempotency_keys(
                session, before=now - dt.timedelta(days=key_days)
            )
    except Exception:
        log.exception("worklist job failed")
        return False
    log.info("worklist job: %s; %d idempotency keys forgotten", result.summary(), forgotten)
    return True


async def run_loop(
    maker: async_sessionmaker[AsyncSession],
    *,
    interval: float = DEFAULT_INTERVAL,
    once: bool = False,
    stop: asyncio.Event | None = None,
    key_days: int = DEFAULT_KEY_DAYS,
    extra: Sequence[ExtraPass] = (),
) -> int:
    """The worklist job every ``interval`` seconds and the extra passes at their own pace, until
    ``stop`` is set; with ``once``, each of them once, and exit code 1 when any failed. A failed
    pass is logged and tried again later."""
    if once:
        ok = await _worklist_pass(maker, key_days)
        for job in extra:
            ok = await _run_extra(job) is not None and ok
        return 0 if ok else 1
    stop = stop or asyncio.Event()
    beside = [asyncio.create_task(_keep_running(job, stop), name=job.name) for job in extra]
    try:
        while not stop.is_set():
            await _worklist_pass(maker, key_days)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
    finally:
        stop.set()
        await asyncio.gather(*beside)
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
        # What is built by now lives as long as the process (modules, mappers, settings): out of
        # the collector's sight, its full passes walk only what the passes leave behind, not
        # some 140,000 objects (a sixth of the outbox worker's CPU when the counters are busy).
        gc.freeze()
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
