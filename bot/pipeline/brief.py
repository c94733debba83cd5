"""The morning brief, sent at each chat's chosen time in its own zone.

Every few seconds (or at the next due time) the leader reads the chats whose brief is
due from the schedule index (``bot.store.briefs``: never a scan of all chats), groups
them by what they would read (zone, chosen minute, and each topic's part about the chat's
own settings: the BTC topic's nearest levels, ``TopicSpec.brief_part``), composes each
group's text once from every topic's status line, those parts and what is scheduled that
day, and publishes it to the group. A brief is an event keyed by day, zone, minute
and group: after a crash or with several instances the same brief is a duplicate the
publisher drops, never a second message. ``/brief 08:00 changes`` skips days when no
news came in the last day from a topic whose events count as news (``TopicSpec.news``) and
nothing is on the topics' agenda (``TopicSpec.agenda``). The brief names no topic.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.commands.core import BriefPart, BriefPartFor, BriefPersonal, StatusCompose
from bot.domain.brief import AgendaItem, BriefSetting, MorningBrief, next_due
from bot.domain.calendar import FomcCalendar
from bot.domain.chats import Chat, ChatRef, Language
from bot.domain.ports import Publishes
from bot.render.formatting import Formatter
from bot.store.briefs import BriefSchedule
from bot.store.calendar import CalendarStore
from bot.store.registry import Registry
from bot.store.snapshots import Snapshots

log = logging.getLogger(__name__)
CHECK_EVERY = 30.0
BATCH = 1000

StatusSource = Callable[[str, datetime], Awaitable[StatusCompose]]


@dataclass(frozen=True, slots=True)
class DueChat:
    chat: Chat
    setting: BriefSetting
    parts: tuple[BriefPart, ...]  # the topics' lines about this chat's own settings


Agenda = Callable[[FomcCalendar, date], list[AgendaItem]]
"""What the topics publish on a US Eastern day (``Catalog.agenda``)."""


def scheduled_today(calendar: FomcCalendar, zone: str, local_day: date,
                    agenda: Agenda) -> list[AgendaItem]:
    """What is published on the chat's local day, in time order."""
    tz = ZoneInfo(zone)
    start = datetime.combine(local_day, time(0), tz)
    end = start + timedelta(days=1)
    items = [item for offset in (-1, 0, 1)
             for item in agenda(calendar, local_day + timedelta(days=offset))]
    return sorted((item for item in items if start <= item.when < end),
                  key=lambda item: (item.when, item.name))


class BriefScheduler:
    name = "brief"

    def __init__(self, briefs: BriefSchedule, registry: Registry, publisher: Publishes,
                 status: StatusSource, snapshots: Snapshots, calendar: CalendarStore,
                 clock: Callable[[], datetime] | None = None, *, agenda: Agenda,
                 news: Sequence[str] = (),
                 agenda_refresh: Callable[[Snapshots], Awaitable[None]] | None = None,
                 personal: Sequence[BriefPersonal] = ()) -> None:
        self.briefs = briefs
        self.registry = registry
        self.publisher = publisher
        self.status = status
        self.snapshots = snapshots
        self.calendar = calendar
        self.clock = clock or (lambda: datetime.now(UTC))
        self.agenda = agenda  # the topics' (``Catalog.agenda``): no topic is named here
        self.news = tuple(news)  # topics whose latest events count as news
        self.agenda_refresh = agenda_refresh  # loads what the agenda reads from the store
        self.personal = tuple(personal)  # the topics' parts about a chat's own settings

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.tick(self.clock())
            upcoming = await self.briefs.next_due()
            wait = CHECK_EVERY
            if upcoming is not None:
                wait = min(CHECK_EVERY, max(0.5, (upcoming - self.clock()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)

    async def tick(self, now: datetime) -> int:
        """Send every brief due at ``now``; returns how many chats were due."""
        refs = await self.briefs.due(now)
        if not refs:
            return 0
        makers = [await personal(self.snapshots) for personal in self.personal]
        calendar = await self.calendar.current()
        if self.agenda_refresh is not None:
            await self.agenda_refresh(self.snapshots)
        fresh_news = await self._news_since(now - timedelta(days=1))
        groups: dict[tuple[str, str, str], list[DueChat]] = {}
        moves: list[tuple[ChatRef, datetime | None]] = []
        for start in range(0, len(refs), BATCH):
            for ref, due in zip(refs[start:start + BATCH],
                                await self._load(refs[start:start + BATCH], makers),
                                strict=True):
                if due is None:
                    moves.append((ref, None))  # deleted, stopped or brief turned off
                    continue
                moves.append((ref, next_due(due.setting, due.chat.timezone,
                                            now + timedelta(seconds=1))))
                local_day = now.astimezone(ZoneInfo(due.chat.timezone)).date()
                if due.setting.changes_only and not fresh_news and not scheduled_today(
                        calendar, due.chat.timezone, local_day, self.agenda):
                    continue
                key = (due.chat.timezone, f"{due.setting.at:%H:%M}",
                       "|".join(part.key for part in due.parts))
                groups.setdefault(key, []).append(due)
        composed: dict[str, StatusCompose] = {}
        for (zone, at, group), members in groups.items():
            if zone not in composed:
                composed[zone] = await self.status(zone, now)
            event = self._event(now, zone, at, group, members[0].parts, composed[zone],
                                calendar)
            await self.publisher.publish(event, chats=[m.chat.ref for m in members],
                                         more_chats=True)
        await self.briefs.reschedule(moves)
        log.info("brief: %d chats due, %d briefs in %d groups", len(refs),
                 sum(len(m) for m in groups.values()), len(groups))
        return len(refs)

    async def _load(self, refs: Sequence[ChatRef], makers: Sequence[BriefPartFor]
                    ) -> list[DueChat | None]:
        """The due chats with a brief on, and their parts (one round trip)."""
        out: list[DueChat | None] = []
        for loaded in await self.registry.chats_with_thresholds(refs):
            if loaded is None:
                out.append(None)
                continue
            chat, fields, thresholds = loaded
            setting = BriefSetting.parse(fields["brief"]) if fields.get("brief") else None
            if setting is None or not chat.active:
                out.append(None)
                continue
            out.append(DueChat(chat, setting, tuple(make(thresholds) for make in makers)))
        return out

    async def _news_since(self, since: datetime) -> bool:
        for name in self.news:
            event = await self.snapshots.latest_event(name)
            if event is not None and event.occurred_at >= since:
                return True
        return False

    def _event(self, now: datetime, zone: str, at: str, group: str,
               parts: Sequence[BriefPart], status: StatusCompose,
               calendar: FomcCalendar) -> MorningBrief:
        local_day = now.astimezone(ZoneInfo(zone)).date()
        today = scheduled_today(calendar, zone, local_day, self.agenda)
        titles: dict[str, str] = {}
        lines: dict[str, tuple[str, ...]] = {}
        for language in Language.BOTH.singles:
            f = Formatter(language)
            body = list(status(f))
            body.extend(line for part in parts if (line := part.compose(f)))
            body.append(_today_line(f, today, zone))
            titles[language.value] = f._("Morning brief, {day}").format(day=f.date(local_day))
            lines[language.value] = tuple(body)
        return MorningBrief(occurred_at=now, local_date=local_day, zone=zone, at=at,
                            group=group, titles=titles, lines=lines)


def _today_line(f: Formatter, today: list[AgendaItem], zone: str) -> str:
    if not today:
        return f._("Today: nothing scheduled from the Fed.")
    items = [f._("{what} at {when}").format(what=f._(item.label),
                                            when=f.clock(item.when.astimezone(ZoneInfo(zone))))
             for item in today]
    return f._("Today: {items}.").format(items=f._(", ").join(items))
