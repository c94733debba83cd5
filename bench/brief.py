"""Morning brief at scale: 100,000 chats, their due-time lookup and one minute's sending.

1. Every chat has a brief at 08:00 Asia/Taipei; at 07:59 only 100 of them (set a minute
   earlier) are due: the lookup must cost what those cost, not a scan of all chats.
2. At 08:00 all are due: the time to compose and publish every brief (grouped by zone,
   minute and nearest levels; a tenth of the chats have two BTC levels).
Usage: python bench/brief.py [--chats 100000] [--redis-url URL]
Without --redis-url it starts its own embedded Valkey. Prints its figures last as
name=value lines.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import cleanup, redis_server
from bot.app import build_services
from bot.config import load_settings
from bot.domain.brief import BriefSetting
from bot.domain.chats import ChatKind, ChatRef, Direction
from bot.domain.ports import BTC_PRICE_SNAPSHOT, LatestPrice
from bot.pipeline.brief import BriefScheduler
from bot.store.server import make_client

EIGHT = datetime(2026, 12, 10, 0, 0, tzinfo=UTC)  # 08:00 in Taipei
SETTING = BriefSetting.parse("08:00")


async def populate(services, n: int, batch: int = 64) -> None:  # type: ignore[no-untyped-def]
    async def one(i: int) -> None:
        ref = ChatRef("telegram", str(2_000_000 + i))
        await services.registry.upsert_chat(ref, ChatKind.PRIVATE, timezone="Asia/Taipei")
        await services.registry.subscribe(ref, "fomc", "btc")
        if i % 10 == 0:
            await services.registry.add_threshold(ref, Direction.BELOW,
                                                  Decimal(80000 - 1000 * (i % 7)))
            await services.registry.add_threshold(ref, Direction.ABOVE, Decimal(100000))
        due = EIGHT - timedelta(minutes=1) if i < 100 else EIGHT
        await services.briefs.set(ref, SETTING, due)

    for start in range(0, n, batch):
        await asyncio.gather(*(one(i) for i in range(start, min(n, start + batch))))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=100_000)
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    async with redis_server(args.redis_url) as url:
        prefix = f"bench-{uuid.uuid4().hex[:8]}"
        settings = load_settings(redis_url=url, key_prefix=prefix, partitions=16)
        redis = make_client(url)
        services = build_services(settings, redis)
        try:
            t0 = time.perf_counter()
            await populate(services, args.chats)
            print(f"{args.chats} chats with a brief set up in {time.perf_counter() - t0:.1f} s",
                  flush=True)
            await services.snapshots.set_model(BTC_PRICE_SNAPSHOT, LatestPrice(
                price=Decimal(90000), at=EIGHT))
            t1 = time.perf_counter()
            early = await services.briefs.due(EIGHT - timedelta(seconds=30))
            lookup_ms = (time.perf_counter() - t1) * 1000
            assert len(early) == 100, len(early)
            scheduler = BriefScheduler(services.briefs, services.registry, services.publisher,
                                       services.status_lines, services.snapshots,
                                       services.calendar, clock=lambda: EIGHT,
                                       agenda=services.catalog.agenda,
                                       personal=services.catalog.brief_parts)
            await scheduler.tick(EIGHT - timedelta(seconds=30))
            t2 = time.perf_counter()
            due = 0
            while True:  # the scheduler takes the due chats in slices
                sent = await scheduler.tick(EIGHT + timedelta(seconds=5))
                if not sent:
                    break
                due += sent
            send_s = time.perf_counter() - t2
            queued = (await services.outbox.backlog("telegram"))["queued"]
            again = await scheduler.tick(EIGHT + timedelta(seconds=10))
            print(f"lookup of 100 due among {args.chats}: {lookup_ms:.1f} ms; {due} briefs "
                  f"composed and queued in {send_s:.1f} s ({queued} deliveries); a second "
                  f"tick found {again} due")
            print(f"due_lookup_ms={lookup_ms:.1f}")
            print(f"all_due_send_seconds={send_s:.2f}")
            print(f"deliveries_queued={queued}")
        finally:
            await cleanup(redis, prefix)
            await redis.aclose()


if __name__ == "__main__":
    asyncio.run(main())
