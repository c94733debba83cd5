"""The outbox: one delivery per (event, chat), through Redis Streams.

Fan-out walks the topic index of each partition with ``SSCAN`` inside a Lua script, a
batch at a time, so 100,000 subscribers never become 100,000 Python objects; a ``sent``
set per event and partition makes fan-out idempotent (running it twice queues nothing
new). Deliveries sit in one stream per partition and platform, read by consumer groups.
A topic's fan-out puts several chats in one entry (``outbox.chats_per_entry``): the
script's cost is per entry, so a million chats queue in about a second. Each chat is
settled on its own (delivered, rescheduled, dead-lettered) and named in the entry's done
set; the entry is acknowledged with its last chat. A worker killed mid-send leaves its
entries pending; another worker claims them (``XAUTOCLAIM``) and sends only the chats no
done set names. A counter per stream keeps how many chats wait, for the gauges.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from bot import metrics
from bot.config import OutboxSettings
from bot.domain.chats import ChatRef, Topic
from bot.store.keys import KeySchema, Partition
from bot.store.scripts import Scripts
from bot.store.server import is_cluster_client

log = logging.getLogger(__name__)

FANOUT_CONCURRENCY = 4  # partitions queued at once (a cluster's masters work in parallel)
GROUP = "delivery"
MALFORMED_REREADS = 10  # reads in a row that may find only malformed entries
DEAD_KEPT = 10_000  # dead letters kept per partition and platform (the latest)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One queued message: an event for a chat, as read from a partition's stream."""

    partition: Partition
    platform: str
    entry_id: str
    event_key: str
    chat: ChatRef
    attempts: int
    chats_in_entry: int = 1  # the entry leaves the stream when all of them are settled

    @property
    def stream(self) -> str:
        return self.partition.outbox(self.platform)

    @property
    def done(self) -> str:
        return self.partition.done(self.platform, self.entry_id)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A delivery that failed for good, as the dead-letter stream keeps it."""

    platform: str
    event_key: str
    chat: str
    attempts: int
    error: str
    at: int  # seconds since the epoch

    @classmethod
    def of(cls, platform: str, fields: dict[str, str]) -> DeadLetter:
        def number(name: str) -> int:
            try:
                return int(fields.get(name, 0))
            except ValueError:
                return 0

        return cls(platform, fields.get("e", "?"), fields.get("c", "?"), number("a"),
                   fields.get("error", ""), number("at"))


class Outbox:
    def __init__(self, redis: Redis, keys: KeySchema, settings: OutboxSettings,
                 platforms: Sequence[str]) -> None:
        """``platforms``: every platform a chat may live on (from the registered transports);
        fan-out queues a chat only on its own platform's stream, so each must be listed."""
        self.redis = redis
        self.platforms: tuple[str, ...] = tuple(platforms)
        self.keys = keys
        self.settings = settings
        self._scripts = Scripts(redis)
        self._groups_ready: set[str] = set()

    # Fan-out -------------------------------------------------------------------------
    def _stream_keys(self, part: Partition) -> list[str]:
        """Each platform's stream and its queued counter, in ``platforms`` order."""
        return [key for p in self.platforms for key in (part.outbox(p), part.queued(p))]

    async def fan_out_topic(self, event_key: str, topic: Topic) -> int:
        """Queue ``event_key`` for every active subscriber of ``topic``; returns how many.

        Partitions are worked on a few at a time: on a cluster they live on different
        masters, which then queue in parallel; on one server the next batch is on its way
        while the server runs the current one."""
        gate = asyncio.Semaphore(FANOUT_CONCURRENCY)

        async def one_partition(part: Partition) -> int:
            queued, cursor = 0, "0"
            async with gate:
                while True:
                    cursor, count = await self._scripts.fanout_topic(
                        keys=[part.topic(topic), part.sent(event_key),
                              *self._stream_keys(part)],
                        args=[cursor, self.settings.fanout_batch, event_key,
                              self.settings.dedup_ttl_seconds, ",".join(self.platforms),
                              self.settings.chats_per_entry],
                    )
                    queued += int(count)
                    if cursor in ("0", 0, b"0"):
                        return queued

        counts = await asyncio.gather(*(one_partition(part)
                                        for part in self.keys.all_partitions()))
        queued = sum(counts)
        await self._wake(queued)
        return queued

    async def fan_out_refs(self, event_key: str, refs: Iterable[ChatRef]) -> int:
        """Queue ``event_key`` for the listed chats (each at most once per event)."""
        by_partition: dict[int, list[str]] = defaultdict(list)
        for ref in refs:
            by_partition[self.keys.partition_of(ref).index].append(str(ref))
        queued = 0
        batch = self.settings.fanout_batch
        for index, members in by_partition.items():
            part = Partition(self.keys.prefix, index)
            for start in range(0, len(members), batch):
                queued += int(await self._scripts.fanout_refs(
                    keys=[part.sent(event_key), *self._stream_keys(part)],
                    args=[event_key, self.settings.dedup_ttl_seconds, ",".join(self.platforms),
                          *members[start:start + batch]],
                ))
        await self._wake(queued)
        return queued

    async def _wake(self, queued: int) -> None:
        """On a cluster, tell idle workers there is work (they cannot block on a read)."""
        if queued and self.cluster:
            for platform in self.platforms:
                await self.redis.publish(self.keys.wakeup(platform), "1")

    def wakeups(self) -> Any:
        """A pub/sub connection for ``wakeup`` messages (the caller subscribes, closes)."""
        return self.redis.pubsub()

    # Consuming -----------------------------------------------------------------------
    def forget_groups(self, platform: str) -> None:
        """The groups vanished (a store restarted empty): create them again on next use."""
        self._groups_ready.discard(platform)

    async def ensure_groups(self, platform: str) -> None:
        if platform in self._groups_ready:
            return
        for part in self.keys.all_partitions():
            try:
                await self.redis.xgroup_create(part.outbox(platform), GROUP, id="0",
                                               mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise
        self._groups_ready.add(platform)

    async def read(self, platform: str, consumer: str, count: int,
                   block_ms: int | None = None) -> list[Delivery]:
        """New entries for this consumer from every partition, in one command; with
        ``block_ms`` it waits that long for the first entry (an idle worker costs one
        command per wait, not one per partition per poll). A read that found only
        malformed entries (set aside) reads again: "nothing" means the streams are empty."""
        await self.ensure_groups(platform)
        for _ in range(MALFORMED_REREADS):
            deliveries, found = await self._read_once(platform, consumer, count, block_ms)
            if deliveries or not found:
                return deliveries
        return []

    async def _read_once(self, platform: str, consumer: str, count: int,
                         block_ms: int | None) -> tuple[list[Delivery], int]:
        """The deliveries of one read, and how many entries it found."""
        parts = {part.outbox(platform): part for part in self.keys.all_partitions()}
        # ``count`` is in chats: an entry of a topic's fan-out carries several
        per_stream = max(1, count // (len(parts) * self.settings.chats_per_entry))
        answers: list[Any]
        if self.cluster:  # one slot per command: a read per partition, pipelined per node
            async with self.redis.pipeline(transaction=False) as pipe:
                for stream in parts:
                    pipe.xreadgroup(GROUP, consumer, {stream: ">"}, count=per_stream)
                answers = await pipe.execute()
        else:
            answers = [await self.redis.xreadgroup(
                GROUP, consumer, dict.fromkeys(parts, ">"), count=per_stream, block=block_ms)]
        deliveries: list[Delivery] = []
        found = 0
        for answer in answers:
            for stream, entries in answer or []:
                found += len(entries)
                deliveries.extend(await self._accept(parts[str(stream)], platform, entries))
        return deliveries, found

    async def keep(self, consumer: str, deliveries: Sequence[Delivery]) -> None:
        """Tell the group these entries are still being worked on (their idle time starts
        again), so no other worker takes them over while a long batch is under way: only
        a worker that stopped working lets its entries idle ``reclaim_idle_seconds``."""
        by_stream: dict[str, set[Any]] = defaultdict(set)
        for delivery in deliveries:
            by_stream[delivery.stream].add(delivery.entry_id)
        async with self.redis.pipeline(transaction=False) as pipe:
            for stream, ids in by_stream.items():
                pipe.xclaim(stream, GROUP, consumer, 0, sorted(ids), justid=True)
            await pipe.execute()

    @property
    def cluster(self) -> bool:
        """A Redis Cluster: no command may span partitions, so none can block on all."""
        return is_cluster_client(self.redis)

    async def nonempty_partitions(self, platform: str) -> list[Partition]:
        """Partitions whose stream holds entries (queued or read and not acknowledged):
        only those can have anything to reclaim. One round trip."""
        parts = list(self.keys.all_partitions())
        async with self.redis.pipeline(transaction=False) as pipe:
            for part in parts:
                pipe.xlen(part.outbox(platform))
            lengths = await pipe.execute()
        return [part for part, length in zip(parts, lengths, strict=True) if length]

    async def reclaim(self, platform: str, consumer: str, count: int,
                      parts: list[Partition] | None = None) -> list[Delivery]:
        """Take over entries another consumer read but never acknowledged (it died)."""
        await self.ensure_groups(platform)
        min_idle = int(self.settings.reclaim_idle_seconds * 1000)
        claimed: list[Delivery] = []
        for part in parts if parts is not None else self.keys.all_partitions():
            reply = await self.redis.xautoclaim(part.outbox(platform), GROUP, consumer,
                                                min_idle_time=min_idle, start_id="0-0",
                                                count=count)
            entries = reply[1] if len(reply) > 1 else []
            claimed.extend(await self._accept(part, platform, entries))
        return await self._unsettled(claimed)

    async def reclaim_from_stopped(self, platform: str, consumer: str, count: int,
                                   parts: list[Partition] | None = None) -> list[Delivery]:
        """Take over what consumers of instances that are gone had read, at once.

        A consumer is named ``<instance id>-<n>``; an instance whose heartbeat key is gone
        (it stopped, or was killed over a heartbeat ago) will not finish its entries, so
        they need not idle for ``reclaim_idle_seconds`` first.
        """
        await self.ensure_groups(platform)
        claimed: list[Delivery] = []
        alive: dict[str, bool] = {}
        for part in parts if parts is not None else self.keys.all_partitions():
            stream = part.outbox(platform)
            try:
                consumers = await self.redis.xinfo_consumers(stream, GROUP)
            except ResponseError as exc:  # the stream or group vanished (store restarted)
                if "no such key" in str(exc).lower() or "NOGROUP" in str(exc):
                    self.forget_groups(platform)
                    return claimed
                raise
            for info in consumers:
                name = str(info.get("name", ""))
                if name == consumer or not int(info.get("pending", 0)):
                    continue
                instance = name.rpartition("-")[0] or name
                if instance not in alive:
                    alive[instance] = bool(await self.redis.exists(self.keys.instance(instance)))
                if alive[instance]:
                    continue
                rows = await self.redis.xpending_range(stream, GROUP, "-", "+", count,
                                                       consumername=name)
                ids: list[Any] = [row["message_id"] for row in rows]
                if ids:
                    entries = await self.redis.xclaim(stream, GROUP, consumer, 0, ids)
                    claimed.extend(await self._accept(part, platform, entries))
                if len(ids) == int(info.get("pending", 0)):  # all taken: forget the consumer
                    await self.redis.xgroup_delconsumer(stream, GROUP, name)
        return await self._unsettled(claimed)

    async def _accept(self, part: Partition, platform: str, entries: list) -> list[Delivery]:
        """The deliveries of read entries. An entry that is not one (written by hand or
        by a broken tool) goes to the dead letters with the reason, and the rest of the
        batch is delivered: one bad entry never stops a worker."""
        out: list[Delivery] = []
        for entry_id, fields in entries:
            if not fields:  # deleted while pending
                continue
            try:
                out.extend(self._parse(part, platform, entry_id, fields))
            except (KeyError, ValueError, TypeError) as exc:
                await self._set_aside(part, platform, entry_id, fields, exc)
        return out

    @staticmethod
    def _parse(part: Partition, platform: str, entry_id: str,
               fields: dict[str, str]) -> list[Delivery]:
        attempts = int(fields.get("a", 0))
        if "cs" in fields:  # each chat once: the entry leaves when its distinct chats are done
            chats = list(dict.fromkeys(fields["cs"].split("\n")))
            return [Delivery(part, platform, entry_id, fields["e"], ChatRef.parse(c),
                             attempts, len(chats)) for c in chats]
        return [Delivery(part, platform, entry_id, fields["e"], ChatRef.parse(fields["c"]),
                         attempts)]

    async def _set_aside(self, part: Partition, platform: str, entry_id: str,
                         fields: dict[str, str], exc: Exception) -> None:
        log.warning("outbox entry %s of %s is not a delivery (%s: %s): moved to the dead "
                    "letters", entry_id, part.outbox(platform), type(exc).__name__, exc)
        metrics.DELIVERIES.labels(platform, "malformed").inc()
        record: dict[Any, Any] = {str(k)[:40]: str(v)[:500]
                                  for k, v in list(fields.items())[:20]}
        record.update(error=f"malformed entry: {exc}"[:500], at=str(int(time.time())))
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xadd(part.dead(platform), record, maxlen=DEAD_KEPT, approximate=True)
            pipe.xack(part.outbox(platform), GROUP, entry_id)
            pipe.xdel(part.outbox(platform), entry_id)
            await pipe.execute()

    async def _unsettled(self, claimed: list[Delivery]) -> list[Delivery]:
        """Taken-over deliveries without the chats their entry's done set names (settled
        by the worker that died): those are not sent twice."""
        entries = {d.done: d for d in claimed if d.chats_in_entry > 1}
        if not entries:
            return claimed
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in entries:
                pipe.smembers(key)
            replies = await pipe.execute()
        settled = {key: {str(m) for m in members}
                   for key, members in zip(entries, replies, strict=True) if members}
        return [d for d in claimed
                if d.chats_in_entry == 1 or str(d.chat) not in settled.get(d.done, ())]

    async def _settle(self, delivery: Delivery, action: str = "ack", target: str = "",
                      *extra: str | int) -> bool:
        """Settle one chat of its entry (and, atomically, reschedule or dead-letter it);
        False when it had been settled already (by a worker that took the entry over)."""
        return bool(await self._scripts.outbox_settle(
            keys=[delivery.stream, delivery.done, delivery.partition.queued(delivery.platform),
                  target or delivery.stream],
            args=[GROUP, delivery.entry_id, str(delivery.chat), delivery.chats_in_entry,
                  self.settings.dedup_ttl_seconds, action, *extra]))

    async def ack(self, delivery: Delivery) -> None:
        await self._settle(delivery)

    async def retry_later(self, delivery: Delivery, delay_seconds: float, *,
                          count_attempt: bool = True) -> None:
        """Reschedule: the entry leaves the stream and comes back when its time is due."""
        attempts = delivery.attempts + (1 if count_attempt else 0)
        member = json.dumps({"e": delivery.event_key, "c": str(delivery.chat), "a": attempts,
                             "n": secrets.token_hex(4)})
        due_ms = int((time.time() + max(0.0, delay_seconds)) * 1000)
        # the index first: a crash between the two leaves a hint with nothing behind it
        # (cleared at its time), never a retry nobody is told about
        await self._scripts.delayed_index_add(
            keys=[self.keys.delayed_index(delivery.platform)],
            args=[str(delivery.partition.index), due_ms, int(time.time() * 1000)])
        await self._settle(delivery, "retry", delivery.partition.delayed(delivery.platform),
                           due_ms, member)

    def backoff_seconds(self, attempts: int) -> float:
        delay = self.settings.backoff_base_seconds * (2 ** max(0, attempts - 1))
        return float(min(delay, self.settings.backoff_max_seconds))

    async def dead_letter(self, delivery: Delivery, error: str) -> None:
        fields = {"e": delivery.event_key, "c": str(delivery.chat),
                  "a": str(delivery.attempts), "error": error[:500], "at": str(int(time.time()))}
        await self._settle(delivery, "dead", delivery.partition.dead(delivery.platform),
                           DEAD_KEPT,  # a log to read, not a leak
                           *(item for pair in fields.items() for item in pair))

    async def dead_letters(self, platform: str, limit: int = 20) -> list[DeadLetter]:
        """The latest dead letters of every partition, newest first (``fedalert outbox
        dead``): what failed for good, for whom, and why."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for part in self.keys.all_partitions():
                pipe.xrevrange(part.dead(platform), count=limit)
            replies = await pipe.execute()
        letters = [DeadLetter.of(platform, fields) for reply in replies
                   for _entry_id, fields in reply or [] if fields]
        return sorted(letters, key=lambda letter: -letter.at)[:limit]

    async def requeue_dead(self, platform: str, since: float, limit: int = 10_000) -> int:
        """Send dead letters again (``fedalert outbox requeue``): those that died at or
        after ``since`` (seconds since the epoch) go back to their stream, attempts from
        zero; older ones stay, so a day-old alert is not sent by mistake."""
        moved = 0
        for part in self.keys.all_partitions():
            moved += int(await self._scripts.dead_requeue(
                keys=[part.dead(platform), part.outbox(platform), part.queued(platform)],
                args=[int(since), limit]))
        await self._wake(moved)
        return moved

    async def redirect(self, delivery: Delivery, new_chat: ChatRef) -> None:
        """Queue the same event for a chat's new id (migration) and drop the old entry."""
        await self.fan_out_refs(delivery.event_key, [new_chat])
        await self.ack(delivery)

    async def promote_due(self, platform: str, limit: int = 500, *, full: bool = False) -> int:
        """Move due retries back into their streams: the partitions the index says are
        due (one command when none is), or every partition with ``full`` (a periodic
        sweep that also repairs the index)."""
        now_ms = int(time.time() * 1000)
        index = self.keys.delayed_index(platform)
        if full:  # the index is a hint: every partition's earliest retry, in one trip
            all_parts = list(self.keys.all_partitions())
            async with self.redis.pipeline(transaction=False) as pipe:
                for part in all_parts:
                    pipe.zrange(part.delayed(platform), 0, 0, withscores=True)
                firsts = await pipe.execute()
            parts = [part for part, first in zip(all_parts, firsts, strict=True) if first]
        else:
            due: Any = await self.redis.zrangebyscore(index, "-inf", now_ms)
            parts = [Partition(self.keys.prefix, int(i)) for i in due]
        moved = 0
        for part in parts:
            moved += int(await self._scripts.delayed_promote(
                keys=[part.delayed(platform), part.outbox(platform), part.queued(platform)],
                args=[now_ms, limit]))
            first: Any = await self.redis.zrange(part.delayed(platform), 0, 0, withscores=True)
            await self._scripts.delayed_index_set(
                keys=[index], args=[str(part.index), int(first[0][1]) if first else "",
                                    now_ms])
        return moved

    async def next_retry_in(self, platform: str) -> float | None:
        """Seconds until the earliest delayed delivery is due (None: none waits)."""
        first = await self.redis.zrange(self.keys.delayed_index(platform), 0, 0,
                                        withscores=True)
        if not first:
            return None
        return max(0.0, float(first[0][1]) / 1000 - time.time())

    # Inspection ----------------------------------------------------------------------
    async def oldest_age_seconds(self, platform: str) -> float:
        """How long the oldest entry still in the streams (read or not) has waited."""
        oldest_ms: int | None = None
        async with self.redis.pipeline(transaction=False) as pipe:
            for part in self.keys.all_partitions():
                pipe.xrange(part.outbox(platform), "-", "+", count=1)
            replies = await pipe.execute()
        for entries in replies:
            for entry_id, _fields in entries or []:
                ms = int(str(entry_id).split("-")[0])
                oldest_ms = ms if oldest_ms is None else min(oldest_ms, ms)
        return 0.0 if oldest_ms is None else max(0.0, time.time() - oldest_ms / 1000)

    async def backlog(self, platform: str) -> dict[str, int]:
        """Deliveries queued (not yet settled: read or not), pending (entries read, not
        acknowledged), delayed and dead."""
        totals = {"queued": 0, "pending": 0, "delayed": 0, "dead": 0}
        parts = list(self.keys.all_partitions())
        async with self.redis.pipeline(transaction=False) as pipe:
            for part in parts:
                pipe.xlen(part.outbox(platform))
                pipe.zcard(part.delayed(platform))
                pipe.xlen(part.dead(platform))
                pipe.get(part.queued(platform))
            replies = await pipe.execute()
        for part, i in zip(parts, range(0, len(replies), 4), strict=True):
            length, counted = replies[i], int(replies[i + 3] or 0)
            if not length and counted:  # entries removed by hand: the counter heals
                await self._scripts.queued_heal(
                    keys=[part.outbox(platform), part.queued(platform)])
            # entries queued by a version before the counter count one chat each
            totals["queued"] += max(length, counted) if length else 0
            totals["delayed"] += replies[i + 1]
            totals["dead"] += replies[i + 2]
        if platform in self._groups_ready and totals["queued"]:
            # entries read but not acknowledged are still in the stream: none, none pending
            for part, length in zip(parts, replies[::4], strict=True):
                if length:
                    info = await self.redis.xpending(part.outbox(platform), GROUP)
                    totals["pending"] += int(info["pending"])
        return totals
