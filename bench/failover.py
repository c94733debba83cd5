"""The leader killed during a broadcast: command handling moves, delivery never stops.

Two ``fedalert run`` instances share an embedded store the bench starts; Telegram is a
local Bot API stand-in enforcing its limits. A user sends ``/status`` every quarter
second; an FOMC alert goes to ``--chats`` chats; a second in, the leader (which runs the
Telegram long polling) is killed with SIGKILL. Reported: the longest gap between two
command replies (the stand-by must take the polling over within the lease TTL), the
longest gap between two deliveries (the survivor's workers keep sending, and take over
what the dead one had read), and whether every chat got the alert once.
Usage: python bench/failover.py [--chats 300] [--ttl 3]
Prints its figures last as name=value lines.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build_services
from bot.config import load_settings
from bot.domain.chats import ChatKind, ChatRef
from bot.store.server import make_client, start_embedded
from tests.helpers import fomc_event
from tests.servers import LocalServer
from tests.telegram_standin import TOKEN, TelegramStandIn

ROOT = Path(__file__).resolve().parents[1]
OPS = [4242 + n for n in range(8)]  # users taking turns: each within its command rate


def gaps(moments: list[float], start: float, end: float) -> float:
    inside = sorted(m for m in moments if start <= m <= end)
    if len(inside) < 2:
        return end - start
    return max(b - a for a, b in itertools.pairwise(inside))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--ttl", type=float, default=3.0)
    args = parser.parse_args()
    server = start_embedded(None, persist=False)
    standin = TelegramStandIn(enforce_limits=True)
    procs: dict[str, asyncio.subprocess.Process] = {}
    try:
        async with LocalServer(standin.app()) as api:
            with tempfile.TemporaryDirectory() as data:
                config = Path(data) / "settings.toml"
                config.write_text("")
                env = {k: v for k, v in os.environ.items() if not k.startswith("FEDALERT_")}
                env.update(FEDALERT_REDIS_URL=server.url, FEDALERT_CONFIG=str(config),
                           FEDALERT_DATA_DIR=data, FEDALERT_TELEGRAM__TOKEN=TOKEN,
                           FEDALERT_TELEGRAM__API_URL=api.url,
                           FEDALERT_LEADER__TTL_SECONDS=str(args.ttl),
                           FEDALERT_OUTBOX__RECLAIM_IDLE_SECONDS="5",
                           FEDALERT_SOURCES__FOMC="false", FEDALERT_SOURCES__H41="false",
                           FEDALERT_SOURCES__ODDS="false", FEDALERT_SOURCES__BTC="false",
                           FEDALERT_MACRO__ENABLED="false")
                redis = make_client(server.url)
                services = build_services(load_settings(redis_url=server.url), redis)
                for n in range(args.chats):
                    ref = ChatRef("telegram", str(7_000_000 + n))
                    await services.registry.upsert_chat(ref, ChatKind.PRIVATE)
                    await services.registry.subscribe(ref, "fomc")
                for name in ("alpha", "beta"):
                    log = (Path(data) / f"{name}.log").open("w")
                    procs[name] = await asyncio.create_subprocess_exec(
                        sys.executable, "-m", "bot", "run", cwd=ROOT,
                        env=dict(env, FEDALERT_INSTANCE_ID=name), stdout=log,
                        stderr=asyncio.subprocess.STDOUT)
                leader = None
                while leader is None:
                    leader = await redis.get(services.keys.leader)
                    await asyncio.sleep(0.05)
                await asyncio.sleep(2.0)  # the front end has started polling
                sent_commands = 0

                async def commands(until: float) -> None:
                    nonlocal sent_commands
                    while time.monotonic() < until:
                        uid = OPS[sent_commands % len(OPS)]
                        standin.command({"id": uid, "type": "private", "first_name": "Ops"},
                                        {"id": uid, "is_bot": False, "first_name": "Ops",
                                         "language_code": "en"}, "/status")
                        sent_commands += 1
                        await asyncio.sleep(0.25)

                start = time.monotonic()
                talker = asyncio.create_task(commands(start + 14.0))
                await asyncio.sleep(1.0)
                await services.publisher.publish(fomc_event())
                await asyncio.sleep(1.0)
                killed_at = time.monotonic()
                os.kill(procs[str(leader)].pid, signal.SIGKILL)
                await procs[str(leader)].wait()
                await talker
                deadline = time.monotonic() + 60
                targets = {7_000_000 + n for n in range(args.chats)}
                while time.monotonic() < deadline:
                    reached = {int(c.params["chat_id"]) for c in standin.sent()} & targets
                    if reached == targets:
                        break
                    await asyncio.sleep(0.2)
                await asyncio.sleep(1.0)
                end = time.monotonic()
                done = [c for c in standin.sent() if c.ok]
                replies = [c.at for c in done if int(c.params["chat_id"]) in OPS]
                deliveries = [c.at for c in done if int(c.params["chat_id"]) in targets]
                per_chat = Counter(int(c.params["chat_id"]) for c in done
                                   if int(c.params["chat_id"]) in targets)
                reply_gap = gaps(replies, killed_at - 1.0, killed_at + 8.0)
                delivery_gap = gaps(deliveries, killed_at - 1.0,
                                    max(deliveries) if deliveries else end)
                backlog = await services.outbox.backlog("telegram")
                await redis.aclose()
        missing = len(targets) - len(per_chat)
        if missing:
            print(f"not reached: {sorted(targets - set(per_chat))[:5]}; outbox {backlog}")
        twice = sum(1 for n in per_chat.values() if n > 1)
        print(f"leader {leader} killed during a broadcast to {args.chats} chats: "
              f"{len(replies)} replies to {sent_commands} commands, longest reply gap "
              f"{reply_gap:.1f} s (lease TTL {args.ttl} s); longest delivery gap "
              f"{delivery_gap:.1f} s; {missing} chats missed, {twice} got it twice (sent "
              f"by the dead leader, not yet acknowledged); {standin.too_many} answered 429")
        print(f"command_gap_s={reply_gap:.2f}")
        print(f"delivery_gap_s={delivery_gap:.2f}")
        print(f"chats_missed={missing}")
        print(f"chats_twice={twice}")
        print(f"too_many_requests={standin.too_many}")
        print(f"replies_to_commands={len(replies)}/{sent_commands}")
    finally:
        for proc in procs.values():
            if proc.returncode is None:
                proc.terminate()
                await proc.wait()
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())
