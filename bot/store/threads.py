"""Which message an alert became in each chat, so a follow-up can be sent as a reply to it
(the implementation note under its decision). Kept two days; a platform that cannot
thread, or a chat whose message is unknown, just sends the follow-up on its own."""

from __future__ import annotations

from redis.asyncio import Redis

from bot.domain.chats import ChatRef

KEEP_SECONDS = 2 * 24 * 3600


class SentMessages:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    def _key(self, event_key: str) -> str:
        return f"{self.prefix}:sent-message:{{{event_key}}}"

    async def remember(self, event_key: str, chat: ChatRef, message_id: str) -> None:
        key = self._key(event_key)
        await self.redis.hset(key, str(chat), message_id)
        await self.redis.expire(key, KEEP_SECONDS)

    async def lookup(self, event_key: str, chat: ChatRef) -> str | None:
        raw = await self.redis.hget(self._key(event_key), str(chat))
        if raw is None:
            return None
        return raw.decode() if isinstance(raw, bytes) else str(raw)
