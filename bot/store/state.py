"""A watcher's own bookkeeping in Redis: its state and its history, by watcher name.

Each topic keeps what it must remember between polls (ETags, the last release seen, the
last price) under ``state:<name>`` and its series under ``history:<name>``. A topic
only reaches its own names; what another topic needs to know is published as a
snapshot (``bot.store.snapshots``), not read from this one's state.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from redis.asyncio import Redis

from bot.store.keys import KeySchema
from bot.store.models import M, read_model


class StateStore:
    def __init__(self, redis: Redis, keys: KeySchema) -> None:
        self.redis = redis
        self.keys = keys

    async def get_text(self, name: str) -> str | None:
        raw = await self.redis.get(self.keys.state(name))
        return None if raw is None else str(raw)

    async def set_text(self, name: str, value: str) -> None:
        await self.redis.set(self.keys.state(name), value)

    async def get_json(self, name: str) -> Any | None:
        raw = await self.get_text(name)
        return json.loads(raw) if raw else None

    async def set_json(self, name: str, value: Any) -> None:
        await self.set_text(name, json.dumps(value, default=str))

    async def get_model(self, name: str, model: type[M]) -> M | None:
        """Typed state; None when there is none, or when it no longer reads as ``model``
        (the watcher then starts over as on a first start)."""
        return read_model(await self.get_text(name), model, f"state {name}")

    async def set_model(self, name: str, value: BaseModel) -> None:
        await self.set_text(name, value.model_dump_json())

    async def history_put(self, name: str, entries: Mapping[str, str]) -> None:
        if entries:
            await self.redis.hset(self.keys.history(name), mapping=dict(entries))  # type: ignore[arg-type]

    async def history_get(self, name: str, field: str) -> str | None:
        raw = await self.redis.hget(self.keys.history(name), field)
        return None if raw is None else str(raw)

    async def history_fields(self, name: str) -> list[str]:
        return [str(k) for k in await self.redis.hkeys(self.keys.history(name))]

    async def history_all(self, name: str) -> dict[str, str]:
        raw = await self.redis.hgetall(self.keys.history(name))
        return {str(k): str(v) for k, v in raw.items()}
