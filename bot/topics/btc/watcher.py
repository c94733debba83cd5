"""The BTC watcher: feeds → composite price → crossed levels and percent moves → alerts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import httpx

from bot import metrics
from bot.config import Settings
from bot.topics.base import CheckResult, TopicContext
from bot.topics.btc.composite import CompositePrice, CompositeRules, Degraded, composite
from bot.topics.btc.engine import EngineRules, Firing, MoveEngine, MoveRules, ThresholdEngine
from bot.topics.btc.events import PriceMove
from bot.topics.btc.feeds import Feed, build_feeds
from bot.topics.btc.payloads import Tick
from bot.topics.btc.snapshot import PRICE_SNAPSHOT, PriceSnapshot
from bot.topics.http import describe_error, make_http_client

log = logging.getLogger(__name__)

SNAPSHOT_TTL_SECONDS = 120


def rules_from(settings: Settings) -> tuple[CompositeRules, EngineRules, MoveRules]:
    btc = settings.btc
    return (
        CompositeRules(stale_after=btc.stale_seconds, outlier_pct=btc.outlier_pct,
                       quorum=btc.quorum),
        EngineRules(confirm_seconds=btc.confirm_seconds, rearm_band_pct=btc.rearm_band_pct,
                    cooldown_minutes=btc.cooldown_minutes, gap_seconds=btc.gap_seconds),
        MoveRules(move_pct=btc.move_pct, window_minutes=btc.move_window_minutes,
                  band_pct=btc.rearm_band_pct, cooldown_minutes=btc.cooldown_minutes),
    )


SNAPSHOT_EVERY_SECONDS = 2.0  # /btc and /status read it: a tick a second need not write it


class PriceEvaluator:
    """Composite, crossings and moves for a stream of ticks (live or replayed)."""

    def __init__(self, ctx: TopicContext, *, gap_seconds: float | None = None) -> None:
        self.ctx = ctx
        self.composite_rules, engine_rules, move_rules = rules_from(ctx.settings)
        if gap_seconds is not None:
            engine_rules = replace(engine_rules, gap_seconds=gap_seconds)
        self.engine = ThresholdEngine(ctx.state, ctx.registry, engine_rules)
        self.moves = MoveEngine(move_rules)
        self.latest: dict[str, Tick] = {}
        self.degraded: str | None = None
        self.last: CompositePrice | None = None
        self._new_data = False
        self._snapshot_at: datetime | None = None

    def add(self, tick: Tick) -> None:
        self.latest[tick.source] = tick
        self._new_data = True

    async def evaluate(self, now: datetime) -> tuple[list[Firing], PriceMove | None]:
        result = composite(self.latest, now, self.composite_rules)
        fresh = len(result.sources) if isinstance(result, CompositePrice) else len(result.fresh)
        metrics.PRICE_SOURCES.set(fresh)
        if isinstance(result, Degraded):
            if self.degraded is None:
                log.warning("price feed degraded: %s (fresh: %s); no price alert can fire",
                            result.reason, ", ".join(result.fresh) or "none")
                metrics.FEED_DEGRADED.set(1)
            self.degraded = result.reason
            return [], None
        if self.degraded is not None:
            log.info("price feed recovered: %s", ", ".join(result.sources))
            metrics.FEED_DEGRADED.set(0)
            self.degraded = None
        if not self._new_data:
            return [], None  # no new tick: not a new reading (the gap clock keeps running)
        self._new_data = False
        self.last = result
        firings = await self.engine.on_price(result)
        move = self.moves.on_price(result)
        # /btc after an alert shows the alert's price, not one up to two seconds older
        if firings or move is not None or self._snapshot_at is None or \
                (result.at - self._snapshot_at).total_seconds() >= SNAPSHOT_EVERY_SECONDS:
            self._snapshot_at = result.at
            await self.ctx.snapshots.set_model(
                PRICE_SNAPSHOT, PriceSnapshot(price=result.price, sources=result.sources,
                                              quote=result.quote, at=result.at),
                ttl_seconds=SNAPSHOT_TTL_SECONDS)
        return firings, move


class PriceWatcher:
    name = "btc"

    def __init__(self, ctx: TopicContext, *, feeds: list[Feed] | None = None,
                 client: httpx.AsyncClient | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.ctx = ctx
        self.client = client
        self.feeds = feeds
        self.clock = clock or (lambda: datetime.now(UTC))
        self.evaluator = PriceEvaluator(ctx)
        self.published: list[object] = []

    async def run(self, stop: asyncio.Event) -> None:
        owns = self.client is None
        if self.client is None:
            self.client = make_http_client(self.ctx.settings)
        feeds = self.feeds if self.feeds is not None else build_feeds(self.ctx.settings,
                                                                      self.client)
        queue: asyncio.Queue[Tick] = asyncio.Queue(maxsize=10_000)

        def emit(tick: Tick) -> None:
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(tick)

        tasks = [asyncio.create_task(feed.run(emit, stop), name=f"feed-{feed.name}")
                 for feed in feeds]
        try:
            while not stop.is_set():
                try:
                    tick = await asyncio.wait_for(queue.get(), timeout=1.0)
                    self.evaluator.add(tick)
                    while not queue.empty():
                        self.evaluator.add(queue.get_nowait())
                except TimeoutError:
                    pass
                try:
                    await self.publish(*await self.evaluator.evaluate(self.clock()))
                except Exception:  # keep watching: one bad evaluation must not stop alerts
                    log.exception("btc: evaluation failed")
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if owns and self.client is not None:  # a restart starts with a new client
                client, self.client = self.client, None
                await client.aclose()

    async def publish(self, firings: list[Firing], move: PriceMove | None) -> None:
        for firing in firings:
            await self.ctx.publisher.publish(firing.event, chats=firing.chats)
            self.published.append(firing.event)
            log.info("btc: %s %s at %s to %d chats%s", firing.event.direction,
                     firing.event.level, firing.event.price, len(firing.chats),
                     " (late)" if firing.event.late else "")
        if move is not None:
            await self.ctx.publisher.publish(move)
            self.published.append(move)


async def check(settings: Settings) -> list[CheckResult]:
    results = []
    async with make_http_client(settings) as client:
        for feed in build_feeds(settings, client):
            name = f"{feed.name.lower()}: REST ticker"
            try:
                response = await client.get(feed.rest_url + feed.spec.rest_path,
                                            params=feed.spec.rest_params)
                if response.status_code == 451:
                    results.append(CheckResult(name, False, "HTTP 451: unavailable from "
                                                            "this host"))
                    continue
                response.raise_for_status()
                tick = feed.spec.parse_rest(response.text, datetime.now(UTC))
                results.append(CheckResult(name, True, f"BTC {tick.price} {tick.quote}"))
            except Exception as exc:
                results.append(CheckResult(name, False, f"{describe_error(exc)}: {exc}"))
    return results

