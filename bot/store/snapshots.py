"""The latest reading of each source, for ``/status``, ``/fomc``, ``/balance``, ``/odds``, ``/btc``.

Watchers write here after publishing; commands only read. Values are small JSON blobs or
event keys (the event itself stays in its record, rendered with the alert renderer).
"""

from __future__ import annotations

import json
from typing import Any

from redis.asyncio import Redis

from bot.domain.events import Event
from bot.pipeline.messages import MessageStore
from bot.store.keys import KeySchema


class Snapshots:
    def __init__(self, redis: Redis, keys: KeySchema, messages: MessageStore) -> None:
        self.redis = redis
        self.keys = keys
        self.messages = messages

    async def set_latest_event(self, name: str, event_key: str) -> None:
        await self.redis.set(self.keys.latest(name), event_key)

    async def latest_event(self, name: str) -> Event | None:
        event_key = await self.redis.get(self.keys.latest(name))
        return await self.messages.load_event(event_key) if event_key else None

    async def set_json(self, name: str, value: Any, *, ttl_seconds: int | None = None) -> None:
        await self.redis.set(self.keys.latest(name), json.dumps(value, default=str),
                             ex=ttl_seconds)

    async def get_json(self, name: str) -> Any | None:
        raw = await self.redis.get(self.keys.latest(name))
        return json.loads(raw) if raw else None
