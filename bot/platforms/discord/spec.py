"""Discord as the wiring sees it: on with a token; a transport for channels and DMs and
one for incoming webhooks; the gateway front end. discord.py is imported when a part is
built, not with this module."""

from __future__ import annotations

from redis.asyncio import Redis

from bot.config import Settings
from bot.platforms.base import FrontEnd, FrontEndParts, PlatformSpec, Transport
from bot.platforms.discord.commands import COMMANDS
from bot.store.threads import SentMessages


def transports(settings: Settings, redis: Redis | None) -> list[Transport]:
    from bot.platforms.discord.sender import DiscordTransport, WebhookTransport

    threads = SentMessages(redis, settings.key_prefix) if redis is not None else None
    return [DiscordTransport.from_settings(settings, threads),
            WebhookTransport.from_settings(settings)]


def front_end(parts: FrontEndParts) -> FrontEnd:
    from bot.platforms.discord.front import DiscordFrontEnd

    return DiscordFrontEnd(parts.settings, parts.commands, parts.topics, parts.state)


PLATFORM = PlatformSpec(name="discord", chat_platforms=("discord", "webhook"),
                        configured=lambda settings: settings.discord.token is not None,
                        transports=transports, front_end=front_end, commands=COMMANDS)
