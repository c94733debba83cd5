"""Local stand-ins of Binance, OKX, Coinbase and Kraken: WebSocket streams and REST tickers.

Messages are the exchanges' documented payloads (tests/fixtures/exchanges) with the symbol
and price changed. The test drives a price board; every connected socket sends the new
price in its exchange's format, plus heartbeats where the exchange sends them.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import Callable
from pathlib import Path

from aiohttp import WSMsgType, web

FIXTURES = Path(__file__).parent / "fixtures" / "exchanges"
NAMES = ("Binance", "OKX", "Coinbase", "Kraken")


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


class FakeExchanges:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock  # the exchanges' own timestamps (epoch seconds)
        self.prices: dict[str, float] = {}
        self.sockets: dict[str, set[web.WebSocketResponse]] = {n: set() for n in NAMES}
        self.connects: dict[str, int] = dict.fromkeys(NAMES, 0)
        self.silent: set[str] = set()  # exchanges whose sockets stop talking (no close)
        self.rest_status: dict[str, int] = {}
        self.received: dict[str, list[str]] = {n: [] for n in NAMES}
        self.heartbeat_task: asyncio.Task | None = None

    # Message builders in each exchange's format ----------------------------------------
    def message(self, name: str, price: float) -> str:
        now_ms = int(self.clock() * 1000)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(self.clock()))
        if name == "Binance":
            data = fixture("binance_ws_mini_ticker.json")
            data.update({"s": "BTCUSDT", "c": f"{price:.2f}", "E": now_ms})
        elif name == "OKX":
            data = fixture("okx_ws_tickers.json")
            data["data"][0].update({"last": f"{price:.1f}", "ts": str(now_ms)})
        elif name == "Coinbase":
            data = fixture("coinbase_exchange_ws_ticker.json")
            data.update({"product_id": "BTC-USD", "price": f"{price:.2f}",
                         "time": stamp})
        else:
            data = fixture("kraken_ws_v2_ticker.json")
            data["type"] = "update"
            data["data"][0].update({"symbol": "BTC/USD", "last": price,
                                    "timestamp": stamp})
        return json.dumps(data)

    def heartbeat(self, name: str) -> str | None:
        if name == "Coinbase":
            beat = fixture("coinbase_exchange_ws_heartbeat.json")
            beat["product_id"] = "BTC-USD"
            return json.dumps(beat)
        if name == "Kraken":
            return json.dumps(fixture("kraken_ws_v2_heartbeat.json"))
        return None

    # Driving ---------------------------------------------------------------------------
    async def set_prices(self, **prices: float) -> None:
        """``set_prices(Binance=80100, OKX=80090, ...)``: push to every connected socket."""
        self.prices.update(prices)
        for name, price in prices.items():
            if name in self.silent:
                continue
            for socket in list(self.sockets[name]):
                if not socket.closed:
                    await socket.send_str(self.message(name, price))

    async def all_at(self, price: float, **overrides: float) -> None:
        await self.set_prices(**{n: overrides.get(n, price) for n in NAMES})

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(0.2)
            for name in NAMES:
                beat = self.heartbeat(name)
                if beat is None or name in self.silent:
                    continue
                for socket in list(self.sockets[name]):
                    if not socket.closed:
                        await socket.send_str(beat)
            # Binance streams its mini ticker even without trades
            if "Binance" not in self.silent and "Binance" in self.prices:
                for socket in list(self.sockets["Binance"]):
                    if not socket.closed:
                        await socket.send_str(self.message("Binance", self.prices["Binance"]))

    # The app -----------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/binance/ws/btcusdt@miniTicker", self.ws_handler("Binance"))
        app.router.add_get("/okx/ws/v5/public", self.ws_handler("OKX"))
        app.router.add_get("/coinbase", self.ws_handler("Coinbase"))
        app.router.add_get("/kraken/v2", self.ws_handler("Kraken"))
        app.router.add_get("/binance-rest/api/v3/ticker/price", self.rest("Binance"))
        app.router.add_get("/okx-rest/api/v5/market/ticker", self.rest("OKX"))
        app.router.add_get("/coinbase-rest/products/BTC-USD/ticker", self.rest("Coinbase"))
        app.router.add_get("/kraken-rest/0/public/Ticker", self.rest("Kraken"))
        app.on_startup.append(self._start)
        app.on_cleanup.append(self._stop)
        return app

    async def _start(self, app: web.Application) -> None:
        self.heartbeat_task = asyncio.create_task(self._heartbeats())

    async def _stop(self, app: web.Application) -> None:
        if self.heartbeat_task:
            self.heartbeat_task.cancel()
        for sockets in self.sockets.values():
            for socket in list(sockets):
                await socket.close()

    def ws_handler(self, name: str):
        async def handler(request: web.Request) -> web.WebSocketResponse:
            socket = web.WebSocketResponse(heartbeat=None)
            await socket.prepare(request)
            self.connects[name] += 1
            self.sockets[name].add(socket)
            if name in self.prices and name == "Binance" and name not in self.silent:
                await socket.send_str(self.message(name, self.prices[name]))
            try:
                async for message in socket:
                    if message.type != WSMsgType.TEXT:
                        continue
                    self.received[name].append(message.data)
                    if name in self.silent:
                        continue
                    if name == "OKX" and message.data == "ping":
                        await socket.send_str("pong")
                    elif name == "OKX":
                        await socket.send_str(json.dumps({"event": "subscribe", "arg": {
                            "channel": "tickers", "instId": "BTC-USDT"}, "connId": "x1"}))
                    elif name == "Coinbase":
                        await socket.send_str(json.dumps({"type": "subscriptions",
                                                          "channels": []}))
                    elif name == "Kraken":
                        await socket.send_str(json.dumps({"method": "subscribe",
                                                          "success": True, "result": {}}))
                    if name in self.prices:
                        await socket.send_str(self.message(name, self.prices[name]))
            finally:
                self.sockets[name].discard(socket)
            return socket

        return handler

    def rest(self, name: str):
        async def handler(request: web.Request) -> web.Response:
            status = self.rest_status.get(name, 200)
            if status != 200:
                return web.Response(status=status, headers={"Retry-After": "1"})
            price = self.prices.get(name, 80000.0)
            if name == "Binance":
                body = {"symbol": "BTCUSDT", "price": f"{price:.8f}"}
            elif name == "OKX":
                body = copy.deepcopy(fixture("okx_ticker.json"))
                body["data"][0].update({"instType": "SPOT", "instId": "BTC-USDT",
                                        "last": f"{price:.1f}",
                                        "ts": str(int(time.time() * 1000))})
            elif name == "Coinbase":
                body = fixture("coinbase_exchange_ticker.json")
                body["price"] = f"{price:.2f}"
                body["time"] = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
            else:
                body = fixture("kraken_ticker.json")
                body["result"]["XXBTZUSD"]["c"] = [f"{price:.5f}", "0.001"]
            return web.json_response(body)

        return handler
