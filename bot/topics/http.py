"""The HTTP client every source uses: a descriptive User-Agent, timeouts, and errors
classified so a watcher can log one line and back off instead of crashing."""

from __future__ import annotations

import random
from dataclasses import dataclass

import httpx

from bot.config import Settings


def make_http_client(settings: Settings, **kwargs: object) -> httpx.AsyncClient:
    seconds = settings.http_timeout_seconds
    timeout = httpx.Timeout(seconds, connect=min(5.0, seconds))
    return httpx.AsyncClient(
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        timeout=timeout, follow_redirects=True, **kwargs)  # type: ignore[arg-type]


@dataclass
class Backoff:
    """Exponential backoff with full jitter, reset after a success."""

    base: float = 2.0
    cap: float = 300.0
    failures: int = 0

    def failed(self) -> float:
        self.failures += 1
        return random.uniform(self.base, min(self.cap, self.base * 2 ** self.failures))

    def succeeded(self) -> None:
        self.failures = 0


def describe_error(exc: BaseException) -> str:
    """A short reason for a log line and a metric label."""
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.HTTPStatusError):
        return f"http_{exc.response.status_code}"
    if isinstance(exc, httpx.TransportError):
        return "network"
    return type(exc).__name__
