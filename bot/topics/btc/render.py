"""BTC price alert text."""

from __future__ import annotations

from bot.render.formatting import Formatter
from bot.render.message import Section
from bot.topics.btc.events import PriceCrossing, PriceMove


def style(event: PriceCrossing | PriceMove) -> str:
    if isinstance(event, PriceCrossing):
        return "price_up" if event.direction == "above" else "price_down"
    return "price_up" if event.change_pct > 0 else "price_down"


def _sources(f: Formatter, sources: tuple[str, ...]) -> str:
    return f._(", ").join(sources)


def _quote(f: Formatter, quote: str) -> str:
    if quote == "USD":
        return f._("quoted in USD")
    if quote == "USDT":
        return f._("quoted in USDT")
    return f._("USD and USDT markets combined")


def render_crossing(event: PriceCrossing, f: Formatter, zone: str) -> Section:
    level = f.usd_level(event.level)
    if event.direction == "below":
        title = f._("Bitcoin falls below {level}").format(level=level)
    else:
        title = f._("Bitcoin rises above {level}").format(level=level)
    headline = f._("{title} (composite {price}, {sources}).").format(
        title=title, price=f.usd(event.price), sources=_sources(f, event.sources))
    lines = [headline, f._("Composite = median of the exchanges, {quote}.").format(
        quote=_quote(f, event.quote))]
    if event.late:
        if event.gap_started:
            lines.append(f._("Detected after a data gap that began {when}.").format(
                when=f.local_moment(event.gap_started, zone)))
        else:
            lines.append(f._("Detected after a data gap."))
    return Section(
        language=f.language.value,
        title=title,
        lines=tuple(lines),
        footer=f.local_moment(event.occurred_at, zone),
    )


def render_move(event: PriceMove, f: Formatter, zone: str) -> Section:
    pct = f.percent(abs(event.change_pct) / 100)
    window = f.ngettext("{n} minute", "{n} minutes", event.window_minutes).format(
        n=event.window_minutes)
    if event.window_minutes % 60 == 0:
        hours = event.window_minutes // 60
        window = f.ngettext("{n} hour", "{n} hours", hours).format(n=hours)
    if event.change_pct > 0:
        title = f._("Bitcoin up {pct} in {window}").format(pct=pct, window=window)
    else:
        title = f._("Bitcoin down {pct} in {window}").format(pct=pct, window=window)
    detail = f._("From {old} ({when}) to {new} (composite; {sources}).").format(
        old=f.usd(event.reference_price), when=f.local_moment(event.reference_at, zone),
        new=f.usd(event.price), sources=_sources(f, event.sources))
    return Section(
        language=f.language.value,
        title=title,
        lines=(title + f._("."), detail),
        footer=f.local_moment(event.occurred_at, zone),
    )
