"""Meeting-day alert text: the note's follow-up, projections, press conference, minutes,
Bitcoin's reaction and the evening preview."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from bot.domain.chats import Language
from bot.render.formatting import Formatter
from bot.render.message import Section
from bot.topics.fomc.changes import excerpt
from bot.topics.fomc.events import (
    BitcoinReaction,
    MeetingPreview,
    MinutesRelease,
    NoteFollowUp,
    PressConference,
    ProjectionsRelease,
)
from bot.topics.fomc.phrasebook import translate
from bot.topics.fomc.render import move_phrase, note_lines
from bot.topics.fomc.statement_topics import sentence_topic

STEP = Decimal("0.25")


def style(event: object) -> str:
    return "info"


def render_note(event: NoteFollowUp, f: Formatter, zone: str) -> Section:
    return Section(
        language=f.language.value,
        title=f._("Implementation note of the {day} decision").format(
            day=f.date(event.meeting_date)),
        lines=tuple(note_lines(event.rates, f)),
        link=event.url, link_label=f._("Implementation note"),
        footer=f._("Released {when}").format(when=f.moment(event.occurred_at, zone)))


def _variable(f: Formatter, name: str) -> str:
    return {
        "fed_funds": f._("Fed funds rate"),
        "core_pce": f._("Core PCE inflation"),
        "pce": f._("PCE inflation"),
        "unemployment": f._("Unemployment rate"),
        "gdp": f._("Real GDP growth"),
    }.get(name, name)


def _column(f: Formatter, column: str) -> str:
    return f._("longer run") if column == "longer_run" else column


def _cuts_words(f: Formatter, old: Decimal, new: Decimal) -> str | None:
    """"one more cut" when the median fell by about 25 bp (medians are rounded)."""
    steps = int(((old - new) / STEP).to_integral_value())
    if steps == 0:
        return None
    if steps > 0:
        return f.ngettext("{n} more cut", "{n} more cuts", steps).format(n=steps)
    return f._("the path {size} higher").format(size=f.bps(-steps * 25, short=True))


def _pct(f: Formatter, value: Decimal) -> str:
    """A projection as the Fed prints it: one decimal (3.4%), not a rate's two."""
    return f"{f.number(value, 1)}%"


def _signed_pct(f: Formatter, fraction: Decimal) -> str:
    sign = "+" if fraction > 0 else ("−" if fraction < 0 else "±")
    return sign + f.percent(abs(fraction))


def render_projections(event: ProjectionsRelease, f: Formatter, zone: str) -> Section:
    lines = []
    funds = event.medians.get("fed_funds", {})
    before = (event.previous or {}).get("fed_funds", {})
    first = next(iter(funds), None)
    headline_bits = []
    if first is not None and first in before:
        text = f._("{year} median {old} → {new}").format(
            year=_column(f, first), old=_pct(f, before[first]), new=_pct(f, funds[first]))
        cuts = _cuts_words(f, before[first], funds[first])
        headline_bits.append(f._("{text}: {cuts}").format(text=text, cuts=cuts) if cuts else
                             f._("{text}: no change in the path").format(text=text))
    elif first is not None:
        headline_bits.append(f._("{year} median {new}").format(year=_column(f, first),
                                                               new=_pct(f, funds[first])))
    if headline_bits:
        lines.append(f._("Fed funds rate: {text}.").format(text=headline_bits[0]))
    for name in ("fed_funds", "pce", "core_pce", "unemployment", "gdp"):  # headline beside core
        row = event.medians.get(name)
        if not row:
            continue
        old = (event.previous or {}).get(name, {})
        cells = []
        for column, value in row.items():
            if column in old and old[column] != value:
                cells.append(f._("{column} {old} → {new}").format(
                    column=_column(f, column), old=_pct(f, old[column]), new=_pct(f, value)))
            else:
                cells.append(f._("{column} {value}").format(column=_column(f, column),
                                                           value=_pct(f, value)))
        lines.append(f._("{variable} (median): {cells}").format(
            variable=_variable(f, name), cells=f._(", ").join(cells)))
    if event.previous_date:
        lines.append(f._("(→: the change from the projections of {day}.)").format(
            day=f.date(event.previous_date)))
    return Section(
        language=f.language.value,
        title=f._("Fed projections (SEP) of {day}").format(day=f.date(event.meeting_date)),
        lines=tuple(lines), link=event.url, link_label=f._("Projection tables"),
        footer=f._("Released {when}").format(when=f.moment(event.occurred_at, zone)))


def render_presser(event: PressConference, f: Formatter, zone: str) -> Section:
    return Section(
        language=f.language.value,
        title=f._("FOMC press conference: {when}").format(
            when=f.moment(event.starts_at, zone)),
        lines=(f._("The Chair answers questions on today's decision; watch it live on the "
                   "Fed's website."),),
        link=event.url, link_label=f._("Watch live"))


def render_minutes(event: MinutesRelease, f: Formatter, zone: str) -> Section:
    lines = [f._("The minutes of the {day} meeting are out.").format(
        day=f.date(event.meeting_date))]
    unsaid: list[str] = []  # topics of key sentences the phrasebook cannot say in Chinese
    for sentence in event.highlights:
        topic = sentence_topic(sentence, f)
        if f.language is Language.ZH_HANT:  # Chinese, or what it is about: never English
            said = translate(sentence)
            if said is not None:
                lines.append(f._("{marker} {topic}: {text}").format(
                    marker="·", topic=topic or f._("Rates"), text=said))
            elif topic and topic not in unsaid:
                unsaid.append(topic)
            continue
        text = _short(sentence)
        lines.append(f._("{marker} {topic}: “{text}”").format(marker="·", topic=topic,
                                                              text=text) if topic else
                     f._("{marker} “{text}”").format(marker="·", text=text))
    if unsaid:
        lines.append(f._("{marker} Also discussed ({topics}): see the minutes.").format(
            marker="·", topics=f._(", ").join(unsaid)))
    return Section(
        language=f.language.value,
        title=f._("FOMC minutes: {day} meeting").format(day=f.date(event.meeting_date)),
        lines=tuple(lines), link=event.url, link_label=f._("Minutes"),
        footer=f._("Released {when}").format(when=f.moment(event.occurred_at, zone)))


def _short(text: str, limit: int = 220) -> str:
    return excerpt(text, limit)  # cut at a word, never mid-word


def render_reaction(event: BitcoinReaction, f: Formatter, zone: str) -> Section:
    change = (event.price_now - event.price_at_release) / event.price_at_release
    return Section(
        language=f.language.value,
        title=(f._("Bitcoin up {change} {minutes} min after the FOMC statement") if change > 0
               else f._("Bitcoin down {change} {minutes} min after the FOMC statement")
               if change < 0 else
               f._("Bitcoin unchanged {minutes} min after the FOMC statement")).format(
            minutes=event.minutes_after, change=f.percent(abs(change))),
        lines=(f._("Bitcoin {price} ({change} since the statement at {start}); high {high}, "
                   "low {low} in between.").format(
                       price=f.usd(event.price_now), change=_signed_pct(f, change),
                       start=f.usd(event.price_at_release), high=f.usd(event.high),
                       low=f.usd(event.low)),),
        footer=f._("Composite of the exchanges · {when}").format(
            when=f.moment(event.occurred_at, zone)))


def render_preview(event: MeetingPreview, f: Formatter, zone: str) -> Section:
    lines = []
    if event.current_low is not None and event.current_high is not None:
        lines.append(f._("Current target range: {range}.").format(
            range=f.rate_range(event.current_low, event.current_high)))
    if event.expectation is not None:
        lines.append(f._("Futures priced a {pct} chance of {move} ({day} settlements).").format(
            pct=f.percent(event.expectation.favourite, 0),
            move=move_phrase(event.expectation.favourite_bps, f),
            day=f.date(event.expectation.as_of, year=False)))
    lines.append(f._("Statement: {when}.").format(when=f.moment(event.statement_at, zone)))
    if event.projections:
        lines.append(f._("Projections and dot plot: {when}.").format(
            when=f.moment(event.statement_at, zone)))
    lines.append(f._("Press conference: {when}.").format(
        when=f.moment(event.statement_at + timedelta(minutes=30), zone)))
    return Section(
        language=f.language.value,
        title=f._("FOMC decision ahead: {when}").format(
            when=f.moment(event.statement_at, zone)),
        lines=tuple(lines))
