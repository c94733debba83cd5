"""Wiring: build the services from the settings and run them.

``fedalert run`` = every instance runs delivery workers; the elected leader also runs
the pollers. ``fedalert worker`` = delivery workers only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from redis.asyncio import Redis

from bot import metrics
from bot.commands.core import CommandContext, StatusCompose
from bot.commands.handlers import Commands
from bot.config import Settings
from bot.domain.brief import AgendaItem
from bot.domain.chats import ChatKind, ChatRef, Language
from bot.pipeline.brief import BriefScheduler
from bot.pipeline.deliver import DeliveryWorker
from bot.pipeline.messages import MessageRenderer
from bot.pipeline.publish import Publisher
from bot.platforms.apprise.spec import PLATFORM as APPRISE
from bot.platforms.base import (
    FrontEnd,
    FrontEndParts,
    PlatformSpec,
    RejectedCredentials,
    Transport,
)
from bot.platforms.console import ConsoleTransport
from bot.platforms.discord.spec import PLATFORM as DISCORD
from bot.platforms.line.spec import PLATFORM as LINE
from bot.platforms.telegram.spec import PLATFORM as TELEGRAM
from bot.store.briefs import BriefSchedule
from bot.store.calendar import CalendarStore
from bot.store.census import Census
from bot.store.keys import KeySchema
from bot.store.leader import LeaderElection
from bot.store.outbox import Outbox
from bot.store.records import EventRecords
from bot.store.registry import Registry
from bot.store.server import STORE_DOWN_ERRORS
from bot.store.snapshots import Snapshots
from bot.store.state import StateStore
from bot.supervision import Supervisor, describe
from bot.topics.base import TopicContext, utc_now
from bot.topics.catalog import Catalog
from bot.topics.fomc.schedule import refresh_calendar

log = logging.getLogger(__name__)

CONSOLE_CHAT = ChatRef("console", "main")
EASTERN = ZoneInfo("America/New_York")
QUEUE_METRICS_SECONDS = 120.0
HEARTBEAT_SECONDS = 10
CENSUS_SECONDS = 60  # a count of the chats (a command per partition): once a minute
RESUME_EVERY_SECONDS = 60
PLATFORMS: tuple[PlatformSpec, ...] = (TELEGRAM, DISCORD, LINE, APPRISE)
"""The messengers: a platform is its folder and one line here."""


def chat_platforms() -> tuple[str, ...]:
    """The registered platforms' chat platforms and the console: chats on these get outbox
    streams even when this instance has no token for them (another instance, or the next
    start, sends)."""
    return (*(name for spec in PLATFORMS for name in spec.chat_platforms), "console")


class SchemaMismatch(RuntimeError):
    pass


@dataclass
class Services:
    """The wired parts of one instance. Only ``bot.app`` (and entry points) hold this;
    each part receives just the pieces it needs."""

    settings: Settings
    redis: Redis
    keys: KeySchema
    catalog: Catalog
    registry: Registry
    records: EventRecords
    messages: MessageRenderer
    outbox: Outbox
    publisher: Publisher
    snapshots: Snapshots
    state: StateStore
    calendar: CalendarStore
    instance_id: str = field(default_factory=lambda: default_instance_id())

    @property
    def topic(self) -> TopicContext:
        """What a topic's watcher and demo adapter may use."""
        return TopicContext(self.settings, self.publisher, self.snapshots, self.records,
                            self.state, self.registry, self.calendar)

    @property
    def briefs(self) -> BriefSchedule:
        return BriefSchedule(self.redis, self.keys, self.registry)

    def commands(self, clock: Callable[[], datetime] | None = None) -> Commands:
        """The command layer, wired to this instance's stores and topics."""
        context = CommandContext(
            registry=self.registry, snapshots=self.snapshots, records=self.records,
            renderers=self.catalog.renderers, topics=self.catalog.directory,
            status=self.status_lines,
            default_timezone=self.settings.registry.default_timezone,
            commands=self.catalog.commands, clock=clock or utc_now, briefs=self.briefs,
            agenda=self.agenda_between,
            platform_commands=tuple(c for spec in PLATFORMS for c in spec.commands))
        return Commands(context)

    async def agenda_between(self, start: datetime, days: int) -> list[AgendaItem]:
        """What the topics publish from ``start`` over ``days`` days, in time order."""
        await self.catalog.refresh_agenda(self.snapshots)
        calendar = await self.calendar.current()
        first = start.astimezone(EASTERN).date()
        end = start + timedelta(days=days)
        items = [item for offset in range(-1, days + 2)
                 for item in self.catalog.agenda(calendar, first + timedelta(days=offset))]
        return sorted((i for i in items if start <= i.when < end), key=lambda i: i.when)

    async def status_lines(self, zone: str, now: datetime) -> StatusCompose:
        return await self.catalog.status_lines(self.topic, zone, now)


def default_instance_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def build_services(settings: Settings, redis: Redis, *, catalog: Catalog | None = None,
                   platforms: tuple[str, ...] = ()) -> Services:
    """Wire every part; ``catalog`` and ``platforms`` add topics and platforms (plug-ins,
    tests) to the built-in ones."""
    catalog = catalog or Catalog()
    keys = KeySchema(settings.key_prefix, settings.partitions)
    registry = Registry(
        redis, keys, catalog.directory.names,
        max_thresholds=settings.registry.max_thresholds_per_chat,
        default_language=Language(settings.registry.default_language),
        default_timezone=settings.registry.default_timezone,
    )
    records = EventRecords(redis, keys, catalog.event_types)
    messages = MessageRenderer(records, catalog.renderers)
    outbox = Outbox(redis, keys, settings.outbox,
                    tuple(dict.fromkeys((*chat_platforms(), *platforms))))
    publisher = Publisher(records, messages, outbox, (settings.registry.default_timezone,))
    snapshots = Snapshots(redis, keys, records)
    services = Services(settings, redis, keys, catalog, registry, records, messages, outbox,
                        publisher, snapshots, StateStore(redis, keys),
                        CalendarStore(redis, keys))
    if settings.instance_id:
        services.instance_id = settings.instance_id
    return services


async def check_schema(services: Services) -> None:
    """The partition count is part of every chat key: refuse to run with another one."""
    meta = services.keys.meta
    await services.redis.hsetnx(meta, "partitions", services.keys.partitions)
    await services.redis.hsetnx(meta, "schema", "1")
    stored = int(await services.redis.hget(meta, "partitions") or 0)
    if stored != services.keys.partitions:
        raise SchemaMismatch(
            f"config error: partitions: this Redis holds data written with {stored} "
            f"partitions under prefix {services.keys.prefix!r} [FEDALERT_PARTITIONS]")


async def register_fixed_chats(settings: Settings, registry: Registry) -> list[ChatRef]:
    """The chats the settings declare (Apprise targets): registered with exactly their
    topics and language; one the settings no longer name is deactivated."""
    registered = []
    for spec in PLATFORMS:
        if spec.fixed_chats is None:
            continue
        declared = spec.fixed_chats(settings)
        for chat in declared:
            unknown = [t for t in chat.topics if t not in registry.topics]
            if unknown:
                log.warning("%s: unknown topics %s for %s (known: %s)", spec.name,
                            ", ".join(unknown), chat.title, ", ".join(registry.topics))
            await registry.upsert_chat(chat.ref, ChatKind.CHANNEL, title=chat.title,
                                       language=Language(chat.language),
                                       timezone=chat.timezone)
            await registry.set_language(chat.ref, chat.language)
            await registry.set_topics(chat.ref, [t for t in chat.topics
                                                 if t in registry.topics])
            await registry.reactivate(chat.ref)
            registered.append(chat.ref)
        # the chats the settings named last time: one the settings dropped stops (no scan
        # of every chat at start-up)
        names = {str(chat.ref) for chat in declared}
        key = f"{settings.key_prefix}:fixed-chats:{spec.name}"
        before = {m.decode() if isinstance(m, bytes) else str(m)
                  for m in await registry.redis.smembers(key)}
        for gone in sorted(before - names):
            await registry.deactivate(ChatRef.parse(gone), "no longer in the settings")
        async with registry.redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            if names:
                pipe.sadd(key, *names)
            await pipe.execute()
    return registered


async def ensure_console_chat(registry: Registry) -> None:
    """Without chat tokens, alerts go to the console: one local chat subscribed to everything."""
    if await registry.upsert_chat(CONSOLE_CHAT, ChatKind.PRIVATE, title="console"):
        await registry.subscribe(CONSOLE_CHAT, *registry.topics)
    await registry.reactivate(CONSOLE_CHAT)


def build_transports(settings: Settings, redis: Redis | None = None) -> list[Transport]:
    """The configured platforms' transports (the console without any)."""
    transports = [transport for spec in PLATFORMS if spec.configured(settings)
                  for transport in spec.transports(settings, redis)]
    if not transports:  # with a platform configured the console is not a chat
        transports.append(ConsoleTransport(
            messages_per_second=settings.console.messages_per_second))
    return transports


def build_front_ends(services: Services) -> list[FrontEnd]:
    parts = FrontEndParts(services.settings, services.redis, services.commands(),
                          services.registry, services.catalog.directory, services.state)
    return [spec.front_end(parts) for spec in PLATFORMS
            if spec.front_end is not None and spec.configured(services.settings)]


async def record_queue_metrics(services: Services, platforms: list[str]) -> None:
    for platform in platforms:
        backlog = await services.outbox.backlog(platform)
        metrics.OUTBOX_QUEUED.labels(platform).set(backlog["queued"])
        metrics.OUTBOX_DELAYED.labels(platform).set(backlog["delayed"])
        metrics.OUTBOX_DEAD.labels(platform).set(backlog["dead"])
        metrics.OUTBOX_OLDEST_SECONDS.labels(platform).set(
            await services.outbox.oldest_age_seconds(platform)
            if backlog["queued"] or backlog["pending"] else 0.0)


async def heartbeat(services: Services, supervisor: Supervisor, stop: asyncio.Event,
                    platforms: list[str] | None = None) -> None:
    """Every few seconds: this instance is alive, and the state of each of its parts (what
    ``fedalert health`` reads); the outbox gauges of its platforms are refreshed too."""
    platforms = platforms or []
    key = services.keys.instance(services.instance_id)
    census = Census(services.redis, services.keys, services.registry)
    measured = counted = 0.0
    while not stop.is_set():
        if time.monotonic() - counted >= CENSUS_SECONDS:
            with contextlib.suppress(*STORE_DOWN_ERRORS):
                await census.check()  # a store that came back empty is said, not hidden
                counted = time.monotonic()
        beat = json.dumps({"at": time.time(), "parts": supervisor.report(),
                           "unhealthy": supervisor.unhealthy(),
                           **({"store_lost": census.loss.as_json()} if census.loss else {})})
        with contextlib.suppress(*STORE_DOWN_ERRORS):
            await services.redis.set(key, beat, ex=HEARTBEAT_SECONDS * 3)
            if time.monotonic() - measured >= QUEUE_METRICS_SECONDS:
                # a few commands per partition: gauges need not follow every heartbeat
                measured = time.monotonic()
                await record_queue_metrics(services, platforms)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), HEARTBEAT_SECONDS)
    with contextlib.suppress(*STORE_DOWN_ERRORS):
        await services.redis.delete(key)


async def deliver_through(services: Services, transport: Transport,
                          stop: asyncio.Event) -> None:
    """One platform's sending: start its transport, run its workers; close it on the way
    out. A transport that cannot start (network down, token refused) fails the part, and
    the supervisor tries again later, without holding up the other platforms."""
    try:
        await transport.start()
        async with asyncio.TaskGroup() as group:
            for n in range(services.settings.outbox.workers_per_platform):
                worker = DeliveryWorker(services.outbox, services.registry, services.messages,
                                        transport, f"{services.instance_id}-{n}")
                group.create_task(worker.run(stop), name=f"deliver-{transport.platform}-{n}")
    finally:
        with contextlib.suppress(Exception):
            await transport.close()


async def leader_duties(services: Services, stop: asyncio.Event,
                        front_ends: list[FrontEnd] | None = None,
                        supervisor: Supervisor | None = None) -> None:
    """What only the leader runs: finish interrupted fan-outs, the source watchers, and the
    front ends that must run once (Telegram long polling allows one poller per token).
    Each runs as its own supervised part: one failing is restarted, the others go on."""
    supervisor = supervisor or Supervisor()
    await services.publisher.resume_pending()
    watchers = services.catalog.watchers(services.topic)
    if not watchers and not front_ends:
        log.info("no source watchers enabled")
    async with asyncio.TaskGroup() as group:
        group.create_task(supervisor.run("scheduler", lambda: run_jobs(services, stop), stop))
        briefs = BriefScheduler(services.briefs, services.registry, services.publisher,
                                services.status_lines, services.snapshots, services.calendar,
                                agenda=services.catalog.agenda,
                                news=services.catalog.news_names,
                                agenda_refresh=services.catalog.refresh_agenda,
                                personal=services.catalog.brief_parts)
        group.create_task(supervisor.run("brief", partial(briefs.run, stop), stop))
        for watcher in watchers:
            group.create_task(supervisor.run(f"watch-{watcher.name}",
                                             partial(watcher.run, stop), stop))
        for front_end in front_ends or []:
            group.create_task(supervisor.run(f"front-{front_end.platform}",
                                             partial(front_end.run, stop), stop))


def describe_store(redis: Redis) -> str:
    """Where the store is, for a log line (never the password)."""
    pool = getattr(redis, "connection_pool", None)
    if pool is None:  # a cluster client: its nodes
        nodes: list[Any] = getattr(redis, "get_nodes", lambda: [])()
        return "cluster " + ",".join(f"{n.host}:{n.port}" for n in nodes[:6])
    kwargs = pool.connection_kwargs
    return kwargs.get("path") or f"{kwargs.get('host')}:{kwargs.get('port')}/{kwargs.get('db', 0)}"


async def startup_summary(services: Services, transports: list[Transport],
                          with_pollers: bool) -> str:
    """One line an operator can read: where the store is, what runs, the next decision."""
    store = describe_store(services.redis)
    sources = [spec.name for spec in services.catalog.topics
               if with_pollers and spec.watcher is not None and spec.enabled(services.settings)]
    platforms = [t.platform for t in transports]
    meeting = (await services.calendar.current()).next_meeting(datetime.now(UTC))
    when = "none scheduled"
    if meeting is not None:
        eastern = meeting.statement_at.astimezone(ZoneInfo("America/New_York"))
        taipei = meeting.statement_at.astimezone(ZoneInfo("Asia/Taipei"))
        when = f"{eastern:%Y-%m-%d %H:%M} ET ({taipei:%m-%d %H:%M} Taipei)"
    role = "leader candidate" if with_pollers else "delivery only"
    return (f"fedalert {services.instance_id} starting ({role}): store {store}, prefix "
            f"{services.keys.prefix!r}; sources {', '.join(sources) or 'none'}; platforms "
            f"{', '.join(platforms)}; next FOMC decision {when}")


async def preflight(transports: list[Transport]) -> None:
    """Start each transport once before running: a token the platform refuses is a
    configuration mistake (``RejectedCredentials``: one line, exit status 2); anything else
    (no network yet) is retried by the supervisor, so it only gets a warning here."""
    for transport in transports:
        try:
            await transport.start()
        except RejectedCredentials:
            raise
        except Exception as exc:
            log.warning("%s not reachable at start (%s); retrying in the background",
                        transport.platform, describe(exc))
        finally:
            with contextlib.suppress(Exception):
                await transport.close()


async def run_instance(
    services: Services,
    transports: list[Transport],
    stop: asyncio.Event,
    *,
    with_pollers: bool = True,
    front_ends: list[FrontEnd] | None = None,
    supervisor: Supervisor | None = None,
) -> None:
    supervisor = supervisor or Supervisor()
    await check_schema(services)
    log.info("%s", await startup_summary(services, transports, with_pollers))
    if not any(spec.configured(services.settings) for spec in PLATFORMS):
        await ensure_console_chat(services.registry)
        log.info("no chat token configured: alerts are printed to the console")
    elif await services.registry.get_chat(CONSOLE_CHAT) is not None:
        # a chat platform is configured now: nothing reads the console's deliveries
        await services.registry.deactivate(CONSOLE_CHAT, "a chat platform is configured")
    await register_fixed_chats(services.settings, services.registry)
    front_ends = build_front_ends(services) if front_ends is None else front_ends
    await preflight(transports)
    async with asyncio.TaskGroup() as group:
        group.create_task(heartbeat(services, supervisor, stop,
                                    [t.platform for t in transports]), name="heartbeat")
        for transport in transports:
            group.create_task(supervisor.run(
                f"deliver-{transport.platform}",
                partial(deliver_through, services, transport, stop), stop))
        if with_pollers:
            once = [f for f in front_ends if f.leader_only]
            election = LeaderElection(services.redis, services.keys.leader,
                                      services.instance_id,
                                      services.settings.leader.ttl_seconds)
            group.create_task(supervisor.run(
                "leader", partial(election.run,
                                  lambda: leader_duties(services, stop, once, supervisor),
                                  stop), stop))
        for front_end in front_ends:
            if not front_end.leader_only:
                group.create_task(supervisor.run(f"front-{front_end.platform}",
                                                 partial(front_end.run, stop), stop))


def install_signal_handlers(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)


async def run_jobs(services: Services, stop: asyncio.Event) -> None:
    """Jobs on a clock (APScheduler), on the leader: the daily FOMC calendar refresh, and
    finishing fan-outs a failure left half done (a watcher that lost the store mid-publish)
    without waiting for a change of leader."""
    scheduler = AsyncIOScheduler(timezone="America/New_York")
    scheduler.add_job(refresh_calendar, CronTrigger(hour=6, minute=5),
                      args=[services.settings, services.calendar],
                      id="fomc-calendar", coalesce=True, max_instances=1,
                      misfire_grace_time=6 * 3600)
    scheduler.add_job(resume_fan_outs, IntervalTrigger(seconds=RESUME_EVERY_SECONDS),
                      args=[services], id="resume-fan-outs", coalesce=True, max_instances=1)
    scheduler.start()
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)


async def resume_fan_outs(services: Services) -> None:
    """Fan-out is idempotent (a ``sent`` set per event), so finishing one that another
    task is still running queues nothing twice."""
    try:
        await services.publisher.resume_pending()
    except STORE_DOWN_ERRORS as exc:
        log.info("resuming fan-outs deferred: the store is unreachable (%s)", describe(exc))
