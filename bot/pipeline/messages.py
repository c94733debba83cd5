"""The alert a chat receives: stored event → rendered sections, cached per (language, zone).

An event's text is rendered once per (language, time zone) and stored beside its record
(``bot.store.records``), so 100,000 chats reading Chinese in Taipei cost one rendering,
not 100,000; a chat in another zone costs one more, the first time. Each worker also
keeps the latest few sections in memory.
"""

from __future__ import annotations

from collections import OrderedDict

from bot.domain.chats import Language
from bot.domain.events import BaseEvent
from bot.render.message import AlertMessage, Section
from bot.render.renderers import RenderRegistry
from bot.store.records import EventRecords

LOCAL_CACHE_SIZE = 256


class MessageRenderer:
    def __init__(self, records: EventRecords, renderers: RenderRegistry) -> None:
        self.records = records
        self.renderers = renderers
        self._sections: OrderedDict[tuple[str, str, str], Section] = OrderedDict()

    async def prerender(self, event: BaseEvent, zones: tuple[str, ...]) -> None:
        """Render the common variants up front (both languages in the default zones)."""
        for zone in zones:
            for language in Language.BOTH.singles:
                await self.section(event, language, zone)

    async def message_for(self, event_key: str, language: Language, zone: str,
                          *, silent: bool = False) -> AlertMessage | None:
        event = await self.records.load_event(event_key)
        if event is None:
            return None
        sections = tuple([await self.section(event, single, zone)
                          for single in language.singles])
        return self.renderers.assemble(event, language, sections, silent=silent)

    async def section(self, event: BaseEvent, language: Language, zone: str) -> Section:
        cache_key = (event.key, language.value, zone)
        section = self._sections.get(cache_key)
        if section is not None:
            self._sections.move_to_end(cache_key)
            return section
        variant = f"{language.value}|{zone}"
        raw = await self.records.rendered(event.key, variant)
        if raw is None:
            section = self.renderers.section(event, language, zone)
            await self.records.save_rendered(event.key, variant, section.to_json())
        else:
            section = Section.from_json(raw)
        self._sections[cache_key] = section
        while len(self._sections) > LOCAL_CACHE_SIZE:
            self._sections.popitem(last=False)
        return section
