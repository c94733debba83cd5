"""Smooth send pacing: an overall rate and a per-chat rate, without an initial burst.

Telegram allows about 30 messages a second overall, 1 a second in one chat and 20 a
minute in one group. A leaky bucket lets a burst through and earns 429s; here every send
reserves the next free slot instead, so sends are spread evenly from the first one. A
chat whose next slot is more than ``max_wait`` away is not waited for: the caller gets
the delay back and reschedules that delivery, so one busy group never holds up the rest.
A 429 pauses the chat it came for, for its ``retry_after``; only when several chats are
refused within a second (Telegram's overall limit) does it pause every send.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot import metrics
from bot.store.budget import GLOBAL_AFTER_CHATS, chat_interval

LATE_TOLERANCE = 0.05  # seconds a send may wake after its slot and still take it
LATE_RETRIES = 3  # new slots taken for one send woken late, before it goes anyway


class SharedBudget(Protocol):
    """The same reservations kept in the store for every instance (``bot.store.budget``)."""

    max_wait: float  # how far ahead a chat's slot is reserved; further: "busy", none taken

    async def reserve(self, chat: str, *, group: bool, count: int = 1) -> float: ...

    async def paused_for(self) -> float: ...

    async def refused(self, chat: str, seconds: float) -> bool: ...


@dataclass
class Pacer:
    per_second: float = 28.0
    group_per_minute: float = 19.0
    private_per_second: float = 1.0
    max_wait: float = 1.0
    clock: object = field(default=time.monotonic, repr=False)
    shared: SharedBudget | None = field(default=None, repr=False)
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)
    _global_next: float = 0.0
    _chat_next: dict[str, float] = field(default_factory=dict)
    _paused_until: float = 0.0
    _recent_refusals: list[tuple[float, str]] = field(default_factory=list)

    def _now(self) -> float:
        return self.clock()  # type: ignore[operator]

    def reserve(self, chat: str, *, group: bool, count: int = 1) -> float:
        """Reserve ``count`` sends to ``chat``; returns the seconds to sleep before sending,
        or a negative number: the chat is busy for that many seconds (do not send now)."""
        now = self._now()
        interval = chat_interval(group=group, group_per_minute=self.group_per_minute,
                                 private_per_second=self.private_per_second)
        chat_next = self._chat_next.get(chat, 0.0)
        start = max(now, self._global_next, self._paused_until, chat_next)
        if chat_next - now > self.max_wait:
            return -(chat_next - now)
        self._global_next = start + count / self.per_second
        self._chat_next[chat] = start + count * interval
        if len(self._chat_next) > 50_000:  # forget chats whose slot has long passed
            self._chat_next = {k: v for k, v in self._chat_next.items() if v > now}
        return start - now

    async def wait(self, chat: str, *, group: bool, count: int = 1) -> float | None:
        """Sleep until the reserved slot; None when done, else the seconds the chat is busy.
        With a shared budget the slot is reserved in the store, for every instance.

        A send woken later than its slot (a loaded machine) takes a new slot rather than
        going out beside the sends that reserved the next ones: bunched sends are what
        earns 429s when three instances share one budget. So does a send whose slot came
        inside a pause of every send (several chats refused at once while it slept): the
        slots reserved before a 429 are not spent into the limit it announced."""
        for _ in range(LATE_RETRIES + 1):
            if self.shared is not None:
                delay = await self.shared.reserve(chat, group=group, count=count)
            else:
                delay = self.reserve(chat, group=group, count=count)
            if delay < 0:
                return -delay
            if delay <= 0:
                return None
            due = self._now() + delay
            await self.sleep(delay)
            if self._now() - due > max(LATE_TOLERANCE, 1.0 / self.per_second):
                metrics.SENDS_WOKEN_LATE.inc()
                continue
            if not await self._paused():
                return None
        return None

    async def _paused(self) -> bool:
        """Whether every send waits now (a pause set while this one slept)."""
        if self.shared is not None:
            return await self.shared.paused_for() > 0
        return self._paused_until > self._now()

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._now() + seconds)

    async def refused_shared(self, chat: str, seconds: float) -> None:
        """A 429, told to every instance when the budget is shared (else as ``refused``)."""
        if self.shared is not None:
            await self.shared.refused(chat, seconds)
        else:
            self.refused(chat, seconds)

    def refused(self, chat: str, seconds: float) -> None:
        """A 429 for ``chat``: that chat waits; many chats refused at once: everyone waits."""
        now = self._now()
        self._chat_next[chat] = max(self._chat_next.get(chat, 0.0), now + seconds)
        self._recent_refusals = [(at, c) for at, c in self._recent_refusals if now - at < 1.0]
        self._recent_refusals.append((now, chat))
        if len({c for _, c in self._recent_refusals}) >= GLOBAL_AFTER_CHATS:
            self.pause(seconds)
