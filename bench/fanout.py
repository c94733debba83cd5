"""Fan-out throughput: deliveries enqueued per second for N subscribed chats.

Usage: python bench/fanout.py [--chats 100000] [--redis-url redis://127.0.0.1:6379/12]
Without --redis-url it starts its own embedded Valkey. Keys live under a private prefix
and are deleted after. Also says what a subscribed chat costs the server (its settings
record and its place in the topic's set), for sizing a store.
Prints its figures last as name=value lines.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import cleanup, peak_rss_mb, redis_server, rss_mb
from bot.app import build_services
from bot.config import load_settings
from bot.domain.chats import ChatKind, ChatRef
from bot.store.server import make_client
from tests.helpers import fomc_event


async def populate(services, n: int, batch: int = 64) -> None:
    registry = services.registry
    for start in range(0, n, batch):
        await asyncio.gather(*(
            _one(registry, ChatRef("telegram", str(1_000_000 + i)))
            for i in range(start, min(n, start + batch))))


async def _one(registry, ref: ChatRef) -> None:
    await registry.upsert_chat(ref, ChatKind.PRIVATE)
    await registry.subscribe(ref, "fomc")


async def server_memory(redis) -> int:
    """Bytes the server(s) use: one server's used_memory, or the sum over a cluster's
    masters."""
    from redis.asyncio.cluster import RedisCluster

    if isinstance(redis, RedisCluster):
        info = await redis.info("memory", target_nodes=RedisCluster.PRIMARIES)
        return sum(int(node["used_memory"]) for node in info.values())
    return int((await redis.info("memory"))["used_memory"])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=100_000)
    parser.add_argument("--redis-url")
    parser.add_argument("--partitions", type=int, default=16)
    args = parser.parse_args()

    async with redis_server(args.redis_url) as url:
        prefix = f"bench-{uuid.uuid4().hex[:8]}"
        settings = load_settings(redis_url=url, key_prefix=prefix, partitions=args.partitions)
        redis = make_client(url)
        services = build_services(settings, redis)
        try:
            info = await redis.info("server")
            version = info.get("valkey_version") or info["redis_version"]
            server = f"{info.get('server_name', 'redis')} {version}"
            empty = await server_memory(redis)
            t0 = time.perf_counter()
            await populate(services, args.chats)
            setup_s = time.perf_counter() - t0
            per_chat = (await server_memory(redis) - empty) / max(1, args.chats)
            print(f"server: {server} at {url.split('@')[-1]}; {args.chats} chats subscribed in "
                  f"{setup_s:.1f} s", flush=True)
            rss_before = rss_mb()
            memory_before = await server_memory(redis)
            t1 = time.perf_counter()
            result = await services.publisher.publish(fomc_event())
            elapsed = time.perf_counter() - t1
            rss_after = rss_mb()
            per_delivery = (await server_memory(redis) - memory_before) / result.queued
            assert result.queued == args.chats, result
            again = await services.publisher.publish(fomc_event())
            queued = sum([(await services.outbox.backlog(p))["queued"]
                          for p in ("telegram",)])
            print(f"fan-out: {result.queued} deliveries in {elapsed:.3f} s; republish queued "
                  f"{again.queued}; streams hold {queued}; RSS during fan-out "
                  f"{rss_before:.1f} -> {rss_after:.1f} MB", flush=True)
            print(f"deliveries_per_s={result.queued / elapsed:.0f}")
            print(f"fanout_seconds={elapsed:.3f}")
            print(f"fanout_rss_growth_mb={rss_after - rss_before:.1f}")
            print(f"server_bytes_per_queued_delivery={per_delivery:.0f}")
            print(f"server_bytes_per_subscribed_chat={per_chat:.0f}")
            print(f"peak_rss_mb={peak_rss_mb():.1f}")
        finally:
            await cleanup(redis, prefix)
            await redis.aclose()


if __name__ == "__main__":
    asyncio.run(main())
