"""FedWatch-style odds alert text."""

from __future__ import annotations

from decimal import Decimal

from bot.render.formatting import Formatter
from bot.render.message import Section
from bot.topics.odds.events import MeetingOdds, OddsShift
from bot.topics.odds.markets import MarketDivergence, MarketsSnapshot
from bot.topics.odds.snapshot import MeetingView, OddsSnapshot

MIN_SHOWN = 0.0005  # buckets that round to 0.0% are left out, as CME does


def style(event: OddsShift) -> str:
    return "odds"


def bucket_range(label: str) -> tuple[Decimal, Decimal]:
    low, high = label.split("-")
    return Decimal(low) / 100, Decimal(high) / 100


def move_words(f: Formatter, bps: int) -> str:
    if bps == 0:
        return f._("no change")
    if bps < 0:
        return f._("cut {size}").format(size=f.bps(bps, short=True))
    return f._("hike {size}").format(size=f.bps(bps, short=True))


def bucket_lines(f: Formatter, meeting: MeetingOdds, current_low: Decimal) -> list[str]:
    lines = []
    for label, probability in sorted(meeting.probabilities.items(),
                                     key=lambda item: bucket_range(item[0])[0]):
        if probability < MIN_SHOWN:
            continue
        low, high = bucket_range(label)
        bps = int((low - current_low) * 100)
        lines.append(f._("{range} ({move}): {pct}").format(
            range=f.rate_range(low, high), move=move_words(f, bps), pct=f.percent(probability)))
    return lines


def render(event: OddsShift, f: Formatter, zone: str) -> Section:
    meeting = f.date(event.meeting_date, year=False)
    move = f._("a cut") if event.move == "cut" else f._("a hike")
    pct = f.percent(event.probability, 0)
    if event.reason == "crossed_up":
        headline = f._("Odds of {move} at the {meeting} FOMC meeting rose to {pct}")
    elif event.reason == "crossed_down":
        headline = f._("Odds of {move} at the {meeting} FOMC meeting fell to {pct}")
    elif event.reason == "jump":
        rising = event.previous_day is None or event.probability >= event.previous_day
        headline = (f._("Odds of {move} at the {meeting} FOMC meeting jumped to {pct}")
                    if rising else
                    f._("Odds of {move} at the {meeting} FOMC meeting dropped to {pct}"))
    else:
        headline = f._("Odds of {move} at the {meeting} FOMC meeting: {pct}")
    headline = headline.format(move=move, meeting=meeting, pct=pct)
    before = []
    for value, day, label in ((event.previous_day, event.previous_day_as_of,
                               f._("a day ago {pct}")),
                              (event.previous_week, event.previous_week_as_of,
                               f._("a week ago {pct}"))):
        if value is None:
            continue
        pct_then = f.percent(value, 0)
        before.append(f._("{day}: {pct}").format(day=f.date(day, year=False), pct=pct_then)
                      if day is not None else label.format(pct=pct_then))
    if before:
        headline += f._(" ({before})").format(before=f._(", ").join(before))
    lines = [headline + f._(".")]
    current_low = event.current_range[0]
    lines.append(f._("Current target range: {range}.").format(
        range=f.rate_range(*event.current_range)))
    for meeting_odds in event.meetings[:1]:
        lines.extend(bucket_lines(f, meeting_odds, current_low))
    if len(event.meetings) > 1:
        later = []
        for meeting_odds in event.meetings[1:4]:
            # cumulative: where the range stands by then, against today's, not that
            # meeting's own move
            later.append(f._("by {meeting} — lower {cut} / unchanged {hold} / higher {hike}")
                         .format(meeting=f.date(meeting_odds.meeting_date, year=False),
                                 cut=f.percent(meeting_odds.cut, 0),
                                 hold=f.percent(meeting_odds.hold, 0),
                                 hike=f.percent(meeting_odds.hike, 0)))
        lines.append(f._("The range against today's, by later meetings: {list}.").format(
            list=f._("; ").join(later)))
    footer = f._("Computed by fedalert with CME FedWatch's method from 30-day fed funds "
                 "futures settlements of {day} (not CME's published figures)").format(
        day=f.date(event.as_of))
    return Section(
        language=f.language.value,
        title=f._("Rate odds: {pct} chance of {move} at the {meeting} meeting").format(
            move=move, meeting=meeting, pct=pct),
        lines=tuple(lines),
        footer=footer,
    )


def side_name(f: Formatter, side: str) -> str:
    return {"hold": f._("no change"), "cut": f._("a cut"), "hike": f._("a hike")}[side]


def venue_name(venue: str) -> str:
    return {"kalshi": "Kalshi", "polymarket": "Polymarket"}.get(venue, venue)


def markets_line(f: Formatter, markets: MarketsSnapshot | None, futures: MeetingView
                 ) -> str | None:
    """"Futures 88% · Kalshi 91% (bid 90%, ask 92%) · Polymarket 90% for no change"."""
    if markets is None or markets.meeting != futures.day or not markets.venues:
        return None
    by_side = {"hold": futures.hold, "cut": futures.cut, "hike": futures.hike}
    side = max(by_side, key=lambda name: by_side[name])
    parts = [f._("futures {probability}").format(probability=f.percent(by_side[side], 0))]
    for venue in markets.venues:
        probability = venue.probabilities.get(side)
        if probability is None:
            continue
        text = f._("{venue} {probability}").format(venue=venue_name(venue.venue),
                                                   probability=f.percent(probability, 0))
        bid, ask = venue.bids.get(side), venue.asks.get(side)
        if bid is not None and ask is not None:
            text += f._(" (bid {bid}, ask {ask})").format(bid=f.percent(bid, 0),
                                                          ask=f.percent(ask, 0))
        parts.append(text)
    if len(parts) == 1:
        return None
    return f._("{venues} for {outcome}").format(venues=" · ".join(parts),
                                                outcome=side_name(f, side))


def render_divergence(event: MarketDivergence, f: Formatter, zone: str) -> Section:
    line = f._("{venue} prices {outcome} at the {meeting} meeting at {theirs}; fed funds "
               "futures at {ours}.").format(
        venue=venue_name(event.venue), outcome=side_name(f, event.side),
        meeting=f.date(event.meeting), theirs=f.percent(event.probability, 0),
        ours=f.percent(event.futures, 0))
    lines = [line]
    if event.bid is not None and event.ask is not None:
        lines.append(f._("Bid {bid}, ask {ask}; futures odds computed by fedalert with CME "
                         "FedWatch's method.").format(bid=f.percent(event.bid, 0),
                                                      ask=f.percent(event.ask, 0)))
    return Section(f.language.value, f._("Prediction market and futures disagree"),
                   tuple(lines), footer=f.moment(event.occurred_at, zone))


def divergence_style(event: MarketDivergence) -> str:
    return "odds"


def odds_table_text(f: Formatter, table: OddsSnapshot,
                    markets: MarketsSnapshot | None = None) -> str:
    """The ``/odds`` view: every coming meeting's buckets, from the stored daily table."""
    low, high = table.current_range
    lines = [f._("Rate odds from fed funds futures (settlements of {day}); current range "
                 "{range}").format(day=f.date(table.as_of), range=f.rate_range(low, high))]
    for index, view in enumerate(table.meetings[:6]):
        meeting = MeetingOdds(meeting_date=view.day, probabilities=view.probabilities,
                              cut=view.cut, hold=view.hold, hike=view.hike)
        lines.append("")
        if index == 0:
            lines.append(f._("{meeting} meeting: cut {cut} / hold {hold} / hike {hike}").format(
                meeting=f.date(meeting.meeting_date), cut=f.percent(meeting.cut),
                hold=f.percent(meeting.hold), hike=f.percent(meeting.hike)))
        else:  # the chained odds say where the range is by then, not that meeting's move
            lines.append(f._("By the {meeting} meeting, against today's range: lower {cut} / "
                             "unchanged {hold} / higher {hike}").format(
                meeting=f.date(meeting.meeting_date), cut=f.percent(meeting.cut),
                hold=f.percent(meeting.hold), hike=f.percent(meeting.hike)))
        lines.extend("  " + line for line in bucket_lines(f, meeting, low))
        compared = markets_line(f, markets, view) if index == 0 else None
        if compared:
            lines.append("  " + compared)
        if index == 0:
            past = []
            for key in ("1d", "1w", "1m"):
                then = table.history.get(key)
                if then is not None and then.cut is not None:
                    past.append(f._("{when}: cut {cut}").format(  # the day, named
                        when=f.date(then.as_of, year=False), cut=f.percent(then.cut, 0)))
            if past:
                lines.append("  " + f._("; ").join(past))
    return "\n".join(lines)
