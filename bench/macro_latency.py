"""Detection latency of the macro watcher: a BLS release page changes (T0) → event stored.

A local server plays bls.gov at 8:29:58 ET on a scheduled jobs-report day; the watcher
polls ``empsit.nr0.htm`` at ``macro.burst_poll_seconds`` (default 1 s, BLS's one request a
second); at a random moment the March page is replaced by the April one. The event counts
as emitted when the publisher has stored it and queued its deliveries.

Usage: python bench/macro_latency.py [--runs 12] [--interval 1.0] [--redis-url URL]
Prints its figures last as name=value lines.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench.common import cleanup, latency_bench, release_latency
from bot.app import build_services
from bot.config import load_settings
from bot.domain.chats import ChatKind, ChatRef
from bot.store.server import make_client
from bot.topics.macro.settings import MacroSettings
from bot.topics.macro.watcher import SCHEDULE_STATE, MacroWatcher
from tests.servers import FakeFed, LocalServer
from tests.test_macro import NEW_PAGE, OLD_PAGE

PAGE = "/news.release/empsit.nr0.htm"
SCHEDULE = ('[[release]]\nkind = "jobs"\nperiod = "2025-04"\nday = 2025-05-02\nat = "08:30"\n'
            'status = "scheduled"\n')
MOMENT = datetime(2025, 5, 2, 12, 29, 58, tzinfo=UTC)


async def one_run(url: str, interval: float) -> float:
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    bls = FakeFed(pages={PAGE: OLD_PAGE.encode()})
    redis = make_client(url)
    try:
        async with LocalServer(bls.app()) as server:
            settings = load_settings(redis_url=url, key_prefix=prefix, partitions=4)
            services = build_services(settings, redis)
            ref = ChatRef("console", "bench")
            await services.registry.upsert_chat(ref, ChatKind.PRIVATE)
            await services.registry.subscribe(ref, "macro")
            await services.snapshots.set_json(SCHEDULE_STATE, SCHEDULE)
            async with httpx.AsyncClient(timeout=5) as client:
                watcher = MacroWatcher(services.topic, client=client, clock=lambda: MOMENT)
                watcher.macro = MacroSettings(bls_url=server.url, burst_poll_seconds=interval,
                                              bea_feed_url=server.url + "/rss")
                watcher.next_refresh = datetime.max.replace(tzinfo=UTC)
                watcher.next_quiet = datetime.max.replace(tzinfo=UTC)
                await watcher.check({"jobs"})  # baseline: the March release

                async def published() -> bool:
                    return await services.snapshots.latest_event("macro") is not None

                return await release_latency(
                    watcher.run, lambda: bls.pages.__setitem__(PAGE, NEW_PAGE.encode()),
                    published, settle=(0.5, 2.5))
    finally:
        await cleanup(redis, prefix)
        await redis.aclose()


async def main() -> None:
    await latency_bench(__doc__ or "", one_run, runs=12, interval=1.0, prefix="macro_")


if __name__ == "__main__":
    asyncio.run(main())
