"""The macro topic: the CPI, the jobs report, PCE inflation and GDP, read from BLS and BEA."""

from __future__ import annotations

from datetime import date

from bot.domain.brief import AgendaItem
from bot.domain.calendar import FomcCalendar
from bot.domain.topics import TopicInfo
from bot.render.formatting import Formatter
from bot.render.i18n import N_
from bot.store.snapshots import Snapshots
from bot.topics.base import StatusView, TopicSpec
from bot.topics.macro import render
from bot.topics.macro.commands import COMMANDS
from bot.topics.macro.events import MacroPreview, MacroRelease
from bot.topics.macro.schedule import ScheduledRelease, due_on, packaged
from bot.topics.macro.settings import MacroSettings
from bot.topics.macro.watcher import DEMO_HANDLERS, MacroWatcher, check, stored_schedule


def status(f: Formatter, view: StatusView) -> str | None:
    latest = view.latest.get("macro")
    if not isinstance(latest, MacroRelease):
        return f._("Macro releases: none read yet")
    return f._("Macro releases: latest {title}").format(title=render.title(f, latest))


_SCHEDULE: list[ScheduledRelease] = packaged()  # as last loaded from the store


async def load_schedule(snapshots: Snapshots) -> None:
    """The schedule the leader refreshed (the brief calls this before each round)."""
    _SCHEDULE[:] = await stored_schedule(snapshots)


def agenda(calendar: FomcCalendar, et_day: date) -> list[AgendaItem]:
    """The releases due on this US Eastern day (the morning brief's "Today" line)."""
    items = []
    for entry in due_on(_SCHEDULE, et_day):
        moment = entry.moment()
        if moment is not None:
            items.append(AgendaItem("macro", render.SERIES_TITLES[entry.kind], moment))
    return items


TOPIC = TopicSpec(
    info=TopicInfo("macro", N_("US macro releases (CPI, jobs, PCE, GDP)"),
                   aliases=("cpi", "jobs", "nfp", "pce", "gdp", "經濟數據", "總經")),
    events=(MacroRelease, MacroPreview),
    renderers={"macro_release": (render.render, render.style),
               "macro_preview": (render.render_preview, render.preview_style)},
    enabled=lambda settings: (settings.sources.macro
                              and settings.section("macro", MacroSettings).enabled),
    watcher=MacroWatcher,
    check=check,
    demo=DEMO_HANDLERS,
    latest=("macro",),
    status=status,
    commands=COMMANDS,
    agenda=agenda,
    agenda_refresh=load_schedule,
    news=True,
)
