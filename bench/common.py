"""What the benchmarks share: a Redis-protocol server to run against, and cleanup."""

from __future__ import annotations

import contextlib
import resource
from collections.abc import AsyncIterator

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
