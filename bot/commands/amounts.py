"""Parse the prices and directions users type: ``80000``, ``80,000``, ``80k``, ``8萬``, ``$80,000``.

Anything else is an ``InvalidAmount`` (never another exception), whose reply shows an
example of the right form in the chat's language.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from bot.errors import InvalidAmount, InvalidThreshold
from bot.model import Direction, RepeatMode

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


def parse_alert_args(args: list[str]) -> tuple[Direction, Decimal, RepeatMode]:
    """``above|below|cross PRICE [repeat]`` (the price may be split: ``8 萬``)."""
    if len(args) < 2:
        raise InvalidThreshold(" ".join(args), value=" ".join(args))
    direction = parse_direction(args[0])
    rest = list(args[1:])
    mode = RepeatMode.ONCE
    if len(rest) > 1:
        try:
            mode = parse_mode(rest[-1])
            rest = rest[:-1]
        except InvalidThreshold:
            pass
    return direction, parse_amount("".join(rest)), mode
