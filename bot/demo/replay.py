"""Replay a scenario of timed source readings through the real pipeline.

The replay uses the same registry, renderer, outbox and delivery worker as ``run``; only
the readings come from a file instead of the network. Each reading names a source; the
source's demo handler turns it into events exactly as its live watcher would (parse,
compare with stored state, decide), then the publisher fans them out.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from bot.app import Services
from bot.domain.chats import ChatKind, ChatRef, Direction, Language, RepeatMode
from bot.pipeline.deliver import DeliveryWorker
from bot.platforms.base import Transport
from bot.topics.base import DemoContext, DemoHandler, Publication

log = logging.getLogger(__name__)

DEFAULT_SCENARIO = "scenario_2025_04.json"
PACKAGED = {"april-2025": DEFAULT_SCENARIO, "meeting-day": "scenario_2026_09.json"}
"""Shipped scenarios by name (``fedalert demo --scenario meeting-day``)."""


def handlers(services: Services) -> dict[str, DemoHandler]:
    """Reading handlers by source name: each topic contributes its own, plus ``event``."""

    async def handle_event_reading(reading: Mapping[str, Any],
                                   demo: DemoContext) -> list[Publication]:
        """A reading that is already an event (for scenarios written by hand)."""
        raw = json.dumps(reading["data"])
        return [Publication(services.catalog.event_types.from_json(raw))]

    return {"event": handle_event_reading, **services.catalog.demo_handlers()}


class ScenarioError(ValueError):
    """A scenario file that cannot be replayed; the message says why in one line."""


def load_scenario(path: Path | None = None) -> dict[str, Any]:
    """A packaged scenario (by name), or the file at ``path``, checked enough to replay.

    A reading's ``file`` / ``previous_file`` (a page shipped beside the scenario) is read
    into ``page`` / ``previous_page``."""
    folder: Any = resources.files("bot.demo")
    if path is None or (str(path) in PACKAGED and not path.exists()):
        name = PACKAGED[str(path)] if path is not None else DEFAULT_SCENARIO
        text = folder.joinpath(name).read_text("utf-8")
    else:
        folder = path.parent
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioError(f"cannot read {path}: {exc}") from None
    try:
        scenario = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{path}: not JSON ({exc})") from None
    readings = scenario.get("readings") if isinstance(scenario, dict) else None
    if not isinstance(readings, list) or not all(
            isinstance(r, dict) and isinstance(r.get("source"), str) for r in readings):
        raise ScenarioError(f"{path}: needs a \"readings\" list of objects with a "
                            f"\"source\" (see bot/demo/{DEFAULT_SCENARIO})")
    if not isinstance(scenario.get("chats", []), list):
        raise ScenarioError(f"{path}: \"chats\" must be a list")
    for reading in readings:
        data = reading.get("data")
        if not isinstance(data, dict):
            continue
        for key, target in (("file", "page"), ("previous_file", "previous_page")):
            if isinstance(data.get(key), str):
                try:
                    data[target] = folder.joinpath(data[key]).read_text("utf-8")
                except OSError as exc:
                    raise ScenarioError(f"{path}: cannot read {data[key]}: {exc}") from None
    return scenario


async def setup_chats(services: Services, chats: list[Mapping[str, Any]]) -> list[ChatRef]:
    refs = []
    for spec in chats:
        ref = ChatRef.parse(spec["ref"])
        await services.registry.upsert_chat(
            ref, ChatKind(spec.get("kind", "private")),
            language=Language(spec.get("language", "both")),
            timezone=spec.get("timezone"), title=spec.get("title"))
        topics = [services.catalog.directory.parse(t) for t in spec.get("topics", [])]
        await services.registry.set_topics(ref, topics)
        for level in spec.get("thresholds", []):
            await services.registry.add_threshold(
                ref, Direction(level["direction"]), Decimal(str(level["level"])),
                mode=RepeatMode(level.get("mode", "once")))
        refs.append(ref)
    return refs


def describe_chats(chats: list[Mapping[str, Any]]) -> list[str]:
    """One line per demo chat: who reads what, so the alerts that follow make sense."""
    lines = []
    for spec in chats:
        levels = ", ".join(f"{t['direction']} {t['level']:,}"
                           + (" (every time)" if t.get("mode") == "repeat" else "")
                           for t in spec.get("thresholds", []))
        lines.append(f"  {spec['ref']}: {spec.get('title', '')}\n"
                     f"    language {spec.get('language', 'both')}, time zone "
                     f"{spec.get('timezone') or 'UTC'}, topics {', '.join(spec.get('topics', []))}"
                     + (f"; BTC levels: {levels}" if levels else ""))
    return lines


@dataclass
class ReplayReport:
    readings: int = 0
    events: int = 0
    queued: int = 0
    delivered: int = 0
    seconds: float = 0.0


async def replay(
    services: Services,
    scenario: Mapping[str, Any],
    transport: Transport,
    *,
    speed: float = 1.0,
    output_dir: Path,
    drain_timeout: float = 30.0,
) -> ReplayReport:
    started = time.monotonic()
    report = ReplayReport()
    await setup_chats(services, list(scenario.get("chats", [])))
    ctx = DemoContext(services.topic, output_dir)
    table = handlers(services)
    stop = asyncio.Event()
    worker = DeliveryWorker(services.outbox, services.registry, services.messages, transport,
                            "demo", concurrency=1)
    worker_task = asyncio.create_task(worker.run(stop))
    try:
        for reading in scenario.get("readings", []):
            if getattr(transport, "closed", False):
                break  # nobody reads the output any more (``fedalert demo | head``)
            delay = float(reading.get("at", 0)) / speed - (time.monotonic() - started)
            if delay > 0:
                await asyncio.sleep(delay)
            handler = table.get(reading["source"])
            if handler is None:
                log.warning("scenario reading for unknown source %r skipped", reading["source"])
                continue
            report.readings += 1
            for publication in await handler(reading, ctx):
                event = publication.event
                if reading.get("illustrative"):  # made-up figures: the alert says so
                    event = event.model_copy(update={"illustrative": True})
                result = await services.publisher.publish(
                    event, chats=publication.chats,
                    attachments=publication.attachments)
                report.events += 1
                report.queued += result.queued
        if not getattr(transport, "closed", False):
            await _drain(services, transport.platform, drain_timeout)
    finally:
        stop.set()
        await worker_task
    report.delivered = getattr(transport, "delivered", 0)
    report.seconds = time.monotonic() - started
    return report


async def _drain(services: Services, platform: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        backlog = await services.outbox.backlog(platform)
        if backlog["queued"] == 0 and backlog["delayed"] == 0:
            return
        await asyncio.sleep(0.05)
    log.warning("demo: outbox not drained after %.0f s", timeout)
