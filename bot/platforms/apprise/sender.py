"""Apprise delivery: an alert as a title and plain text (and its chart, for targets that
take attachments) to one operator-declared target.

Translation only, through the same outbox as every platform (budget, retries, dead
letters). A target failing is one warning when it starts and one when it is back
(``OutageLog``), never a traceback per alert; Apprise's own log lines are folded the same
way. Target URLs hold tokens: logs name a target by its chat id.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import apprise

from bot.config import Settings
from bot.domain.chats import Chat
from bot.platforms.apprise.targets import target_id
from bot.platforms.base import Delivered, DeliveryResult, Failed
from bot.render.message import AlertMessage
from bot.supervision import OutageLog, fold_library_log

log = logging.getLogger(__name__)


class AppriseTransport:
    platform = "apprise"

    def __init__(self, settings: Settings) -> None:
        self.targets: dict[str, apprise.Apprise] = {}
        self.outages: dict[str, OutageLog] = {}
        for index, target in enumerate(settings.apprise.targets):
            chat_id = target_id(index, target)
            notifier = apprise.Apprise()
            if not notifier.add(target.url.get_secret_value()):
                log.warning("apprise: target %s has a URL Apprise does not understand; "
                            "it gets nothing", chat_id)
                continue
            self.targets[chat_id] = notifier
            self.outages[chat_id] = OutageLog(f"apprise target {chat_id}", log)

    async def start(self) -> None:
        fold_library_log("apprise", "apprise")

    async def close(self) -> None:
        return None

    async def deliver(self, chat: Chat, message: AlertMessage,
                      attachment: bytes | None) -> DeliveryResult:
        notifier = self.targets.get(chat.ref.chat_id)
        if notifier is None:
            return Failed("apprise: no such target in the settings", permanent=True)
        title = message.sections[0].title if message.sections else ""
        body = message.to_text()
        outage = self.outages[chat.ref.chat_id]
        try:
            with tempfile.TemporaryDirectory(prefix="fedalert-apprise-") as folder:
                attach: str | None = None
                if attachment is not None and message.attachment:
                    path = Path(folder) / Path(message.attachment).name
                    path.write_bytes(attachment)  # the chart, for targets that take files
                    attach = str(path)
                ok = bool(await notifier.async_notify(body=body, title=title, attach=attach))
        except Exception as exc:  # a plugin's failure is one line, not a crash
            outage.failed(exc)
            return Failed(f"apprise: {type(exc).__name__}")
        if not ok:
            outage.failed("the target refused or could not be reached")
            return Failed("apprise: not delivered")
        outage.recovered()
        return Delivered()
