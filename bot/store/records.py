"""Event records, their rendered texts and attachments in Redis, shared by every instance.

An event is stored once under its key with the status of its fan-out; its rendered
sections sit in a hash next to it (``language|zone`` → section JSON) and its charts in
another. This module only stores: deciding the wording is the renderer's job
(``bot.pipeline.messages``).
"""

from __future__ import annotations

import base64
import json
from collections import OrderedDict

from redis.asyncio import Redis

from bot.domain.events import BaseEvent, EventTypes, event_to_json
from bot.store.keys import KeySchema

EVENT_TTL_SECONDS = 400 * 24 * 3600
# Charts are the bulk of the store (an H.4.1 week's pair is ~200 kB in base64). They serve
# deliveries (hours) and the latest event of a topic in /status-like replies (the longest
# gap between two FOMC meetings is under eight weeks): kept four months, not 400 days.
ATTACHMENT_TTL_SECONDS = 120 * 24 * 3600
LOCAL_CACHE_SIZE = 256


class EventRecords:
    def __init__(self, redis: Redis, keys: KeySchema, event_types: EventTypes) -> None:
        self.redis = redis
        self.keys = keys
        self.event_types = event_types
        self._events: OrderedDict[str, BaseEvent] = OrderedDict()

    async def save_event(self, event: BaseEvent, audience: dict[str, object]) -> str:
        """Store a new event as ``pending`` fan-out; returns ``new``, ``pending`` or ``done``.

        ``SET NX`` makes the first writer win: the same happening published twice, by two
        instances or after a restart, keeps one record, and the status says whether its
        fan-out still has to run (a crash between storing and fanning out).
        """
        record = json.dumps({"status": "pending", "audience": audience,
                             "event": json.loads(event_to_json(event))})
        key = self.keys.event(event.key)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(key, record, nx=True, ex=EVENT_TTL_SECONDS)
            pipe.hset(self.keys.pending_fanouts, event.key, json.dumps(audience))
            stored, _ = await pipe.execute()
        if stored:
            return "new"
        raw = await self.redis.get(key)
        status = json.loads(raw)["status"] if raw else "pending"
        if status == "done":
            await self.redis.hdel(self.keys.pending_fanouts, event.key)
        return str(status)

    async def mark_done(self, event_key: str) -> None:
        key = self.keys.event(event_key)
        raw = await self.redis.get(key)
        if raw is not None:
            record = json.loads(raw)
            record["status"] = "done"
            await self.redis.set(key, json.dumps(record), xx=True, keepttl=True)
        await self.redis.hdel(self.keys.pending_fanouts, event_key)

    async def add_fanout_size(self, event_key: str, queued: int, ttl_seconds: int) -> None:
        """How many deliveries an event's fan-outs queued (paid broadcasts look at it)."""
        key = f"{self.keys.event(event_key)}:size"
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.incrby(key, queued)
            pipe.expire(key, ttl_seconds)
            await pipe.execute()

    async def fanout_size(self, event_key: str) -> int:
        raw = await self.redis.get(f"{self.keys.event(event_key)}:size")
        return int(raw) if raw else 0

    async def pending(self) -> dict[str, dict[str, object]]:
        """Events whose fan-out has not finished, with their audience."""
        raw = await self.redis.hgetall(self.keys.pending_fanouts)
        return {str(key): json.loads(value) for key, value in raw.items()}

    async def load_event(self, event_key: str) -> BaseEvent | None:
        cached = self._events.get(event_key)
        if cached is not None:
            return cached
        raw = await self.redis.get(self.keys.event(event_key))
        if raw is None:
            return None
        event = self.event_types.from_json(json.dumps(json.loads(raw)["event"]))
        self._events[event_key] = event
        while len(self._events) > LOCAL_CACHE_SIZE:
            self._events.popitem(last=False)
        return event

    async def save_attachment(self, event_key: str, name: str, data: bytes) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hset(self.keys.attachment(event_key), name, base64.b64encode(data).decode())
            pipe.expire(self.keys.attachment(event_key), ATTACHMENT_TTL_SECONDS)
            await pipe.execute()

    async def load_attachment(self, event_key: str, name: str) -> bytes | None:
        raw = await self.redis.hget(self.keys.attachment(event_key), name)
        return base64.b64decode(raw) if raw else None

    async def rendered(self, event_key: str, variant: str) -> str | None:
        """A stored rendering (``<language>|<zone>``), as the renderer saved it."""
        raw = await self.redis.hget(self.keys.rendered(event_key), variant)
        return None if raw is None else str(raw)

    async def save_rendered(self, event_key: str, variant: str, text: str) -> None:
        """Keep the first rendering: two workers rendering at once store one text."""
        hash_key = self.keys.rendered(event_key)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hsetnx(hash_key, variant, text)
            pipe.expire(hash_key, EVENT_TTL_SECONDS)
            await pipe.execute()
