"""The morning brief: /brief, the due-time index, one brief per group, never twice."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bot.commands.core import Invocation
from bot.domain.chats import ChatKind, ChatRef, Direction
from bot.domain.ports import BTC_PRICE_SNAPSHOT, LatestPrice
from bot.pipeline.brief import BriefScheduler, scheduled_today
from bot.topics.catalog import Catalog

STORES = ("single", "cluster")  # each test on one server and on a cluster

DM = Invocation(ChatRef("telegram", "777"), ChatKind.PRIVATE, user_id="777",
                user_language="zh-hant")
NOW = datetime(2026, 12, 9, 23, 30, tzinfo=UTC)  # Dec 10, 07:30 in Taipei


def scheduler(services, moment):
    return BriefScheduler(services.briefs, services.registry, services.publisher,
                          services.status_lines, services.snapshots, services.calendar,
                          clock=lambda: moment, agenda=services.catalog.agenda,
                          news=services.catalog.news_names,
                          personal=services.catalog.brief_parts)


@pytest.fixture
def commands(services):
    return services.commands(clock=lambda: NOW)


async def test_brief_command_sets_and_clears_the_schedule(commands, services):
    assert (await commands.handle_text(DM, "/start")) is not None
    reply = await commands.handle_text(DM, "/brief 08:00")
    assert "已設定晨報：每天 08:00（Asia/Taipei）" in reply.text
    due = await services.briefs.due(NOW + timedelta(minutes=31))
    assert due == [DM.chat] and await services.briefs.due(NOW) == []
    bad = await commands.handle_text(DM, "/brief 25:00")
    assert bad.error == "invalid_brief_time" and "/brief 08:00" in bad.text
    off = await commands.handle_text(DM, "/brief off")
    assert "已關閉晨報" in off.text
    assert await services.briefs.due(NOW + timedelta(days=2)) == []


async def test_the_brief_goes_out_once_with_status_levels_and_the_day(commands, services):
    await commands.handle_text(DM, "/start")
    await commands.handle_text(DM, "/subscribe btc")
    await services.registry.add_threshold(DM.chat, Direction.BELOW, Decimal(80000))
    await services.registry.add_threshold(DM.chat, Direction.ABOVE, Decimal(100000))
    await commands.handle_text(DM, "/brief 08:00")
    await services.snapshots.set_model(BTC_PRICE_SNAPSHOT, LatestPrice(
        price=Decimal(90000), at=NOW))
    at_eight = NOW + timedelta(minutes=30, seconds=5)
    assert await scheduler(services, at_eight).tick(at_eight) == 1
    assert await scheduler(services, at_eight).tick(at_eight) == 0  # moved to tomorrow
    backlog = await services.outbox.backlog("telegram")
    assert backlog["queued"] >= 1
    event = await services.records.load_event(
        "brief:2026-12-10:Asia/Taipei:08:00:80000~100000")
    assert event is not None
    zh = "\n".join(event.lines["zh-Hant"])
    assert "最接近的比特幣價位：下方 8 萬美元（−11.1%）" in zh and "上方 10 萬美元（+11.1%）" in zh
    assert "今日：FOMC 會後聲明（凌晨 3:00）" in zh  # the Dec 9 decision: 3 am in Taipei
    assert any("Morning brief" in event.titles["en"] for _ in "x")
    # a crash before rescheduling: the same brief again is a duplicate, not a second send
    await services.briefs.reschedule([(DM.chat, at_eight - timedelta(seconds=1))])
    await scheduler(services, at_eight).tick(at_eight)
    assert (await services.outbox.backlog("telegram"))["queued"] == backlog["queued"]


async def test_changes_only_skips_a_quiet_day(commands, services):
    await commands.handle_text(DM, "/start")
    await commands.handle_text(DM, "/brief 08:00 changes")
    quiet = datetime(2026, 12, 14, 0, 0, 5, tzinfo=UTC)  # Mon 08:00 Taipei: nothing due
    await services.briefs.reschedule([(DM.chat, quiet - timedelta(seconds=1))])
    assert await scheduler(services, quiet).tick(quiet) == 1
    assert await services.records.load_event(
        "brief:2026-12-14:Asia/Taipei:08:00:-~-") is None
    assert await services.briefs.due(quiet + timedelta(hours=23)) == []
    assert await services.briefs.due(quiet + timedelta(days=1)) == [DM.chat]


def test_scheduled_today_in_the_chats_zone():
    from bot.domain.calendar import load_calendar

    calendar, agenda = load_calendar(), Catalog().agenda
    taipei = scheduled_today(calendar, "Asia/Taipei", datetime(2026, 12, 10).date(), agenda)
    assert [item.name for item in taipei] == ["fomc"]  # Dec 9 ET decision: Dec 10 in Taipei
    new_york = scheduled_today(calendar, "America/New_York", datetime(2026, 12, 10).date(),
                               agenda)
    assert [item.name for item in new_york] == ["h41"]  # Thursday


async def test_chats_of_one_group_due_at_different_ticks_each_get_the_brief(commands, services):
    """The same brief (day, zone, minute, levels) reaches a chat handled in a later slice."""
    other = Invocation(ChatRef("telegram", "778"), ChatKind.PRIVATE, user_id="778",
                       user_language="zh-hant")
    for inv in (DM, other):
        await commands.handle_text(inv, "/start")
        await commands.handle_text(inv, "/brief 08:00")
    at_eight = NOW + timedelta(minutes=30, seconds=5)
    await services.briefs.reschedule([(other.chat, at_eight + timedelta(seconds=30))])
    await scheduler(services, at_eight).tick(at_eight)
    later = at_eight + timedelta(seconds=40)
    await scheduler(services, later).tick(later)
    assert (await services.outbox.backlog("telegram"))["queued"] == 2


def test_the_h41_moves_to_friday_after_a_thursday_holiday():
    from bot.domain.calendar import load_calendar
    from bot.domain.holidays import h41_release_date

    assert h41_release_date(datetime(2025, 6, 19).date()) == datetime(2025, 6, 20).date()
    assert h41_release_date(datetime(2026, 11, 26).date()) == datetime(2026, 11, 27).date()
    assert h41_release_date(datetime(2026, 12, 3).date()) == datetime(2026, 12, 3).date()
    calendar, agenda = load_calendar(), Catalog().agenda
    thanksgiving = scheduled_today(calendar, "America/New_York", datetime(2026, 11, 26).date(),
                                   agenda)
    friday = scheduled_today(calendar, "America/New_York", datetime(2026, 11, 27).date(),
                             agenda)
    assert [i.name for i in thanksgiving] == [] and [i.name for i in friday] == ["h41"]


async def test_the_brief_names_a_macro_release_from_the_refreshed_schedule(commands, services):
    """The leader's refreshed schedule (in the store) reaches the brief's "Today" line."""
    from bot.topics.macro.watcher import SCHEDULE_STATE

    await services.snapshots.set_json(SCHEDULE_STATE, (
        '[[release]]\nkind = "cpi"\nperiod = "2026-11"\nday = 2026-12-10\nat = "08:30"\n'
        'status = "scheduled"\n'))
    await commands.handle_text(DM, "/start")
    await commands.handle_text(DM, "/brief 08:00")
    brief = BriefScheduler(services.briefs, services.registry, services.publisher,
                           services.status_lines, services.snapshots, services.calendar,
                           clock=lambda: NOW, agenda=services.catalog.agenda,
                           news=services.catalog.news_names,
                           agenda_refresh=services.catalog.refresh_agenda,
                           personal=services.catalog.brief_parts)
    at_eight = NOW + timedelta(minutes=30, seconds=5)
    assert await brief.tick(at_eight) == 1
    event = await services.records.load_event("brief:2026-12-10:Asia/Taipei:08:00:-~-")
    assert event is not None
    zh = "\n".join(event.lines["zh-Hant"])
    # Dec 10 8:30 ET is 21:30 in Taipei, the same local day
    assert "美國 CPI（晚上 9:30）" in zh, zh


async def test_calendar_lists_the_coming_week_in_the_chats_zone(commands, services):
    from bot.topics.macro.watcher import SCHEDULE_STATE

    await services.snapshots.set_json(SCHEDULE_STATE, (
        '[[release]]\nkind = "cpi"\nperiod = "2026-11"\nday = 2026-12-10\nat = "08:30"\n'
        'status = "scheduled"\n'))
    await commands.handle_text(DM, "/start")
    reply = await commands.handle_text(DM, "/calendar")
    assert reply.error is None
    lines = reply.text.splitlines()
    cpi = next(line for line in lines if "美國 CPI" in line)
    assert cpi.startswith("12 月 10 日") and "9:30" in cpi, reply.text
    assert any("H.4.1" in line and line.startswith("12 月 11 日") for line in lines), reply.text
    assert reply.text.startswith("未來 7 天（台灣時間）")  # the chat chose Chinese


async def test_a_topics_part_about_each_chat_groups_and_fills_the_brief(commands, services):
    """A topic adds its line about each chat's own settings (``TopicSpec.brief_part``):
    the brief names no topic, and chats whose parts differ read different briefs."""
    from bot.commands.core import BriefPart

    async def counting(snapshots):
        def part(thresholds):
            n = len(thresholds)
            return BriefPart(f"n{n}", lambda f: f"{n} levels" if n else None)
        return part

    other = Invocation(ChatRef("telegram", "779"), ChatKind.PRIVATE, user_id="779",
                       user_language="en")
    for inv in (DM, other):
        await commands.handle_text(inv, "/start")
        await commands.handle_text(inv, "/brief 08:00")
    await services.registry.add_threshold(DM.chat, Direction.BELOW, Decimal(80000))
    at_eight = NOW + timedelta(minutes=30, seconds=5)
    brief = BriefScheduler(services.briefs, services.registry, services.publisher,
                           services.status_lines, services.snapshots, services.calendar,
                           clock=lambda: at_eight, agenda=services.catalog.agenda,
                           personal=(counting,))
    assert await brief.tick(at_eight) == 2
    one = await services.records.load_event("brief:2026-12-10:Asia/Taipei:08:00:n1")
    none = await services.records.load_event("brief:2026-12-10:Asia/Taipei:08:00:n0")
    assert "1 levels" in one.lines["en"] and "0 levels" not in " ".join(none.lines["en"])
