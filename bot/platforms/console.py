"""Console transport: prints each delivery as plain text (local use, the demo)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from pathlib import Path
from typing import TextIO

from bot.domain.chats import Chat
from bot.platforms.base import Delivered, DeliveryResult
from bot.render.message import AlertMessage

RULE = "─" * 60


class ConsoleTransport:
    platform = "console"

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        messages_per_second: float = 0.0,
        attachment_dir: Path | None = None,
    ) -> None:
        self.stream = stream or sys.stdout
        self.interval = 1.0 / messages_per_second if messages_per_second > 0 else 0.0
        self.attachment_dir = attachment_dir
        self._next_slot = 0.0
        self._lock = asyncio.Lock()
        self.delivered = 0
        self.closed = False

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        if not self.closed:
            with contextlib.suppress(BrokenPipeError, ValueError):
                self.stream.flush()

    async def deliver(
        self, chat: Chat, message: AlertMessage, attachment: bytes | None
    ) -> DeliveryResult:
        async with self._lock:
            if self.interval:
                now = time.monotonic()
                wait = self._next_slot - now
                if wait > 0:
                    await asyncio.sleep(wait)
                self._next_slot = max(now, self._next_slot) + self.interval
            header = f"── to {chat.ref} [{chat.language.value}, {chat.timezone}]"
            if message.silent:
                header += " (silent: quiet hours)"
            lines = [header, message.to_text()]
            if attachment is not None and message.attachment:
                lines.append(self._attachment_line(message, attachment))
            lines.append(RULE)
            if self.closed:
                return Delivered()  # the reader went away: nothing to show it
            try:
                self.stream.write("\n".join(lines) + "\n")
                self.stream.flush()
            except (BrokenPipeError, ValueError):  # ``| head`` closed the pipe
                self.closed = True
                return Delivered()
            self.delivered += 1
        return Delivered()

    def _attachment_line(self, message: AlertMessage, attachment: bytes) -> str:
        if self.attachment_dir is None:
            return f"[chart: {message.attachment}, {len(attachment)} bytes]"
        self.attachment_dir.mkdir(parents=True, exist_ok=True)
        path = self.attachment_dir / message.attachment  # type: ignore[operator]
        if not path.exists():
            path.write_bytes(attachment)
        return f"[chart: {path}]"
