"""What a topic is to the rest of the bot: its spec, the context it runs in, its watcher.

A topic package (``bot/topics/<name>/``) owns its source, parsing, events, rendering,
status line and demo adapter, and describes itself with one ``TopicSpec``; the catalog
(``bot.topics.catalog``) lists the specs. The core reaches a topic only through its spec,
and a topic reaches the core only through ``TopicContext``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

import httpx
from pydantic import BaseModel

from bot import metrics
from bot.commands.core import BriefPersonal, CommandSpec
from bot.config import Settings
from bot.domain.brief import AgendaItem
from bot.domain.calendar import FomcCalendar
from bot.domain.chats import ChatRef
from bot.domain.events import BaseEvent
from bot.domain.ports import Publishes
from bot.domain.topics import TopicInfo
from bot.render.formatting import Formatter
from bot.render.renderers import Renderer, Styler
from bot.store.calendar import CalendarStore
from bot.store.records import EventRecords
from bot.store.registry import Registry
from bot.store.snapshots import Snapshots
from bot.store.state import StateStore
from bot.topics.http import make_http_client


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class TopicContext:
    """Everything a topic may use: publish, remember, read the calendar; nothing else."""

    settings: Settings
    publisher: Publishes
    snapshots: Snapshots
    records: EventRecords
    state: StateStore
    registry: Registry
    calendar: CalendarStore
    clock: Callable[[], datetime] = utc_now


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One line of ``fedalert check``: what a live source returned, or why it could not."""

    source: str
    ok: bool
    detail: str


class Watcher(Protocol):
    name: str

    async def run(self, stop: asyncio.Event) -> None:
        """Poll or stream until ``stop`` is set, publishing events as they happen."""
        ...


@dataclass(frozen=True)
class Publication:
    """What a demo reading produced: an event, for whom, with which attachments."""

    event: BaseEvent
    chats: Sequence[ChatRef] | None = None
    attachments: Mapping[str, bytes] = field(default_factory=dict)


@dataclass
class DemoContext:
    """A replay's view of a topic: the live context plus scratch state for the scenario."""

    topic: TopicContext
    output_dir: Path
    state: dict[str, Any] = field(default_factory=dict)


DemoHandler = Callable[[Mapping[str, Any], DemoContext], Awaitable[list[Publication]]]
StatusLine = Callable[[Formatter, "StatusView"], str | None]


@dataclass(frozen=True)
class StatusView:
    """What a topic's ``/status`` line may read, already loaded for the chat."""

    snapshots: Mapping[str, BaseModel | None]
    latest: Mapping[str, BaseEvent | None]
    calendar: FomcCalendar
    zone: str
    now: datetime


@dataclass(frozen=True)
class TopicSpec:
    """One topic, end to end. Adding a topic = one package with one of these + a catalog entry."""

    info: TopicInfo
    events: tuple[type[BaseEvent], ...]
    renderers: Mapping[str, tuple[Renderer, Styler]]
    enabled: Callable[[Settings], bool] = lambda settings: True
    watcher: Callable[[TopicContext], Watcher] | None = None
    more_watchers: tuple[Callable[[TopicContext], Watcher], ...] = ()
    """Further loops of the topic (the FOMC topic's meeting-day pieces)."""
    check: Callable[[Settings], Awaitable[list[CheckResult]]] | None = None
    demo: Mapping[str, DemoHandler] = field(default_factory=dict)
    snapshots: Mapping[str, type[BaseModel]] = field(default_factory=dict)
    """The snapshots its status line reads, by name, with their model."""
    latest: tuple[str, ...] = ()  # latest-event names its status line reads
    status: StatusLine | None = None
    commands: tuple[CommandSpec, ...] = ()  # its own chat commands (/fomc, /balance …)
    agenda: Callable[[FomcCalendar, date], list[AgendaItem]] | None = None
    """What it publishes on a US Eastern day (the morning brief's "Today" line)."""
    agenda_refresh: Callable[[Snapshots], Awaitable[None]] | None = None
    """Loads what ``agenda`` reads from the store (the brief calls it before each round)."""
    news: bool = False  # its latest events count as news for "/brief … changes"
    brief_part: BriefPersonal | None = None
    """Its line about each chat's own settings in the morning brief (BTC: nearest levels)."""

    @property
    def name(self) -> str:
        return self.info.name


class PollingWatcher:
    """The loop shared by the HTTP pollers: ``step()`` polls once and says how long to wait.

    The watcher owns its httpx client unless a test hands one in, and closes and forgets
    it when the loop ends: the supervisor's restart after a failure (a store refusing a
    write mid-publication) starts with a new client and polls again, so the event being
    published then is published by the restarted loop. A stop interrupts the wait at once.
    """

    name: str
    settings: Settings
    client: httpx.AsyncClient | None

    async def step(self) -> float:
        raise NotImplementedError

    async def run(self, stop: asyncio.Event) -> None:
        owns_client = self.client is None
        if self.client is None:
            self.client = make_http_client(self.settings)
        try:
            while not stop.is_set():
                with metrics.SOURCE_POLL_SECONDS.labels(self.name).time():
                    delay = await self.step()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
        finally:
            if owns_client and self.client is not None:
                client, self.client = self.client, None
                await client.aclose()
