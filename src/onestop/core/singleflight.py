"""One load per key at a time: callers that find a value being loaded wait for that load instead
of starting their own.

When a cached entry (a principal, the units, a procedure, a calendar) expires in a busy worker,
every request in flight finds it stale at once; without this each would reload it, a burst of
identical queries and of CPU just when the worker is busiest (the slowest requests of a morning
peak after a lull). Loads use the first caller's session and return plain snapshots, which any
caller may share.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class SingleFlight(Generic[V]):
    def __init__(self) -> None:
        self._loading: dict[Hashable, asyncio.Future[V]] = {}

    async def load(self, key: Hashable, loader: Callable[[], Awaitable[V]]) -> V:
        """``loader()``'s value, or that of the load of ``key`` already under way; its error,
        if it fails, is every waiting caller's."""
        loop = asyncio.get_running_loop()
        running = self._loading.get(key)
        if running is not None and running.get_loop() is loop:
            try:
                return await asyncio.shield(running)
            except asyncio.CancelledError:
                if not running.cancelled():
                    raise  # this caller was cancelled, not the load
            # The caller that was loading went away (cancelled): load anew.
        done: asyncio.Future[V] = loop.create_future()
        self._loading[key] = done
        try:
            value = await loader()
        except asyncio.CancelledError:
            done.cancel()
            raise
        except BaseException as exc:
            done.set_exception(exc)
            done.exception()  # retrieved: no "never retrieved" warning when nobody waited
            raise
        else:
            done.set_result(value)
            return value
        finally:
            if self._loading.get(key) is done:
                del self._loading[key]
