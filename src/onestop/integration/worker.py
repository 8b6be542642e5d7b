"""The integration pass of ``onestop worker``: send the feed's new events and the messages that
wait, for every configured destination (the national portal, when ``dvcqg_url`` is set; e-mail and
SMS notices) and every API client's webhook (read again on each pass).

The worker loop (``metrics.alerts.worker``) runs it beside the worklist job, at its own pace: the
next pass ``outbox_gather_seconds`` after one that sent anything (the events of that quarter of a
second then go in one round: a few queries and calls for all of them), else after
``outbox_poll_seconds``; the entry points hand it over (``cli_commands``, ``app``), so nothing
below this package imports it. A pass runs rounds — send what is new (``forward``) and, at the
same time, what waits and is due (``delivery``) — while messages wait behind others of their
dossier, up to ``MAX_ROUNDS`` rounds.
Then, every ``PRUNE_EVERY`` at most, it removes old delivered messages (``retention``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from onestop.core import clock
from onestop.core.settings import Settings
from onestop.integration import delivery, forward, retention
from onestop.integration.destinations import Destination
from onestop.integration.dvcqg.destination import DvcqgDestination
from onestop.integration.notify.destination import EmailDestination, SmsDestination
from onestop.integration.webhooks.destination import WebhookSender
from onestop.metrics.alerts.worker import PassResult

MAX_ROUNDS = 20
#: Old delivered messages are looked for at most this often by a worker.
PRUNE_EVERY = dt.timedelta(minutes=5)


def destinations(settings: Settings) -> list[Destination]:
    """The destinations the settings configure."""
    out: list[Destination] = []
    dvcqg = DvcqgDestination.from_settings(settings)
    if dvcqg is not None:
        out.append(dvcqg)
    email, sms = EmailDestination.from_settings(settings), SmsDestination.from_settings(settings)
    out += [notify for notify in (email, sms) if notify is not None]
    return out


class IntegrationPass:
    name = "integration"

    def __init__(
        self,
        maker: async_sessionmaker[AsyncSession],
        targets: Sequence[Destination],
        policy: delivery.Policy,
        now: Callable[[], dt.datetime] = clock.now,
        webhooks: WebhookSender | None = None,
        keep: dt.timedelta = dt.timedelta(days=30),
        idle_seconds: float = 0.5,
        gather_seconds: float = 0.0,
    ) -> None:
        self.maker = maker
        self.targets = list(targets)
        self.policy = policy
        self.now = now
        self.webhooks = webhooks
        self.keep = keep
        self.idle_seconds = idle_seconds
        self.gather_seconds = gather_seconds
        self.pruned_at: dt.datetime | None = None

    @classmethod
    def from_settings(
        cls, maker: async_sessionmaker[AsyncSession], settings: Settings
    ) -> IntegrationPass | None:
        """The pass of the configured destinations and of the clients' webhooks (any client may
        subscribe at any time, so there is always a pass)."""
        webhooks = WebhookSender(timeout=settings.webhook_timeout_seconds)
        return cls(
            maker,
            destinations(settings),
            delivery.Policy.of(settings),
            webhooks=webhooks,
            keep=dt.timedelta(days=settings.outbox_keep_days),
            idle_seconds=settings.outbox_poll_seconds,
            gather_seconds=settings.outbox_gather_seconds,
        )

    async def _webhook_targets(self) -> list[Destination]:
        if self.webhooks is None:
            return []
        async with self.maker() as session:
            return list(await self.webhooks.destinations(session))

    async def run(self) -> PassResult:
        lines = []
        busy = False
        for target in [*self.targets, *await self._webhook_targets()]:
            total = forward.Forwarded()
            for _ in range(MAX_ROUNDS):
                sent, waited = await self._round(target)
                total.add(sent)
                total.result.add(waited)
                # Again at once only for what waits: new events are all sent (``forward``
                # drains the feed), but a dossier's later ones go one round after the other.
                if not (sent.waiting or waited.delivered):
                    break
            result = total.result
            busy = busy or bool(total.read or result.delivered)
            lines.append(
                f"{target.name}: {total.written} queued, {result.delivered} delivered,"
                f" {result.failed} failed, {result.dead} dead-lettered"
            )
        removed = await self._prune()
        if removed:
            lines.append(f"{removed} delivered messages older than {self.keep.days} days removed")
        busy = busy or bool(removed)
        pause = self.gather_seconds if busy else self.idle_seconds
        return PassResult("; ".join(lines), busy, pause)

    async def _round(
        self, target: Destination
    ) -> tuple[forward.Forwarded, delivery.DeliveryResult]:
        """Send what is new and what waits, at the same time: they are never the same dossier's
        (a dossier with a message waiting gets nothing new sent)."""
        return await asyncio.gather(
            forward.forward(self.maker, target, now=self.now, policy=self.policy),
            delivery.deliver_due(self.maker, target, now=self.now, policy=self.policy),
        )

    async def _prune(self) -> int:
        now = self.now()
        if self.pruned_at is not None and now - self.pruned_at < PRUNE_EVERY:
            return 0
        self.pruned_at = now
        async with self.maker() as session:
            return await retention.prune(session, before=now - self.keep)

    async def aclose(self) -> None:
        for target in self.targets:
            await target.aclose()
        if self.webhooks is not None:
            await self.webhooks.aclose()


def passes(
    maker: async_sessionmaker[AsyncSession], settings: Settings
) -> Sequence[IntegrationPass]:
    """The worker's integration pass, when a destination is configured (``ExtraPasses``)."""
    job = IntegrationPass.from_settings(maker, settings)
    return [] if job is None else [job]
