"""The HTTP client every source uses: a descriptive User-Agent, timeouts, and errors
classified so a watcher can log one line and back off instead of crashing."""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field

import httpx

from bot.config import Settings
from bot.supervision import OutageLog


def make_http_client(settings: Settings, **kwargs: object) -> httpx.AsyncClient:
    seconds = settings.http_timeout_seconds
    timeout = httpx.Timeout(seconds, connect=min(5.0, seconds))
    return httpx.AsyncClient(
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        timeout=timeout, follow_redirects=True, http2=_http2_available(),
        **kwargs)  # type: ignore[arg-type]


def _http2_available() -> bool:
    """HTTP/2 over TLS where the server offers it (httpx's h2 extra); plain HTTP/1.1
    keep-alive otherwise."""
    try:
        import h2  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class Backoff:
    """Exponential backoff with full jitter, reset after a success. The failures are an
    outage of ``what``: a log line when it starts (and for each new kind of failure), one
    when it is back, not a line per try."""

    what: str
    logger: logging.Logger
    base: float = 2.0
    cap: float = 300.0
    outage: OutageLog = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.outage = OutageLog(self.what, logger=self.logger)

    @property
    def failures(self) -> int:
        return self.outage.failures

    def failed(self, error: str) -> float:
        self.outage.failed(error)
        return random.uniform(self.base, min(self.cap, self.base * 2 ** self.failures))

    def succeeded(self) -> None:
        self.outage.recovered()


def describe_error(exc: BaseException) -> str:
    """A short reason for a log line and a metric label."""
    if isinstance(exc, ResponseRefused):
        return "refused"
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.HTTPStatusError):
        return f"http_{exc.response.status_code}"
    if isinstance(exc, httpx.TransportError):
        return "network"
    return type(exc).__name__


MAX_RESPONSE_BYTES = 2 * 1024 * 1024  # a statement page is ~50 KB, an H.4.1 page ~300 KB


class ResponseRefused(httpx.HTTPError):
    """An answer fedalert will not read: too large, too slow, or from a host it did not ask."""


async def get_bounded(
    client: httpx.AsyncClient,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
    max_bytes: int = MAX_RESPONSE_BYTES,
    deadline: float = 60.0,
    allowed_hosts: frozenset[str] | None = None,
) -> httpx.Response:
    """GET with a size cap and an overall deadline (a peer sending one byte a second, or
    50 MB, cannot hold a watcher or fill the memory), and, given ``allowed_hosts``, only
    from those hosts (a redirect elsewhere is refused, not followed into an alert)."""
    try:
        async with asyncio.timeout(deadline):
            async with client.stream("GET", url, headers=headers, params=params) as response:
                if allowed_hosts is not None and response.url.host not in allowed_hosts:
                    raise ResponseRefused(f"{url} answered from {response.url.host}, not "
                                          f"from {', '.join(sorted(allowed_hosts))}")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise ResponseRefused(f"{url} is {int(declared)} bytes (limit {max_bytes})")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body.extend(chunk)
                    if len(body) > max_bytes:
                        raise ResponseRefused(f"{url} is over {max_bytes} bytes")
    except TimeoutError:
        raise ResponseRefused(f"{url} took over {deadline:g} s") from None
    kept = {k: v for k, v in response.headers.items()
            if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")}
    return httpx.Response(response.status_code, headers=kept, content=bytes(body),
                          request=response.request)


def hosts_of(*urls: str) -> frozenset[str]:
    return frozenset(httpx.URL(url).host for url in urls)
