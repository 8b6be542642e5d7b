"""A delivery round's requests to the national portal in as few calls as the portal takes.

Each claimed group is one dossier's requests, to go in order (a record, then its progress
entries). A round sends them step by step: the first request of every group, then the next one of
each group whose request was taken, and so on; so a dossier's requests keep their order, and one
dossier never has two calls in flight. Within a step, the requests of one service (and, for
records, of one ``isUpdating``) share calls: ``DongBoHoSoMC`` up to ``records_per_call`` records
a call, ``CapNhatTienDoHoSoMC`` up to ``delivery.CHUNK`` progress entries (``data`` is a list in
both; one group's request is never split across calls). At 1,000 changes a second, this is what
keeps the calls, the worker's CPU and the portal's load at a few dozen calls a second.

The portal answers for a call as a whole, and takes records idempotently by ``MaHoSo``. When it
refuses a call of several dossiers, each of them is sent again alone, at once: a dossier it
refuses fails alone while the others go on, and sending again those it may have taken is harmless.
A call that never reached the portal (``PortalUnavailable``: a refused connection, no token) fails
all its dossiers: sending them alone would not reach it either.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from onestop.integration.delivery import CHUNK, CONCURRENCY
from onestop.integration.destinations import DeliveryFailed
from onestop.integration.dvcqg import payload
from onestop.integration.dvcqg.client import PortalClient, PortalUnavailable
from onestop.integration.dvcqg.redaction import personal_values, scrub

Request = dict[str, Any]


@dataclass(frozen=True)
class Call:
    """One call: the groups (their places in the round) whose requests it carries."""

    groups: tuple[int, ...]
    body: Request


def pack(requests: Mapping[int, Request], records_per_call: int) -> list[Call]:
    """The calls carrying one step's requests (one per group), fewest first-come-first-packed."""
    by_kind: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    for place, body in requests.items():
        by_kind[body["service"], body.get("isUpdating")].append(place)
    calls: list[Call] = []
    for (service, _), places in by_kind.items():
        limit = records_per_call if service == payload.SYNC_SERVICE else CHUNK
        batch: list[int] = []
        size = 0
        for place in places:
            items = len(requests[place]["data"])
            if batch and size + items > limit:
                calls.append(_call(batch, requests))
                batch, size = [], 0
            batch.append(place)
            size += items
        if batch:
            calls.append(_call(batch, requests))
    return calls


def _call(places: list[int], requests: Mapping[int, Request]) -> Call:
    first = requests[places[0]]
    data = [item for place in places for item in requests[place]["data"]]
    return Call(tuple(places), {**first, "data": data})


class RoundSender:
    """Sends a round's groups of requests (``send``) through one portal client."""

    def __init__(self, client: PortalClient, records_per_call: int) -> None:
        self.client = client
        self.records_per_call = records_per_call
        self._gate = asyncio.Semaphore(CONCURRENCY)

    async def send(self, groups: Sequence[Sequence[Request]]) -> list[str | None]:
        """Each group's outcome: None when all its requests were taken, else the reason its
        first refused request was refused (its later requests are not sent)."""
        outcome: list[str | None] = [None] * len(groups)
        left = {place: list(requests) for place, requests in enumerate(groups) if requests}
        while left:
            step = await self._step({place: requests[0] for place, requests in left.items()})
            for place, reason in step.items():
                if reason is not None:
                    outcome[place] = reason
                    del left[place]
                else:
                    del left[place][0]
                    if not left[place]:
                        del left[place]
        return outcome

    async def _step(self, requests: Mapping[int, Request]) -> dict[int, str | None]:
        calls = pack(requests, self.records_per_call)
        results = await asyncio.gather(*(self._carry(call, requests) for call in calls))
        return {place: reason for result in results for place, reason in result.items()}

    async def _carry(self, call: Call, requests: Mapping[int, Request]) -> dict[int, str | None]:
        """Send ``call``; when the portal refuses a call of several groups, each one alone."""
        try:
            await self._post(call.body)
        except PortalUnavailable as exc:
            return dict.fromkeys(call.groups, scrub(exc.reason, personal_values(call.body)))
        except DeliveryFailed as exc:
            if len(call.groups) == 1:
                return {call.groups[0]: scrub(exc.reason, personal_values(call.body))}
            alone = [Call((place,), requests[place]) for place in call.groups]
            results = await asyncio.gather(*(self._carry(one, requests) for one in alone))
            return {place: reason for result in results for place, reason in result.items()}
        return dict.fromkeys(call.groups)

    async def _post(self, body: Request) -> None:
        async with self._gate:
            await self.client.post(body)
