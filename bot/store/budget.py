"""One send budget for every instance: Telegram's overall rate and each chat's, in Redis.

Each send reserves the next free slot (as ``bot.platforms.pacing.Pacer`` does in one
process) through an atomic script, so three instances together keep to about 30
messages a second and to each chat's limit, and adding instances adds throughput for
slow sends without ever exceeding the limits. The keys of one platform share a hash tag:
on a cluster they live on one node, and each reservation stays one atomic step.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from redis.asyncio import Redis

from bot.store.scripts import Scripts

GLOBAL_AFTER_CHATS = 3  # distinct chats refused within a second: the overall limit
CHAT_MARGIN = 0.05  # seconds added to a chat's interval: two sends a slot apart can
# arrive a few ms closer than they left (the network, a busy loop), and Telegram counts
# arrivals (bench/failover.py: replies to one chat a bare second apart earned 429s)


def chat_interval(*, group: bool, group_per_minute: float, private_per_second: float) -> float:
    """Seconds between two sends to one chat: the platform's limit plus ``CHAT_MARGIN``."""
    return (60.0 / group_per_minute if group else 1.0 / private_per_second) + CHAT_MARGIN


class SendBudget:
    def __init__(self, redis: Redis, prefix: str, platform: str, *, per_second: float,
                 group_per_minute: float, private_per_second: float,
                 max_wait: float = 1.0) -> None:
        self.redis = redis
        self.tag = f"{prefix}:{{budget-{platform}}}"
        self.per_second = per_second
        self.group_per_minute = group_per_minute
        self.private_per_second = private_per_second
        self.max_wait = max_wait
        self._scripts = Scripts(redis)

    def _chat(self, chat: str) -> str:
        return f"{self.tag}:chat:{chat}"

    async def reserve(self, chat: str, *, group: bool, count: int = 1) -> float:
        """Seconds to wait before sending (the slot is then taken), or minus the seconds
        the chat stays busy when that is more than ``max_wait`` (nothing is taken: ask
        again later; a send that went anyway would bunch with those that took the slots).
        A slot is never reserved further ahead than ``max_wait``: every chat's send moves
        the overall next slot to its own."""
        interval_ms = round(1000 * chat_interval(
            group=group, group_per_minute=self.group_per_minute,
            private_per_second=self.private_per_second))
        result = await self._scripts.budget_reserve(
            keys=[f"{self.tag}:overall", self._chat(chat), f"{self.tag}:paused"],
            args=[self.per_second, interval_ms, count, round(self.max_wait * 1000)])
        return int(result) / 1000

    async def paused_for(self) -> float:
        """Seconds every send still waits after a 429 for several chats at once (0: none):
        a send that reserved its slot before the pause asks this before it goes."""
        return int(await self._scripts.budget_paused(keys=[f"{self.tag}:paused"])) / 1000

    async def refused(self, chat: str, seconds: float) -> bool:
        """Record a 429; True when it paused every send (several chats refused at once)."""
        return bool(await self._scripts.budget_refused(
            keys=[self._chat(chat), f"{self.tag}:refusals", f"{self.tag}:paused"],
            args=[chat, seconds, GLOBAL_AFTER_CHATS]))


class PaidBroadcasts:
    """Telegram's paid broadcasts (``allow_paid_broadcast``, up to 1,000 messages a
    second, charged in Stars): used only for an event whose fan-out is larger than
    ``threshold`` chats, and for at most ``cap`` of its messages (counted in the store,
    for every instance); the rest go at the free rate."""

    def __init__(self, redis: Redis, prefix: str, *, threshold: int, cap: int,
                 size_of: Callable[[str], Awaitable[int]]) -> None:
        self.redis = redis
        self.prefix = prefix
        self.threshold = threshold
        self.cap = cap
        self.size_of = size_of
        self._sizes: dict[str, int] = {}

    async def use_paid(self, event_key: str) -> bool:
        size = self._sizes.get(event_key)
        if size is None:
            size = await self.size_of(event_key)
            if len(self._sizes) > 1000:
                self._sizes.clear()
            self._sizes[event_key] = size
        if size <= self.threshold:
            return False
        key = f"{self.prefix}:paid:{event_key}"
        used = await self.redis.incr(key)
        if used == 1:
            await self.redis.expire(key, 2 * 24 * 3600)
        return int(used) <= self.cap
