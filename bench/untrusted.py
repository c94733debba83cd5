"""Untrusted input against the FOMC watcher: garbled statements, foreign redirects, a
maintenance page before the real one, a huge page, a dribbling feed. Counts what matters.

Usage: python bench/untrusted.py
Real parts: the watcher, real httpx against a local fake federalreserve.gov, its own
embedded store. Figures last, as name=value lines: false (alerts that say something the
page does not support), missed (real statements not announced), stalled_ms (the worst
event-loop pause while the bad input was read; the bar is 100 ms).
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import contextlib

import httpx
from aiohttp import web

from bot.app import build_services
from bot.config import load_settings
from bot.store.server import make_client, start_embedded
from bot.topics.fomc.watcher import FomcState, FomcWatcher
from tests.servers import FakeFed, LocalServer, fed_fixture

STATEMENT = "/newsevents/pressreleases/monetary20250319a.htm"
DAY = date(2025, 3, 19)
GARBLED = ["3-1/4 to 3-1/2", "4-1/4 to 4-3/4", "4-1/4 to 4-1/4", "4-1/2 to 4-3/4",
           "4 to 4-1/4", "1/4 to 1/2", "4-1/4 to 5-1/4"]


class LoopWatch:
    """The worst gap between ticks of a 10 ms timer: how long the loop was blocked."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            self.worst = max(self.worst, now - last - 0.01)
            last = now

    def __enter__(self) -> LoopWatch:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def one_case(services, fed: FakeFed, page: bytes | None, *, redirect: bool = False,
                   then_real: bool = False, watch: LoopWatch) -> list:
    real = fed_fixture("monetary20250319a.htm")
    app = fed.app()
    if redirect:
        async def moved(request: web.Request) -> web.Response:
            raise web.HTTPFound(f"http://localhost:{request.url.port}/elsewhere")
        app = web.Application()
        app.router.add_get(STATEMENT, moved)
        app.router.add_get("/{path:.*}", fed.serve_page)
        fed.pages["/elsewhere"] = real
    else:
        fed.pages[STATEMENT] = page or real
    async with LocalServer(app) as server, httpx.AsyncClient(follow_redirects=True,
                                                             timeout=5.0) as client:
        services.settings = services.settings.model_copy(update={
            "fed": services.settings.fed.model_copy(update={"base_url": server.url})})
        watcher = FomcWatcher(services.topic, client=client,
                              clock=lambda: datetime(2025, 3, 19, 18, 0, 30, tzinfo=UTC))
        await services.state.set_text("fomc", FomcState(
            initialized=True, last_date="2024-12-18", last_low="4.25",
            last_high="4.50").to_json())
        with watch:
            for _ in range(2):
                with contextlib.suppress(httpx.HTTPError, ValueError):
                    await watcher.announce_from_statement_url(DAY)
            if then_real:
                fed.pages[STATEMENT] = real
                with contextlib.suppress(httpx.HTTPError, ValueError):
                    await watcher.announce_from_statement_url(DAY)
        return list(watcher.published)


def is_true(event) -> bool:
    return (event.decision, event.change_bps, event.target_low, event.target_high) == \
        ("hold", 0, Decimal("4.25"), Decimal("4.50"))


async def main() -> None:
    embedded = start_embedded(None, persist=False)
    client = make_client(embedded.url)
    settings = load_settings(redis_url=embedded.url, key_prefix=f"bad-{uuid.uuid4().hex[:6]}",
                             partitions=4)
    real = fed_fixture("monetary20250319a.htm")
    false = missed = 0
    cases = 0
    worst_stall = 0.0
    try:
        for garbled in GARBLED:
            services = build_services(settings, client)
            await client.flushdb()
            watch = LoopWatch()
            events = await one_case(services, FakeFed(),
                                    real.replace(b"4-1/4 to 4-1/2", garbled.encode()),
                                    watch=watch)
            false += sum(not is_true(e) for e in events)
            cases += 1
            print(f"garbled {garbled!r}: {len(events)} alerts")
        for name, kwargs in (
                ("redirect to another host", {"redirect": True}),
                ("maintenance page first", {"then_real": True}),
                ("20 MB page", {}),
        ):
            await client.flushdb()
            services = build_services(settings, client)
            watch = LoopWatch()
            page = None
            if name == "maintenance page first":
                page = b"<html><head><title>Maintenance</title></head><body>Later</body></html>"
            if name == "20 MB page":
                page = real.replace(b"</body>", b"<p>" + b"x" * 20_000_000 + b"</p></body>")
            events = await one_case(services, FakeFed(), page, watch=watch, **kwargs)
            false += sum(not is_true(e) for e in events)
            if kwargs.get("then_real") and not any(is_true(e) for e in events):
                missed += 1
            worst_stall = max(worst_stall, watch.worst)
            cases += 1
            print(f"{name}: {len(events)} alerts, loop stalled at most "
                  f"{watch.worst * 1000:.0f} ms")
    finally:
        await client.aclose()
        embedded.stop()
    print(f"cases={cases}")
    print(f"false={false}")
    print(f"missed={missed}")
    print(f"stalled_ms={worst_stall * 1000:.0f}")


if __name__ == "__main__":
    asyncio.run(main())
