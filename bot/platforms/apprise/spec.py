"""Apprise as the wiring sees it: on when the settings list targets; each target is a
chat the wiring registers with its topics and language (no commands: one-way)."""

from __future__ import annotations

from redis.asyncio import Redis

from bot.config import Settings
from bot.domain.chats import ChatRef
from bot.platforms.apprise.targets import target_id
from bot.platforms.base import FixedChat, PlatformSpec, Transport


def fixed_chats(settings: Settings) -> list[FixedChat]:
    chats = []
    for index, target in enumerate(settings.apprise.targets):
        chat_id = target_id(index, target)
        scheme = target.url.get_secret_value().split("://", 1)[0]
        chats.append(FixedChat(ChatRef("apprise", chat_id), target.language, target.timezone,
                               tuple(target.topics), f"{scheme} ({chat_id})"))
    return chats


def transports(settings: Settings, redis: Redis | None) -> list[Transport]:
    from bot.platforms.apprise.sender import AppriseTransport

    return [AppriseTransport(settings)]


PLATFORM = PlatformSpec(name="apprise", chat_platforms=("apprise",),
                        configured=lambda settings: bool(settings.apprise.targets),
                        transports=transports, fixed_chats=fixed_chats)
