"""The latest reading of each source, for ``/status``, ``/fomc``, ``/balance``, ``/odds``, ``/btc``.

Watchers write here after publishing; commands only read. Values are small JSON blobs or
event keys (the event itself stays in its record, rendered with the alert renderer).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel
from redis.asyncio import Redis

from bot.domain.events import BaseEvent
from bot.store.keys import KeySchema
from bot.store.models import M, read_model
from bot.store.records import EventRecords


class Snapshots:
    def __init__(self, redis: Redis, keys: KeySchema, records: EventRecords) -> None:
        self.redis = redis
        self.keys = keys
        self.records = records

    async def set_latest_event(self, name: str, event_key: str) -> None:
        await self.redis.set(self.keys.latest(name), event_key)

    async def latest_event(self, name: str) -> BaseEvent | None:
        event_key = await self.redis.get(self.keys.latest(name))
        return await self.records.load_event(str(event_key)) if event_key else None

    async def set_model(self, name: str, value: BaseModel, *,
                        ttl_seconds: int | None = None) -> None:
        """Keep a typed snapshot (stored as its JSON, field aliases as names)."""
        await self.redis.set(self.keys.latest(name), value.model_dump_json(by_alias=True),
                             ex=ttl_seconds)

    async def get_model(self, name: str, model: type[M]) -> M | None:
        """A typed snapshot, or None when there is none or it no longer reads as ``model``
        (written by an older version: the next reading replaces it)."""
        return read_model(await self.redis.get(self.keys.latest(name)), model, f"snapshot {name}")

    async def set_json(self, name: str, value: Any, *, ttl_seconds: int | None = None) -> None:
        await self.redis.set(self.keys.latest(name), json.dumps(value, default=str),
                             ex=ttl_seconds)

    async def get_json(self, name: str) -> Any | None:
        raw = await self.redis.get(self.keys.latest(name))
        return json.loads(raw) if raw else None
