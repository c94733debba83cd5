"""How many commands a chat and each of its members may send: token buckets, counted when
a command arrives (not when its turn comes), so a flood is refused at once.

Each member has a small allowance of their own (fifteen members asking ``/help`` after a
decision are fifteen askers, not one channel), and the chat a larger one that backs it
(many members at once must not queue more replies than the platform lets the chat get).
The first refused command of a member gets one notice; the rest of the flood, silence
until the member slows down.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass


class Verdict(enum.Enum):
    ADMITTED = "admitted"
    NOTICE = "notice"  # refused, and told so (once)
    SILENT = "silent"  # refused again: nothing more to say


@dataclass
class _Bucket:
    tokens: float
    last: float
    told: bool = False


@dataclass(frozen=True)
class Rate:
    burst: float  # commands at once ...
    per_second: float  # ... and then on average


MEMBER_RATE = Rate(burst=10.0, per_second=0.5)
CHAT_RATE = Rate(burst=20.0, per_second=1.0)
FORGET_AFTER = 120.0  # a bucket full again after this long is dropped
KEPT_BUCKETS = 50_000


class CommandAllowance:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic, *,
                 member: Rate = MEMBER_RATE, chat: Rate = CHAT_RATE) -> None:
        self.monotonic = monotonic
        self.member_rate = member
        self.chat_rate = chat
        self._buckets: dict[str, _Bucket] = {}

    def admit(self, chat: str, member: str | None) -> Verdict:
        """Take one command from the member's allowance and the chat's; a command without
        a known sender (a channel post) counts against the chat alone."""
        now = self.monotonic()
        if len(self._buckets) > KEPT_BUCKETS:
            self._buckets = {key: bucket for key, bucket in self._buckets.items()
                             if now - bucket.last < FORGET_AFTER}
        own = self._bucket(f"{chat}|{member}" if member else chat,
                           self.member_rate if member else self.chat_rate, now)
        shared = self._bucket(chat, self.chat_rate, now) if member else own
        if own.tokens >= 1 and shared.tokens >= 1:
            own.tokens -= 1
            if shared is not own:
                shared.tokens -= 1
            own.told = False
            return Verdict.ADMITTED
        if own.told:
            return Verdict.SILENT
        own.told = True
        return Verdict.NOTICE

    def _bucket(self, key: str, rate: Rate, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(rate.burst, now)
        bucket.tokens = min(rate.burst, bucket.tokens + (now - bucket.last) * rate.per_second)
        bucket.last = now
        return bucket
