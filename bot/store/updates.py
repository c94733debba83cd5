"""Updates a chat front end has handled, so a re-delivered one is not answered twice.

Telegram hands a poller's unconfirmed updates to the next poller: after a failover the
new leader gets the updates the dead one had already answered (it confirms them only with
its next ``getUpdates``), and a webhook that answered late is called again. An update is
marked once its handlers are done and kept an hour; an update that was being handled
when its process died is not marked, so it is handled again rather than lost.
"""

from __future__ import annotations

import logging

from redis.asyncio import Redis

from bot.store.keys import KeySchema
from bot.store.server import STORE_DOWN_ERRORS

log = logging.getLogger(__name__)

KEEP_SECONDS = 3600


class HandledUpdates:
    def __init__(self, redis: Redis, keys: KeySchema, platform: str) -> None:
        self.redis = redis
        self.keys = keys
        self.platform = platform

    async def already_handled(self, update_id: int) -> bool:
        """True for an update handled before; False when unsure (the store is down): a
        repeated answer is better than a lost command."""
        try:
            return bool(await self.redis.exists(self.keys.handled_update(self.platform,
                                                                         update_id)))
        except STORE_DOWN_ERRORS as exc:
            log.debug("handled-update check skipped: %s", exc)
            return False

    async def mark(self, update_id: int) -> None:
        try:
            await self.redis.set(self.keys.handled_update(self.platform, update_id), 1,
                                 ex=KEEP_SECONDS)
        except STORE_DOWN_ERRORS as exc:
            log.debug("handled-update mark skipped: %s", exc)
