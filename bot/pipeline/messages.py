"""Events and their rendered texts in Redis, shared by every instance.

An event is stored once under its key. Its text is rendered once per (language, time
zone) and kept in a hash next to it, so 100,000 chats reading Chinese in Taipei cost one
rendering, not 100,000; a chat in another zone costs one more, the first time. Each
worker also keeps the latest few renderings in memory.
"""

from __future__ import annotations

import base64
import json
from collections import OrderedDict

from redis.asyncio import Redis

from bot.domain.chats import Language
from bot.domain.events import BaseEvent, Event, event_from_json, event_to_json
from bot.render.message import AlertMessage, Section
from bot.render.renderers import attachment_name, render_section, style_of
from bot.store.keys import KeySchema

EVENT_TTL_SECONDS = 400 * 24 * 3600
LOCAL_CACHE_SIZE = 256


class MessageStore:
    def __init__(self, redis: Redis, keys: KeySchema) -> None:
        self.redis = redis
        self.keys = keys
        self._sections: OrderedDict[tuple[str, str, str], Section] = OrderedDict()
        self._events: OrderedDict[str, Event] = OrderedDict()

    async def save_event(self, event: BaseEvent, audience: dict[str, object]) -> str:
        """Store a new event as ``pending`` fan-out; returns ``new``, ``pending`` or ``done``.

        ``SET NX`` makes the first writer win: the same happening published twice, by two
        instances or after a restart, keeps one record, and the status says whether its
        fan-out still has to run (a crash between storing and fanning out).
        """
        record = json.dumps({"status": "pending", "audience": audience,
                             "event": json.loads(event_to_json(event))})
        key = self.keys.event(event.key)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(key, record, nx=True, ex=EVENT_TTL_SECONDS)
            pipe.hset(self.keys.pending_fanouts, event.key, json.dumps(audience))
            stored, _ = await pipe.execute()
        if stored:
            return "new"
        raw = await self.redis.get(key)
        status = json.loads(raw)["status"] if raw else "pending"
        if status == "done":
            await self.redis.hdel(self.keys.pending_fanouts, event.key)
        return status

    async def mark_done(self, event_key: str) -> None:
        key = self.keys.event(event_key)
        raw = await self.redis.get(key)
        if raw is not None:
            record = json.loads(raw)
            record["status"] = "done"
            await self.redis.set(key, json.dumps(record), xx=True, keepttl=True)
        await self.redis.hdel(self.keys.pending_fanouts, event_key)

    async def pending(self) -> dict[str, dict[str, object]]:
        """Events whose fan-out has not finished, with their audience."""
        raw = await self.redis.hgetall(self.keys.pending_fanouts)
        return {key: json.loads(value) for key, value in raw.items()}

    async def load_event(self, event_key: str) -> Event | None:
        cached = self._events.get(event_key)
        if cached is not None:
            return cached
        raw = await self.redis.get(self.keys.event(event_key))
        if raw is None:
            return None
        event = event_from_json(json.dumps(json.loads(raw)["event"]))
        self._remember(self._events, event_key, event)
        return event

    async def save_attachment(self, event_key: str, name: str, data: bytes) -> None:
        await self.redis.hset(self.keys.attachment(event_key), name,
                              base64.b64encode(data).decode())
        await self.redis.expire(self.keys.attachment(event_key), EVENT_TTL_SECONDS)

    async def load_attachment(self, event_key: str, name: str) -> bytes | None:
        raw = await self.redis.hget(self.keys.attachment(event_key), name)
        return base64.b64decode(raw) if raw else None

    async def prerender(self, event: BaseEvent, zones: tuple[str, ...]) -> None:
        """Render the common variants up front (both languages in the default zones)."""
        for zone in zones:
            for language in (Language.ZH_HANT, Language.EN):
                await self._section(event, language, zone)

    async def message_for(self, event_key: str, language: Language, zone: str,
                          *, silent: bool = False) -> AlertMessage | None:
        event = await self.load_event(event_key)
        if event is None:
            return None
        sections = tuple([await self._section(event, single, zone)
                          for single in language.singles])
        return AlertMessage(event_key, style_of(event), sections,
                            attachment=attachment_name(event, language), silent=silent)

    async def _section(self, event: BaseEvent, language: Language, zone: str) -> Section:
        cache_key = (event.key, language.value, zone)
        section = self._sections.get(cache_key)
        if section is not None:
            self._sections.move_to_end(cache_key)
            return section
        field = f"{language.value}|{zone}"
        hash_key = self.keys.rendered(event.key)
        raw = await self.redis.hget(hash_key, field)
        if raw is None:
            section = render_section(event, language, zone)
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.hsetnx(hash_key, field, section.to_json())
                pipe.expire(hash_key, EVENT_TTL_SECONDS)
                await pipe.execute()
        else:
            section = Section.from_json(raw)
        self._remember(self._sections, cache_key, section)
        return section

    @staticmethod
    def _remember(cache: OrderedDict, key: object, value: object) -> None:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > LOCAL_CACHE_SIZE:
            cache.popitem(last=False)
