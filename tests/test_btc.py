"""BTC: payloads, the composite, the crossing engine, and live feeds through local stand-ins."""

import asyncio
import dataclasses
import json
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.chats import ChatKind, ChatRef, Direction, RepeatMode
from bot.domain.errors import InvalidAmount, InvalidThreshold
from bot.topics.btc import payloads as messages
from bot.topics.btc.amounts import parse_alert_args, parse_amount, parse_duration
from bot.topics.btc.composite import CompositePrice, CompositeRules, Degraded, composite
from bot.topics.btc.engine import EngineRules, MoveEngine, MoveRules, ThresholdEngine
from bot.topics.btc.feeds import SPECS, Feed
from bot.topics.btc.payloads import Tick
from bot.topics.btc.watcher import PriceWatcher
from tests.exchanges import NAMES, FakeExchanges
from tests.helpers import ShiftedClock
from tests.servers import LocalServer

FIX = Path(__file__).parent / "fixtures" / "exchanges"
T0 = datetime(2025, 4, 6, 21, 0, tzinfo=UTC)
ALICE, BOB = ChatRef("console", "alice"), ChatRef("console", "bob")


def load(name):
    return (FIX / name).read_text()


# Payloads ------------------------------------------------------------------------------
def test_every_documented_payload_parses():
    now = T0
    assert messages.binance_ws(load("binance_ws_mini_ticker.json"), now).price == Decimal("0.0025")
    assert messages.binance_ws(load("binance_ws_trade.json"), now).price == Decimal("0.001")
    assert messages.binance_ws(load("binance_ws_server_shutdown.json"), now).kind == "reconnect"
    assert messages.binance_rest(load("binance_ticker_price.json"), now).quote == "USDT"
    okx = messages.okx_ws(load("okx_ws_tickers.json"), now)
    assert okx.price == Decimal("9999.99") and okx.exchange_ts.year == 2020
    assert messages.okx_ws(load("okx_ws_notice.json"), now).kind == "reconnect"
    assert messages.okx_ws("pong", now).kind == "pong"
    assert messages.okx_rest(load("okx_ticker.json"), now).price == Decimal("9999.99")
    coinbase = messages.coinbase_ws(load("coinbase_exchange_ws_ticker.json"), now)
    assert coinbase.price == Decimal("1285.22") and coinbase.quote == "USD"
    assert messages.coinbase_ws(load("coinbase_exchange_ws_heartbeat.json"), now).kind == \
        "heartbeat"
    assert messages.coinbase_rest(load("coinbase_exchange_ticker.json"), now).price == \
        Decimal("6268.48")
    kraken = messages.kraken_ws(load("kraken_ws_v2_ticker.json"), now)
    assert kraken.price == Decimal("0.10035")
    assert messages.kraken_ws(load("kraken_ws_v2_heartbeat.json"), now).kind == "heartbeat"
    assert messages.kraken_rest(load("kraken_ticker.json"), now).price == Decimal("30303.20000")


@pytest.mark.parametrize("parser,raw", [
    (messages.okx_rest, '{"code":"51001","msg":"Instrument ID does not exist","data":[]}'),
    (messages.kraken_rest, '{"error":["EQuery:Unknown asset pair"]}'),
    (messages.binance_rest, "<html>451</html>"),
    (messages.coinbase_rest, '{"message":"NotFound"}'),
])
def test_error_payloads_are_typed(parser, raw):
    with pytest.raises(messages.PayloadError):
        parser(raw, T0)


# Composite --------------------------------------------------------------------------------
def ticks(now, **prices):
    quotes = {"Binance": "USDT", "OKX": "USDT", "Coinbase": "USD", "Kraken": "USD"}
    return {n: Tick(n, Decimal(str(p)), now, None, quotes[n]) for n, p in prices.items()}


def test_median_ignores_a_wick_and_names_the_sources():
    result = composite(ticks(T0, Binance=80100, OKX=80090, Coinbase=80120, Kraken=79000), T0)
    assert isinstance(result, CompositePrice)
    assert result.price == Decimal("80100.00") and result.excluded == ("Kraken",)
    assert result.sources == ("Binance", "OKX", "Coinbase") and result.quote == "USD/USDT"


def test_quorum_and_staleness():
    stale = ticks(T0 - timedelta(seconds=30), Binance=80100, OKX=80090)
    fresh = ticks(T0, Coinbase=80120)
    assert isinstance(composite({**stale, **fresh}, T0), Degraded)
    split = ticks(T0, Binance=80000, Coinbase=82000)
    assert isinstance(composite(split, T0), Degraded)  # two sources that disagree
    assert isinstance(composite(ticks(T0, Binance=80000, Coinbase=80100), T0,
                                CompositeRules(quorum=2)), CompositePrice)


# Engine against Redis --------------------------------------------------------------------
def reading(seconds, price):
    return CompositePrice(Decimal(str(price)), ("Binance", "Coinbase"), "USD/USDT",
                          T0 + timedelta(seconds=seconds))


async def setup_chats(services, *levels):
    for ref in (ALICE, BOB):
        await services.registry.upsert_chat(ref, ChatKind.PRIVATE)
    added = []
    for ref, direction, level, mode in levels:
        added.append(await services.registry.add_threshold(ref, direction, Decimal(level),
                                                           mode=mode, price=Decimal(81000)))
    return added


def engine_for(services, **rules):
    return ThresholdEngine(services.state, services.registry,
                           EngineRules(**rules))


async def feed(engine, *points):
    fired = []
    for seconds, price in points:
        fired += await engine.on_price(reading(seconds, price))
    return fired


async def test_drop_through_a_level_fires_once_after_confirmation(services):
    await setup_chats(services, (ALICE, Direction.BELOW, 80000, RepeatMode.ONCE),
                      (BOB, Direction.BELOW, 80000, RepeatMode.ONCE))
    engine = engine_for(services)
    fired = await feed(engine, (0, 80500), (10, 80200), (20, 79950), (21, 79900))
    assert fired == []  # only 1 s since the first reading below
    fired = await feed(engine, (23, 79860), (30, 79800), (40, 79500))
    assert len(fired) == 1
    event = fired[0].event
    assert set(fired[0].chats) == {ALICE, BOB}
    assert (event.direction, event.level, event.price, event.late) == (
        "below", Decimal(80000), Decimal("79860"), False)
    assert await services.registry.list_thresholds(ALICE) == []  # once: retired


async def test_a_poke_through_the_level_fires_nothing(services):
    await setup_chats(services, (ALICE, Direction.BELOW, 80000, RepeatMode.ONCE))
    engine = engine_for(services)
    fired = await feed(engine, (0, 80300), (10, 79950), (11, 80050), (16, 80100), (20, 79990),
                       (21, 80020))
    assert fired == []
    assert len(await services.registry.list_thresholds(ALICE)) == 1


async def test_repeat_mode_fires_once_per_rearm(services):
    await setup_chats(services, (ALICE, Direction.CROSS, 80000, RepeatMode.REPEAT))
    engine = engine_for(services, cooldown_minutes=15)
    points = []
    t = 0
    # ten minutes of oscillation around 80,000 within the band: one alert only
    for i in range(60):
        price = 79900 if i % 2 else 80100
        points += [(t, price), (t + 4, price)]
        t += 10
    fired = await feed(engine, *points)
    assert len(fired) == 1
    # the price leaves the band, the cooldown passes: re-armed; the next crossing fires once
    fired = await feed(engine, (t + 900, 80600), (t + 960, 80700), (t + 970, 79900),
                       (t + 975, 79850), (t + 980, 80100), (t + 990, 79800))
    assert [f.event.direction for f in fired] == ["below"]


async def test_gap_then_flipped_side_fires_once_marked_late(services):
    await setup_chats(services, (ALICE, Direction.BELOW, 80000, RepeatMode.ONCE))
    engine = engine_for(services, gap_seconds=60)
    await feed(engine, (0, 80400))
    fired = await feed(engine, (600, 79700))  # feeds were down for ten minutes
    assert len(fired) == 1 and fired[0].event.late
    assert fired[0].event.gap_started == T0
    # a restarted engine (another process) knows the last reading from Redis
    await setup_chats(services, (BOB, Direction.ABOVE, 82000, RepeatMode.ONCE))
    restarted = engine_for(services, gap_seconds=60)
    fired = await feed(restarted, (3600, 82500))
    assert len(fired) == 1 and fired[0].event.late and fired[0].chats == (BOB,)


async def test_level_already_passed_waits_for_the_next_crossing(services):
    await services.registry.upsert_chat(ALICE, ChatKind.PRIVATE)
    added = await services.registry.add_threshold(ALICE, Direction.BELOW, Decimal(80000),
                                                  price=Decimal(79000))
    assert added.passed
    engine = engine_for(services)
    assert await feed(engine, (0, 79000), (10, 78500), (20, 79500)) == []
    fired = await feed(engine, (30, 80600), (40, 80700), (50, 79900), (54, 79800))
    assert len(fired) == 1


async def test_two_instances_claim_a_crossing_once(services):
    await setup_chats(services, (ALICE, Direction.BELOW, 80000, RepeatMode.ONCE))
    first, second = engine_for(services), engine_for(services)
    points = [(0, 80300), (10, 79900), (14, 79850)]
    fired = await feed(first, *points) + await feed(second, *points)
    assert len(fired) == 1


async def test_expired_level_does_not_fire(services):
    await services.registry.upsert_chat(ALICE, ChatKind.PRIVATE)
    await services.registry.add_threshold(ALICE, Direction.BELOW, Decimal(80000),
                                          expires_at=T0 - timedelta(hours=1),
                                          price=Decimal(81000))
    assert await feed(engine_for(services), (0, 80300), (10, 79900), (14, 79850)) == []


def test_percent_moves_fire_with_a_stated_reference_and_cooldown():
    engine = MoveEngine(MoveRules(move_pct=5, window_minutes=60, cooldown_minutes=15))
    out = [engine.on_price(reading(minute * 60, 84000 - minute * 80))
           for minute in range(0, 91)]
    moves = [m for m in out if m]
    assert len(moves) == 1
    move = moves[0]
    assert move.change_pct <= -5 and move.reference_at == T0 and move.reference_price == 84000


# Amounts ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text,value", [
    ("80000", 80000), ("80,000", 80000), ("80k", 80000), ("8萬", 80000), ("8 萬", 80000),
    ("$80,000", 80000), ("100K", 100000), ("0.1m", 100000), ("８０000", 80000),
    ("US$79,842.5", Decimal("79842.50")),
])
def test_amounts_users_type(text, value):
    assert parse_amount(text) == Decimal(value)


@pytest.mark.parametrize("text", ["abc", "", "80,00", "-5", "0", "1e5", "1,00,000", "99999999999"])
def test_bad_amounts_are_typed_errors(text):
    with pytest.raises(InvalidAmount):
        parse_amount(text)


@given(st.text(max_size=30))
def test_amount_parser_never_raises_anything_else(text):
    try:
        value = parse_amount(text)
    except InvalidAmount:
        return
    assert 0 < value <= 100_000_000


@given(st.lists(st.text(max_size=12), max_size=5))
def test_alert_arguments_never_raise_anything_else(words):
    try:
        parse_alert_args(words)
    except (InvalidAmount, InvalidThreshold):
        return


def test_alert_arguments():
    request = parse_alert_args(["跌破", "8", "萬", "repeat", "7d"])
    assert (request.direction, request.level, request.mode) == (Direction.BELOW, 80000,
                                                                RepeatMode.REPEAT)
    assert request.expires_in == timedelta(days=7) and parse_duration("12h") == timedelta(hours=12)


# Live feeds through local WebSocket and REST stand-ins ----------------------------------
def feeds_for(server, client, **overrides):
    spec = {name: dataclasses.replace(SPECS[name], silence_seconds=1.0, app_ping_after=0.5)
            for name in SPECS}
    urls = {"binance": "/binance", "okx": "/okx", "coinbase": "/coinbase", "kraken": "/kraken"}
    feeds = []
    for key, path in urls.items():
        ws = server.url.replace("http", "ws") + path
        feed = Feed(spec[key], ws, f"{server.url}/{key}-rest", client, poll_seconds=0.2,
                    fallback_seconds=2.0)
        for name, value in overrides.get(key, {}).items():
            setattr(feed, name, value)
        feeds.append(feed)
    return feeds


@pytest.fixture
def fast_btc(services):
    services.settings = services.settings.model_copy(update={
        "btc": services.settings.btc.model_copy(update={
            "confirm_seconds": 0.3, "gap_seconds": 2.0, "stale_seconds": 1.5})})
    return services


async def run_watcher(services, exchanges, client, server, until, timeout=10.0, feeds=None,
                      watcher=None):
    watcher = watcher or PriceWatcher(services.topic, feeds=feeds or feeds_for(server, client),
                                      client=client)
    stop = asyncio.Event()
    task = asyncio.create_task(watcher.run(stop))
    try:
        await until(watcher)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout)
    return watcher


async def wait(predicate, timeout=8.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_live_feeds_drop_fires_once_and_a_wick_fires_nothing(fast_btc):
    services = fast_btc
    await setup_chats(services, (ALICE, Direction.BELOW, 80000, RepeatMode.ONCE),
                      (BOB, Direction.CROSS, 80000, RepeatMode.REPEAT))
    exchanges = FakeExchanges()
    async with LocalServer(exchanges.app()) as server, httpx.AsyncClient() as client:
        async def scenario(watcher):
            await wait(lambda: all(exchanges.sockets[n] for n in NAMES))
            await exchanges.all_at(80400)
            await wait(lambda: watcher.evaluator.last is not None)
            for _ in range(4):  # one exchange wicks, for longer than the confirmation
                await exchanges.all_at(80300, Kraken=79100)
                await asyncio.sleep(0.12)
            await wait(lambda: watcher.evaluator.last.excluded == ("Kraken",))
            assert watcher.published == []
            await exchanges.all_at(80300)
            await wait(lambda: watcher.evaluator.last.excluded == ())
            for _ in range(5):  # the real drop, several readings
                await exchanges.all_at(79850)
                await asyncio.sleep(0.1)
            await wait(lambda: watcher.published)
            await asyncio.sleep(0.4)  # a second alert would come now

        watcher = await run_watcher(services, exchanges, client, server, scenario)
    events = [e for e in watcher.published if e.kind == "price_crossing"]
    assert len(events) == 1
    assert events[0].direction == "below" and events[0].sources == ("Binance", "OKX",
                                                                    "Coinbase", "Kraken")
    snapshot = await services.snapshots.get_json("btc")
    assert Decimal(snapshot["price"]) == Decimal("79850")
    assert (await services.outbox.backlog("console"))["queued"] == 2  # Alice and Bob


async def test_silent_socket_is_detected_and_reconnected(fast_btc):
    services = fast_btc
    exchanges = FakeExchanges()
    async with LocalServer(exchanges.app()) as server, httpx.AsyncClient() as client:
        async def scenario(watcher):
            await wait(lambda: all(exchanges.sockets[n] for n in NAMES))
            await exchanges.all_at(80400)
            exchanges.silent.add("Coinbase")  # the socket stays open but says nothing
            await wait(lambda: exchanges.connects["Coinbase"] >= 2, timeout=6)
            exchanges.silent.discard("Coinbase")
            await exchanges.all_at(80410)
            await wait(lambda: "Coinbase" in watcher.evaluator.latest and
                       watcher.evaluator.latest["Coinbase"].price == Decimal("80410"))

        await run_watcher(services, exchanges, client, server, scenario)
    assert exchanges.connects["Coinbase"] >= 2


async def test_gap_followed_by_a_flipped_side_fires_once_late(fast_btc):
    """Every feed goes quiet for ten minutes (an injected clock, not a wait) while the
    market moves through the level: one crossing, marked late, once the feeds are back."""
    services = fast_btc
    await setup_chats(services, (ALICE, Direction.BELOW, 80000, RepeatMode.ONCE))
    clock = ShiftedClock()
    exchanges = FakeExchanges(clock=clock.epoch)
    async with LocalServer(exchanges.app()) as server, httpx.AsyncClient() as client:
        feeds = feeds_for(server, client)
        for feed_ in feeds:
            feed_.clock = clock.now

        async def scenario(watcher):
            await wait(lambda: all(exchanges.sockets[n] for n in NAMES))
            await exchanges.all_at(80500)
            await wait(lambda: watcher.evaluator.last is not None)
            exchanges.silent.update(NAMES)  # every feed goes quiet: a data gap
            exchanges.prices.update(dict.fromkeys(NAMES, 79600.0))  # the market moves on
            clock.advance(600)
            exchanges.silent.clear()
            for _ in range(4):
                await exchanges.all_at(79600)
                await asyncio.sleep(0.15)
            await wait(lambda: watcher.published)
            await asyncio.sleep(0.3)  # a second alert would come now

        watcher = PriceWatcher(services.topic, feeds=feeds, client=client, clock=clock.now)
        await run_watcher(services, exchanges, client, server, scenario, watcher=watcher)
    crossings = [e for e in watcher.published if e.kind == "price_crossing"]
    assert len(crossings) == 1 and crossings[0].late
    assert (crossings[0].occurred_at - crossings[0].gap_started).total_seconds() >= 600


async def test_rest_fallback_and_451(fast_btc, caplog):
    services = fast_btc
    exchanges = FakeExchanges()
    exchanges.prices.update({n: 80200.0 for n in NAMES})
    exchanges.rest_status["Binance"] = 451
    async with LocalServer(exchanges.app()) as server, httpx.AsyncClient() as client:
        feeds = feeds_for(server, client)
        for feed_ in feeds:
            feed_.ws_url = None  # REST only
        async def scenario(watcher):
            await wait(lambda: watcher.evaluator.last is not None)
            await asyncio.sleep(0.5)

        with caplog.at_level(logging.WARNING):
            watcher = await run_watcher(services, exchanges, client, server, scenario,
                                        feeds=feeds)
    assert set(watcher.evaluator.last.sources) == {"OKX", "Coinbase", "Kraken"}
    assert sum("HTTP 451" in r.getMessage() for r in caplog.records) == 1
    assert json.loads(json.dumps(watcher.evaluator.last.quote)) == "USD/USDT"


async def test_btc_subscribers_get_percent_moves(services):
    ref = ChatRef("console", "mover")
    await services.registry.upsert_chat(ref, ChatKind.PRIVATE)
    await services.registry.subscribe(ref, "btc")
    from bot.topics.btc.watcher import PriceEvaluator

    evaluator = PriceEvaluator(services.topic)
    moves = []
    for minute in range(0, 75):
        at = T0 + timedelta(minutes=minute)
        price = 84000 - minute * 90
        for name in ("Binance", "Coinbase", "Kraken"):
            evaluator.add(Tick(name, Decimal(price), at, None, "USD"))
        _, move = await evaluator.evaluate(at)
        if move:
            moves.append(move)
            await services.publisher.publish(move)
    assert len(moves) == 1
    assert (await services.outbox.backlog("console"))["queued"] == 1
