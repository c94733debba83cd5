"""Claiming a crossed level that 10,000 chats set: the time from found to fired.

10,000 chats each have a level at 80,000; the price falls through it; the engine's batch
claim (one script call per partition, ``Registry.claim_levels``) fires each exactly once.
Usage: python bench/claims.py [--chats 10000] [--redis-url URL | cluster]
Without --redis-url it starts its own embedded Valkey. Prints its figures last as
name=value lines.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import cleanup, redis_server
from bot.app import build_services
from bot.config import load_settings
from bot.domain.chats import ChatKind, ChatRef, Direction
from bot.store.server import make_client


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    async with redis_server(args.redis_url) as url:
        prefix = f"bench-{uuid.uuid4().hex[:8]}"
        redis = make_client(url)
        services = build_services(load_settings(redis_url=url, key_prefix=prefix,
                                                partitions=16), redis)
        try:
            async def one(n: int) -> None:
                ref = ChatRef("telegram", str(3_000_000 + n))
                await services.registry.upsert_chat(ref, ChatKind.PRIVATE)
                await services.registry.add_threshold(ref, Direction.BELOW, Decimal(80000))

            step = 8 if args.redis_url == "cluster" else 64
            for start in range(0, args.chats, step):
                await asyncio.gather(*(one(n) for n in range(start,
                                                             min(args.chats, start + step))))
            t0 = time.perf_counter()
            crossed = await services.registry.crossed_levels(Decimal(80100), Decimal(79900))
            found_ms = (time.perf_counter() - t0) * 1000
            t1 = time.perf_counter()
            won = await services.registry.claim_levels(crossed, "below", 1)
            claim_ms = (time.perf_counter() - t1) * 1000
            again = await services.registry.claim_levels(crossed, "below", 2)
            print(f"{len(crossed)} chats on one level: found in {found_ms:.1f} ms, claimed in "
                  f"{claim_ms:.1f} ms ({sum(won)} fired; a second claim fired {sum(again)})")
            print(f"found_ms={found_ms:.1f}")
            print(f"claim_ms={claim_ms:.1f}")
            print(f"fired_twice={sum(again)}")
        finally:
            await cleanup(redis, prefix)
            await redis.aclose()


if __name__ == "__main__":
    asyncio.run(main())
