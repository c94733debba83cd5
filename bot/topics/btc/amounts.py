"""Parse the prices and directions users type: ``80000``, ``80,000``, ``80k``, ``8萬``, ``$80,000``.

Anything else is an ``InvalidAmount`` (never another exception), whose reply shows an
example of the right form in the chat's language.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from bot.domain.chats import Direction, RepeatMode
from bot.domain.errors import InvalidAmount, InvalidDuration, InvalidThreshold

MAX_AMOUNT = Decimal("100000000")
MAX_INPUT = 40

_MULTIPLIERS = {
    "": Decimal(1),
    "k": Decimal(1_000),
    "千": Decimal(1_000),
    "m": Decimal(1_000_000),
    "萬": Decimal(10_000),
    "万": Decimal(10_000),
    "w": Decimal(10_000),
}
_AMOUNT = re.compile(
    r"""^(?:us\$|\$|usd)?\s*
        (?P<number>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<fraction>\d+))?
        \s*(?P<unit>k|m|w|千|萬|万)?
        \s*(?:usd|美元|美金|元|刀)?$""",
    re.VERBOSE,
)

_DIRECTIONS = {
    "above": Direction.ABOVE, "over": Direction.ABOVE, ">": Direction.ABOVE, ">=": Direction.ABOVE,
    "up": Direction.ABOVE, "突破": Direction.ABOVE, "高於": Direction.ABOVE,
    "高于": Direction.ABOVE, "漲破": Direction.ABOVE, "站上": Direction.ABOVE,
    "below": Direction.BELOW, "under": Direction.BELOW, "<": Direction.BELOW,
    "<=": Direction.BELOW, "down": Direction.BELOW, "跌破": Direction.BELOW,
    "低於": Direction.BELOW, "低于": Direction.BELOW, "跌到": Direction.BELOW,
    "cross": Direction.CROSS, "crosses": Direction.CROSS, "crossing": Direction.CROSS,
    "穿越": Direction.CROSS, "穿過": Direction.CROSS, "交叉": Direction.CROSS,
}
_MODES = {
    "repeat": RepeatMode.REPEAT, "repeating": RepeatMode.REPEAT, "always": RepeatMode.REPEAT,
    "every": RepeatMode.REPEAT, "重複": RepeatMode.REPEAT, "重复": RepeatMode.REPEAT,
    "每次": RepeatMode.REPEAT,
    "once": RepeatMode.ONCE, "一次": RepeatMode.ONCE, "單次": RepeatMode.ONCE,
}


def normalize(text: str) -> str:
    """Full-width digits and signs to ASCII, lower case, no surrounding space."""
    return unicodedata.normalize("NFKC", text).strip().lower()


def parse_amount(text: str) -> Decimal:
    """A positive USD amount of at most 100 million, from what a user typed."""
    if not isinstance(text, str) or len(text) > MAX_INPUT:
        raise InvalidAmount(str(text)[:MAX_INPUT], value=str(text)[:MAX_INPUT])
    cleaned = normalize(text).replace(" ", "").replace("\u3000", "")
    match = _AMOUNT.match(cleaned)
    if not match:
        raise InvalidAmount(text, value=text)
    digits = match.group("number").replace(",", "")
    fraction = match.group("fraction") or ""
    try:
        value = Decimal(f"{digits}.{fraction}" if fraction else digits)
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise InvalidAmount(text, value=text) from None
    value *= _MULTIPLIERS[match.group("unit") or ""]
    if value <= 0 or value > MAX_AMOUNT:
        raise InvalidAmount(text, value=text)
    if value != value.to_integral_value():
        value = value.quantize(Decimal("0.01"))
    return value.normalize() if value == value.to_integral_value() else value


def parse_direction(text: str) -> Direction:
    try:
        return _DIRECTIONS[normalize(text)]
    except KeyError:
        raise InvalidThreshold(text, value=text) from None


def parse_mode(text: str) -> RepeatMode:
    try:
        return _MODES[normalize(text)]
    except KeyError:
        raise InvalidThreshold(text, value=text) from None


_DURATION = re.compile(r"^(\d{1,4})\s*(m|min|h|d|w|分鐘|分|小時|天|日|週)$")
_UNIT_SECONDS = {"m": 60, "min": 60, "分": 60, "分鐘": 60, "h": 3600, "小時": 3600,
                 "d": 86400, "天": 86400, "日": 86400, "w": 604800, "週": 604800}


def parse_duration(text: str) -> timedelta | None:
    """``7d``, ``12h``, ``30m``, ``2w``, ``3天`` → a duration; None if it is not one."""
    match = _DURATION.match(normalize(text))
    if not match:
        return None
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    return timedelta(seconds=seconds) if 0 < seconds <= 366 * 86400 else None


@dataclass(frozen=True)
class AlertRequest:
    direction: Direction
    level: Decimal
    mode: RepeatMode = RepeatMode.ONCE
    expires_in: timedelta | None = None


EXPIRES_TAG = "expires:"
"""Marks an argument as the expiry (``expires:7d``), so a bad one is not read as a price."""


def parse_alert_args(args: list[str]) -> AlertRequest:
    """``above|below|cross PRICE [repeat] [7d]`` (the price may be split: ``8 萬``)."""
    if len(args) < 2:
        raise InvalidThreshold(" ".join(args), value=" ".join(args))
    direction = parse_direction(args[0])
    rest = list(args[1:])
    mode = RepeatMode.ONCE
    expires_in = None
    for word in [w for w in rest if w.lower().startswith(EXPIRES_TAG)]:
        # a value given as the expiry (Discord's "expires" option): judged as a duration
        value = word[len(EXPIRES_TAG):]
        expires_in = parse_duration(value)
        if expires_in is None:
            raise InvalidDuration(value, value=value)
        rest.remove(word)
    while len(rest) > 1:
        word = rest[-1]
        duration = parse_duration(word)
        if duration is not None and expires_in is None:
            expires_in = duration
        elif normalize(word) in _MODES:
            mode = _MODES[normalize(word)]
        else:
            break
        rest = rest[:-1]
    return AlertRequest(direction, parse_amount("".join(rest)), mode, expires_in)
