"""Telegram as the wiring sees it: on with a token; a transport paced by the shared send
budget (and paid broadcasts when allowed); a front end (long polling or a webhook).
The Bot API library is imported when a part is built, not with this module."""

from __future__ import annotations

from redis.asyncio import Redis

from bot.config import Settings
from bot.domain.events import EventTypes
from bot.platforms.base import FrontEnd, FrontEndParts, PlatformSpec, Transport
from bot.platforms.telegram.commands import COMMANDS
from bot.store.budget import PaidBroadcasts, SendBudget
from bot.store.keys import KeySchema
from bot.store.records import EventRecords
from bot.store.threads import SentMessages


def telegram_budget(settings: Settings, redis: Redis, *, paid: bool = False) -> SendBudget:
    """Telegram's limits as one budget in the store: alerts and replies, every instance
    (``paid``: the paid broadcasts' own overall rate, the same per-chat limits)."""
    telegram = settings.telegram
    return SendBudget(redis, settings.key_prefix, "telegram-paid" if paid else "telegram",
                      per_second=telegram.paid_messages_per_second if paid
                      else telegram.messages_per_second,
                      group_per_minute=telegram.group_messages_per_minute,
                      private_per_second=telegram.private_messages_per_second)


def transports(settings: Settings, redis: Redis | None) -> list[Transport]:
    """With ``redis``, the pacing is one budget in the store shared by every instance
    (``telegram.shared_budget``)."""
    from bot.platforms.telegram.sender import TelegramTransport

    telegram = settings.telegram
    budget = telegram_budget(settings, redis) \
        if redis is not None and telegram.shared_budget else None
    paid = paid_budget = None
    if redis is not None and telegram.paid_broadcast:
        records = EventRecords(redis, KeySchema(settings.key_prefix, settings.partitions),
                               EventTypes())
        paid = PaidBroadcasts(redis, settings.key_prefix,
                              threshold=telegram.paid_broadcast_threshold,
                              cap=telegram.paid_broadcast_cap, size_of=records.fanout_size)
        paid_budget = telegram_budget(settings, redis, paid=True)
    threads = SentMessages(redis, settings.key_prefix) if redis is not None else None
    return [TelegramTransport.from_settings(settings, budget, paid=paid,
                                            paid_shared=paid_budget, threads=threads)]


def front_end(parts: FrontEndParts) -> FrontEnd:
    from bot.platforms.telegram.front import TelegramFrontEnd

    budget = telegram_budget(parts.settings, parts.redis) \
        if parts.settings.telegram.shared_budget else None
    return TelegramFrontEnd(parts.settings, parts.commands, parts.registry, budget)


PLATFORM = PlatformSpec(name="telegram", chat_platforms=("telegram",),
                        configured=lambda settings: settings.telegram.token is not None,
                        transports=transports, front_end=front_end, commands=COMMANDS)
