"""Render an event into one language's section: the single entry point for alert text.

Each topic registers a renderer per event kind it owns (through the topic catalog); the
registry only dispatches, so a new topic's wording lives in its own package.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from bot.domain.chats import Language
from bot.domain.events import BaseEvent
from bot.render.formatting import Formatter
from bot.render.message import AlertMessage, Section

Renderer = Callable[[Any, Formatter, str], Section]
"""``(event, formatter of one language, time zone) → Section``."""
Styler = Callable[[Any], str]
"""``event → style`` (cut | hike | hold | qt | qe | flat | price_up | price_down | odds | info)."""


class RenderRegistry:
    def __init__(self, entries: Iterable[Mapping[str, tuple[Renderer, Styler]]] = ()) -> None:
        self._by_kind: dict[str, tuple[Renderer, Styler]] = {}
        for mapping in entries:
            self.register(mapping)

    def register(self, mapping: Mapping[str, tuple[Renderer, Styler]]) -> None:
        for kind, pair in mapping.items():
            if kind in self._by_kind and self._by_kind[kind] != pair:
                raise ValueError(f"a renderer for {kind!r} is registered twice")
            self._by_kind[kind] = pair

    def section(self, event: BaseEvent, language: Language, zone: str) -> Section:
        """The text of ``event`` in one single language, with times in ``zone``."""
        renderer, _ = self._by_kind[event.kind]
        f = Formatter(language)
        section = renderer(event, f, zone)
        if event.illustrative:  # never let made-up figures pass for market data
            section = replace(section, lines=(*section.lines, f._(
                "Illustrative figures from the demo scenario, not market data.")))
        return section

    def style(self, event: BaseEvent) -> str:
        _, styler = self._by_kind[event.kind]
        return styler(event)

    def message(self, event: BaseEvent, language: Language, zone: str) -> AlertMessage:
        """Every section a chat with this language setting reads (``both``: zh-Hant, then en)."""
        return self.assemble(event, language, tuple(
            self.section(event, single, zone) for single in language.singles))

    def assemble(self, event: BaseEvent, language: Language, sections: tuple[Section, ...],
                 *, silent: bool = False) -> AlertMessage:
        """The message a chat receives, from its sections (rendered here or cached)."""
        return AlertMessage(event.key, self.style(event), sections,
                            attachment=attachment_name(event, language), silent=silent,
                            reply_to=event.follows_up)


def attachment_name(event: BaseEvent, language: Language) -> str | None:
    """Charts are drawn per language (``<chart>.<language>.png``); ``both`` gets zh-Hant's."""
    chart = getattr(event, "chart", None)
    return f"{chart}.{language.singles[0].value}.png" if chart else None
