"""What a server process sets up at start-up (and what a test process does not)."""

from __future__ import annotations

import gc
from pathlib import Path

from onestop.app import GC_THRESHOLDS, create_app
from onestop.core.settings import Settings


async def _start(settings: Settings) -> tuple[tuple[int, int, int], int]:
    app = create_app(settings)
    before = gc.get_threshold()
    try:
        async with app.router.lifespan_context(app):
            return gc.get_threshold(), gc.get_freeze_count()
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


async def test_a_server_freezes_start_up_objects_and_collects_less_often(tmp_path: Path) -> None:
    served = Settings(
        environment="development",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'a.db'}",
        run_worker_in_app=False,
    )
    thresholds, frozen = await _start(served)
    assert thresholds == GC_THRESHOLDS != (700, 10, 10)
    assert frozen > 10_000  # routes, models and calendars are out of the collector's passes


async def test_a_test_process_keeps_the_collector_as_it_is(tmp_path: Path) -> None:
    gc.set_threshold(700, 10, 10)
    tested = Settings(
        environment="test",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'b.db'}",
        run_worker_in_app=False,
    )
    assert await _start(tested) == ((700, 10, 10), 0)
