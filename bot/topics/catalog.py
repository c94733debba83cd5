"""The topic catalog: which topics this build offers, and what the core gets from them.

``TOPICS`` lists the topic specs in menu order. Everything the core needs of topics is
derived here: the topic directory (names, aliases, titles), the event classes, the
renderers, the watchers of the enabled sources, the live checks and the demo handlers.
To add a topic, write its package with a ``TopicSpec`` and add it to ``TOPICS``.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Iterable
from datetime import date, datetime

from pydantic import BaseModel

from bot.commands.core import BriefPersonal, CommandSpec, StatusCompose
from bot.config import Settings
from bot.domain.brief import AgendaItem, MorningBrief
from bot.domain.calendar import FomcCalendar
from bot.domain.events import EventTypes
from bot.domain.topics import TopicDirectory
from bot.render.brief import render_brief
from bot.render.brief import style as brief_style
from bot.render.formatting import Formatter
from bot.render.renderers import RenderRegistry
from bot.store.snapshots import Snapshots
from bot.topics.base import (
    CheckResult,
    DemoHandler,
    StatusView,
    TopicContext,
    TopicSpec,
    Watcher,
)
from bot.topics.packages import TOPIC_PACKAGES

TOPICS: tuple[TopicSpec, ...] = tuple(
    importlib.import_module(f"bot.topics.{name}.topic").TOPIC for name in TOPIC_PACKAGES)
"""The topics, in the order of ``TOPIC_PACKAGES`` (``bot.topics.packages``)."""


class Catalog:
    def __init__(self, topics: Iterable[TopicSpec] | None = None) -> None:
        self.topics: tuple[TopicSpec, ...] = tuple(TOPICS if topics is None else topics)
        self.directory = TopicDirectory(spec.info for spec in self.topics)
        self.event_types = EventTypes([*(cls for spec in self.topics for cls in spec.events),
                                       MorningBrief])
        self.renderers = RenderRegistry([*(spec.renderers for spec in self.topics),
                                         {"brief": (render_brief, brief_style)}])

    def with_topics(self, *extra: TopicSpec) -> Catalog:
        """This catalog plus ``extra`` topics (a plug-in, or a test's toy topic)."""
        return Catalog((*self.topics, *extra))

    def watchers(self, ctx: TopicContext) -> list[Watcher]:
        """Every watcher of the enabled sources."""
        return [make(ctx) for spec in self.topics if spec.enabled(ctx.settings)
                for make in ((spec.watcher,) if spec.watcher else ()) + spec.more_watchers]

    def demo_handlers(self) -> dict[str, DemoHandler]:
        table: dict[str, DemoHandler] = {}
        for spec in self.topics:
            table.update(spec.demo)
        return table

    @property
    def snapshot_models(self) -> dict[str, type[BaseModel]]:
        return {name: model for spec in self.topics for name, model in spec.snapshots.items()}

    @property
    def latest_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for spec in self.topics for n in spec.latest))

    async def refresh_agenda(self, snapshots: Snapshots) -> None:
        """Let each topic load what its agenda reads from the store (a refreshed schedule)."""
        for spec in self.topics:
            if spec.agenda_refresh is not None:
                await spec.agenda_refresh(snapshots)

    def agenda(self, calendar: FomcCalendar, et_day: date) -> list[AgendaItem]:
        """What every topic publishes on a US Eastern day."""
        return [item for spec in self.topics if spec.agenda is not None
                for item in spec.agenda(calendar, et_day)]

    @property
    def brief_parts(self) -> tuple[BriefPersonal, ...]:
        """The topics' lines about each chat's own settings in its morning brief."""
        return tuple(spec.brief_part for spec in self.topics if spec.brief_part is not None)

    @property
    def news_names(self) -> tuple[str, ...]:
        """The topics whose latest events count as news for "/brief … changes"."""
        return tuple(spec.name for spec in self.topics if spec.news)

    @property
    def commands(self) -> tuple[CommandSpec, ...]:
        """The topics' own chat commands, in catalog order."""
        return tuple(command for spec in self.topics for command in spec.commands)

    async def status_lines(self, ctx: TopicContext, zone: str, now: datetime) -> StatusCompose:
        """Load what every topic's status line reads, once; compose them per language."""
        snapshots = {name: await ctx.snapshots.get_model(name, model)
                     for name, model in self.snapshot_models.items()}
        latest = {name: await ctx.snapshots.latest_event(name) for name in self.latest_names}
        view = StatusView(snapshots, latest, await ctx.calendar.current(), zone, now)
        lines = [spec.status for spec in self.topics if spec.status is not None]

        def compose(f: Formatter) -> list[str]:
            return [text for line in lines if (text := line(f, view))]

        return compose

    async def run_checks(self, settings: Settings) -> list[CheckResult]:
        """Poll each live source once; never raises, every failure is a line."""
        checks = [spec.check(settings) for spec in self.topics
                  if spec.check is not None and spec.enabled(settings)]
        results: list[CheckResult] = []
        for batch in await asyncio.gather(*checks, return_exceptions=True):
            if isinstance(batch, BaseException):
                results.append(CheckResult("internal", False, repr(batch)))
            else:
                results.extend(batch)
        return results

