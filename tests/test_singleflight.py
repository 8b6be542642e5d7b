"""SingleFlight: callers that find a load under way share it; nothing is cached after it."""

from __future__ import annotations

import asyncio

import pytest

from onestop.core.singleflight import SingleFlight


class Loader:
    def __init__(self, fail: bool = False) -> None:
        self.calls = 0
        self.fail = fail
        self.release = asyncio.Event()

    async def __call__(self) -> str:
        self.calls += 1
        number = self.calls
        await self.release.wait()
        if self.fail:
            raise ValueError("database said no")
        return f"value {number}"


async def test_concurrent_callers_share_one_load_and_a_later_one_loads_again() -> None:
    flight: SingleFlight[str] = SingleFlight()
    load = Loader()
    waiting = [asyncio.create_task(flight.load("units", load)) for _ in range(5)]
    await asyncio.sleep(0)
    other = asyncio.create_task(flight.load("other key", load))
    await asyncio.sleep(0)
    load.release.set()
    assert await asyncio.gather(*waiting) == ["value 1"] * 5
    assert await other == "value 2"
    assert await flight.load("units", load) == "value 3"  # nothing kept once loaded


async def test_a_failed_load_is_every_waiting_callers_error() -> None:
    flight: SingleFlight[str] = SingleFlight()
    load = Loader(fail=True)
    waiting = [asyncio.create_task(flight.load("k", load)) for _ in range(3)]
    await asyncio.sleep(0)
    load.release.set()
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert load.calls == 1
    assert all(isinstance(r, ValueError) for r in results)


async def test_when_the_loading_caller_is_cancelled_a_waiter_loads_anew() -> None:
    flight: SingleFlight[str] = SingleFlight()
    load = Loader()
    first = asyncio.create_task(flight.load("k", load))
    await asyncio.sleep(0)
    second = asyncio.create_task(flight.load("k", load))
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)
    load.release.set()
    assert await second == "value 2"
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_a_cancelled_waiter_leaves_the_load_to_the_others() -> None:
    flight: SingleFlight[str] = SingleFlight()
    load = Loader()
    first = asyncio.create_task(flight.load("k", load))
    await asyncio.sleep(0)
    quitter = asyncio.create_task(flight.load("k", load))
    await asyncio.sleep(0)
    quitter.cancel()
    load.release.set()
    assert await first == "value 1"
    assert load.calls == 1
    with pytest.raises(asyncio.CancelledError):
        await quitter
