"""Keep the long-running parts alive: restart a part that fails, with capped, jittered
exponential backoff, and know each part's state for the heartbeat and ``fedalert health``.

A part is a coroutine factory (a delivery worker's loop, a watcher, a front end, the
leader campaign). One part failing never stops the others: it logs one line, waits, and
starts again; a part that keeps running for ``healthy_after`` seconds has its backoff reset.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field

from bot import metrics

log = logging.getLogger(__name__)

RUNNING, RESTARTING, STOPPED = "running", "restarting", "stopped"


@dataclass
class PartState:
    name: str
    state: str = RUNNING
    restarts: int = 0
    last_error: str | None = None
    since: float = field(default_factory=time.time)


def describe(exc: BaseException) -> str:
    """One line for a log or a health report: the type and the first line of the message."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__


def failure_kind(error: str) -> str:
    """The error with its numbers blanked: "Error 111 connecting to 127.0.0.1:24338" and
    the same refusal from the next cluster node are one kind of failure, one log line."""
    return re.sub(r"\d+", "#", error)


class Supervisor:
    def __init__(self, *, base_seconds: float = 1.0, cap_seconds: float = 60.0,
                 healthy_after: float = 60.0) -> None:
        self.base_seconds = base_seconds
        self.cap_seconds = cap_seconds
        self.healthy_after = healthy_after
        self.parts: dict[str, PartState] = {}

    def delay(self, failures: int) -> float:
        """Full jitter between the base and the capped exponential step."""
        top = min(self.cap_seconds, self.base_seconds * 2 ** max(0, failures - 1))
        return random.uniform(min(self.base_seconds, top), top)

    async def run(self, name: str, part: Callable[[], Awaitable[None]],
                  stop: asyncio.Event) -> None:
        """Run ``part`` until ``stop``; restart it whenever it fails or returns early.

        A part that keeps failing the same way (Telegram unreachable for an hour) is one
        log line, then one more when it has run ``healthy_after`` seconds again; each
        restart is in the health report, the metrics and the debug log. The outage's
        count of failures is also the backoff's: both start again once the part has
        stayed up ``healthy_after`` seconds."""
        outage = OutageLog(name, logger=log)
        back: asyncio.TimerHandle | None = None
        try:
            while not stop.is_set():
                self._set(name, RUNNING)
                if outage.down:  # said once it has stayed up a while
                    back = asyncio.get_running_loop().call_later(self.healthy_after,
                                                                 outage.recovered)
                try:
                    await part()
                    if stop.is_set():
                        break
                    error = "ended by itself"
                except asyncio.CancelledError:
                    self._set(name, STOPPED)
                    raise
                except Exception as exc:
                    error = describe(exc)
                    log.debug("%s failed", name, exc_info=True)
                if back is not None:
                    back.cancel()
                outage.failed(error)
                wait = self.delay(outage.failures)
                state = self._set(name, RESTARTING, error=error)
                state.restarts += 1
                metrics.PART_RESTARTS.labels(name).inc()
                log.debug("%s stopped (%s); restarting in %.1f s", name, error, wait)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), wait)
        finally:
            if back is not None:
                back.cancel()
        self._set(name, STOPPED)

    def _set(self, name: str, value: str, *, error: str | None = None) -> PartState:
        state = self.parts.setdefault(name, PartState(name))
        if state.state != value:
            state.since = time.time()
        state.state = value
        if error is not None:
            state.last_error = error
        metrics.PART_UP.labels(name).set(1 if value == RUNNING else 0)
        return state

    def report(self) -> dict[str, dict[str, object]]:
        return {name: asdict(state) for name, state in sorted(self.parts.items())}

    def unhealthy(self, grace_seconds: float = 30.0) -> list[str]:
        """Parts that have been down (restarting) for longer than ``grace_seconds``."""
        now = time.time()
        return [name for name, state in self.parts.items()
                if state.state == RESTARTING and now - state.since > grace_seconds]


class OutageLog:
    """One line when something starts failing, one when it works again: not a line per try.

    ``failed`` logs the first failure (and a new kind of failure); repeats are counted and
    reported with the recovery, so a store outage of minutes is two log lines, not
    thousands of tracebacks.
    """

    def __init__(self, what: str, logger: logging.Logger = log) -> None:
        self.what = what
        self.logger = logger
        self.failures = 0
        self.first_at: float | None = None
        self.seen: set[str] = set()  # kinds of failure said in this outage

    @property
    def down(self) -> bool:
        return self.failures > 0

    def failed(self, exc: BaseException | str) -> None:
        error = exc if isinstance(exc, str) else describe(exc)
        self.failures += 1
        if self.first_at is None:
            self.first_at = time.monotonic()
        kind = failure_kind(error)
        if kind not in self.seen:  # two kinds taking turns (socket, REST) are two lines
            # the exception's type rides on the record, for handlers and tests that sort
            # failures by kind without reading a library's message text
            failure = None if isinstance(exc, str) else type(exc)
            self.logger.warning("%s failing: %s (retrying; repeats are counted)",
                                self.what, error, extra={"failure_type": failure})
            self.seen.add(kind)

    def recovered(self) -> None:
        if not self.failures:
            return
        seconds = time.monotonic() - (self.first_at or time.monotonic())
        self.logger.warning("%s back after %.1f s (%d failed attempts)", self.what, seconds,
                            self.failures)
        self.failures, self.first_at = 0, None
        self.seen.clear()


class LibraryLogFold(logging.Filter):
    """A library's own per-try log lines (redis-py's "Topology refresh failed" at ERROR on
    every try of a cluster that is gone) folded like an ``OutageLog``: the first line of
    each kind is said once a ``window``, as a warning; repeats are dropped (kept at debug
    when debug logging is on) and counted in the metrics. Our loops already say the
    outage and its end once, from the exception they catch."""

    def __init__(self, library: str, *, window: float = 600.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.library = library
        self.window = window
        self.monotonic = monotonic
        self.said: dict[str, float] = {}  # kind -> when it was last said

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        metrics.LIBRARY_LOG_LINES.labels(self.library).inc()
        message = record.getMessage()
        kind = f"{record.name} {failure_kind(message)}"
        now = self.monotonic()
        last = self.said.get(kind)
        self.said[kind] = now
        if last is None or now - last > self.window:
            first_line = message.strip().splitlines()[0] if message.strip() else ""
            record.msg, record.args = f"{self.library}: {first_line[:300]} (repeats are " \
                                      f"counted)", ()
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
            return True
        if logging.getLogger(record.name).isEnabledFor(logging.DEBUG):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return True
        return False


def fold_library_log(logger_name: str, library: str) -> None:
    """Fold the warnings and errors of ``logger_name`` and of its child loggers that exist
    by now (a filter acts only on its own logger's records); call again after importing
    more of the library. Loggers already folded are left as they are."""
    fold = _FOLDS.setdefault(logger_name, LibraryLogFold(library))
    manager = logging.Logger.manager
    names = [logger_name, *(name for name in list(manager.loggerDict)
                            if name.startswith(logger_name + "."))]
    for name in names:
        logger = logging.getLogger(name)
        if fold not in logger.filters:
            logger.addFilter(fold)


_FOLDS: dict[str, LibraryLogFold] = {}
