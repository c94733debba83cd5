"""Noticing a store that came back empty: a restarted Redis without persistence, a wiped
volume, a failover to an empty replica.

Without this, every chat is gone with nothing but a NOGROUP warning in a log, and the bot
looks healthy while it alerts no one. The census keeps a marker key in the store and the
last count of chats (in the store and in this process): a marker that vanished while this
process knew chats is a loss, said once in the log (how many chats, how to restore them)
and in ``fedalert health`` until the chats are back.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from redis.asyncio import Redis

from bot.store.keys import KeySchema
from bot.store.registry import Registry

log = logging.getLogger(__name__)

CENSUS_STATE = "census"
RESTORED_SHARE = 0.5  # the loss is over once half the chats are back


@dataclass
class StoreLoss:
    chats_before: int
    counted_at: float
    noticed_at: float

    def as_json(self) -> dict[str, float]:
        """As kept in the marker and in the heartbeat (``StoreLoss(**data)`` reads it)."""
        return asdict(self)


class Census:
    def __init__(self, redis: Redis, keys: KeySchema, registry: Registry,
                 clock: Callable[[], float] = time.time) -> None:
        self.redis = redis
        self.key = keys.state(CENSUS_STATE)
        self.registry = registry
        self.clock = clock
        self.known: tuple[int, float] | None = None  # chats, when counted
        self.loss: StoreLoss | None = None

    async def check(self) -> StoreLoss | None:
        """Count the chats and compare with the marker; returns the loss while there is one."""
        raw = await self.redis.get(self.key)
        chats = await self.registry.count_chats()
        now = self.clock()
        marker = json.loads(raw) if raw else None
        if marker is None:  # a first start, an older version, or a store that lost it
            if self.known is not None and self.known[0] > 0 and self.loss is None:
                self.loss = StoreLoss(self.known[0], self.known[1], now)
                log.error(
                    "the store came back empty: it held %d chats (counted %s) and now holds "
                    "%d. Their subscriptions and price levels are gone; restore them from your "
                    "last export with `fedalert registry import FILE`, and keep the store's "
                    "persistence on (appendonly)", self.loss.chats_before,
                    time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(self.known[1])), chats)
        elif self.known is None:
            self.known = (int(marker.get("chats", 0)), float(marker.get("at", now)))
        if marker is not None and self.loss is None and isinstance(marker.get("lost"), dict):
            self.loss = StoreLoss(**marker["lost"])  # noticed by another instance
        if self.loss is not None and chats >= self.loss.chats_before * RESTORED_SHARE:
            log.warning("the store holds %d chats again (%d before the loss)", chats,
                        self.loss.chats_before)
            self.loss = None
        if self.loss is None:
            self.known = (chats, now)
        await self.redis.set(self.key, json.dumps({
            "chats": chats, "at": now, **({"lost": self.loss.as_json()} if self.loss else {})}))
        return self.loss
