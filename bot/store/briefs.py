"""When each chat's morning brief is due: a sorted set per partition, scored by time.

Finding the chats due this minute reads only them (``ZRANGEBYSCORE``), never all chats,
so 100,000 chats with a brief cost what the due ones cost. The chat's own setting lives
in its hash (``brief``: ``08:00`` or ``08:00 changes``); the sorted set is the index.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from redis.asyncio import Redis

from bot.domain.brief import BriefSetting
from bot.domain.chats import ChatRef
from bot.store.keys import KeySchema
from bot.store.registry import Registry


class BriefSchedule:
    def __init__(self, redis: Redis, keys: KeySchema, registry: Registry) -> None:
        self.redis = redis
        self.keys = keys
        self.registry = registry

    async def set(self, ref: ChatRef, setting: BriefSetting | None,
                  due: datetime | None) -> None:
        """Turn a chat's brief on at ``due`` (and every day after), or off."""
        await self.registry.set_field(ref, "brief", str(setting) if setting else "")
        key = self.keys.partition_of(ref).briefs
        if setting is None or due is None:
            await self.redis.zrem(key, str(ref))
        else:
            await self.redis.zadd(key, {str(ref): due.timestamp()})

    async def get(self, ref: ChatRef) -> BriefSetting | None:
        raw = await self.redis.hget(self.keys.partition_of(ref).chat(ref), "brief")
        return BriefSetting.parse(str(raw)) if raw else None

    async def due(self, now: datetime, limit: int = 5000) -> list[ChatRef]:
        """Chats whose brief is due at ``now`` or earlier, oldest first."""
        refs: list[ChatRef] = []
        for part in self.keys.all_partitions():
            members = await self.redis.zrangebyscore(part.briefs, "-inf", now.timestamp(),
                                                     start=0, num=limit)
            refs.extend(ChatRef.parse(str(m)) for m in members)
        return refs

    async def reschedule(self, due: Iterable[tuple[ChatRef, datetime | None]]) -> None:
        """Move each chat to its next due time (None: drop it from the index)."""
        pipe = self.redis.pipeline(transaction=False)
        for ref, moment in due:
            key = self.keys.partition_of(ref).briefs
            if moment is None:
                pipe.zrem(key, str(ref))
            else:
                pipe.zadd(key, {str(ref): moment.timestamp()})
        await pipe.execute()

    async def next_due(self) -> datetime | None:
        """The earliest due time of any chat (to sleep until then)."""
        earliest: float | None = None
        async with self.redis.pipeline(transaction=False) as pipe:
            for part in self.keys.all_partitions():
                pipe.zrange(part.briefs, 0, 0, withscores=True)
            firsts = await pipe.execute()
        for first in firsts:
            if first:
                score = float(first[0][1])
                earliest = score if earliest is None else min(earliest, score)
        return datetime.fromtimestamp(earliest).astimezone() if earliest is not None else None
