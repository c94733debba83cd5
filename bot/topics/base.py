"""What a source watcher looks like to the rest of the bot."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import httpx

if TYPE_CHECKING:
    from bot.config import Settings


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One line of ``fedalert check``: what a live source returned, or why it could not."""

    source: str
    ok: bool
    detail: str


class Watcher(Protocol):
    name: str

    async def run(self, stop: asyncio.Event) -> None:
        """Poll or stream until ``stop`` is set, publishing events as they happen."""
        ...


class Checker(Protocol):
    async def __call__(self) -> list[CheckResult]: ...


class PollingWatcher:
    """The loop shared by the HTTP pollers: ``step()`` polls once and says how long to wait.

    The watcher owns its httpx client unless a test hands one in; a stop interrupts the
    wait at once.
    """

    settings: Settings
    client: httpx.AsyncClient | None

    async def step(self) -> float:
        raise NotImplementedError

    async def run(self, stop: asyncio.Event) -> None:
        from bot.topics.http import make_http_client

        owns_client = self.client is None
        if self.client is None:
            self.client = make_http_client(self.settings)
        try:
            while not stop.is_set():
                delay = await self.step()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
        finally:
            if owns_client and self.client is not None:
                await self.client.aclose()
