"""The source watchers a deployment runs, and the live checks of ``fedalert check``."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from bot.topics.base import CheckResult, Watcher

if TYPE_CHECKING:
    from bot.app import Services
    from bot.config import Settings


def build_watchers(services: Services) -> list[Watcher]:
    """Every watcher of the enabled sources."""
    enabled = services.settings.sources
    watchers: list[Watcher] = []
    if enabled.fomc:
        from bot.topics.fomc.watcher import FomcWatcher

        watchers.append(FomcWatcher(services))
    if enabled.h41:
        from bot.topics.h41.watcher import H41Watcher

        watchers.append(H41Watcher(services))
    if enabled.odds:
        from bot.topics.odds.watcher import OddsWatcher

        watchers.append(OddsWatcher(services))
    if enabled.btc:
        from bot.topics.btc.watcher import PriceWatcher

        watchers.append(PriceWatcher(services))
    return watchers


async def run_checks(settings: Settings) -> list[CheckResult]:
    """Poll each live source once; never raises, every failure is a line."""
    from bot.topics.btc import watcher as prices
    from bot.topics.fomc import watcher as fomc
    from bot.topics.h41 import watcher as h41
    from bot.topics.odds import watcher as odds_feed

    checks = []
    if settings.sources.fomc:
        checks.append(fomc.check(settings))
    if settings.sources.h41:
        checks.append(h41.check(settings))
    if settings.sources.odds:
        checks.append(odds_feed.check(settings))
    if settings.sources.btc:
        checks.append(prices.check(settings))
    results: list[CheckResult] = []
    for batch in await asyncio.gather(*checks, return_exceptions=True):
        if isinstance(batch, BaseException):
            results.append(CheckResult("internal", False, repr(batch)))
        else:
            results.extend(batch)
    return results
