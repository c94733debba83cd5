"""The source watchers a deployment runs, and the live checks of ``fedalert check``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.sources.base import CheckResult, Watcher

if TYPE_CHECKING:
    from bot.app import Services
    from bot.settings import Settings


def build_watchers(services: Services) -> list[Watcher]:
    """Every watcher of the enabled sources (each source issue adds its own)."""
    return []


async def run_checks(settings: Settings) -> list[CheckResult]:
    """Poll each live source once; never raises, every failure is a line."""
    return []
