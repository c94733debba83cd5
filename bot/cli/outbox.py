"""``fedalert outbox``: what waits, what failed for good, and sending the failed again.

For the operator after an outage: ``status`` counts per platform (queued, read and not yet
acknowledged, waiting for a retry, dead, the oldest wait); ``dead`` lists the latest dead
letters with their error; ``requeue`` sends again the letters that died in the last hours
(older ones stay: an alert a day late is rarely wanted).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bot.config import Settings


def add_parser(sub: Any) -> None:
    outbox = sub.add_parser(
        "outbox", help="what waits to be sent, what failed for good; send the failed again",
        description="status: queued, pending, delayed and dead deliveries per platform. "
                    "dead: the latest dead letters (deliveries that failed max_attempts "
                    "times, or for good) with their error. requeue: send again the dead "
                    "letters of the last --hours (default 24); older ones stay.")
    outbox.add_argument("action", choices=["status", "dead", "requeue"])
    outbox.add_argument("--platform", help="one platform (default: every one)")
    outbox.add_argument("--limit", type=int, default=20, help="dead letters shown (dead)")
    outbox.add_argument("--hours", type=float, default=24.0,
                        help="requeue letters that died within this many hours")


def outbox_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_services
    from bot.logs import mask
    from bot.store.server import connect

    async def act() -> int:
        async with connect(settings) as redis:
            outbox = build_services(settings, redis).outbox
            platforms = [args.platform] if args.platform else list(outbox.platforms)
            unknown = [p for p in platforms if p not in outbox.platforms]
            if unknown:
                print(f"error: no platform {unknown[0]!r}; use one of "
                      f"{', '.join(outbox.platforms)}", file=sys.stderr)
                return 2
            if args.action == "status":
                shown = 0
                for platform in platforms:
                    backlog = await outbox.backlog(platform)
                    if not any(backlog.values()) and not args.platform:
                        continue  # a platform with nothing in its outbox says nothing
                    shown += 1
                    oldest = await outbox.oldest_age_seconds(platform)
                    print(f"{platform}: {backlog['queued']} queued ({backlog['pending']} "
                          f"entries being sent), {backlog['delayed']} waiting for a retry, "
                          f"{backlog['dead']} dead" +
                          (f"; oldest waiting {oldest:.0f} s" if backlog["queued"] else ""))
                if not shown:
                    print("nothing queued, waiting for a retry or dead")
                return 0
            if args.action == "dead":
                letters = [letter for platform in platforms
                           for letter in await outbox.dead_letters(platform, args.limit)]
                letters.sort(key=lambda letter: -letter.at)
                secrets = settings.secret_values()  # an error may quote a URL with a token
                for letter in letters[:args.limit]:
                    when = datetime.fromtimestamp(letter.at, UTC).strftime("%Y-%m-%d %H:%M UTC")
                    print(f"{when}  {letter.chat}  {letter.event_key}  after {letter.attempts} "
                          f"attempts: {mask(letter.error, secrets)}")
                if not letters:
                    print("no dead letters")
                return 0
            since = time.time() - args.hours * 3600
            moved = {platform: await outbox.requeue_dead(platform, since)
                     for platform in platforms}
            print(", ".join(f"{platform}: {n} requeued" for platform, n in moved.items()) +
                  f" (letters that died in the last {args.hours:g} h; the workers of a "
                  f"running fedalert send them)")
            return 0

    return asyncio.run(act())


def register(parsers: list[Callable[[Any], None]], commands: dict[str, Any]) -> None:
    parsers.append(add_parser)
    commands["outbox"] = outbox_command
