"""End to end: FOMC statement published (T0) → alerts in Telegram chats.

A local server plays federalreserve.gov at 2:00 pm ET on a decision day (the watcher polls
the statement URL at the fast pace, every 0.25 s); a local Bot API stand-in enforcing
Telegram's limits receives the alerts through the real python-telegram-bot. For 1, 100 and
1,000 subscribed chats, prints the time from T0 to the first and to the last delivery, and
from detection (the statement parsed, its publication starting) to the first chat's send
call.

Usage: python bench/e2e_fomc.py [--sizes 1,100,1000] [--redis-url URL]
Prints its figures last as name=value lines.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from pydantic import SecretStr

from bench.common import cleanup, redis_server
from bot.app import build_services
from bot.config import load_settings
from bot.domain.chats import ChatKind, ChatRef
from bot.pipeline.deliver import DeliveryWorker
from bot.platforms.telegram.sender import TelegramTransport
from bot.store.server import make_client
from bot.topics.fomc.watcher import FomcWatcher
from tests.servers import FakeFed, LocalServer, fed_fixture
from tests.telegram_standin import TOKEN, TelegramStandIn

STATEMENT = "/newsevents/pressreleases/monetary20250319a.htm"
DECISION_MINUTE = datetime.fromisoformat("2025-03-19T18:00:00+00:00")


async def one(url: str, chats: int) -> tuple[float, float, float]:
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    redis = make_client(url)
    fed = FakeFed(feed=fed_fixture("press_monetary_before.xml"),
                  pages={"/newsevents/pressreleases/monetary20241218a.htm":
                         fed_fixture("monetary20241218a.htm")})
    standin = TelegramStandIn(enforce_limits=True)
    try:
        async with LocalServer(fed.app()) as fed_server, \
                LocalServer(standin.app()) as tg_server, httpx.AsyncClient() as client:
            settings = load_settings(
                redis_url=url, key_prefix=prefix, partitions=16,
                fed={"base_url": fed_server.url},
                telegram={"token": SecretStr(TOKEN), "api_url": tg_server.url})
            services = build_services(settings, redis)
            for n in range(chats):
                ref = ChatRef("telegram", str(9000 + n))
                await services.registry.upsert_chat(ref, ChatKind.PRIVATE)
                await services.registry.subscribe(ref, "fomc")
            watcher = FomcWatcher(services.topic, client=client, clock=lambda: DECISION_MINUTE)
            await watcher.announce_from_feed()  # baseline: the December statement
            detected: list[float] = []
            publish = services.publisher.publish

            async def timed(event, **kwargs):  # the statement parsed: publishing starts
                detected.append(time.monotonic())
                return await publish(event, **kwargs)

            services.publisher.publish = timed  # type: ignore[method-assign]
            transport = TelegramTransport.from_settings(settings)
            await transport.start()
            stop = asyncio.Event()
            worker = DeliveryWorker(services.outbox, services.registry, services.messages,
                                    transport, "e2e")
            tasks = [asyncio.create_task(watcher.run(stop)),
                     asyncio.create_task(worker.run(stop))]
            await asyncio.sleep(random.uniform(0.5, 2.0))
            fed.pages[STATEMENT] = fed_fixture("monetary20250319a.htm")
            t0 = time.monotonic()
            while len(standin.sent()) < chats:
                await asyncio.sleep(0.01)
            sends = standin.sent()
            stop.set()
            await asyncio.gather(*tasks)
            await transport.close()
        return sends[0].at - t0, sends[-1].at - t0, sends[0].at - detected[0]
    finally:
        await cleanup(redis, prefix)
        await redis.aclose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,100,1000")
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    results = {}
    async with redis_server(args.redis_url) as url:
        for size in (int(s) for s in args.sizes.split(",")):
            results[size] = await one(url, size)
            print(f"{size} chats: first {results[size][0]:.2f} s, last {results[size][1]:.2f} s, "
                  f"first send {results[size][2]:.3f} s after detection", flush=True)
    for size, (first, last, after_detection) in results.items():
        print(f"first_s_{size}={first:.3f}")
        print(f"last_s_{size}={last:.3f}")
        print(f"first_send_after_detection_s_{size}={after_detection:.3f}")


if __name__ == "__main__":
    asyncio.run(main())
