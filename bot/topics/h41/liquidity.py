"""Liquidity rules a chat sets like BTC levels: ``/liquidity rrp below 100b``.

A rule names a line of the weekly release (ON RRP, TGA, reserves, net liquidity), a test
(below / above a level, or a weekly move of at least an amount either way) and an amount.
Each weekly release is checked against every rule once; a level rule fires on the week
the line crosses it (the week before was on the other side), not every week it stays
there. Amounts are typed as people say them: ``100b``, ``100 billion``, ``1000億``,
``1t``, ``1兆`` (stored in millions of dollars, as the release prints them).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from bot.domain.errors import InvalidAmount, InvalidLiquidityRule
from bot.topics.h41.events import BalanceSheetRelease

Metric = Literal["on_rrp", "tga", "reserves", "net_liquidity"]
Test = Literal["below", "above", "move"]
MAX_RULES = 10

METRICS: dict[str, Metric] = {
    "rrp": "on_rrp", "onrrp": "on_rrp", "on_rrp": "on_rrp", "逆回購": "on_rrp",
    "tga": "tga", "財政部": "tga",
    "reserves": "reserves", "準備金": "reserves",
    "net": "net_liquidity", "netliquidity": "net_liquidity", "liquidity": "net_liquidity",
    "淨流動性": "net_liquidity",
}
TESTS: dict[str, Test] = {
    "below": "below", "under": "below", "<": "below", "跌破": "below", "低於": "below",
    "above": "above", "over": "above", ">": "above", "突破": "above", "高於": "above",
    "move": "move", "moves": "move", "change": "move", "變動": "move",
}
_UNITS = {"b": Decimal(1_000), "bn": Decimal(1_000), "billion": Decimal(1_000),
          "億": Decimal(100), "亿": Decimal(100),
          "t": Decimal(1_000_000), "tn": Decimal(1_000_000), "trillion": Decimal(1_000_000),
          "兆": Decimal(1_000_000), "m": Decimal(1), "million": Decimal(1)}
_AMOUNT = re.compile(r"^\$?(?P<number>\d+(?:\.\d+)?)(?P<unit>b|bn|billion|億|亿|t|tn|trillion|"
                     r"兆|m|million)(?:美元|usd)?$")
USAGE = "/liquidity rrp below 100b | /liquidity net move 100b | /liquidity delete 1"


@dataclass(frozen=True, slots=True)
class LiquidityRule:
    metric: Metric
    test: Test
    millions: int

    @property
    def key(self) -> str:
        return f"{self.metric}:{self.test}:{self.millions}"


def parse_amount_millions(text: str) -> int:
    cleaned = unicodedata.normalize("NFKC", text).strip().lower().replace(",", "") \
        .replace(" ", "")
    match = _AMOUNT.match(cleaned)
    if not match:
        raise InvalidAmount(text, value=text)
    value = Decimal(match.group("number")) * _UNITS[match.group("unit")]
    if value <= 0 or value > 100_000_000:
        raise InvalidAmount(text, value=text)
    return int(value)


def parse_rule(args: list[str]) -> LiquidityRule:
    """``rrp below 100b``, ``net move 100 billion``, ``淨流動性 變動 1000億``."""
    text = " ".join(args)
    if len(args) < 3:
        raise InvalidLiquidityRule(text, value=text)
    metric = METRICS.get(unicodedata.normalize("NFKC", args[0]).lower())
    test = TESTS.get(unicodedata.normalize("NFKC", args[1]).lower())
    if metric is None or test is None:
        raise InvalidLiquidityRule(text, value=text)
    try:
        return LiquidityRule(metric, test, parse_amount_millions("".join(args[2:])))
    except InvalidAmount:
        raise InvalidLiquidityRule(text, value=text) from None


def rules_from_json(raw: str | None) -> list[LiquidityRule]:
    if not raw:
        return []
    try:
        return [LiquidityRule(r["metric"], r["test"], int(r["millions"]))
                for r in json.loads(raw)]
    except (ValueError, KeyError, TypeError):
        return []


def rules_to_json(rules: list[LiquidityRule]) -> str:
    return json.dumps([{"metric": r.metric, "test": r.test, "millions": r.millions}
                       for r in rules])


def values_of(event: BalanceSheetRelease, metric: Metric) -> tuple[int | None, int | None]:
    """(this week's level, the change on the week) of one line of the release."""
    if metric == "on_rrp":
        return event.on_rrp, event.on_rrp_change_1w
    if metric == "tga":
        return event.tga, event.tga_change_1w
    if metric == "reserves":
        return event.reserves, event.reserves_change_1w
    return event.net_liquidity, event.net_liquidity_change_1w


def fires(rule: LiquidityRule, event: BalanceSheetRelease) -> bool:
    """Whether this week's release meets the rule (a level crossed, or a move as large)."""
    level, change = values_of(event, rule.metric)
    if level is None:
        return False
    if rule.test == "move":
        return change is not None and abs(change) >= rule.millions
    if change is None:
        return False
    before = level - change
    if rule.test == "below":
        return level < rule.millions <= before
    return before <= rule.millions < level
