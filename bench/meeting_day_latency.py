"""Meeting-day detection latency: page appears (T0) → event stored and queued.

A local server plays federalreserve.gov at 2:00 pm ET on a quarterly meeting day:
- the statement alert, with the implementation note there (folded in) and without it
  (the alert must not wait: it goes out, the note follows);
- the projection tables page (``fomcprojtablYYYYMMDD.htm``) appearing at a random moment
  while the meeting-day watcher polls every ``fed.burst_poll_seconds``.
Real pages: the March 2025 statement stand-in of the tests, the September 2026 note and
projections of ../shared/corpus/fed_meeting_day (copies in tests/fixtures/meeting_day).
Usage: python bench/meeting_day_latency.py [--runs 10] [--redis-url URL]
Prints its figures last as name=value lines.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench.common import cleanup, redis_server, release_latency
from bot.app import build_services
from bot.config import load_settings
from bot.domain.chats import ChatKind, ChatRef
from bot.store.server import make_client
from bot.topics.fomc.events import FomcDecision
from bot.topics.fomc.meeting_day import MeetingDayWatcher
from bot.topics.fomc.watcher import FomcWatcher, remember_decision
from tests.servers import FakeFed, LocalServer, fed_fixture

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests/fixtures/meeting_day"
STATEMENT = "/newsevents/pressreleases/monetary20250319a.htm"
DECISION_MINUTE = datetime.fromisoformat("2025-03-19T17:59:45+00:00")
NOTE_0916 = "/newsevents/pressreleases/monetary20260916a1.htm"
SEP_0916 = "/monetarypolicy/fomcprojtabl20260916.htm"


async def services_for(url: str, server_url: str, prefix: str, redis):  # type: ignore[no-untyped-def]
    settings = load_settings(redis_url=url, key_prefix=prefix, partitions=4,
                             fed={"base_url": server_url, "burst_poll_seconds": 1.5})
    services = build_services(settings, redis)
    ref = ChatRef("console", "bench")
    await services.registry.upsert_chat(ref, ChatKind.PRIVATE)
    await services.registry.subscribe(ref, "fomc")
    return services


async def statement_run(url: str, with_note: bool) -> float:
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    pages = {"/newsevents/pressreleases/monetary20241218a.htm":
             fed_fixture("monetary20241218a.htm")}
    fed = FakeFed(feed=fed_fixture("press_monetary_before.xml"), pages=pages)
    if with_note:  # a note of another day at the URL: read, then refused (not this day's)
        fed.pages["/newsevents/pressreleases/monetary20250319a1.htm"] = \
            (ROOT / "bot/demo/meeting_day_note_2026-09-16.html").read_bytes()
    redis = make_client(url)
    try:
        async with LocalServer(fed.app()) as server:
            services = await services_for(url, server.url, prefix, redis)
            async with httpx.AsyncClient(timeout=5) as client:
                watcher = FomcWatcher(services.topic, client=client,
                                      clock=lambda: DECISION_MINUTE)
                await watcher.announce_from_feed()

                async def published() -> bool:
                    return bool(watcher.published)

                return await release_latency(
                    watcher.run, lambda: fed.pages.__setitem__(
                        STATEMENT, fed_fixture("monetary20250319a.htm")), published)
    finally:
        await cleanup(redis, prefix)
        await redis.aclose()


async def projections_run(url: str) -> float:
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    fed = FakeFed()
    redis = make_client(url)
    page = ((FIXTURES / "sep_2026-09-16.pdf.txt").read_text("utf-8")
            + (FIXTURES / "sep_2026-09-16.figure2.html").read_text("utf-8")).encode()
    try:
        async with LocalServer(fed.app()) as server:
            services = await services_for(url, server.url, prefix, redis)
            decision = FomcDecision(
                occurred_at=datetime(2026, 9, 16, 18, 0, tzinfo=UTC),
                meeting_date=date(2026, 9, 16), decision="hike", change_bps=25,
                target_low=Decimal("3.75"), target_high=Decimal("4.00"), url="x", late=True)
            await services.records.save_event(decision, {"topic": "fomc"})
            await remember_decision(services.topic, decision)
            async with httpx.AsyncClient(timeout=5) as client:
                watcher = MeetingDayWatcher(
                    services.topic, client=client,
                    clock=lambda: datetime(2026, 9, 16, 18, 0, 3, tzinfo=UTC))

                async def sent() -> bool:
                    return await services.records.load_event("fomc-sep:2026-09-16") is not None

                return await release_latency(
                    watcher.run, lambda: fed.pages.__setitem__(SEP_0916, page), sent,
                    tick=0.01)
    finally:
        await cleanup(redis, prefix)
        await redis.aclose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    async with redis_server(args.redis_url) as url:
        without = [await statement_run(url, False) for _ in range(args.runs)]
        with_note = [await statement_run(url, True) for _ in range(args.runs)]
        sep = [await projections_run(url) for _ in range(args.runs)]
    print(f"{args.runs} runs each, poll interval 1.5 s")
    print(f"statement_no_note_median_s={statistics.median(without):.3f}")
    print(f"statement_with_note_page_median_s={statistics.median(with_note):.3f}")
    print(f"statement_worst_s={max(without + with_note):.3f}")
    print(f"projections_median_s={statistics.median(sep):.3f}")
    print(f"projections_worst_s={max(sep):.3f}")


if __name__ == "__main__":
    asyncio.run(main())
