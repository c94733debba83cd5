from datetime import UTC, date, datetime
from pathlib import Path

from bot.domain.calendar import FomcCalendar, Meeting, load_calendar, parse_calendar_page
from bot.store.calendar import CalendarStore
from tests.helpers import run_cli

PAGE = Path(__file__).parent / "fixtures/fed/fomccalendars.htm"


def test_shipped_calendar():
    calendar = load_calendar()
    days = set(calendar.decision_days)
    assert {date(2025, 3, 19), date(2025, 5, 7), date(2026, 9, 16), date(2027, 1, 27)} <= days
    assert date(2025, 8, 22) not in days  # notation vote
    march = datetime(2025, 3, 19, 17, 0, tzinfo=UTC)  # 1 p.m. EDT
    assert calendar.next_meeting(march).end == date(2025, 3, 19)
    after = datetime(2025, 3, 19, 18, 0, 1, tzinfo=UTC)
    assert calendar.next_meeting(after).end == date(2025, 5, 7)
    # 2:00 p.m. ET is 18:00 UTC in summer and 19:00 UTC in winter
    assert Meeting(date(2025, 12, 9), date(2025, 12, 10)).statement_at.hour == 19


def test_calendar_page_parser_skips_notation_votes_and_spans_months():
    meetings = parse_calendar_page(PAGE.read_text())
    ends = [m.end for m in meetings]
    assert date(2026, 8, 21) not in ends and date(2019, 3, 3) not in ends
    assert len([m for m in meetings if m.end.year == 2026]) == 8
    assert Meeting(date(2019, 4, 30), date(2019, 5, 1)) in meetings  # Apr/May 30-1
    assert Meeting(date(2019, 10, 31), date(2019, 11, 1)) in meetings
    assert Meeting(date(2019, 1, 28), date(2019, 1, 29)) in meetings
    assert Meeting(date(2026, 12, 8), date(2026, 12, 9)) in meetings


def test_refresh_command_rewrites_a_calendar_file(tmp_path):
    target = tmp_path / "fomc_calendar.toml"
    result = run_cli("calendar", "refresh", "--page", str(PAGE), "--file", str(target))
    assert result.returncode == 0, result.stderr
    refreshed = FomcCalendar.from_toml(target.read_text())
    assert date(2026, 9, 16) in refreshed.decision_days
    assert date(2025, 5, 7) in refreshed.decision_days  # other years kept


async def test_leader_refresh_stores_the_calendar_for_every_instance(services):
    from bot.topics.fomc import schedule
    from tests.servers import FakeFed, LocalServer, fed_fixture

    fed = FakeFed(pages={"/monetarypolicy/fomccalendars.htm": fed_fixture("fomccalendars.htm")})
    fed.faults["/monetarypolicy/fomccalendars.htm"] = ["500"]
    async with LocalServer(fed.app()) as server:
        fed_settings = services.settings.fed.model_copy(update={"base_url": server.url})
        services.settings = services.settings.model_copy(update={"fed": fed_settings})
        assert await schedule.refresh_calendar(services.settings, services.calendar) == 0
        assert await services.redis.get(services.keys.state("calendar")) is None
        assert await schedule.refresh_calendar(services.settings, services.calendar) > 0
    stored = FomcCalendar.from_toml(await services.redis.get(services.keys.state("calendar")))
    assert date(2026, 12, 9) in stored.decision_days
    assert date(2027, 1, 27) in stored.decision_days  # years the page lacks are kept

    # an edit stored by the leader is what every instance reads (after the cache expires)
    edited = FomcCalendar([*stored.meetings, Meeting(date(2026, 11, 25), date(2026, 11, 26))],
                          updated=date(2026, 11, 26), source="test")
    await services.redis.set(services.keys.state("calendar"), edited.to_toml())
    fresh = CalendarStore(services.redis, services.keys)  # another instance's view
    assert date(2026, 11, 26) in (await fresh.current()).decision_days


def test_refresh_without_a_file_is_the_calendar_the_watchers_read(settings, monkeypatch):
    """`calendar refresh` writes where the watchers read (the deployment's store), and
    `calendar show` shows that; a --file that is not there is said, not replaced."""
    import redis as sync_redis

    from bot.store.keys import KeySchema

    monkeypatch.setenv("FEDALERT_REDIS_URL", settings.redis_url.get_secret_value())
    monkeypatch.setenv("FEDALERT_KEY_PREFIX", settings.key_prefix)
    key = KeySchema(settings.key_prefix, settings.partitions).state("calendar")
    client = sync_redis.Redis.from_url(settings.redis_url.get_secret_value())
    try:
        result = run_cli("calendar", "refresh", "--page", str(PAGE))
        assert result.returncode == 0, result.stderr
        assert "the store the watchers read" in result.stdout
        stored = FomcCalendar.from_toml(client.get(key).decode())
        assert date(2019, 5, 1) in stored.decision_days  # only on the page, not packaged
        shown = run_cli("calendar", "show")
        assert "2019-04-30 .. 2019-05-01" in shown.stdout
    finally:
        client.delete(key)
        client.close()
    missing = run_cli("calendar", "show", "--file", "/nonexistent/calendar.toml")
    assert missing.returncode != 0 and "no such file" in missing.stderr
