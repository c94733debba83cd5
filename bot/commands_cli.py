"""Sub-commands contributed by the sources: ``parse``, ``odds``, ``calendar``.

Kept apart from ``bot.cli`` so each source issue adds its command here without touching
the core commands.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def register(parsers: list[Callable[[Any], None]], commands: dict[str, Any]) -> None:
    """Add the sub-parsers and handlers of every available source command."""
    return None
