"""Detection latency of the FOMC watcher: statement appears (T0) → event emitted.

A local server plays federalreserve.gov on a decision day at 2:00:00 pm ET, the minute the
statement is scheduled; the watcher polls the predictable statement URL at the fast pace
(``fed.fast_poll_seconds``, default 0.25 s: four requests a second for about a minute
around the minute, over one kept-alive connection); at a random moment the page appears.
Twenty runs; the event counts as emitted when the publisher has stored it and queued its
deliveries (the decision is not held for the implementation note: it follows).

Usage: python bench/fomc_latency.py [--runs 20] [--interval 0.25] [--redis-url URL]
Prints its figures last as name=value lines.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench.common import cleanup, latency_bench, release_latency
from bot.app import build_services
from bot.config import load_settings
from bot.domain.chats import ChatKind, ChatRef
from bot.store.server import make_client
from bot.topics.fomc.watcher import FomcWatcher
from tests.servers import FakeFed, LocalServer, fed_fixture

STATEMENT = "/newsevents/pressreleases/monetary20250319a.htm"
DECISION_MINUTE = datetime.fromisoformat("2025-03-19T18:00:00+00:00")


async def one_run(url: str, interval: float) -> float:
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    fed = FakeFed(feed=fed_fixture("press_monetary_before.xml"),
                  pages={"/newsevents/pressreleases/monetary20241218a.htm":
                         fed_fixture("monetary20241218a.htm")})
    redis = make_client(url)
    try:
        async with LocalServer(fed.app()) as server:
            settings = load_settings(redis_url=url, key_prefix=prefix, partitions=4,
                                     fed={"base_url": server.url,
                                          "fast_poll_seconds": interval})
            services = build_services(settings, redis)
            ref = ChatRef("console", "bench")
            await services.registry.upsert_chat(ref, ChatKind.PRIVATE)
            await services.registry.subscribe(ref, "fomc")
            async with httpx.AsyncClient(timeout=5) as client:
                watcher = FomcWatcher(services.topic, client=client, clock=lambda: DECISION_MINUTE)
                await watcher.announce_from_feed()  # baseline: the December statement

                async def published() -> bool:
                    return bool(watcher.published)

                return await release_latency(
                    watcher.run, lambda: fed.pages.__setitem__(
                        STATEMENT, fed_fixture("monetary20250319a.htm")), published,
                    settle=(0.5, 3.0))
    finally:
        await cleanup(redis, prefix)
        await redis.aclose()


async def main() -> None:
    await latency_bench(__doc__ or "", one_run, runs=20, interval=0.25, prefix="")


if __name__ == "__main__":
    asyncio.run(main())
