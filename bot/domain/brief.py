"""The morning brief: one message per chat at a time it chooses, in its own zone.

The text is composed when the brief is due (from every topic's status line, each topic's
part about the chat's own settings, such as its nearest BTC levels, and what is scheduled
that day), once per group of chats that would read the same words: same zone, same
minute, same parts. So the event carries its finished lines per language; rendering only
picks them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field

from bot.domain.errors import InvalidBriefTime
from bot.domain.events import BaseEvent

TOPIC = "brief"


@dataclass(frozen=True, slots=True)
class AgendaItem:
    """Something a topic publishes at a known time (the morning brief's "Today" line):
    ``name`` identifies it, ``label`` is its catalog msgid."""

    name: str
    label: str
    when: datetime


class MorningBrief(BaseEvent):
    kind: Literal["brief"] = "brief"
    local_date: date
    zone: str
    at: str = Field(description="The chats' chosen local time, HH:MM")
    group: str = Field(description="What else the chats share (their nearest levels)")
    titles: dict[str, str]
    lines: dict[str, tuple[str, ...]]

    @property
    def key(self) -> str:
        return f"brief:{self.local_date.isoformat()}:{self.zone}:{self.at}:{self.group}"

    @property
    def topic(self) -> str:
        return TOPIC


@dataclass(frozen=True, slots=True)
class BriefSetting:
    at: time
    changes_only: bool = False

    def __str__(self) -> str:
        return f"{self.at:%H:%M}" + (" changes" if self.changes_only else "")

    @classmethod
    def parse(cls, text: str) -> BriefSetting | None:
        """``08:00``, ``8``, ``08:00 changes``; ``off`` → None."""
        words = text.strip().lower().split()
        if not words or words[0] in ("off", "關閉", "关闭", "stop"):
            return None
        match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?", words[0])
        rest = words[1:]
        if not match or rest not in ([], ["changes"], ["change"], ["有變動"]):
            raise InvalidBriefTime(text, value=text)
        hours, minutes = int(match.group(1)), int(match.group(2) or 0)
        if hours > 23 or minutes > 59:
            raise InvalidBriefTime(text, value=text)
        return cls(time(hours, minutes), changes_only=bool(rest))


def next_due(setting: BriefSetting, zone: str, now: datetime) -> datetime:
    """The next moment the brief is due: today's (or tomorrow's) local time in ``zone``."""
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    for days in (0, 1, 2):
        day = local.date() + timedelta(days=days)
        moment = datetime.combine(day, setting.at, tz)
        if moment > now:
            return moment
    return datetime.combine(local.date() + timedelta(days=1), setting.at, tz)  # pragma: no cover
