"""Delivery workers: read the outbox, send through a transport, apply the retry policy.

Policy by transport answer:
- delivered → acknowledge (and delete) the entry;
- retry after N s → move it to the delayed set, due in N s (a 429 is not a failure);
- gone → deactivate the chat, acknowledge;
- moved → migrate the chat, queue the event for the new id, acknowledge;
- failed → back off exponentially; after ``max_attempts`` → dead-letter stream.
An entry is acknowledged only after one of these, so a worker killed mid-send leaves its
entries pending; another worker claims them once they have idled ``reclaim_idle_seconds``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any, TypeVar

from redis.exceptions import ResponseError

from bot import metrics
from bot.domain.chats import ChatRef
from bot.pipeline.messages import MessageRenderer
from bot.platforms.base import Delivered, Failed, Gone, Moved, RetryAfter, Transport
from bot.store.outbox import Delivery, Outbox
from bot.store.registry import Registry
from bot.store.server import STORE_DOWN_ERRORS
from bot.supervision import OutageLog

log = logging.getLogger(__name__)
T = TypeVar("T")

IDLE_POLL_SECONDS = 0.2  # the first wait after a store error
IDLE_BLOCK_SECONDS = 2.0  # an idle worker waits in one blocking read this long at most
CLUSTER_SAFETY_SECONDS = 10.0  # on a cluster, a read of every partition at least this often
FULL_PROMOTE_SECONDS = 120.0  # a sweep of every partition's retries (repairs the index)
ERROR_DELAY_CAP = 2.0
STOPPED_CHECK_SECONDS = 30.0  # how often to look for entries of stopped instances


async def unless_stopped(work: Awaitable[T], stop: asyncio.Event) -> T | None:
    """``work``'s result, or None when ``stop`` is set first: ``work`` (a blocking read)
    is then cancelled, and its connection dropped rather than reused mid-reply."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        done, _ = await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if task in done:
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, *STORE_DOWN_ERRORS):
        await task
    return None


class DeliveryWorker:
    def __init__(
        self,
        outbox: Outbox,
        registry: Registry,
        messages: MessageRenderer,
        transport: Transport,
        consumer: str,
        *,
        concurrency: int = 16,
    ) -> None:
        self.outbox = outbox
        self.registry = registry
        self.messages = messages
        self.transport = transport
        self.platform = transport.platform
        self.consumer = consumer
        self.concurrency = concurrency
        self.settings = outbox.settings
        self._last_reclaim = 0.0
        self._last_full_promote = 0.0
        self._last_safety_read = 0.0
        self._more = True  # the last read found entries: read again before waiting
        self._stop: asyncio.Event | None = None
        self._wakeups: Any = None
        self._outage = OutageLog(f"delivery ({self.platform}, {consumer}): the store", logger=log)
        self._transport_trouble = OutageLog(f"delivery ({self.platform}, {consumer}): the "
                                            f"{self.platform} transport", logger=log)

    async def run(self, stop: asyncio.Event) -> None:
        try:
            await self._run(stop)
        finally:
            if self._wakeups is not None:
                with contextlib.suppress(Exception):
                    await self._wakeups.aclose()
                self._wakeups = None

    async def _run(self, stop: asyncio.Event) -> None:
        log.info("delivery worker %s for %s started", self.consumer, self.platform)
        self._stop = stop
        outage = self._outage
        while not stop.is_set():
            try:
                handled = await self.run_once()
                outage.recovered()
                wait = 0.0 if handled else IDLE_POLL_SECONDS
            except asyncio.CancelledError:
                raise
            except ResponseError as exc:
                if "NOGROUP" in str(exc) or "no such key" in str(exc).lower():
                    # the store came back empty: recreate the streams' groups
                    self.outbox.forget_groups(self.platform)
                outage.failed(exc)
                metrics.STORE_ERRORS.labels("delivery").inc()
                wait = self.error_delay(outage.failures)
            except STORE_DOWN_ERRORS as exc:  # unreachable: wait, keep the worker alive
                outage.failed(exc)
                metrics.STORE_ERRORS.labels("delivery").inc()
                wait = self.error_delay(outage.failures)
            if wait:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), wait)

    @staticmethod
    def error_delay(failures: int) -> float:
        """0.2 s, 0.4 s, … up to 2 s between tries while the store is down."""
        return float(min(ERROR_DELAY_CAP, IDLE_POLL_SECONDS * 2 ** min(failures - 1, 8)))

    async def run_once(self) -> int:
        """One pass: promote due retries, reclaim orphans now and then, handle a batch.

        With nothing to do it waits in one blocking read (until an entry arrives, a
        retry falls due or ``IDLE_BLOCK_SECONDS`` pass): an idle worker costs a few
        commands a second, not a poll of every partition five times a second."""
        now = time.monotonic()
        full = now - self._last_full_promote >= FULL_PROMOTE_SECONDS
        if full:
            self._last_full_promote = now
        promoted = await self.outbox.promote_due(self.platform, full=full)
        batch: list[Delivery] = []
        if now - self._last_reclaim >= self.reclaim_every:
            self._last_reclaim = now
            busy = await self.outbox.nonempty_partitions(self.platform)
            if busy:  # an empty stream has nothing read and unacknowledged to take over
                batch.extend(await self.outbox.reclaim_from_stopped(
                    self.platform, self.consumer, self.settings.read_batch, busy))
                batch.extend(await self.outbox.reclaim(self.platform, self.consumer,
                                                       self.settings.read_batch, busy))
        if not self.outbox.cluster or self._more or promoted or \
                now - self._last_safety_read >= CLUSTER_SAFETY_SECONDS:
            # on a cluster a read costs a command per partition: read when told to
            self._last_safety_read = now
            read = await self.outbox.read(self.platform, self.consumer,
                                          self.settings.read_batch)
            self._more = len(read) > 0
            batch.extend(read)
        if not batch and not promoted and self._stop is not None:
            self._outage.recovered()  # the store answered: say so before an idle wait
            batch.extend(await self._wait_for_work(self._stop))
        if batch:
            await self.handle_batch(batch)
        return len(batch)

    async def _wait_on_cluster(self, stop: asyncio.Event, wait: float) -> list[Delivery]:
        """Wait for a fan-out's wake-up message (or a retry falling due, or a stop); read
        every partition then, and anyway every ``CLUSTER_SAFETY_SECONDS`` in case a
        message was lost with a connection."""
        if self._wakeups is None:
            self._wakeups = self.outbox.wakeups()
            await self._wakeups.subscribe(self.outbox.keys.wakeup(self.platform))
        message = await unless_stopped(self._wakeups.get_message(
            ignore_subscribe_messages=True, timeout=wait), stop)
        if message is None:
            return []  # stopped, or a timeout: the next pass reads if a retry fell due
        self._last_safety_read = time.monotonic()
        read = await self.outbox.read(self.platform, self.consumer, self.settings.read_batch)
        self._more = len(read) > 0
        return read

    @property
    def reclaim_every(self) -> float:
        return min(self.settings.reclaim_idle_seconds / 2, STOPPED_CHECK_SECONDS)

    async def _wait_for_work(self, stop: asyncio.Event) -> list[Delivery]:
        """A blocking read, cut short by a stop; it ends when the next look for orphaned
        entries is due, so a short ``reclaim_idle_seconds`` is kept."""
        wait = min(IDLE_BLOCK_SECONDS,
                   self._last_reclaim + self.reclaim_every - time.monotonic())
        retry_in = await self.outbox.next_retry_in(self.platform)
        if retry_in is not None:
            wait = min(wait, retry_in)
        if wait < 0.05:
            return []
        if self.outbox.cluster:  # no read can block on every partition: a wake-up message
            return await self._wait_on_cluster(stop, wait)
        read = await unless_stopped(self.outbox.read(
            self.platform, self.consumer, self.settings.read_batch,
            block_ms=max(1, int(wait * 1000))), stop)
        return read or []

    async def handle_batch(self, batch: list[Delivery]) -> None:
        """Handle a batch ``concurrency`` at a time. A batch can take longer than
        ``reclaim_idle_seconds`` (a shared send budget, a slow platform): its unsettled
        entries are marked as still worked on meanwhile, so nobody takes them over."""
        gate = asyncio.Semaphore(self.concurrency)
        settled: set[int] = set()

        async def guarded(delivery: Delivery) -> None:
            async with gate:
                await self.handle(delivery)
            settled.add(id(delivery))

        async def keep_claimed() -> None:
            while True:
                await asyncio.sleep(self.settings.reclaim_idle_seconds / 3)
                try:
                    await self.outbox.keep(self.consumer,
                                           [d for d in batch if id(d) not in settled])
                except STORE_DOWN_ERRORS as exc:  # a store error: the next try, or none
                    log.debug("could not keep the batch's entries claimed: %s", exc)

        keeper = asyncio.create_task(keep_claimed())
        try:
            await asyncio.gather(*(guarded(d) for d in batch))
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper

    async def handle(self, delivery: Delivery) -> None:
        chat = await self.registry.get_chat(delivery.chat)
        if chat is None or not chat.active:
            metrics.DELIVERIES.labels(self.platform, "skipped_inactive").inc()
            await self.outbox.ack(delivery)
            return
        message = await self.messages.message_for(
            delivery.event_key, chat.language, chat.timezone,
            silent=chat.is_quiet(datetime.now(UTC)))
        if message is None:
            log.warning("event %s expired before delivery to %s", delivery.event_key, chat.ref)
            metrics.DELIVERIES.labels(self.platform, "expired").inc()
            await self.outbox.ack(delivery)
            return
        attachment = None
        if message.attachment:
            attachment = await self.messages.records.load_attachment(delivery.event_key,
                                                             message.attachment)
        try:
            result = await self.transport.deliver(chat, message, attachment)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a transport bug, a full disk: never kill the worker
            # one line per kind of failure, not a traceback per delivery (73 of them
            # with a full disk); the traceback is at debug
            self._transport_trouble.failed(exc)
            log.debug("transport %s raised for %s", self.platform, chat.ref, exc_info=True)
            result = Failed(f"{type(exc).__name__}: {exc}")
        else:
            if isinstance(result, Delivered):
                self._transport_trouble.recovered()
        await self.apply(delivery, result)

    async def _tell_owner(self, ref: ChatRef, reason: str) -> None:
        """Some transports tell whoever set the chat up that it stopped (once: on the first
        deactivation only)."""
        hook = getattr(self.transport, "on_gone", None)
        if hook is None:
            return
        chat = await self.registry.get_chat(ref)
        if chat is None:
            return
        try:
            await hook(chat, reason)
        except Exception:
            log.exception("could not tell the owner of %s that it stopped", ref)

    async def apply(self, delivery: Delivery, result: object) -> None:
        outcome = type(result).__name__.lower()
        match result:
            case Delivered():
                await self.outbox.ack(delivery)
            case RetryAfter(seconds=seconds, pacing=pacing):
                await self.outbox.retry_later(delivery, seconds, count_attempt=False)
                outcome = "paced" if pacing else "rate_limited"
            case Gone(reason=reason):
                log.info("chat %s is gone (%s): deactivated", delivery.chat, reason)
                if await self.registry.deactivate(delivery.chat, reason):
                    await self._tell_owner(delivery.chat, reason)
                await self.outbox.ack(delivery)
            case Moved(new_chat_id=new_id):
                new_ref = ChatRef(delivery.chat.platform, new_id)
                log.info("chat %s moved to %s: migrated and re-sent", delivery.chat, new_ref)
                await self.registry.migrate(delivery.chat, new_ref)
                await self.outbox.redirect(delivery, new_ref)
            case Failed(error=error, permanent=permanent):
                attempts = delivery.attempts + 1
                if permanent or attempts >= self.settings.max_attempts:
                    log.warning("delivery of %s to %s dead-lettered after %d attempts: %s",
                                delivery.event_key, delivery.chat, attempts, error)
                    await self.outbox.dead_letter(delivery, error)
                    outcome = "dead"
                else:
                    delay = self.outbox.backoff_seconds(attempts)
                    log.info("delivery of %s to %s failed (%s); retry %d in %.0f s",
                             delivery.event_key, delivery.chat, error, attempts, delay)
                    await self.outbox.retry_later(delivery, delay)
                    outcome = "retry"
            case _:
                raise TypeError(f"unknown delivery result {result!r}")
        metrics.DELIVERIES.labels(self.platform, outcome).inc()
