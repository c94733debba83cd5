"""Logging set-up with secrets masked wherever they would appear.

Tokens end up in URLs (the Bot API puts the token in the path, and httpx logs every
request URL at INFO), so masking is done on the final text of every record, whatever
logger produced it.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable

MASK = "***"
# credentials that appear in URLs even when they are not in the settings (webhooks added by
# users) or before the settings are read
PATTERNS = (
    (re.compile(r"(/bot)\d{5,}:[A-Za-z0-9_-]{20,}"), r"\1***"),
    (re.compile(r"(webhooks/\d{15,22}/)[A-Za-z0-9_.-]{20,}"), r"\1***"),
    # a password may hold '@': the userinfo ends at the last '@' before the host
    (re.compile(r"(rediss?(?:\+cluster)?://[^:/@\s]*:)\S*@(?=[^@\s]*(?:\s|$))"), r"\1***@"),
)


def mask(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in secrets:
        text = text.replace(secret, MASK)
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


_secrets: list[str] = []
_factory = logging.getLogRecordFactory()


def _masking_factory(*args: object, **kwargs: object) -> logging.LogRecord:
    """Every record, whichever handler writes it, has its message masked at creation."""
    record = _factory(*args, **kwargs)
    try:
        message = record.getMessage()
    except Exception:  # a malformed log call: leave it to the handler to report
        return record
    masked = mask(message, _secrets)
    if masked != message:
        record.msg, record.args = masked, ()
    return record


def install_masking(secrets: Iterable[str] = ()) -> None:
    _secrets[:] = sorted({s for s in secrets if s}, key=len, reverse=True)
    logging.setLogRecordFactory(_masking_factory)


class SecretFilter(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message, self.secrets)
        if record.exc_info and record.exc_info[1] is not None:
            # format the traceback now, masked, and drop the raw exception
            text = mask(logging.Formatter().formatException(record.exc_info), self.secrets)
            masked = f"{masked}\n{text}"
            record.exc_info = None
            record.exc_text = None
        if masked != message or record.args:
            record.msg, record.args = masked, ()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line (``FEDALERT_LOG_FORMAT=json``): time, level, logger,
    message, and the (already masked) traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
                 "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(level: str, secrets: Iterable[str] = (), *, stream: object = None,
                  json_lines: bool = False) -> None:
    install_masking(secrets)
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(JsonFormatter() if json_lines else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler", "discord", "telegram.ext",
                  "websockets"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    # fedalert asks for no gateway intents and uses no voice on purpose: not worth warnings
    logging.getLogger("discord.state").setLevel(logging.ERROR)
    logging.getLogger("discord.client").addFilter(
        lambda record: "voice will NOT be supported" not in record.getMessage())
