"""Publishing: event → stored record → rendered texts → fan-out into the outbox.

This is the one path every source uses. Sources build events; the publisher decides
nothing about wording (``bot.render``, the topics), recipients (``bot.store.registry``) or sending
(``bot.pipeline.deliver``), it only runs the steps in an order that survives a crash at any point.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from bot import metrics
from bot.domain.chats import ChatRef
from bot.domain.events import BaseEvent
from bot.domain.ports import PublishResult
from bot.pipeline.messages import MessageRenderer
from bot.store.outbox import Outbox
from bot.store.records import EventRecords

log = logging.getLogger(__name__)


class Publisher:
    def __init__(self, records: EventRecords, messages: MessageRenderer, outbox: Outbox,
                 prerender_zones: tuple[str, ...] = ("Asia/Taipei",)) -> None:
        self.records = records
        self.messages = messages
        self.outbox = outbox
        self.prerender_zones = prerender_zones

    async def publish(
        self,
        event: BaseEvent,
        *,
        chats: Iterable[ChatRef] | None = None,
        attachments: Mapping[str, bytes] | None = None,
        more_chats: bool = False,
    ) -> PublishResult:
        """Deliver ``event`` to its topic's subscribers, or only to ``chats`` when given.

        Idempotent: publishing the same event again queues nothing new; publishing one
        whose fan-out was interrupted finishes it. With ``more_chats``, an event already
        published is queued for the ``chats`` that have not had it yet (each chat still
        at most once): the morning brief reaches the chats of one group in slices.
        """
        audience: dict[str, object] = (
            {"chats": [str(c) for c in chats]} if chats is not None
            else {"topic": event.topic})
        status = await self.records.save_event(event, audience)
        if status == "done" and more_chats and chats is not None:
            queued = await self._fan_out(event.key, audience)
            await self.records.add_fanout_size(event.key, queued,
                                               self.outbox.settings.dedup_ttl_seconds)
            return PublishResult(event.key, "extended", queued)
        if status == "done":
            metrics.EVENTS.labels(event.kind, "duplicate").inc()
            return PublishResult(event.key, "duplicate", 0)
        for name, data in (attachments or {}).items():
            await self.records.save_attachment(event.key, name, data)
        await self.messages.prerender(event, self.prerender_zones)
        queued = await self._fan_out(event.key, audience)
        await self.records.add_fanout_size(event.key, queued,
                                           self.outbox.settings.dedup_ttl_seconds)
        await self.records.mark_done(event.key)
        outcome = "new" if status == "new" else "resumed"
        metrics.EVENTS.labels(event.kind, outcome).inc()
        log.info("published %s (%s): %d deliveries queued", event.key, outcome, queued)
        return PublishResult(event.key, outcome, queued)

    async def _fan_out(self, event_key: str, audience: Mapping[str, object]) -> int:
        if "topic" in audience:
            topic = str(audience["topic"])
            queued = await self.outbox.fan_out_topic(event_key, topic)
            metrics.FANOUT.labels(topic).inc(queued)
            return queued
        chats = audience.get("chats")
        refs = [ChatRef.parse(str(r)) for r in chats] if isinstance(chats, list) else []
        return await self.outbox.fan_out_refs(event_key, refs)

    async def resume_pending(self) -> int:
        """Finish fan-outs a crashed instance left half done; returns how many."""
        resumed = 0
        for event_key, audience in (await self.records.pending()).items():
            if await self.records.load_event(event_key) is None:
                await self.records.mark_done(event_key)
                continue
            queued = await self._fan_out(event_key, audience)
            await self.records.mark_done(event_key)
            log.warning("resumed interrupted fan-out of %s: %d deliveries queued",
                        event_key, queued)
            resumed += 1
        return resumed
