"""The topics a deployment offers, as the core sees them: names, aliases, display titles.

Which topics exist is decided by the topic catalog (``bot.topics.catalog``); the registry,
the command table and the front ends receive a ``TopicDirectory`` built from it, so a new
topic needs no edit in the core.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bot.domain.errors import UnknownTopic


@dataclass(frozen=True, slots=True)
class TopicInfo:
    """What a chat command or a button needs to know of a topic."""

    name: str
    title: str  # gettext msgid of the display name, e.g. "FOMC decisions"
    aliases: tuple[str, ...] = ()  # other words a user may type: "fed", "比特幣"


class TopicDirectory:
    """The ordered set of topics, with parsing of what users type."""

    def __init__(self, topics: Iterable[TopicInfo]) -> None:
        self._topics: dict[str, TopicInfo] = {}
        self._words: dict[str, str] = {}
        for info in topics:
            if info.name in self._topics:
                raise ValueError(f"topic {info.name!r} registered twice")
            self._topics[info.name] = info
        for info in self._topics.values():
            self._words[info.name] = info.name
            for alias in info.aliases:
                self._words.setdefault(alias.lower(), info.name)

    def __iter__(self) -> Iterator[TopicInfo]:
        return iter(self._topics.values())

    def __contains__(self, name: object) -> bool:
        return name in self._topics

    def __len__(self) -> int:
        return len(self._topics)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._topics)

    def info(self, name: str) -> TopicInfo:
        return self._topics[name]

    def parse(self, text: str) -> str:
        """A topic name from what a user typed (``"#FOMC"``, ``"比特幣"``)."""
        value = text.strip().lower().lstrip("#")
        name = self._words.get(value)
        if name is None:
            raise UnknownTopic(text, topic=text, choices=list(self._topics))
        return name
