"""LINE as the wiring sees it: on with a channel secret and access token; a push transport
and the webhook listener. line-bot-sdk is imported when a part is built."""

from __future__ import annotations

from redis.asyncio import Redis

from bot.config import Settings
from bot.platforms.base import FrontEnd, FrontEndParts, PlatformSpec, Transport


def transports(settings: Settings, redis: Redis | None) -> list[Transport]:
    from bot.platforms.line.sender import LineTransport

    return [LineTransport.from_settings(settings, redis)]


def front_end(parts: FrontEndParts) -> FrontEnd:
    from bot.platforms.line.front import LineFrontEnd

    return LineFrontEnd(parts)


PLATFORM = PlatformSpec(name="line", chat_platforms=("line",),
                        configured=lambda settings: settings.line.access_token is not None,
                        transports=transports, front_end=front_end)
