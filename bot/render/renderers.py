"""Render an event into one language's section: the single entry point for alert text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.domain.chats import Language
from bot.domain.events import BaseEvent
from bot.render.formatting import Formatter
from bot.render.message import AlertMessage, Section
from bot.topics.btc import render as btc
from bot.topics.fomc import render as fomc
from bot.topics.h41 import render as h41
from bot.topics.odds import render as odds

Renderer = Callable[[Any, Formatter, str], Section]
Styler = Callable[[Any], str]

RENDERERS: dict[str, tuple[Renderer, Styler]] = {
    "fomc_decision": (fomc.render, fomc.style),
    "h41_release": (h41.render, h41.style),
    "h41_regime": (h41.render_regime, h41.style),
    "odds_shift": (odds.render, odds.style),
    "price_crossing": (btc.render_crossing, btc.style),
    "price_move": (btc.render_move, btc.style),
}


def render_section(event: BaseEvent, language: Language, zone: str) -> Section:
    """The text of ``event`` in one single language, with times in ``zone``."""
    renderer, _ = RENDERERS[event.kind]
    return renderer(event, Formatter(language), zone)


def style_of(event: BaseEvent) -> str:
    _, styler = RENDERERS[event.kind]
    return styler(event)


def attachment_name(event: BaseEvent, language: Language) -> str | None:
    """Charts are drawn per language (``<chart>.<language>.png``); ``both`` gets zh-Hant's."""
    chart = getattr(event, "chart", None)
    return f"{chart}.{language.singles[0].value}.png" if chart else None


def render_message(event: BaseEvent, language: Language, zone: str) -> AlertMessage:
    """Every section a chat with this language setting reads (``both``: zh-Hant, then en)."""
    sections = tuple(render_section(event, single, zone) for single in language.singles)
    return AlertMessage(event.key, style_of(event), sections,
                        attachment=attachment_name(event, language))
