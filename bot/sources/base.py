"""What a source watcher looks like to the rest of the bot."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol


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
