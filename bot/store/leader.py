"""Leader election: one instance runs the pollers, every instance delivers.

The leader holds ``<prefix>:leader`` (``SET NX PX``) and renews it every third of the
TTL with a compare-and-expire script. If it dies, the key expires and a standby takes
over within one TTL; if it stops cleanly it deletes the key, and the hand-over is
immediate. A leader that fails to renew (network split) steps down at once, so two
pollers never run for longer than one renewal interval; event keys de-duplicate what
slips through.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from redis.asyncio import Redis

from bot import metrics
from bot.store.scripts import Scripts
from bot.store.server import STORE_DOWN_ERRORS
from bot.supervision import OutageLog

log = logging.getLogger(__name__)


class LeaderElection:
    def __init__(self, redis: Redis, key: str, instance_id: str, ttl_seconds: float) -> None:
        self.redis = redis
        self.key = key
        self.instance_id = instance_id
        self.ttl_ms = int(ttl_seconds * 1000)
        self.is_leader = False
        self._scripts = Scripts(redis)

    async def try_acquire(self) -> bool:
        acquired = await self.redis.set(self.key, self.instance_id, nx=True, px=self.ttl_ms)
        return bool(acquired)

    async def renew(self) -> bool:
        renewed = await self._scripts.lock_renew(keys=[self.key],
                                                 args=[self.instance_id, self.ttl_ms])
        return bool(renewed)

    async def release(self) -> None:
        await self._scripts.lock_release(keys=[self.key], args=[self.instance_id])

    async def holder(self) -> str | None:
        raw = await self.redis.get(self.key)
        return None if raw is None else str(raw)

    async def run(
        self,
        lead: Callable[[], Coroutine[Any, Any, None]],
        stop: asyncio.Event,
    ) -> None:
        """Campaign until ``stop``; while leader, run ``lead()`` (cancelled on demotion)."""
        interval = self.ttl_ms / 3000
        task: asyncio.Task[None] | None = None
        outage = OutageLog("leader lock: the store", logger=log)
        try:
            while not stop.is_set():
                try:
                    if self.is_leader:
                        still = await self.renew()
                    else:
                        still = await self.try_acquire()
                    outage.recovered()
                except STORE_DOWN_ERRORS as exc:  # one line per outage, repeats counted
                    outage.failed(exc)
                    still = False
                if still and not self.is_leader:
                    log.info("instance %s is now the leader (runs the pollers)", self.instance_id)
                    self.is_leader = True
                    metrics.LEADER.set(1)
                    task = asyncio.create_task(lead(), name="leader-duties")
                elif not still and self.is_leader:
                    log.warning("instance %s lost the leadership; stopping pollers",
                                self.instance_id)
                    self.is_leader = False
                    metrics.LEADER.set(0)
                    await _cancel(task)
                    task = None
                if task is not None and task.done() and not task.cancelled():
                    crash = task.exception()
                    if crash is not None:
                        log.error("leader duties crashed: %r; restarting them", crash)
                    task = asyncio.create_task(lead(), name="leader-duties")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), interval)
        finally:
            await _cancel(task)
            if self.is_leader:
                self.is_leader = False
                metrics.LEADER.set(0)
                try:
                    await self.release()
                    log.info("instance %s released the leadership", self.instance_id)
                except STORE_DOWN_ERRORS:
                    pass


async def _cancel(task: asyncio.Task[None] | None) -> None:
    if task is None or task.done():
        return
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    except Exception:
        log.exception("leader duties failed while stopping")
