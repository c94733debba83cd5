"""Telegram delivery rate under Telegram's limits, through the real python-telegram-bot.

3,000 subscribed chats (10 % of them groups) get one alert each: publish → outbox →
delivery workers → TelegramTransport → a local Bot API stand-in that enforces the limits
with 429s (30 messages in any second overall, 1 a second per chat, 20 a minute per group).
``--instances N`` runs N instances' workers (each its own transport, pacer and consumer)
on the one store: with the shared send budget (default) they keep to one limit together.
``--busy N`` keeps N other processes spinning on the CPU meanwhile (a loaded machine:
sends wake late from their sleeps, and a late one must take a new slot, not bunch).

Usage: python bench/telegram_delivery.py [--chats 3000] [--instances 1] [--per-process]
       [--busy 0] [--redis-url URL|cluster]
Prints its figures last as name=value lines.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import SecretStr

from bench.common import cleanup, redis_server
from bot.app import build_services, build_transports
from bot.config import load_settings
from bot.domain.chats import ChatKind, ChatRef
from bot.pipeline.deliver import DeliveryWorker
from bot.store.server import make_client
from tests.helpers import fomc_event
from tests.servers import LocalServer
from tests.telegram_standin import TOKEN, TelegramStandIn


def spin(seconds: float) -> None:
    """Keep one core busy (a loaded machine), for at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sum(range(10_000))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=3000)
    parser.add_argument("--instances", type=int, default=1)
    parser.add_argument("--per-process", action="store_true",
                        help="each instance paces itself (no shared budget), at the full rate")
    parser.add_argument("--busy", type=int, default=0,
                        help="processes spinning on the CPU during the run")
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    spinners = [multiprocessing.Process(target=spin, args=(args.chats,), daemon=True)
                for _ in range(args.busy)]
    async with redis_server(args.redis_url) as url:
        prefix = f"bench-{uuid.uuid4().hex[:8]}"
        redis = make_client(url)
        standin = TelegramStandIn(enforce_limits=True)
        try:
            async with LocalServer(standin.app()) as server:
                telegram = {"token": SecretStr(TOKEN), "api_url": server.url}
                settings = load_settings(redis_url=url, key_prefix=prefix, partitions=16,
                                         telegram=telegram)
                services = build_services(settings, redis)
                groups = 0
                for n in range(args.chats):
                    group = n % 10 == 0
                    groups += group
                    ref = ChatRef("telegram", str(-(5000 + n) if group else 5000 + n))
                    await services.registry.upsert_chat(ref, ChatKind.GROUP if group else
                                                        ChatKind.PRIVATE)
                    await services.registry.subscribe(ref, "fomc")
                transports = []
                for _ in range(args.instances):
                    [transport] = build_transports(
                        settings, None if args.per_process else redis)
                    await transport.start()
                    transports.append(transport)
                for n in range(args.instances):  # alive, as their heartbeats would say
                    await redis.set(services.keys.instance(f"bench{n}"), "alive", ex=600)
                stop = asyncio.Event()
                tasks = [asyncio.create_task(DeliveryWorker(
                    services.outbox, services.registry, services.messages, transport,
                    f"bench{n}-0").run(stop)) for n, transport in enumerate(transports)]

                def sent() -> int:
                    return sum(t.sent for t in transports)  # type: ignore[attr-defined]

                for spinner in spinners:
                    spinner.start()
                started = time.perf_counter()
                await services.publisher.publish(fomc_event())
                while sent() < args.chats:
                    await asyncio.sleep(0.05)
                    if time.perf_counter() - started > args.chats:  # a second a chat at worst
                        break
                elapsed = time.perf_counter() - started
                for spinner in spinners:
                    spinner.terminate()
                stop.set()
                await asyncio.gather(*tasks)
                for transport in transports:
                    await transport.close()
                sends = standin.sent()
                first, last = sends[0].at, sends[-1].at
                rate = (len(sends) - 1) / (last - first) if len(sends) > 1 else 0.0
            print(f"{sent()}/{args.chats} chats ({groups} groups) reached in "
                  f"{elapsed:.1f} s by {args.instances} instance(s) "
                  f"({'per-process pacing' if args.per_process else 'shared budget'}"
                  f"{f', {args.busy} busy processes' if args.busy else ''}); "
                  f"{len(sends)} sendMessage calls, {standin.too_many} answered 429")
            print(f"messages_per_s={rate:.2f}")
            print(f"share_of_limit={rate / 30:.3f}")
            print(f"too_many_requests={standin.too_many}")
        finally:
            await cleanup(redis, prefix)
            await redis.aclose()


if __name__ == "__main__":
    asyncio.run(main())
