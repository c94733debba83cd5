"""The odds topic's settings section: ``[markets]`` (prediction markets beside the futures)."""

from __future__ import annotations

from bot.topics.markets import MarketsSettings

SECTION = ("markets", MarketsSettings)
