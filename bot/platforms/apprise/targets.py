"""How an Apprise target is named in the registry and the logs (its URL holds tokens)."""

from __future__ import annotations

import hashlib

from bot.config import AppriseTarget


def target_id(index: int, target: AppriseTarget) -> str:
    """A target's chat id: its name, else a digest of its URL (never the URL: it holds
    tokens), stable across restarts."""
    if target.name:
        return target.name
    digest = hashlib.sha256(target.url.get_secret_value().encode()).hexdigest()[:10]
    return f"target-{digest}"
