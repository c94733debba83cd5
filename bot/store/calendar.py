"""The FOMC meeting calendar every instance reads: refreshed copy in Redis, else the packaged one.

The leader refreshes it daily (``bot.topics.fomc.schedule``); watchers and commands read
it through ``CalendarStore.current()``, cached for a few minutes per process.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from redis.asyncio import Redis

from bot.domain.calendar import FomcCalendar, load_calendar
from bot.store.keys import KeySchema

CALENDAR_STATE = "calendar"
CACHE_SECONDS = 600


class CalendarStore:
    def __init__(self, redis: Redis, keys: KeySchema,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.redis = redis
        self.key = keys.state(CALENDAR_STATE)
        self.monotonic = monotonic
        self._cached: tuple[float, FomcCalendar] | None = None

    async def current(self) -> FomcCalendar:
        """The refreshed calendar from Redis (cached for a few minutes), else the packaged one."""
        if self._cached and self.monotonic() - self._cached[0] < CACHE_SECONDS:
            return self._cached[1]
        raw = await self.redis.get(self.key)
        calendar = FomcCalendar.from_toml(str(raw)) if raw else load_calendar()
        self._cached = (self.monotonic(), calendar)
        return calendar

    async def save(self, calendar: FomcCalendar) -> None:
        await self.redis.set(self.key, calendar.to_toml())
        self._cached = (self.monotonic(), calendar)
