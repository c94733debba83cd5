"""Logging set-up with secrets masked wherever they would appear.

Tokens end up in URLs (the Bot API puts the token in the path, and httpx logs every
request URL at INFO), so masking is done on the final text of every record, whatever
logger produced it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

MASK = "***"


class SecretFilter(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        masked = message
        for secret in self.secrets:
            masked = masked.replace(secret, MASK)
        if record.exc_info and record.exc_info[1] is not None:
            # format the traceback now, masked, and drop the raw exception
            text = logging.Formatter().formatException(record.exc_info)
            for secret in self.secrets:
                text = text.replace(secret, MASK)
            masked = f"{masked}\n{text}"
            record.exc_info = None
            record.exc_text = None
        if masked != message or record.args:
            record.msg, record.args = masked, ()
        return True


def setup_logging(level: str, secrets: Iterable[str] = (), *, stream: object = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler", "discord", "telegram.ext",
                  "websockets"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
