"""Exchange payloads → ticks and control messages: pure functions, no I/O.

Every exchange sends prices as strings except Kraken's WebSocket v2 (JSON numbers).
Timestamps: Binance and OKX in epoch milliseconds, Coinbase and Kraken v2 in ISO 8601,
Kraken REST none (the receive time stands in).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any


@dataclass(frozen=True, slots=True)
class Tick:
    source: str  # Binance | OKX | Coinbase | Kraken
    price: Decimal
    received_at: datetime
    exchange_ts: datetime | None = None
    quote: str = "USD"  # USD or USDT


@dataclass(frozen=True, slots=True)
class Control:
    """A message that is not a price: keep-alive, subscription answer, a notice to act on."""

    kind: str  # heartbeat | pong | subscribed | reconnect | error | ignore
    detail: str = ""


Message = Tick | Control


class PayloadError(ValueError):
    """A payload that does not have the fields its exchange documents."""


def _price(value: Any) -> Decimal:
    try:
        price = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise PayloadError(f"not a price: {value!r}") from None
    if not price.is_finite() or price <= 0:
        raise PayloadError(f"not a price: {value!r}")
    return price


def _ms(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value) / 1000, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    text = value.replace("Z", "+00:00")
    match = re.match(r"^(.*?)\.(\d+)(.*)$", text)
    if match:  # Coinbase has been seen with nanoseconds: keep microseconds
        text = f"{match.group(1)}.{match.group(2)[:6].ljust(6, '0')}{match.group(3)}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _load(raw: str | bytes | dict) -> Any:
    if isinstance(raw, dict | list):
        return raw
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise PayloadError(f"not JSON: {str(raw)[:80]!r}") from None


# Binance ------------------------------------------------------------------------------
def binance_ws(raw: str | bytes | dict, now: datetime) -> Message:
    data = _load(raw)
    if isinstance(data, dict) and "data" in data and "stream" in data:  # combined stream
        data = data["data"]
    if not isinstance(data, dict):
        raise PayloadError("Binance message is not an object")
    event = data.get("e")
    if event == "serverShutdown":
        return Control("reconnect", "serverShutdown")
    if event == "24hrMiniTicker":
        return Tick("Binance", _price(data["c"]), now, _ms(data.get("E")), "USDT")
    if event == "trade":
        return Tick("Binance", _price(data["p"]), now, _ms(data.get("T")), "USDT")
    if "result" in data and "id" in data:
        return Control("subscribed")
    if "b" in data and "a" in data and "u" in data:  # bookTicker: mid price, no timestamp
        return Tick("Binance", (_price(data["b"]) + _price(data["a"])) / 2, now, None, "USDT")
    return Control("ignore", str(event))


def binance_rest(raw: str | bytes | dict, now: datetime) -> Tick:
    data = _load(raw)
    if not isinstance(data, dict) or "price" not in data:
        raise PayloadError("Binance ticker/price without a price")
    return Tick("Binance", _price(data["price"]), now, None, "USDT")


# OKX ------------------------------------------------------------------------------------
def okx_ws(raw: str | bytes | dict, now: datetime) -> Message:
    if raw in ("pong", b"pong"):
        return Control("pong")
    data = _load(raw)
    if not isinstance(data, dict):
        raise PayloadError("OKX message is not an object")
    event = data.get("event")
    if event == "notice":
        return Control("reconnect", f"notice {data.get('code')}")
    if event == "subscribe":
        return Control("subscribed")
    if event == "error":
        return Control("error", f"{data.get('code')} {data.get('msg')}")
    rows = data.get("data")
    if rows and isinstance(rows, list):
        row = rows[0]
        return Tick("OKX", _price(row["last"]), now, _ms(row.get("ts")), "USDT")
    return Control("ignore")


def okx_rest(raw: str | bytes | dict, now: datetime) -> Tick:
    data = _load(raw)
    if not isinstance(data, dict) or data.get("code") != "0" or not data.get("data"):
        raise PayloadError(f"OKX ticker error: {str(data)[:120]}")
    row = data["data"][0]
    return Tick("OKX", _price(row["last"]), now, _ms(row.get("ts")), "USDT")


# Coinbase -----------------------------------------------------------------------------
def coinbase_ws(raw: str | bytes | dict, now: datetime) -> Message:
    data = _load(raw)
    if not isinstance(data, dict):
        raise PayloadError("Coinbase message is not an object")
    kind = data.get("type")
    if kind == "ticker":
        return Tick("Coinbase", _price(data["price"]), now, _iso(data.get("time")), "USD")
    if kind == "heartbeat":
        return Control("heartbeat")
    if kind == "subscriptions":
        return Control("subscribed")
    if kind == "error":
        return Control("error", str(data.get("message")))
    return Control("ignore", str(kind))


def coinbase_rest(raw: str | bytes | dict, now: datetime) -> Tick:
    data = _load(raw)
    if not isinstance(data, dict) or "price" not in data:
        raise PayloadError(f"Coinbase ticker without a price: {str(data)[:120]}")
    return Tick("Coinbase", _price(data["price"]), now, _iso(data.get("time")), "USD")


# Kraken -------------------------------------------------------------------------------
def kraken_ws(raw: str | bytes | dict, now: datetime) -> Message:
    data = _load(raw)
    if not isinstance(data, dict):
        raise PayloadError("Kraken message is not an object")
    channel = data.get("channel")
    if channel == "heartbeat":
        return Control("heartbeat")
    if data.get("method") in ("subscribe", "pong"):
        if data.get("success") is False:
            return Control("error", str(data.get("error")))
        return Control("subscribed" if data["method"] == "subscribe" else "pong")
    if channel == "ticker" and data.get("data"):
        row = data["data"][0]
        return Tick("Kraken", _price(row["last"]), now, _iso(row.get("timestamp")), "USD")
    if channel == "status":
        return Control("ignore", "status")
    return Control("ignore", str(channel))


def kraken_rest(raw: str | bytes | dict, now: datetime) -> Tick:
    data = _load(raw)
    if not isinstance(data, dict) or data.get("error"):
        raise PayloadError(f"Kraken error: {data.get('error') if isinstance(data, dict) else data}")
    result = data.get("result") or {}
    if not result:
        raise PayloadError("Kraken ticker without a result")
    pair = next(iter(result.values()))  # the key is Kraken's name (XXBTZUSD), not ours
    return Tick("Kraken", _price(pair["c"][0]), now, None, "USD")
