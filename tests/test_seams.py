"""Adding a topic or a platform needs no edit under ``bot/``: proven with toys defined here.

The toy topic (CPI releases) is one ``TopicSpec`` registered through the catalog; a
reading goes through publish → render (both languages) → outbox → console, and the topic
appears in /start's and /subscribe's buttons (what Telegram shows), in Discord's choices
and in /status. The toy platform ("pigeon") is one transport plus its name at wiring time.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
from collections.abc import Mapping
from datetime import UTC, datetime
from datetime import time as dtime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import discord
from discord import app_commands

from bot.app import build_services
from bot.commands.core import CommandSpec, Invocation, Param, Reply
from bot.demo.replay import replay
from bot.domain.brief import AgendaItem
from bot.domain.chats import ChatKind, ChatRef, Language
from bot.domain.errors import UserInputError
from bot.domain.events import BaseEvent, Frozen
from bot.domain.topics import TopicInfo
from bot.platforms.console import ConsoleTransport
from bot.platforms.discord.front import build_tree
from bot.render.formatting import Formatter
from bot.render.message import Section
from bot.topics.base import DemoContext, Publication, StatusView, TopicSpec
from bot.topics.catalog import Catalog
from tests.helpers import RecordingTransport, delivering, fomc_event, wait_for


# The toy topic --------------------------------------------------------------------------
class CpiRelease(BaseEvent):
    kind: Literal["cpi_release"] = "cpi_release"
    month: str
    headline_yoy: float

    @property
    def key(self) -> str:
        return f"cpi:{self.month}"

    @property
    def topic(self) -> str:
        return "cpi"


def render_cpi(event: CpiRelease, f: Formatter, zone: str) -> Section:
    if f.language is Language.ZH_HANT:
        return Section(f.language.value, f"美國 {event.month} CPI 年增 {event.headline_yoy}%",
                       (f"消費者物價指數年增率 {event.headline_yoy}%。",))
    return Section(f.language.value, f"US CPI for {event.month}: {event.headline_yoy}% y/y",
                   (f"Consumer prices rose {event.headline_yoy}% over the year.",))


class CpiSnapshot(Frozen):
    month: str
    yoy: float


async def demo_cpi(reading: Mapping[str, Any], demo: DemoContext) -> list[Publication]:
    data = reading["data"]
    await demo.topic.snapshots.set_model("cpi", CpiSnapshot(**data))
    return [Publication(CpiRelease(occurred_at=datetime.now(UTC), month=data["month"],
                                   headline_yoy=data["yoy"]))]


def cpi_status(f: Formatter, view: StatusView) -> str | None:
    latest = view.snapshots.get("cpi")
    return f"CPI {latest.month}: {latest.yoy}%" if isinstance(latest, CpiSnapshot) else None


class UnknownMonth(UserInputError):
    """The toy topic's own error, worded by itself (no edit of the shared replies)."""

    code = "cpi_unknown_month"

    def text(self, f):
        value = self.params.get("value", "")
        if f.language is Language.ZH_HANT:
            return f"「{value}」不是月份，例如 /cpi 2026-10。"
        return f"“{value}” is not a month. Example: /cpi 2026-10"


async def cpi_command(ctx, inv, args, language):
    if args and not (len(args[0]) == 7 and args[0][4] == "-"):
        raise UnknownMonth(args[0], value=args[0])
    return Reply(f"CPI {args[0] if args else 'latest'}", language=language)


def cpi_agenda(calendar, et_day):
    """The CPI at 8:30 am ET on the second Wednesday of the month (a toy schedule)."""
    if et_day.weekday() == 2 and 8 <= et_day.day <= 14:
        return [AgendaItem("cpi", "CPI release", datetime.combine(
            et_day, dtime(8, 30), ZoneInfo("America/New_York")))]
    return []


CPI = TopicSpec(
    info=TopicInfo("cpi", "CPI releases", aliases=("inflation", "通膨")),
    events=(CpiRelease,),
    renderers={"cpi_release": (render_cpi, lambda event: "info")},
    demo={"cpi": demo_cpi},
    snapshots={"cpi": CpiSnapshot},
    status=cpi_status,
    commands=(CommandSpec("cpi", "Latest CPI release", handler=cpi_command,
                          example="/cpi 2026-10", params=(
                              Param("month", "A month, e.g. 2026-10", example="2026-10"),)),),
    agenda=cpi_agenda,
    news=True,
)


async def test_a_toy_topic_needs_only_its_spec(settings, redis, tmp_path):
    services = build_services(settings, redis, catalog=Catalog().with_topics(CPI))
    scenario = {
        "chats": [{"ref": "console:cpi-fan", "language": "both", "topics": ["inflation"]}],
        "readings": [{"at": 0, "source": "cpi", "data": {"month": "2026-10", "yoy": 2.9}}],
    }
    out = io.StringIO()
    report = await replay(services, scenario, ConsoleTransport(out), speed=1000,
                          output_dir=tmp_path)
    text = out.getvalue()
    assert report.delivered == 1
    assert "美國 2026-10 CPI 年增 2.9%" in text and "US CPI for 2026-10: 2.9% y/y" in text
    # stored and read back through the catalog's event types
    assert isinstance(await services.records.load_event("cpi:2026-10"), CpiRelease)

    commands = services.commands()
    dm = Invocation(ChatRef("telegram", "42"), ChatKind.PRIVATE, user_language="en")
    start = await commands.run(dm, "start", [])
    buttons = [b.data for row in start.buttons for b in row]
    assert "topic:cpi" in buttons
    assert (await commands.run(dm, "subscribe", ["通膨"])).error is None
    unknown = await commands.run(dm, "subscribe", ["weather"])
    assert unknown.error == "unknown_topic" and "fomc, h41, odds, btc, macro, cpi" in unknown.text
    assert "cpi" in (await services.registry.get_chat(dm.chat)).topics
    menu = await commands.run(dm, "subscribe", [])
    assert any("CPI releases" in b.label for row in menu.buttons for b in row)
    status = await commands.run(dm, "status", [])
    assert "CPI 2026-10: 2.9%" in status.text

    tree = build_tree(discord.Client(intents=discord.Intents.none()), _noop,
                      services.catalog.directory, commands.table)
    subscribe = tree.get_command("subscribe")
    assert isinstance(subscribe, app_commands.Command)
    choices = [c.value for c in subscribe.parameters[0].choices]
    assert choices == ["fomc", "h41", "odds", "btc", "macro", "cpi", "all"]

    # its own command with a typed parameter: a slash command with its option, in /help,
    # parsed by its handler, its own error worded by itself in the chat's language
    cpi = tree.get_command("cpi")
    assert isinstance(cpi, app_commands.Command) and [p.name for p in cpi.parameters] == ["month"]
    assert "/cpi 2026-10" in (await commands.run(dm, "help", [])).text
    assert (await commands.run(dm, "cpi", ["2026-10"])).text == "CPI 2026-10"
    bad = await commands.run(dm, "cpi", ["October"])
    assert bad.error == "cpi_unknown_month" and "“October” is not a month" in bad.text

    # its release on the morning brief's "Today" line, from its agenda
    from bot.domain.calendar import load_calendar
    from bot.pipeline.brief import scheduled_today

    today = scheduled_today(load_calendar(), "Asia/Taipei", datetime(2026, 11, 11).date(),
                            services.catalog.agenda)
    assert "cpi" in [item.name for item in today]
    assert "cpi" in services.catalog.news_names


async def _noop(*_: object) -> None:
    return None


# The toy platform -----------------------------------------------------------------------
async def test_a_toy_platform_receives_deliveries(settings, redis):
    services = build_services(settings, redis, platforms=("pigeon",))
    ref = ChatRef("pigeon", "coop-7")
    await services.registry.upsert_chat(ref, ChatKind.PRIVATE, language=Language.EN)
    await services.registry.subscribe(ref, "fomc")
    result = await services.publisher.publish(fomc_event())
    assert result.queued == 1
    pigeon = RecordingTransport(platform="pigeon")
    async with delivering(services, pigeon, "pigeon-1"):
        await wait_for(lambda: len(pigeon.sent) == 1)
    chat, message = pigeon.sent[0]
    assert chat == "pigeon:coop-7" and "4.25%–4.50%" in message.to_text()


async def test_leader_duties_start_the_catalog_watchers(services, caplog):
    """The leader runs each enabled topic's watcher and the clock jobs, then stops cleanly."""
    from bot.app import leader_duties

    started: list[str] = []

    class Probe:
        name = "probe"

        async def run(self, stop: asyncio.Event) -> None:
            started.append(self.name)
            await stop.wait()

    probe_topic = TopicSpec(info=TopicInfo("probe", "Probe"), events=(), renderers={},
                            watcher=lambda ctx: Probe())
    services.catalog = Catalog(()).with_topics(probe_topic)
    stop = asyncio.Event()
    task = asyncio.create_task(leader_duties(services, stop, []))
    await wait_for(lambda: started == ["probe"])
    stop.set()
    await asyncio.wait_for(task, 5)
    assert "stopped with an error" not in caplog.text


async def test_a_toy_platform_is_its_folder_and_one_registration_line(settings, redis,
                                                                       monkeypatch):
    """A platform declares itself (``PlatformSpec``); adding it to ``bot.app.PLATFORMS`` is
    all the wiring needs: its transport and front end are built on the start-up path, its
    chats get outbox streams and deliveries."""
    import bot.app as app
    from bot.platforms.base import PlatformSpec

    pigeon = RecordingTransport(platform="pigeon")

    class PigeonFront:
        platform = "pigeon"
        leader_only = True

        async def run(self, stop):
            await stop.wait()

    from bot.commands.core import CommandSpec, Invocation, Reply

    async def coo(ctx, inv, args, language):  # a platform's own command
        return Reply("coo " + " ".join(args), language=language)

    spec = PlatformSpec(name="pigeon", chat_platforms=("pigeon",),
                        configured=lambda s: True, transports=lambda s, r: [pigeon],
                        front_end=lambda parts: PigeonFront(),
                        commands=(CommandSpec("coo", "Coo back", handler=coo,
                                              platforms=frozenset({"pigeon"})),))
    monkeypatch.setattr(app, "PLATFORMS", (*app.PLATFORMS, spec))  # the one line
    services = app.build_services(settings, redis)
    assert pigeon in app.build_transports(settings, redis)
    assert [f.platform for f in app.build_front_ends(services)] == ["pigeon"]
    assert "pigeon" in services.outbox.platforms
    commands = services.commands()
    coop = Invocation(ChatRef("pigeon", "coop-1"), ChatKind.PRIVATE, user_id="1")
    assert (await commands.handle_text(coop, "/coo twice")).text == "coo twice"
    assert "/coo" in (await commands.handle_text(coop, "/help")).text
    telegram = Invocation(ChatRef("telegram", "1"), ChatKind.PRIVATE, user_id="1")
    assert "/coo" not in (await commands.handle_text(telegram, "/help")).text
    ref = ChatRef("pigeon", "coop-9")
    await services.registry.upsert_chat(ref, ChatKind.PRIVATE, language=Language.EN)
    await services.registry.subscribe(ref, "fomc")
    await services.publisher.publish(fomc_event())
    async with delivering(services, pigeon):
        await wait_for(lambda: len(pigeon.sent) == 1)


def test_a_topic_declares_its_settings_in_its_folder(monkeypatch, tmp_path):
    """A topic package's ``settings.py`` (``SECTION``) is read through the light package
    list: ``[cpi]`` in the settings file and ``FEDALERT_CPI__…`` variables work, a
    misspelt one gets "did you mean", and a topic reads its section with its defaults
    when the settings were loaded without it. Nothing under ``bot/`` is edited."""
    import sys
    import types

    import pytest
    from pydantic import BaseModel

    from bot.config import ConfigError, load_settings
    from bot.topics.packages import settings_sections

    class CpiSettings(BaseModel):
        url: str = "https://www.bls.gov/news.release/cpi.nr0.htm"
        poll_seconds: float = 2.0

    module = types.ModuleType("bot.topics.cpi.settings")
    module.SECTION = ("cpi", CpiSettings)
    monkeypatch.setitem(sys.modules, "bot.topics.cpi.settings", module)
    sections = settings_sections(("fomc", "cpi"))
    assert sections == {"cpi": CpiSettings}

    import os

    for name in list(os.environ):
        if name.startswith("FEDALERT_"):
            monkeypatch.delenv(name)
    config = tmp_path / "settings.toml"
    config.write_text("[cpi]\npoll_seconds = 0.5\n")
    monkeypatch.setenv("FEDALERT_CONFIG", str(config))
    monkeypatch.setenv("FEDALERT_CPI__URL", "http://127.0.0.1:9/cpi.htm")
    settings = load_settings(sections=sections)
    cpi = settings.section("cpi", CpiSettings)
    assert (cpi.url, cpi.poll_seconds) == ("http://127.0.0.1:9/cpi.htm", 0.5)
    monkeypatch.setenv("FEDALERT_CPI__UTL", "x")
    with pytest.raises(ConfigError, match="did you mean FEDALERT_CPI__URL"):
        load_settings(sections=sections)
    monkeypatch.delenv("FEDALERT_CPI__UTL")
    monkeypatch.delenv("FEDALERT_CPI__URL")
    config.write_text("")
    assert load_settings().section("cpi", CpiSettings) == CpiSettings()


async def test_a_toy_topic_and_platform_on_the_run_path(settings, redis, monkeypatch):
    """`fedalert run`'s wiring (build_services, build_transports, run_instance) with a toy
    topic added to the catalog list and a toy platform to the platform list, as their one
    line each would: the leader runs the topic's watcher, its reading is published and
    delivered through the toy platform to a chat subscribed to the topic."""
    import bot.app as app
    import bot.topics.catalog as catalog
    from bot.platforms.base import PlatformSpec

    class OneReading:
        name = "cpi"

        def __init__(self, ctx):
            self.ctx = ctx

        async def run(self, stop):
            await self.ctx.publisher.publish(CpiRelease(occurred_at=datetime.now(UTC),
                                                        month="2026-11", headline_yoy=3.1))
            await stop.wait()

    pigeon = RecordingTransport(platform="pigeon")
    toy_topic = dataclasses.replace(CPI, watcher=OneReading)
    toy_platform = PlatformSpec(name="pigeon", chat_platforms=("pigeon",),
                                configured=lambda s: True, transports=lambda s, r: [pigeon])
    monkeypatch.setattr(catalog, "TOPICS", (*catalog.TOPICS, toy_topic))  # its catalog line
    monkeypatch.setattr(app, "PLATFORMS", (*app.PLATFORMS, toy_platform))  # its line
    no_sources = settings.sources.model_copy(update={
        "fomc": False, "h41": False, "odds": False, "btc": False})
    settings = settings.model_copy(update={"sources": no_sources})
    services = app.build_services(settings, redis)
    ref = ChatRef("pigeon", "coop-11")
    await services.registry.upsert_chat(ref, ChatKind.PRIVATE, language=Language.BOTH)
    await services.registry.subscribe(ref, "cpi")
    stop = asyncio.Event()
    task = asyncio.create_task(app.run_instance(services, app.build_transports(settings, redis),
                                                stop))
    try:
        await wait_for(lambda: len(pigeon.sent) == 1, timeout=15)
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
    chat, message = pigeon.sent[0]
    assert chat == "pigeon:coop-11" and "美國 2026-11 CPI 年增 3.1%" in message.to_text()
