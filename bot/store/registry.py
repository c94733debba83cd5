"""The subscription registry: who gets what, in which language, and their price levels.

Every multi-key change runs as one Lua script over keys of one hash tag (see
``bot.store.keys``), so a crash can never leave a chat half subscribed. Topic sets and
level sorted sets are indexes over *active* chats only: fan-out and the crossed-level
query read them without filtering.
"""

from __future__ import annotations

import asyncio
import json
import time as time_module
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from redis.asyncio import Redis

from bot.domain.chats import (
    Chat,
    ChatKind,
    ChatRef,
    Direction,
    Language,
    QuietHours,
    RepeatMode,
    Threshold,
    Topic,
    check_timezone,
)
from bot.domain.errors import (
    ChatNotRegistered,
    InvalidQuietHours,
    InvalidThreshold,
    ThresholdNotFound,
    TooManyThresholds,
)
from bot.store.keys import KeySchema, Partition
from bot.store.scripts import Scripts
from bot.store.server import is_cluster_client

T = TypeVar("T")
MAX_LEVEL = Decimal("100000000")  # US$100 million per BTC: anything above is a typo


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def parse_quiet_hours(text: str) -> QuietHours | None:
    """``"23:00-07:30"`` → QuietHours; ``"off"`` or empty → None."""
    value = text.strip().lower()
    if value in ("", "off", "none", "關閉", "关闭"):
        return None
    try:
        start_text, end_text = value.replace("–", "-").replace("~", "-").split("-")
        start, end = time.fromisoformat(_pad(start_text)), time.fromisoformat(_pad(end_text))
    except ValueError:
        raise InvalidQuietHours(text, value=text) from None
    if start == end:
        raise InvalidQuietHours(text, value=text)
    return QuietHours(start, end)


def _pad(clock: str) -> str:
    clock = clock.strip()
    if clock.isdigit():
        clock = f"{int(clock):02d}:00"
    hours, _, minutes = clock.partition(":")
    return f"{int(hours):02d}:{minutes or '00'}"


@dataclass(frozen=True, slots=True)
class AddedThreshold:
    threshold: Threshold
    existing: bool  # the chat already had this exact level
    passed: bool = False  # the price was already past it: armed for the next crossing


@dataclass(frozen=True, slots=True)
class CrossedLevel:
    """A level found between the previous and the current price."""

    chat: ChatRef
    threshold_id: int
    level: Decimal


class Registry:
    def __init__(
        self,
        redis: Redis,
        keys: KeySchema,
        topics: Sequence[Topic],
        *,
        max_thresholds: int = 20,
        default_language: Language = Language.BOTH,
        default_timezone: str = "Asia/Taipei",
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.topics: tuple[Topic, ...] = tuple(topics)
        self._topic_names = ",".join(self.topics)
        self.max_thresholds = max_thresholds
        self.default_language = default_language
        self.default_timezone = default_timezone
        self._scripts = Scripts(redis)
        self._levels_known: tuple[float, bool] | None = None

    def _topic_keys(self, part: Partition) -> list[str]:
        return [part.topic(t) for t in self.topics]

    # Chats ---------------------------------------------------------------------------
    async def upsert_chat(
        self,
        ref: ChatRef,
        kind: ChatKind,
        *,
        language: Language | None = None,
        timezone: str | None = None,
        title: str | None = None,
    ) -> bool:
        """Register a chat (defaults for new ones); returns True when it was new."""
        part = self.keys.partition_of(ref)
        tz = check_timezone(timezone or self.default_timezone)
        created = await self._scripts.chat_upsert(
            keys=[part.chat(ref), part.chats],
            args=[str(ref), ref.platform, ref.chat_id, kind.value,
                  (language or self.default_language).value, tz, title or "", _now()],
        )
        return bool(created)

    async def get_chat(self, ref: ChatRef) -> Chat | None:
        data = await self.redis.hgetall(self.keys.partition_of(ref).chat(ref))
        return chat_from_hash(ref, {str(k): str(v) for k, v in data.items()}) if data else None

    async def chats_with_thresholds(self, refs: Sequence[ChatRef]
                                    ) -> list[tuple[Chat, dict[str, str], list[Threshold]] | None]:
        """Many chats, each with all its fields (a feature's own too) and its thresholds,
        in one round trip; None for a chat not registered."""
        pipe = self.redis.pipeline(transaction=False)
        for ref in refs:
            part = self.keys.partition_of(ref)
            pipe.hgetall(part.chat(ref))
            pipe.hgetall(part.thresholds(ref))
        raw = await pipe.execute()
        out: list[tuple[Chat, dict[str, str], list[Threshold]] | None] = []
        for index, ref in enumerate(refs):
            data = {str(k): str(v) for k, v in raw[2 * index].items()}
            if not data:
                out.append(None)
                continue
            thresholds = sorted((threshold_from_json(ref, int(k), str(v))
                                 for k, v in raw[2 * index + 1].items()), key=lambda t: t.id)
            out.append((chat_from_hash(ref, data), data, thresholds))
        return out

    async def require_chat(self, ref: ChatRef) -> Chat:
        chat = await self.get_chat(ref)
        if chat is None:
            raise ChatNotRegistered(str(ref), chat=str(ref))
        return chat

    async def set_language(self, ref: ChatRef, language: Language | str) -> Language:
        lang = language if isinstance(language, Language) else Language.parse(language)
        await self._set_field(ref, "lang", lang.value)
        return lang

    async def set_timezone(self, ref: ChatRef, timezone: str) -> str:
        tz = check_timezone(timezone.strip())
        await self._set_field(ref, "tz", tz)
        return tz

    async def set_quiet_hours(
        self, ref: ChatRef, quiet: QuietHours | str | None
    ) -> QuietHours | None:
        hours = parse_quiet_hours(quiet) if isinstance(quiet, str) else quiet
        await self._set_field(ref, "quiet", str(hours) if hours else "")
        return hours

    async def set_configured_by(self, ref: ChatRef, user_id: str) -> None:
        await self._set_field(ref, "configured_by", user_id)

    async def set_secret(self, ref: ChatRef, secret: str) -> None:
        """A credential the transport needs (a webhook token); kept out of every reply."""
        await self._set_field(ref, "secret", secret)

    async def get_field(self, ref: ChatRef, name: str) -> str | None:
        raw = await self.redis.hget(self.keys.partition_of(ref).chat(ref), name)
        return str(raw) if raw is not None else None

    async def get_fields(self, refs: Sequence[ChatRef], name: str) -> list[str | None]:
        """One field of many chats in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        for ref in refs:
            pipe.hget(self.keys.partition_of(ref).chat(ref), name)
        return [str(v) if v is not None else None for v in await pipe.execute()]

    async def set_field(self, ref: ChatRef, name: str, value: str) -> None:
        """One setting of a registered chat (a feature's own, e.g. the brief's time)."""
        await self._set_field(ref, name, value)

    async def _set_field(self, ref: ChatRef, name: str, value: str) -> None:
        key = self.keys.partition_of(ref).chat(ref)
        if not await self._scripts.chat_set(keys=[key], args=[name, value, "updated", _now()]):
            raise ChatNotRegistered(str(ref), chat=str(ref))

    # Topics --------------------------------------------------------------------------
    async def subscribe(self, ref: ChatRef, *topics: Topic) -> frozenset[Topic]:
        return await self._change_topics(ref, "add", topics or self.topics)

    async def unsubscribe(self, ref: ChatRef, *topics: Topic) -> frozenset[Topic]:
        return await self._change_topics(ref, "remove", topics or self.topics)

    async def set_topics(self, ref: ChatRef, topics: Iterable[Topic]) -> frozenset[Topic]:
        return await self._change_topics(ref, "set", tuple(topics))

    async def _change_topics(
        self, ref: ChatRef, op: str, topics: tuple[Topic, ...]
    ) -> frozenset[Topic]:
        part = self.keys.partition_of(ref)
        joined = await self._scripts.chat_topics(
            keys=[part.chat(ref), *self._topic_keys(part)],
            args=[str(ref), self._topic_names, op, ",".join(topics)],
        )
        if joined is None:
            raise ChatNotRegistered(str(ref), chat=str(ref))
        return frozenset(t for t in joined.split(",") if t)

    async def iter_subscribers(self, topic: Topic, batch: int = 1000) -> AsyncIterator[ChatRef]:
        """Stream the active subscribers of a topic without loading them all at once."""
        for part in self.keys.all_partitions():
            async for member in self.redis.sscan_iter(part.topic(topic), count=batch):
                yield ChatRef.parse(member)

    async def subscriber_fields(self, topic: Topic, name: str, batch: int = 1000
                                ) -> AsyncIterator[tuple[ChatRef, str | None]]:
        """Each active subscriber of a topic with one of its fields, read a thousand
        chats per round trip (who gets a meeting-day preview, a liquidity alert)."""
        async for refs in in_batches(self.iter_subscribers(topic, batch), batch):
            for pair in zip(refs, await self.get_fields(refs, name), strict=True):
                yield pair

    async def count_subscribers(self, topic: Topic) -> int:
        async with self.redis.pipeline(transaction=False) as pipe:
            for part in self.keys.all_partitions():
                pipe.scard(part.topic(topic))
            return sum(await pipe.execute())

    # Lifecycle -----------------------------------------------------------------------
    async def deactivate(self, ref: ChatRef, reason: str) -> bool:
        """Stop delivering to a chat (blocked, kicked, deleted); returns True if it was active."""
        return await self._set_active(ref, False, reason) == 1

    async def reactivate(self, ref: ChatRef) -> bool:
        """Deliver to a chat again with its old settings; returns True if it was inactive."""
        return await self._set_active(ref, True, "") == 0

    async def _set_active(self, ref: ChatRef, active: bool, reason: str) -> int:
        part = self.keys.partition_of(ref)
        result = await self._scripts.chat_active(
            keys=[part.chat(ref), *self._topic_keys(part), part.thresholds(ref),
                  part.levels_up, part.levels_down],
            args=[str(ref), self._topic_names, "1" if active else "0", reason, _now()],
        )
        if result == -1:
            raise ChatNotRegistered(str(ref), chat=str(ref))
        return int(result)

    async def delete_chat(self, ref: ChatRef) -> bool:
        """Forget a chat and all its data (``/stop``)."""
        part = self.keys.partition_of(ref)
        existed = await self._scripts.chat_delete(
            keys=[part.chat(ref), part.chats, *self._topic_keys(part), part.thresholds(ref),
                  *part.level_keys()],
            args=[str(ref), self._topic_names],
        )
        return bool(existed)

    async def migrate(self, old: ChatRef, new: ChatRef) -> bool:
        """Move a chat to a new id (Telegram group → supergroup), keeping everything.

        The two ids may live in different hash-tag groups, so this is two atomic steps:
        write the new chat in full, then delete the old one. Both steps are idempotent; a
        crash in between leaves a complete copy, and running it again finishes the move.
        """
        old_part, new_part = self.keys.partition_of(old), self.keys.partition_of(new)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(old_part.chat(old))
            pipe.hgetall(old_part.thresholds(old))
            fields, thresholds = await pipe.execute()
        if not fields:
            return False
        fields = {**fields, "platform": new.platform, "chat_id": new.chat_id,
                  "migrated_from": str(old), "updated": _now()}
        await self._scripts.chat_import(
            keys=[new_part.chat(new), new_part.chats, *self._topic_keys(new_part),
                  new_part.thresholds(new), *new_part.level_keys()],
            args=[str(new), self._topic_names, json.dumps(fields), json.dumps(thresholds or {})],
        )
        await self.delete_chat(old)
        return True

    async def count_chats(self) -> int:
        """Every registered chat, active or not (one SCARD per partition)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for part in self.keys.all_partitions():
                pipe.scard(part.chats)
            return sum(int(n) for n in await pipe.execute())

    async def iter_chats(self, batch: int = 1000) -> AsyncIterator[ChatRef]:
        for part in self.keys.all_partitions():
            async for member in self.redis.sscan_iter(part.chats, count=batch):
                yield ChatRef.parse(member)

    # Price levels --------------------------------------------------------------------
    async def add_threshold(
        self,
        ref: ChatRef,
        direction: Direction,
        level: Decimal,
        *,
        mode: RepeatMode = RepeatMode.ONCE,
        expires_at: datetime | None = None,
        price: Decimal | None = None,
    ) -> AddedThreshold:
        """Add a level; with the current ``price`` a level already passed waits for the
        price to come back before it can fire (``AddedThreshold.passed``)."""
        level = check_level(level)
        part = self.keys.partition_of(ref)
        created_at = datetime.now(UTC)
        record = {
            "direction": direction.value,
            "level": _level_text(level),
            "mode": mode.value,
            "expires_at": expires_at.isoformat() if expires_at else None,
            "expires_ms": int(expires_at.timestamp() * 1000) if expires_at else None,
            "created_at": created_at.isoformat(timespec="seconds"),
        }
        result = await self._scripts.threshold_add(
            keys=[part.chat(ref), part.thresholds(ref), *part.level_keys()],
            args=[str(ref), self.max_thresholds, direction.value, _level_text(level),
                  json.dumps(record), str(price) if price is not None else ""],
        )
        code = int(result[0])
        if code == -2:
            raise ChatNotRegistered(str(ref), chat=str(ref))
        if code == -1:
            raise TooManyThresholds(str(ref), limit=self.max_thresholds)
        if code == -3:
            existing = await self.get_threshold(ref, int(result[1]))
            assert existing is not None
            return AddedThreshold(existing, existing=True)
        threshold = Threshold(ref, code, direction, level, mode, expires_at, created_at)
        self._levels_known = (time_module.monotonic(), True)
        return AddedThreshold(threshold, existing=False, passed=bool(int(result[1])))

    async def get_threshold(self, ref: ChatRef, threshold_id: int) -> Threshold | None:
        raw = await self.redis.hget(self.keys.partition_of(ref).thresholds(ref), str(threshold_id))
        return threshold_from_json(ref, threshold_id, str(raw)) if raw else None

    async def list_thresholds(self, ref: ChatRef) -> list[Threshold]:
        data = await self.redis.hgetall(self.keys.partition_of(ref).thresholds(ref))
        items = [threshold_from_json(ref, int(k), str(v)) for k, v in data.items()]
        return sorted(items, key=lambda t: t.id)

    async def remove_threshold(self, ref: ChatRef, threshold_id: int) -> None:
        part = self.keys.partition_of(ref)
        removed = await self._scripts.threshold_remove(
            keys=[part.thresholds(ref), *part.level_keys()],
            args=[str(ref), threshold_id],
        )
        if not removed:
            raise ThresholdNotFound(str(threshold_id), id=threshold_id)

    async def has_levels(self, max_age_seconds: float = 60.0) -> bool:
        """Whether any chat has a BTC level (armed or waiting to re-arm), checked at most
        once a ``max_age_seconds``: with none, a price tick costs no query."""
        now = time_module.monotonic()
        if self._levels_known is not None and now - self._levels_known[0] < max_age_seconds:
            return self._levels_known[1]
        async with self.redis.pipeline(transaction=False) as pipe:
            for part in self.keys.all_partitions():
                for key in part.level_keys():
                    pipe.zcard(key)
            counts = await pipe.execute()
        self._levels_known = (now, any(int(c) for c in counts))
        return self._levels_known[1]

    async def crossed_levels(self, previous: Decimal, current: Decimal) -> list[CrossedLevel]:
        """Levels crossed by a move from ``previous`` to ``current`` (range queries only).

        A fall fires ``below``/``cross`` levels in ``[current, previous)``; a rise fires
        ``above``/``cross`` levels in ``(previous, current]``. Touching a level counts.
        """
        if current == previous:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for part in self.keys.all_partitions():
                if current < previous:
                    pipe.zrangebyscore(part.levels_down, str(current), f"({previous}",
                                       withscores=True)
                else:
                    pipe.zrangebyscore(part.levels_up, f"({previous}", str(current),
                                       withscores=True)
            results = await pipe.execute()
        crossed: list[CrossedLevel] = []
        for rows in results:
            for member, score in rows:
                ref_text, _, threshold_id = member.rpartition("#")
                crossed.append(CrossedLevel(ChatRef.parse(ref_text), int(threshold_id),
                                            Decimal(str(score)).normalize()))
        return crossed

    async def claim_level(self, level: CrossedLevel, crossed_to: str, at_ms: int) -> bool:
        """Fire a crossed level once, however many instances saw it (it leaves the index)."""
        part = self.keys.partition_of(level.chat)
        result = await self._scripts.threshold_claim(
            keys=[part.thresholds(level.chat), *part.level_keys()],
            args=[str(level.chat), level.threshold_id, crossed_to, at_ms])
        return int(result) > 0

    async def claim_levels(self, levels: Sequence[CrossedLevel], crossed_to: str,
                           at_ms: int, batch: int = 1000) -> list[bool]:
        """``claim_level`` for many levels: one script call per partition and batch (all
        its keys share the partition's tag), so 10,000 chats on one level cost a few
        dozen round trips, not 10,000."""
        by_part: dict[int, list[int]] = {}
        for index, level in enumerate(levels):
            by_part.setdefault(self.keys.partition_of(level.chat).index, []).append(index)
        claimed = [False] * len(levels)

        async def claim_part(indexes: list[int]) -> None:
            part = self.keys.partition_of(levels[indexes[0]].chat)
            for start in range(0, len(indexes), batch):
                chunk = indexes[start:start + batch]
                args: list[str | int] = [crossed_to, at_ms]
                args += [f"{levels[i].chat}#{levels[i].threshold_id}" for i in chunk]
                results = await self._scripts.threshold_claim_many(
                    keys=[*part.level_keys(),
                          *(part.thresholds(levels[i].chat) for i in chunk)],
                    args=args)
                for i, result in zip(chunk, results, strict=True):
                    claimed[i] = int(result) > 0

        if is_cluster_client(self.redis):
            for indexes in by_part.values():  # its node connections are not shared safely
                await claim_part(indexes)
        else:
            await asyncio.gather(*(claim_part(indexes) for indexes in by_part.values()))
        return claimed

    async def rearm_levels(self, price: Decimal, band: Decimal, at_ms: int,
                           cooldown_ms: int) -> int:
        """Re-arm fired ``repeat`` levels the price has moved away from by ``band``."""
        up_max = price / (1 + band)  # levels the price is now above by the band
        down_min = price / (1 - band)  # levels the price is now below by the band
        async with self.redis.pipeline(transaction=False) as pipe:
            parts = list(self.keys.all_partitions())
            for part in parts:
                pipe.zrangebyscore(part.rearm_up, "-inf", str(up_max))
                pipe.zrangebyscore(part.rearm_down, str(down_min), "+inf")
            replies = await pipe.execute()
        rearmed = 0
        for index, part in enumerate(parts):
            members = set(replies[2 * index]) | set(replies[2 * index + 1])
            for member in members:
                ref_text, _, threshold_id = member.rpartition("#")
                ref = ChatRef.parse(ref_text)
                rearmed += int(await self._scripts.threshold_rearm(
                    keys=[part.thresholds(ref), *part.level_keys(), part.chat(ref)],
                    args=[ref_text, threshold_id, str(price), at_ms, cooldown_ms,
                          str(band)]))
        return rearmed


async def in_batches(items: AsyncIterator[T], size: int) -> AsyncIterator[list[T]]:
    """``items`` in lists of ``size`` (the last shorter): one round trip per list."""
    chunk: list[T] = []
    async for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def check_level(level: Decimal) -> Decimal:
    """A price level the store keeps: finite, positive, at most ``MAX_LEVEL``."""
    try:
        value = Decimal(level)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidThreshold(str(level), value=str(level)) from None
    if not value.is_finite() or value <= 0 or value > MAX_LEVEL:
        raise InvalidThreshold(str(level), value=str(level))
    return value


def _level_text(level: Decimal) -> str:
    text = format(level.normalize(), "f")
    return text


def chat_from_hash(ref: ChatRef, data: dict[str, str]) -> Chat:
    quiet = data.get("quiet") or ""
    return Chat(
        ref=ref,
        kind=ChatKind(data.get("kind", "private")),
        language=Language(data.get("lang", Language.BOTH.value)),
        timezone=data.get("tz") or "Asia/Taipei",
        active=data.get("active", "1") == "1",
        topics=frozenset(t for t in (data.get("topics") or "").split(",") if t),
        quiet_hours=parse_quiet_hours(quiet) if quiet else None,
        thread_id=data.get("thread") or None,
        title=data.get("title") or None,
        configured_by=data.get("configured_by") or None,
        secret=data.get("secret") or None,
    )


def threshold_from_json(ref: ChatRef, threshold_id: int, raw: str) -> Threshold:
    data = json.loads(raw)
    return Threshold(
        chat=ref,
        id=threshold_id,
        direction=Direction(data["direction"]),
        level=Decimal(str(data["level"])),
        mode=RepeatMode(data.get("mode", "once")),
        expires_at=datetime.fromisoformat(data["expires_at"]) if data.get("expires_at") else None,
        created_at=datetime.fromisoformat(data["created_at"]) if data.get("created_at") else None,
    )
