"""What every transport promises the outbox, and what it may answer.

A transport only translates: it turns an ``AlertMessage`` into its platform's request and
maps the platform's answer onto one of the results below. The delivery worker owns the
policy (retry, deactivate, migrate, dead-letter).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

from bot.commands.core import CommandSpec
from bot.commands.handlers import Commands
from bot.config import ConfigError, Settings
from bot.domain.chats import Chat, ChatRef
from bot.domain.topics import TopicDirectory
from bot.render.message import AlertMessage
from bot.store.registry import Registry
from bot.store.state import StateStore


class RejectedCredentials(ConfigError):
    """The platform refused our token: a configuration mistake, named without the token."""

    def __init__(self, platform: str, variable: str) -> None:
        super().__init__(f"config error: {platform} rejected the token; check it "
                         f"[{variable}]")
        self.platform = platform


@dataclass(frozen=True, slots=True)
class Delivered:
    pass


@dataclass(frozen=True, slots=True)
class RetryAfter:
    """The platform (or our own pacing) says: try this one again in ``seconds``."""

    seconds: float
    pacing: bool = False  # our own limiter, not a 429: not counted as an attempt


@dataclass(frozen=True, slots=True)
class Gone:
    """The chat cannot receive anything any more (blocked, kicked, deleted, not found)."""

    reason: str


@dataclass(frozen=True, slots=True)
class Moved:
    """The chat has a new id (Telegram group upgraded to a supergroup)."""

    new_chat_id: str


@dataclass(frozen=True, slots=True)
class Failed:
    """Anything else: retried with backoff, then dead-lettered."""

    error: str
    permanent: bool = False


DeliveryResult = Delivered | RetryAfter | Gone | Moved | Failed


class Transport(Protocol):
    platform: str

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def deliver(
        self, chat: Chat, message: AlertMessage, attachment: bytes | None
    ) -> DeliveryResult: ...


class FrontEnd(Protocol):
    """Where chat commands come in (a bot's updates or interactions)."""

    platform: str

    @property
    def leader_only(self) -> bool:
        """True when only one instance may run it (one poller or gateway per token)."""
        ...

    async def run(self, stop: asyncio.Event) -> None: ...


@dataclass(frozen=True)
class FrontEndParts:
    """What the wiring hands a platform's front end: settings, the command layer and the
    stores a front end may use."""

    settings: Settings
    redis: Redis
    commands: Commands
    registry: Registry
    topics: TopicDirectory
    state: StateStore


@dataclass(frozen=True)
class FixedChat:
    """A chat the operator declares in the settings (an Apprise target) instead of one a
    user registers with /start: the wiring keeps it registered with these topics."""

    ref: ChatRef
    language: str
    timezone: str
    topics: tuple[str, ...]
    title: str


@dataclass(frozen=True)
class PlatformSpec:
    """One messenger, as its folder declares it: the chat platforms it delivers to, whether
    the settings turn it on, and how to build its transports and front end. Adding a
    platform is its folder and one line in the wiring's list (``bot.app.PLATFORMS``)."""

    name: str
    chat_platforms: tuple[str, ...]  # outbox streams it reads ("discord", "webhook")
    configured: Callable[[Settings], bool]
    transports: Callable[[Settings, Redis | None], list[Transport]]
    front_end: Callable[[FrontEndParts], FrontEnd] | None = None
    fixed_chats: Callable[[Settings], list[FixedChat]] | None = None
    """Chats declared in the settings (one-way outputs), registered at start."""
    commands: tuple[CommandSpec, ...] = ()
    """Its own chat commands (``/channel``), in the one command table."""
