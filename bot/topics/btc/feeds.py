"""Live BTC prices from Binance, OKX, Coinbase and Kraken, each behind one interface.

Each feed streams over WebSocket (the ``websockets`` library) with its exchange's
keep-alive rules, and falls back to REST polling (httpx) when the socket keeps failing:
- Binance: ``btcusdt@miniTicker`` (1 s); the server pings every 20 s (answered by the
  library); connections live at most 24 h, so we reconnect before; ``serverShutdown`` →
  reconnect at once.
- OKX: ``tickers`` BTC-USDT; the text ``ping`` after 20 s of silence, ``pong`` expected;
  the ``notice`` event (64008) announces a disconnect → reconnect.
- Coinbase Exchange: ``ticker`` + ``heartbeat`` (1 s), subscribed at once (within 5 s).
- Kraken WS v2: ``ticker`` BTC/USD; heartbeats about once a second when idle.
A silence watchdog reconnects a socket that goes quiet without closing. Reconnects back
off exponentially with jitter. HTTP 429/418 are waited out (``Retry-After``); 451 means
"not available from this host": the source is set aside, with one log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from bot import metrics
from bot.config import Settings
from bot.supervision import OutageLog
from bot.topics.btc import payloads as messages
from bot.topics.btc.payloads import PayloadError, Tick

log = logging.getLogger(__name__)

Emit = Callable[[Tick], None]
Clock = Callable[[], datetime]


class SilentSocket(Exception):
    pass


class Reconnect(Exception):
    pass


class Unavailable(Exception):
    """HTTP 451: the exchange refuses this host's location."""


@dataclass
class ExchangeSpec:
    name: str
    ws_path: str
    subscribe: list[dict[str, Any]]
    parse_ws: Callable[[Any, datetime], messages.Message]
    rest_path: str
    rest_params: dict[str, str]
    parse_rest: Callable[[Any, datetime], Tick]
    silence_seconds: float = 10.0
    app_ping: str | None = None
    app_ping_after: float = 20.0
    max_age_seconds: float = 23.5 * 3600


SPECS = {
    "binance": ExchangeSpec(
        "Binance", "/ws/btcusdt@miniTicker", [], messages.binance_ws,
        "/api/v3/ticker/price", {"symbol": "BTCUSDT"}, messages.binance_rest,
        silence_seconds=10.0),
    "okx": ExchangeSpec(
        "OKX", "/ws/v5/public",
        [{"op": "subscribe", "args": [{"channel": "tickers", "instId": "BTC-USDT"}]}],
        messages.okx_ws, "/api/v5/market/ticker", {"instId": "BTC-USDT"}, messages.okx_rest,
        silence_seconds=30.0, app_ping="ping", app_ping_after=20.0),
    "coinbase": ExchangeSpec(
        "Coinbase", "",
        [{"type": "subscribe", "product_ids": ["BTC-USD"], "channels": ["ticker", "heartbeat"]}],
        messages.coinbase_ws, "/products/BTC-USD/ticker", {}, messages.coinbase_rest,
        silence_seconds=10.0),
    "kraken": ExchangeSpec(
        "Kraken", "/v2",
        [{"method": "subscribe", "params": {"channel": "ticker", "symbol": ["BTC/USD"]}}],
        messages.kraken_ws, "/0/public/Ticker", {"pair": "XBTUSD"}, messages.kraken_rest,
        silence_seconds=10.0),
}


@dataclass
class Feed:
    spec: ExchangeSpec
    ws_url: str | None
    rest_url: str
    client: httpx.AsyncClient
    poll_seconds: float = 3.0
    fallback_seconds: float = 120.0
    clock: Clock = field(default=lambda: datetime.now(UTC))
    connects: int = 0
    failures: int = 0
    unavailable: bool = False
    outage: OutageLog = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # a feed down for an hour is a line when it fails and one when a price comes again
        self.outage = OutageLog(f"{self.spec.name} feed", logger=log)

    @property
    def name(self) -> str:
        return self.spec.name

    async def run(self, emit: Emit, stop: asyncio.Event) -> None:
        def emit_tick(tick: Tick) -> None:
            if self.outage.down:
                self.outage.recovered()
            emit(tick)

        ws_failures = 0
        while not stop.is_set():
            try:
                if self.ws_url and ws_failures < 3:
                    await self.stream(emit_tick, stop)
                    ws_failures = 0
                else:
                    await self.poll(emit_tick, stop, self.fallback_seconds)
                    ws_failures = 0  # try the socket again after a while on REST
                    continue
            except asyncio.CancelledError:
                raise
            except Unavailable:
                if not self.unavailable:
                    log.warning("%s: unavailable from this host (HTTP 451); source set aside",
                                self.name)
                self.unavailable = True
                metrics.SOURCE_ERRORS.labels(self.name.lower(), "451").inc()
                await _sleep(stop, 3600)
                continue
            except (OSError, WebSocketException, SilentSocket, Reconnect, httpx.HTTPError,
                    TimeoutError, PayloadError) as exc:
                ws_failures += 0 if isinstance(exc, Reconnect) else 1
                self.failures += 1
                reason = type(exc).__name__
                metrics.SOURCE_ERRORS.labels(self.name.lower(), reason).inc()
                delay = 0.0 if isinstance(exc, Reconnect) else _backoff(ws_failures)
                if not isinstance(exc, Reconnect):  # an asked-for reconnect is no failure
                    self.outage.failed(f"{reason}: {exc}")
                log.debug("%s: %s (%s); reconnecting in %.1f s", self.name, reason, exc, delay)
                await _sleep(stop, delay)

    async def stream(self, emit: Emit, stop: asyncio.Event) -> None:
        url = f"{self.ws_url}{self.spec.ws_path}"
        async with connect(url, open_timeout=10, close_timeout=3, ping_interval=20,
                           ping_timeout=20, max_size=2**20) as socket:
            self.connects += 1
            opened = time.monotonic()
            for message in self.spec.subscribe:
                await socket.send(json.dumps(message))
            last_message = time.monotonic()
            pinged = False
            while not stop.is_set():
                if time.monotonic() - opened > self.spec.max_age_seconds:
                    raise Reconnect("connection age limit")
                wait = self.spec.app_ping_after if self.spec.app_ping and not pinged else \
                    self.spec.silence_seconds
                wait = max(0.05, wait - (time.monotonic() - last_message))
                try:
                    raw = await asyncio.wait_for(socket.recv(), timeout=min(wait, 1.0))
                except TimeoutError:
                    silent = time.monotonic() - last_message
                    if self.spec.app_ping and not pinged and silent >= self.spec.app_ping_after:
                        await socket.send(self.spec.app_ping)
                        pinged = True
                    elif silent >= self.spec.silence_seconds:
                        raise SilentSocket(f"no message for {silent:.0f} s") from None
                    continue
                last_message = time.monotonic()
                pinged = False
                parsed = self.spec.parse_ws(raw, self.clock())
                if isinstance(parsed, Tick):
                    emit(parsed)
                elif parsed.kind == "reconnect":
                    raise Reconnect(parsed.detail)
                elif parsed.kind == "error":
                    raise PayloadError(f"{self.name} refused: {parsed.detail}")

    async def poll(self, emit: Emit, stop: asyncio.Event, duration: float) -> None:
        until = time.monotonic() + duration
        while not stop.is_set() and time.monotonic() < until:
            response = await self.client.get(self.rest_url + self.spec.rest_path,
                                             params=self.spec.rest_params)
            if response.status_code == 451:
                raise Unavailable()
            if response.status_code in (429, 418):
                wait = _retry_after(response, default=60.0)
                log.warning("%s: rate limited (%d); waiting %.0f s", self.name,
                            response.status_code, wait)
                metrics.SOURCE_ERRORS.labels(self.name.lower(), str(response.status_code)).inc()
                await _sleep(stop, wait)
                continue
            response.raise_for_status()
            emit(self.spec.parse_rest(response.text, self.clock()))
            await _sleep(stop, self.poll_seconds)


def _retry_after(response: httpx.Response, default: float) -> float:
    try:
        return max(1.0, float(response.headers.get("Retry-After", default)))
    except ValueError:
        return default


def _backoff(failures: int) -> float:
    """Exponential with full jitter: stays far below Binance's 300 connects per 5 min."""
    return random.uniform(0.5, min(60.0, 1.0 * 2 ** max(0, failures - 1)))


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    if seconds <= 0:
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


def build_feeds(settings: Settings, client: httpx.AsyncClient) -> list[Feed]:
    feeds = []
    for key in ("binance", "okx", "coinbase", "kraken"):
        exchange = getattr(settings, key)
        if not exchange.enabled:
            continue
        feeds.append(Feed(SPECS[key], exchange.ws_url, exchange.rest_url, client,
                          poll_seconds=settings.btc.poll_seconds))
    return feeds
