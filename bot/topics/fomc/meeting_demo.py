"""Demo readings of a meeting day's pages, read by the same parsers as the live pages."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from bot.topics.base import DemoContext, Publication
from bot.topics.fomc.events import (
    BitcoinReaction,
    MinutesRelease,
    NoteFollowUp,
    PressConference,
    ProjectionsRelease,
)
from bot.topics.fomc.meeting_day import (
    FED_URL,
    fomc_and_btc_chats,
    medians_of,
    minutes_url,
    note_url,
    notes_from,
    presser_url,
    projections_url,
)
from bot.topics.fomc.minutes import minutes_highlights
from bot.topics.fomc.note import parse_note
from bot.topics.fomc.projections import parse_projections


def _day(data: Mapping[str, Any]) -> date:
    return date.fromisoformat(data["day"])


def _at(data: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(data["at"])


async def handle_note(reading: Mapping[str, Any], demo: DemoContext) -> list[Publication]:
    data = reading["data"]
    note = parse_note(data["page"])
    return [Publication(NoteFollowUp(occurred_at=_at(data), meeting_date=_day(data),
                                     rates=notes_from(note), url=note_url(FED_URL, _day(data))))]


async def handle_projections(reading: Mapping[str, Any],
                             demo: DemoContext) -> list[Publication]:
    """``page``: this meeting's table; ``previous_page``: the previous SEP's (both real)."""
    from bot.topics.fomc.dot_chart import dot_plot_charts

    data = reading["data"]
    day = _day(data)
    projections = parse_projections(data["page"])
    previous = parse_projections(data["previous_page"]) if data.get("previous_page") else None
    chart = f"sep-{day.isoformat()}" if projections.dots else None
    attachments = dot_plot_charts(projections.dots, chart, day) \
        if projections.dots and chart else {}
    event = ProjectionsRelease(
        occurred_at=_at(data), meeting_date=day, medians=medians_of(projections),
        previous=medians_of(previous) if previous else None,
        previous_date=previous.released if previous else None, chart=chart,
        url=projections_url(FED_URL, day))
    return [Publication(event, attachments=attachments)]


async def handle_presser(reading: Mapping[str, Any], demo: DemoContext) -> list[Publication]:
    data = reading["data"]
    return [Publication(PressConference(occurred_at=_at(data), meeting_date=_day(data),
                                        starts_at=_at(data), url=presser_url(_day(data))))]


async def handle_reaction(reading: Mapping[str, Any], demo: DemoContext) -> list[Publication]:
    """``prices``: the composite every few minutes from the statement on."""
    data = reading["data"]
    prices = [Decimal(str(p)) for p in data["prices"]]
    minutes = int(data["minutes_after"])
    released = _at(data)
    return [Publication(BitcoinReaction(
        occurred_at=released + timedelta(minutes=minutes), meeting_date=_day(data),
        minutes_after=minutes, price_at_release=prices[0], price_now=prices[-1],
        high=max(prices), low=min(prices)), chats=await fomc_and_btc_chats(demo.topic))]


async def handle_minutes(reading: Mapping[str, Any], demo: DemoContext) -> list[Publication]:
    data = reading["data"]
    day = _day(data)
    return [Publication(MinutesRelease(occurred_at=_at(data), meeting_date=day,
                                       url=minutes_url(FED_URL, day),
                                       highlights=minutes_highlights(data["page"])))]


DEMO_HANDLERS = {"fomc_note": handle_note, "fomc_sep": handle_projections,
                 "fomc_presser": handle_presser, "fomc_btc_reaction": handle_reaction,
                 "fomc_minutes": handle_minutes}
