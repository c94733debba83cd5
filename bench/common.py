"""What the benchmarks share: a Redis-protocol server to run against, cleanup, and
timing a watcher from a page's release to its alert."""

from __future__ import annotations

import asyncio
import contextlib
import random
import resource
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from redis.asyncio import Redis

from bot.store.server import make_client, start_embedded

LOCAL_URL = "redis://127.0.0.1:6379/12"


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def local_redis_url() -> str | None:
    """The machine's Redis (database 12) when it answers."""
    client = make_client(LOCAL_URL)
    try:
        await client.ping()
        return LOCAL_URL
    except Exception:
        return None
    finally:
        await client.aclose()


@contextlib.asynccontextmanager
async def redis_server(url: str | None) -> AsyncIterator[str]:
    """``url`` when given (``--redis-url``), ``cluster`` for a local three-master Redis
    Cluster the bench starts, else a private embedded Valkey that the bench starts and
    stops: a bench never writes into a server it did not start."""
    if url == "cluster":
        from bot.store.cluster import start_cluster

        cluster = start_cluster()
        try:
            yield cluster.url
        finally:
            cluster.stop()
        return
    if url is not None:
        yield url
        return
    embedded = start_embedded(None, persist=False)
    try:
        yield embedded.url
    finally:
        embedded.stop()


async def cleanup(redis: Redis, prefix: str) -> None:
    """Delete every key under a benchmark's private prefix."""
    batch = []
    async for key in redis.scan_iter(match=f"{prefix}:*", count=5000):
        batch.append(key)
        if len(batch) >= 5000:
            await redis.unlink(*batch)
            batch.clear()
    if batch:
        await redis.unlink(*batch)


async def release_latency(run: Callable[[asyncio.Event], Awaitable[None]],
                          release: Callable[[], None], done: Callable[[], Awaitable[bool]],
                          settle: tuple[float, float] = (0.5, 2.0), tick: float = 0.002
                          ) -> float:
    """Seconds from a page appearing to a watcher having acted on it.

    ``run`` (a watcher's loop) starts first and polls for a random while, so the
    release lands at a random point of its poll interval; then ``release`` puts the page
    up and the clock runs until ``done`` says the watcher has acted."""
    stop = asyncio.Event()
    task = asyncio.create_task(run(stop))
    await asyncio.sleep(random.uniform(*settle))
    release()
    started = time.perf_counter()
    while not await done():
        await asyncio.sleep(tick)
    latency = time.perf_counter() - started
    stop.set()
    await task
    return latency


async def latency_bench(doc: str, one_run: Callable[[str, float], Awaitable[float]], *,
                        runs: int, interval: float, prefix: str = "") -> None:
    """The detection-latency benches' command line: ``--runs``, ``--interval``,
    ``--redis-url``; prints every run, then the median and the worst as name=value."""
    import argparse
    import statistics

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--runs", type=int, default=runs)
    parser.add_argument("--interval", type=float, default=interval)
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    async with redis_server(args.redis_url) as url:
        latencies = [await one_run(url, args.interval) for _ in range(args.runs)]
    print(f"{len(latencies)} runs, poll interval {args.interval} s: "
          + ", ".join(f"{x:.2f}" for x in latencies))
    print(f"{prefix}median_s={statistics.median(latencies):.3f}")
    print(f"{prefix}worst_s={max(latencies):.3f}")
