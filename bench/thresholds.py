"""Crossed-level lookup with 1,000,000 BTC price levels in Redis.

Loads N thresholds (50,000 chats x 20 levels, between 40,000 and 160,000 USD) through the
registry's own script, then times, for a random walk of one-second price moves:
- the range query the engine uses (one ZRANGEBYSCORE per partition, pipelined);
- a scan over all levels (read every level, keep the crossed ones) as the baseline;
and reports Redis memory per threshold.

Usage: python bench/thresholds.py [--thresholds 1000000] [--redis-url URL | cluster]
Without --redis-url a private embedded Valkey is started, so memory figures are clean.
Prints its figures last as name=value lines.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import cleanup
from bot.app import build_services
from bot.config import load_settings
from bot.domain.chats import ChatRef
from bot.store.server import make_client, start_embedded

LEVELS_PER_CHAT = 20


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


async def load(services, thresholds: int, batch_chats: int = 500) -> None:
    registry = services.registry
    scripts = registry._scripts  # the bench drives the registry's own scripts
    chats = thresholds // LEVELS_PER_CHAT
    rng = random.Random(7)
    now = "2026-11-26T00:00:00+00:00"
    if type(services.redis).__name__ == "RedisCluster":  # no scripts in cluster pipelines
        await load_cluster(services, chats, rng, now)
        return
    for start in range(0, chats, batch_chats):
        async with services.redis.pipeline(transaction=False) as pipe:
            for n in range(start, min(chats, start + batch_chats)):
                ref = ChatRef("telegram", str(10_000_000 + n))
                part = services.keys.partition_of(ref)
                await scripts.chat_upsert(
                    keys=[part.chat(ref), part.chats],
                    args=[str(ref), "telegram", ref.chat_id, "private", "both", "Asia/Taipei",
                          "", now], client=pipe)
                for _ in range(LEVELS_PER_CHAT):
                    level = rng.randrange(400, 1600) * 100
                    direction = rng.choice(("above", "below", "cross"))
                    record = json.dumps({"direction": direction, "level": str(level),
                                         "mode": "once", "created_at": now})
                    await scripts.threshold_add(
                        keys=[part.chat(ref), part.thresholds(ref), *part.level_keys()],
                        args=[str(ref), LEVELS_PER_CHAT + 1, direction, str(level), record,
                              ""], client=pipe)
            await pipe.execute()


async def load_cluster(services, chats: int, rng: random.Random, now: str) -> None:
    scripts = services.registry._scripts

    async def one(n: int) -> None:
        ref = ChatRef("telegram", str(10_000_000 + n))
        part = services.keys.partition_of(ref)
        await scripts.chat_upsert(
            keys=[part.chat(ref), part.chats],
            args=[str(ref), "telegram", ref.chat_id, "private", "both", "Asia/Taipei", "", now])
        for level, direction in levels[n]:
            record = json.dumps({"direction": direction, "level": str(level),
                                 "mode": "once", "created_at": now})
            await scripts.threshold_add(
                keys=[part.chat(ref), part.thresholds(ref), *part.level_keys()],
                args=[str(ref), LEVELS_PER_CHAT + 1, direction, str(level), record, ""])

    levels = {n: [(rng.randrange(400, 1600) * 100, rng.choice(("above", "below", "cross")))
                  for _ in range(LEVELS_PER_CHAT)] for n in range(chats)}
    for start in range(0, chats, 8):
        await asyncio.gather(*(one(n) for n in range(start, min(chats, start + 8))))


async def scan_crossed(services, previous: Decimal, current: Decimal) -> int:
    """The baseline: read every level and keep those crossed."""
    low, high = min(previous, current), max(previous, current)
    found = 0
    async with services.redis.pipeline(transaction=False) as pipe:
        for part in services.keys.all_partitions():
            pipe.zrange(part.levels_up, 0, -1, withscores=True)
            pipe.zrange(part.levels_down, 0, -1, withscores=True)
        for rows in await pipe.execute():
            for _member, score in rows:
                if low <= Decimal(str(score)) <= high:
                    found += 1
    return found


def used_memory(info: Any) -> int:
    """Bytes used: one server's INFO, or the sum over a cluster's nodes."""
    if "used_memory" in info:
        return int(info["used_memory"])
    return sum(int(node["used_memory"]) for node in info.values())


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thresholds", type=int, default=1_000_000)
    parser.add_argument("--moves", type=int, default=2000)
    parser.add_argument("--scans", type=int, default=20)
    parser.add_argument("--move-sd", type=float, default=0.0002,
                        help="standard deviation of a one-second move (default 0.02%%, about "
                             "twice BTC's typical; 0.001 is a stress test)")
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    embedded: Any = None
    url = args.redis_url
    if url is None:
        embedded = start_embedded(None, persist=False)
        url = embedded.url
    elif url == "cluster":  # a local three-master Redis Cluster the bench starts
        from bot.store.cluster import start_cluster

        embedded = start_cluster()
        url = embedded.url
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    redis = make_client(url)
    services = build_services(load_settings(redis_url=url, key_prefix=prefix, partitions=16),
                              redis)
    try:
        before = used_memory(await redis.info("memory"))
        t0 = time.perf_counter()
        await load(services, args.thresholds)
        load_s = time.perf_counter() - t0
        after = used_memory(await redis.info("memory"))
        stored = sum([await redis.zcard(p.levels_up) + await redis.zcard(p.levels_down)
                      for p in services.keys.all_partitions()])
        print(f"loaded {args.thresholds} thresholds ({stored} index entries) in {load_s:.1f} s",
              flush=True)

        rng = random.Random(11)
        price = Decimal(80000)
        range_ms: list[float] = []
        crossed = 0
        for _ in range(args.moves):
            new = (price * (1 + Decimal(rng.gauss(0, args.move_sd)))).quantize(Decimal("0.01"))
            t = time.perf_counter()
            crossed += len(await services.registry.crossed_levels(price, new))
            range_ms.append((time.perf_counter() - t) * 1000)
            price = new
        scan_ms: list[float] = []
        for _ in range(args.scans):
            new = (price * (1 + Decimal(rng.gauss(0, args.move_sd)))).quantize(Decimal("0.01"))
            t = time.perf_counter()
            await scan_crossed(services, price, new)
            scan_ms.append((time.perf_counter() - t) * 1000)
            price = new
        print(f"{args.moves} one-second moves (sd {args.move_sd:.2%}): {crossed} crossed levels "
              f"found; "
              f"range query mean {statistics.mean(range_ms):.2f} ms, scan mean "
              f"{statistics.mean(scan_ms):.0f} ms")
        print(f"p50_ms={percentile(range_ms, 50):.3f}")
        print(f"p99_ms={percentile(range_ms, 99):.3f}")
        print(f"scan_p50_ms={percentile(scan_ms, 50):.1f}")
        print(f"scan_p99_ms={percentile(scan_ms, 99):.1f}")
        print(f"speedup_p99={percentile(scan_ms, 99) / percentile(range_ms, 99):.0f}")
        print(f"bytes_per_threshold={(after - before) / args.thresholds:.0f}")
    finally:
        if embedded is None:
            await cleanup(redis, prefix)
        await redis.aclose()
        if embedded is not None:
            embedded.stop()


if __name__ == "__main__":
    asyncio.run(main())
