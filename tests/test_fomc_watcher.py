"""The FOMC watcher through real httpx against a local stand-in of federalreserve.gov."""

import asyncio
import logging
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from bot import metrics
from bot.domain.chats import ChatKind, ChatRef
from bot.topics.fomc.statement import StatementParseError
from bot.topics.fomc.watcher import FomcWatcher
from tests.helpers import PrivateStore, action_without_a_rate_decision, wait_for
from tests.servers import FakeFed, LocalServer, fed_fixture

STATEMENT = "/newsevents/pressreleases/monetary20250319a.htm"
DECEMBER = "/newsevents/pressreleases/monetary20241218a.htm"
MINUTES = "/newsevents/pressreleases/monetary20250219a.htm"


def clock_at(iso: str):
    moment = datetime.fromisoformat(iso)
    return lambda: moment


@pytest.fixture
def fed():
    return FakeFed(feed=fed_fixture("press_monetary_before.xml"), pages={
        DECEMBER: fed_fixture("monetary20241218a.htm"),
        MINUTES: fed_fixture("minutes20250219a.htm"),
    })


async def make_watcher(services, server, clock, timeout=1.0, **settings_update):
    fed_settings = services.settings.fed.model_copy(update={"base_url": server.url,
                                                            "burst_poll_seconds": 0.2,
                                                            **settings_update})
    services.settings = services.settings.model_copy(update={"fed": fed_settings,
                                                             "http_timeout_seconds": timeout})
    client = httpx.AsyncClient(timeout=timeout)
    watcher = FomcWatcher(services.topic, client=client, clock=clock)
    return watcher, client


async def subscribe(services, n=3):
    for i in range(n):
        ref = ChatRef("console", f"fomc{i}")
        await services.registry.upsert_chat(ref, ChatKind.PRIVATE)
        await services.registry.subscribe(ref, "fomc")


async def test_rss_first_start_is_a_baseline_then_one_event(services, fed):
    await subscribe(services)
    async with LocalServer(fed.app()) as server:
        watcher, client = await make_watcher(services, server,
                                             clock_at("2025-03-19T18:00:40+00:00"))
        async with client:
            assert await watcher.announce_from_feed() == []  # history, not news
            state = await watcher.load_state()
            assert state.last_range == (4.25, 4.50) and state.last_date == "2024-12-18"
            assert await watcher.announce_from_feed() == []  # 304
            assert fed.not_modified == 1

            fed.feed = fed_fixture("press_monetary_after.xml")
            fed.pages[STATEMENT] = fed_fixture("monetary20250319a.htm")
            events = await watcher.announce_from_feed()
            assert len(events) == 1
            event = events[0]
            assert (event.decision, event.change_bps) == ("hold", 0)
            assert (str(event.target_low), str(event.target_high)) == ("4.25", "4.50")
            assert not event.late and not event.unscheduled
            assert event.occurred_at == datetime(2025, 3, 19, 18, 0, tzinfo=UTC)
            assert event.url.startswith("https://www.federalreserve.gov/")
            assert [d.name for d in event.dissenters] == ["Christopher J. Waller"]
            assert [a.kind for a in event.balance_sheet] == ["cap_change"]
            assert event.changes, "the diff against December must show the new wording"
            assert await watcher.announce_from_feed() == []
            assert await watcher.announce_from_feed() == []
    assert (await services.outbox.backlog("console"))["queued"] == 3
    latest = await services.snapshots.latest_event("fomc")
    assert latest.key == "fomc:2025-03-19"


async def test_burst_on_decision_day_detects_the_page_at_t0(services, fed):
    await subscribe(services, 2)
    async with LocalServer(fed.app()) as server:
        watcher, client = await make_watcher(services, server,
                                             clock_at("2025-03-19T17:59:50+00:00"))
        async with client:
            await watcher.announce_from_feed()  # baseline (December)
            assert watcher.in_burst_window(watcher.clock()) is not None
            stop = asyncio.Event()
            task = asyncio.create_task(watcher.run(stop))
            def polls() -> int:
                return sum(p == STATEMENT for _, p in fed.requests)

            await wait_for(lambda: polls() >= 3)  # the predictable URL, before T0
            assert watcher.published == []  # 404 until release
            fed.pages[STATEMENT] = fed_fixture("monetary20250319a.htm")  # T0
            await wait_for(lambda: watcher.published)
            await asyncio.sleep(0.4)  # two burst intervals more: it is not announced again
            stop.set()
            await task
    assert len(watcher.published) == 1
    assert watcher.published[0].meeting_date.isoformat() == "2025-03-19"
    polled = [p for _, p in fed.requests if p == STATEMENT]
    assert len(polled) >= 3  # it was polling the predictable URL before T0


async def test_minutes_on_the_statement_url_are_not_a_statement(services, fed):
    async with LocalServer(fed.app()) as server:
        watcher, client = await make_watcher(services, server,
                                             clock_at("2025-03-19T17:59:50+00:00"))
        async with client:
            fed.pages[STATEMENT] = fed_fixture("minutes20250219a.htm")
            assert await watcher.announce_from_statement_url(datetime(2025, 3, 19).date()) is None
    assert watcher.published == []


@pytest.mark.parametrize("fault", ["500", "timeout", "truncate", "cut_end", "layout"])
async def test_broken_upstream_gives_no_event_and_a_warning(services, fed, fault, caplog):
    async with LocalServer(fed.app()) as server:
        watcher, client = await make_watcher(services, server,
                                             clock_at("2025-03-19T18:01:00+00:00"), timeout=0.5)
        fed.slow_seconds = 1.0
        async with client:
            await watcher.announce_from_feed()  # baseline
            fed.feed = fed_fixture("press_monetary_after.xml")
            fed.pages[STATEMENT] = fed_fixture("monetary20250319a.htm")
            fed.faults[STATEMENT] = [fault]
            with caplog.at_level(logging.WARNING, logger="bot.topics.fomc.watcher"):
                delay = await watcher.step()
            assert watcher.published == []
            assert delay > 0
            assert any("fomc: the Fed's pages failing" in r.getMessage() for r in caplog.records)
            assert sum(s.value for m in metrics.SOURCE_ERRORS.collect() for s in m.samples
                       if s.labels.get("source") == "fomc" and s.name.endswith("_total")) > 0
            # the fault is gone on the next poll: the statement is announced then, once
            await watcher.step()
            await watcher.step()
    assert len(watcher.published) == 1


async def test_restart_neither_repeats_nor_misses(services, fed):
    async with LocalServer(fed.app()) as server:
        first, client = await make_watcher(services, server,
                                           clock_at("2025-03-18T12:00:00+00:00"))
        async with client:
            await first.announce_from_feed()
        # the bot is down when the statement comes out; it comes back the next morning
        fed.feed = fed_fixture("press_monetary_after.xml")
        fed.pages[STATEMENT] = fed_fixture("monetary20250319a.htm")
        second, client = await make_watcher(services, server,
                                            clock_at("2025-03-20T01:30:00+00:00"))
        async with client:
            events = await second.announce_from_feed()
            assert len(events) == 1 and events[0].late
        third, client = await make_watcher(services, server,
                                           clock_at("2025-03-20T02:00:00+00:00"))
        async with client:
            assert await third.announce_from_feed() == []
    assert third.published == []


def test_state_keeps_the_previous_statement_parsed_and_reads_old_raw_state():
    """The previous statement is stored as its sentences; a state written before (raw
    HTML under ``last_text``) is read into the same sentences, so the diff is unchanged."""
    import json

    from bot.topics.fomc.statement import statement_sentences
    from bot.topics.fomc.watcher import FomcState

    html = fed_fixture("monetary20241218a.htm").decode()
    old = FomcState.from_json(json.dumps({"last_date": "2024-12-18", "last_text": html}))
    assert old.last_sentences == list(statement_sentences(html))
    assert "last_text" not in json.loads(old.to_json())


async def test_a_maintenance_page_first_is_retried_not_marked_seen(services, fed):
    from bot.topics.fomc.statement import StatementParseError

    await subscribe(services, 1)
    maintenance = (b"<html><head><title>Site Maintenance</title></head><body><p>The site is "
                   b"temporarily unavailable.</p></body></html>")
    async with LocalServer(fed.app()) as server:
        watcher, client = await make_watcher(services, server,
                                             clock_at("2025-03-19T18:00:40+00:00"))
        async with client:
            await watcher.announce_from_feed()  # baseline
            fed.feed = fed_fixture("press_monetary_after.xml")
            fed.pages[STATEMENT] = maintenance
            with pytest.raises(StatementParseError):
                await watcher.announce_from_feed()
            assert watcher.published == []
            fed.pages[STATEMENT] = fed_fixture("monetary20250319a.htm")
            events = await watcher.announce_from_feed()
    assert [e.key for e in events] == ["fomc:2025-03-19"]


async def test_a_feed_that_is_not_a_feed_is_an_error(services, fed, caplog):
    async with LocalServer(fed.app()) as server:
        watcher, client = await make_watcher(services, server,
                                             clock_at("2025-03-19T18:00:40+00:00"))
        async with client:
            fed.feed = b"<html><body>Access denied</body></html>"
            with pytest.raises(ValueError, match="not RSS or Atom"):
                await watcher.announce_from_feed()
            fed.feed = b""
            with pytest.raises(ValueError):
                await watcher.announce_from_feed()
            # the poll loop says it, once, and `fedalert check` does not call it fine
            fed.feed = b"<html><body>Access denied</body></html>"
            watcher.clock = clock_at("2025-03-21T15:00:00+00:00")  # a day of feed polls
            with caplog.at_level(logging.WARNING):
                for _ in range(3):
                    await watcher.step()
            lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
            assert len(lines) == 1 and "not RSS or Atom" in lines[0], lines
            from bot.topics.fomc.watcher import check

            [result] = await check(services.settings)
            assert not result.ok and "not RSS or Atom" in result.detail


def _action_page(day: str) -> str:
    """A statement page holding only the 2020-03-15 statement's balance-sheet paragraph
    and vote (its rate sentences left out), dated ``day``."""
    paragraph, vote = action_without_a_rate_decision()
    return (f"<html><head><title>Federal Reserve issues FOMC statement</title></head><body>"
            f"<div id='article'><p class='article__time'>{day}</p><p>{paragraph}</p>"
            f"<p>{vote}</p></div></body></html>")


async def test_an_action_without_a_rate_decision_only_off_the_calendar(services, fed):
    """Off the calendar (2020-03-23) a balance-sheet action without a word on the rate is
    announced with the range as it was; on a scheduled decision day such a page is a
    garbled one: no alert."""
    async with LocalServer(fed.app()) as server:
        watcher, client = await make_watcher(services, server,
                                             clock_at("2025-03-19T18:01:00+00:00"))
        async with client:
            with pytest.raises(StatementParseError, match="scheduled decision day"):
                await watcher.consider_page(_action_page("March 19, 2025"), STATEMENT,
                                            expected_day=None, released_at=None, guid="a")
            event = await watcher.consider_page(_action_page("March 23, 2020"), STATEMENT,
                                                expected_day=None, released_at=None, guid="b")
    assert event is not None and event.unscheduled and not event.range_stated
    assert (event.decision, event.target_low, event.target_high) == ("hold", 0, Decimal("0.25"))


async def test_a_store_refusing_writes_mid_publication_heals(settings, fed, caplog):
    """The store refuses writes (maxmemory, noeviction) as the statement appears: the
    watcher fails, its supervisor restarts it with a new HTTP client, and once the store
    takes writes again the decision is published to the subscribers."""
    from bot.app import build_services
    from bot.supervision import Supervisor

    async with PrivateStore() as store:
        redis = store.client
        services = build_services(settings, redis)
        await subscribe(services, 3)
        async with LocalServer(fed.app()) as web:
            baseline, client = await make_watcher(services, web,
                                                  clock_at("2025-03-19T17:59:50+00:00"))
            async with client:
                await baseline.announce_from_feed()  # December is the statement before
            watcher = FomcWatcher(services.topic, clock=clock_at("2025-03-19T18:00:01+00:00"))
            await redis.config_set("maxmemory-policy", "noeviction")
            await redis.config_set("maxmemory", "1")
            fed.pages[STATEMENT] = fed_fixture("monetary20250319a.htm")
            supervisor = Supervisor(base_seconds=0.05, cap_seconds=0.2, healthy_after=0.5)
            stop = asyncio.Event()
            task = asyncio.create_task(supervisor.run("fomc", lambda: watcher.run(stop), stop))
            try:
                await wait_for(lambda: "fomc" in supervisor.parts
                               and supervisor.parts["fomc"].restarts >= 2)
                assert "OutOfMemoryError" in str(supervisor.parts["fomc"].last_error)
                await redis.config_set("maxmemory", "0")  # the limit is lifted
                await wait_for(lambda: watcher.published, timeout=10)
            finally:
                stop.set()
                await asyncio.wait_for(task, 10)
        assert "client has been closed" not in caplog.text
        assert watcher.published[0].meeting_date.isoformat() == "2025-03-19"
        assert await services.records.fanout_size(watcher.published[0].key) == 3


async def test_a_garbled_statement_page_is_read_again_at_the_burst_pace(services, fed):
    """At 2:00 the statement URL serves a page cut before the decision; the true page
    follows: it is published within a few burst polls, every run."""
    whole = fed_fixture("monetary20250319a.htm")
    cut = whole[: whole.find(b"Committee decided")] + b"</div></body></html>"
    await subscribe(services, 1)
    async with LocalServer(fed.app()) as server:
        watcher, client = await make_watcher(services, server,
                                             clock_at("2025-03-19T18:00:05+00:00"))
        async with client:
            await watcher.announce_from_feed()  # baseline
            fed.pages[STATEMENT] = cut
            stop = asyncio.Event()
            task = asyncio.create_task(watcher.run(stop))
            for _ in range(3):  # several failed reads in a row
                polled = sum(p == STATEMENT for _, p in fed.requests)
                await wait_for(lambda polled=polled: sum(
                    p == STATEMENT for _, p in fed.requests) > polled)
            assert watcher.published == []
            fed.pages[STATEMENT] = fed_fixture("monetary20250319a.htm")
            fixed_at = asyncio.get_running_loop().time()
            await wait_for(lambda: watcher.published, timeout=5)
            took = asyncio.get_running_loop().time() - fixed_at
            stop.set()
            await task
    assert took < 1.0, took  # burst polls are 0.2 s here


async def test_a_page_the_parser_chokes_on_is_read_again_not_a_crash(services, fed,
                                                                      monkeypatch):
    """A page shaped so the parser raises something it did not foresee (here decimal's
    InvalidOperation) is an unparsed page read again at the burst pace, not a dead loop."""
    from decimal import InvalidOperation

    from bot.topics.fomc import watcher as module

    real, calls = module.parse_statement, []

    def choking(*args, **kwargs):
        calls.append(1)
        if len(calls) <= 2:
            raise InvalidOperation("garbled number")
        return real(*args, **kwargs)

    await subscribe(services, 1)
    async with LocalServer(fed.app()) as server:
        watcher, client = await make_watcher(services, server,
                                             clock_at("2025-03-19T18:00:05+00:00"))
        async with client:
            await watcher.announce_from_feed()  # baseline
            monkeypatch.setattr(module, "parse_statement", choking)
            fed.pages[STATEMENT] = fed_fixture("monetary20250319a.htm")
            stop = asyncio.Event()
            task = asyncio.create_task(watcher.run(stop))
            await wait_for(lambda: watcher.published or task.done(), timeout=5)
            stop.set()
            await task
    assert len(calls) >= 3 and len(watcher.published) == 1


def test_fast_polling_around_the_scheduled_minute_only(services):
    from datetime import UTC, date, datetime

    from bot.topics.fomc.watcher import FomcWatcher

    watcher = FomcWatcher(services.topic)
    day = date(2025, 3, 19)
    fed = services.settings.fed
    at = [datetime(2025, 3, 19, 17, 59, 50, tzinfo=UTC),  # 10 s before: burst
          datetime(2025, 3, 19, 17, 59, 56, tzinfo=UTC),  # 4 s before: fast
          datetime(2025, 3, 19, 18, 0, 59, tzinfo=UTC),  # 59 s after: fast
          datetime(2025, 3, 19, 18, 1, 30, tzinfo=UTC)]  # then back to the burst pace
    assert [watcher.burst_interval(t, day) for t in at] == [
        fed.burst_poll_seconds, fed.fast_poll_seconds, fed.fast_poll_seconds,
        fed.burst_poll_seconds]
    assert fed.fast_poll_seconds == 0.25  # the stated 4 requests a second
