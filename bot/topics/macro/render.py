"""Macro-release alert text: the headline figures first, in the words Taiwan's press uses.

Each line says only what the release (or the previous release fedalert read) states:
a prior month appears only when the release quotes it or fedalert read it; "what it
means" is the direction of the 12-month rate or of the unemployment rate against that
prior, never a forecast; a figure the release did not publish is said so.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.render.formatting import Formatter
from bot.render.i18n import N_
from bot.render.message import Section
from bot.topics.macro.events import MacroFigure, MacroPreview, MacroRelease
from bot.topics.markets import MarketQuote


def style(event: MacroRelease) -> str:
    return "info"


def month_name(f: Formatter, period: str) -> str:
    """``2025-08`` → "August 2025" / 「2025 年 8 月」; ``2025Q2`` → "Q2 2025"."""
    if "Q" in period:
        year_text, quarter = period.split("Q")
        return f._("Q{quarter} {year}").format(quarter=quarter, year=year_text)
    return f.month(date(int(period[:4]), int(period[5:7]), 1))


def _short_month(f: Formatter, period: str) -> str:
    if f.zh:
        return f"{int(period[5:7])} 月"
    return date(int(period[:4]), int(period[5:7]), 1).strftime("%B")


def pct(f: Formatter, value: Decimal) -> str:
    return f.number(value, 1) + "%"


def signed_pct(f: Formatter, value: Decimal) -> str:
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return sign + pct(f, abs(value))


def monthly(f: Formatter, figure: MacroFigure | None) -> str | None:
    """"+0.4% m/m" / 「月增 0.4%」, a figure not published said so."""
    if figure is None:
        return None
    if figure.value is None:
        if figure.status and figure.status.startswith("less than"):
            return (f._("down less than 0.1% m/m") if "decrease" in figure.status
                    else f._("up less than 0.1% m/m"))
        return f._("no one-month change published")
    if figure.status and figure.status.startswith("less than"):
        return (f._("down less than 0.1% m/m") if "decrease" in figure.status
                else f._("up less than 0.1% m/m"))
    if figure.value == 0:
        return f._("unchanged m/m")
    if figure.value > 0:
        return f._("up {pct} m/m").format(pct=pct(f, figure.value))
    return f._("down {pct} m/m").format(pct=pct(f, -figure.value))


def yearly(f: Formatter, figure: MacroFigure | None) -> str | None:
    if figure is None or figure.value is None:
        return None
    return f._("{pct} y/y").format(pct=signed_pct(f, figure.value) if figure.value < 0
                                   else pct(f, figure.value))


def _join(f: Formatter, parts: list[str | None]) -> str:
    return f._(", ").join(p for p in parts if p)


def _trend(f: Formatter, label: str, now: Decimal, before: Decimal, when: str) -> str:
    if now > before:
        text = f._("{label} picked up from {before} in {when} to {now}.")
    elif now < before:
        text = f._("{label} eased from {before} in {when} to {now}.")
    else:
        text = f._("{label} held at {now}, as in {when}.")
    return text.format(label=label, before=pct(f, before), now=pct(f, now), when=when)


def _prior(event: MacroRelease, field: str) -> MacroFigure | None:
    """The prior period's figure: as this release states it, else as fedalert read it."""
    stated = event.figure(f"{field}_as_stated_prior")
    if stated is not None and stated.value is not None:
        return stated
    earlier = event.previous_value(field)
    return earlier if earlier is not None and earlier.value is not None else None


def _cpi(event: MacroRelease, f: Formatter) -> list[str]:
    lines = []
    two = event.figure("cpi_u_2mo_change_sa_pct")
    if two is not None and two.value is not None:
        start, end = two.period.split("..")
        lines.append(f._("CPI {change} over the two months from {start} to {end} (no one-month "
                         "change was published); {yoy}.").format(
            change=signed_pct(f, two.value), start=month_name(f, start),
            end=month_name(f, end), yoy=yearly(f, event.figure("cpi_u_yoy_nsa_pct")) or "–"))
    else:
        mom = event.figure("cpi_u_mom_sa_pct", event.period)
        headline = _join(f, [monthly(f, mom), yearly(f, event.figure("cpi_u_yoy_nsa_pct"))])
        if headline:
            lines.append(f._("CPI: {figures}.").format(figures=headline))
    core_two = event.figure("core_2mo_change_sa_pct")
    core_mom = event.figure("core_mom_sa_pct")
    core = _join(f, [
        (f._("{change} over the two months").format(change=signed_pct(f, core_two.value))
         if core_two is not None and core_two.value is not None
         else monthly(f, core_mom) if core_mom is not None and core_mom.value is not None
         else None),
        yearly(f, event.figure("core_yoy_nsa_pct"))])
    if core:
        lines.append(f._("Core CPI (less food and energy): {figures}.").format(figures=core))
    yoy = event.figure("cpi_u_yoy_nsa_pct")
    before = _prior(event, "cpi_u_yoy_nsa_pct")
    if yoy is not None and yoy.value is not None and before is not None and \
            before.value is not None:
        lines.append(_trend(f, f._("12-month CPI inflation"), yoy.value, before.value,
                            _short_month(f, before.period)))
    return lines


def jobs_count(f: Formatter, count: Decimal) -> str:
    """228,000 → "228,000" / 「22.8 萬人」 (unsigned)."""
    count = abs(count)
    if f.zh and count >= 10_000:
        return f.plain((count / 10_000).quantize(Decimal("0.1")).normalize()) + " 萬人"
    return f.number(count) + (" 人" if f.zh else "")


def _payrolls(f: Formatter, value: Decimal) -> str:
    if value > 0:
        return f._("Nonfarm payrolls rose by {count}").format(count=jobs_count(f, value))
    if value < 0:
        return f._("Nonfarm payrolls fell by {count}").format(count=jobs_count(f, value))
    return f._("Nonfarm payrolls were unchanged")


def _signed_count(f: Formatter, value: Decimal) -> str:
    return ("+" if value > 0 else "−" if value < 0 else "") + jobs_count(f, value)


def _jobs(event: MacroRelease, f: Formatter) -> list[str]:
    lines = []
    payrolls = event.figure("nfp_change", event.period)
    rate = event.figure("unemployment_rate_pct", event.period)
    head = []
    if payrolls is not None and payrolls.value is not None:
        head.append(_payrolls(f, payrolls.value))
    if rate is not None and rate.value is not None:
        said = {"up": f._("the unemployment rate rose to {rate}"),
                "down": f._("the unemployment rate fell to {rate}"),
                "flat": f._("the unemployment rate was unchanged at {rate}"),
                "little": f._("the unemployment rate changed little at {rate}")}
        head.append(said.get(rate.trend or "", f._("the unemployment rate was {rate}")).format(
            rate=pct(f, rate.value)))
    if head:
        lines.append(f.sentences(f._("{first}; {second}.").format(first=head[0], second=head[1])
                                 if len(head) == 2 else head[0] + f._(".")))
    skipped = [fig for fig in event.figures if fig.field == "unemployment_rate_pct" and
               fig.status == "NOT_COLLECTED"]
    for figure in skipped:
        lines.append(f._("No unemployment rate for {month}: the household survey was not "
                         "collected.").format(month=month_name(f, figure.period)))
    earlier = _prior(event, "unemployment_rate_pct")
    if rate is not None and rate.value is not None and earlier is not None and \
            earlier.value is not None and not skipped:
        lines.append(_trend(f, f._("The unemployment rate"), rate.value, earlier.value,
                            _short_month(f, earlier.period)))
    wage = _join(f, [monthly(f, event.figure("ahe_mom_pct")),
                     yearly(f, event.figure("ahe_yoy_pct"))])
    if wage:
        lines.append(f._("Average hourly earnings: {figures}.").format(figures=wage))
    revisions = []
    total = Decimal(0)
    for figure in event.figures:
        if figure.field != "nfp_change_revised" or figure.value is None:
            continue
        was = event.figure("nfp_change_prior_estimate", figure.period)
        if was is None or was.value is None:
            continue
        total += figure.value - was.value
        revisions.append(f._("{month} {new} (was {old})").format(
            month=_short_month(f, figure.period), new=_signed_count(f, figure.value),
            old=_signed_count(f, was.value)))
    if revisions:
        line = f._("Revisions: {revisions}").format(revisions=f._(", ").join(revisions))
        if total:
            line += f._("; combined {total}.").format(total=_signed_count(f, total))
        else:
            line += f._(".")
        lines.append(line)
    return lines


def _pce(event: MacroRelease, f: Formatter) -> list[str]:
    lines = []
    periods = sorted({fig.period for fig in event.figures if fig.field.startswith(
        ("pce_price", "core_pce_price"))})
    for period in periods:
        head = _join(f, [monthly(f, event.figure("pce_price_mom_pct", period)),
                         yearly(f, event.figure("pce_price_yoy_pct", period))])
        core = _join(f, [monthly(f, event.figure("core_pce_price_mom_pct", period)),
                         yearly(f, event.figure("core_pce_price_yoy_pct", period))])
        label = (f._("PCE price index") if len(periods) == 1 else
                 f._("PCE price index, {month}").format(month=_short_month(f, period)))
        parts = []
        if head:
            parts.append(f._("{label}: {figures}").format(label=label, figures=head))
        if core:
            parts.append(f._("core (less food and energy): {figures}").format(figures=core))
        if parts:
            lines.append(f._("; ").join(parts) + f._("."))
    income = monthly(f, event.figure("personal_income_mom_pct"))
    spending = monthly(f, event.figure("pce_nominal_mom_pct"))
    pieces = []
    if income:
        pieces.append(f._("personal income {change}").format(change=income))
    if spending:
        pieces.append(f._("consumer spending {change}").format(change=spending))
    if pieces:
        text = f._(", ").join(pieces)
        lines.append(text[:1].upper() + text[1:] + f._("."))
    yoy = event.figure("pce_price_yoy_pct", event.period)
    before = _prior(event, "pce_price_yoy_pct")
    if yoy is not None and yoy.value is not None and before is not None and \
            before.value is not None and len(periods) == 1:
        lines.append(_trend(f, f._("12-month PCE inflation"), yoy.value, before.value,
                            _short_month(f, before.period)))
    return lines


def estimate_name(f: Formatter, estimate: str | None) -> str | None:
    return {"advance": f._("advance estimate"), "second": f._("second estimate"),
            "third": f._("third estimate"), "initial": f._("initial estimate"),
            "updated": f._("updated estimate")}.get(estimate or "")


def _gdp(event: MacroRelease, f: Formatter) -> list[str]:
    gdp = event.figure("real_gdp_saar_pct", event.period)
    if gdp is None or gdp.value is None:
        return []
    line = f._("Real GDP {change} at an annual rate in {quarter}").format(
        change=signed_pct(f, gdp.value), quarter=month_name(f, event.period))
    estimate = estimate_name(f, event.estimate)
    if estimate:
        line += f._(" ({estimate})").format(estimate=estimate)
    lines = [line + f._(".")]
    prior = event.figure("real_gdp_saar_pct_as_stated_prior")
    if prior is not None and prior.value is not None:
        lines.append(f._("Previous quarter ({quarter}): {change}.").format(
            quarter=month_name(f, prior.period), change=signed_pct(f, prior.value)))
    return lines


def bracket(quotes: tuple[MarketQuote, ...]) -> list[MarketQuote]:
    """The two "above X" markets around even odds: what the market expects, in two lines."""
    above = sorted((q for q in quotes if q.strike is not None and q.strike_type == "greater"),
                   key=lambda q: q.strike or 0)
    likely = [q for q in above if q.probability >= Decimal("0.5")]
    unlikely = [q for q in above if q.probability < Decimal("0.5")]
    return ([likely[-1]] if likely else []) + ([unlikely[0]] if unlikely else [])


def markets_line(f: Formatter, event: MacroRelease) -> str | None:
    """"Kalshi before the release: CPI m/m above 0.2% at 62% (bid 60%, ask 64%)"."""
    if event.release != "cpi":
        return None
    parts = []
    for quote in bracket(event.markets):
        assert quote.strike is not None
        text = f._("CPI m/m above {strike} at {probability}").format(
            strike=pct(f, quote.strike), probability=f.percent(quote.probability, 0))
        if quote.bid is not None and quote.ask is not None:
            text += f._(" (bid {bid}, ask {ask})").format(bid=f.percent(quote.bid, 0),
                                                          ask=f.percent(quote.ask, 0))
        parts.append(text)
    if not parts:
        return None
    return f._("Kalshi before the release: {quotes}.").format(quotes=f._("; ").join(parts))


def title(f: Formatter, event: MacroRelease) -> str:
    periods = sorted({fig.period for fig in event.figures if ".." not in fig.period and
                      fig.field.startswith(("pce_price", "core_pce_price"))})
    period = month_name(f, event.period)
    if event.release == "pce" and len(periods) > 1:
        period = f._("{first} and {second}").format(first=_short_month(f, periods[0]),
                                                    second=month_name(f, periods[-1]))
    return {"cpi": f._("US CPI, {period}"), "jobs": f._("US jobs report, {period}"),
            "pce": f._("US PCE inflation, {period}"),
            "gdp": f._("US GDP, {period}")}[event.release].format(period=period)


def render(event: MacroRelease, f: Formatter, zone: str) -> Section:
    lines = {"cpi": _cpi, "jobs": _jobs, "pce": _pce, "gdp": _gdp}[event.release](event, f)
    if not lines:
        lines = [f._("The release is out; its figures could not be read. See the source.")]
    if "lapse_in_appropriations" in event.notes and event.release in ("cpi", "jobs"):
        lines.append(f._("The release notes data missing after a lapse in appropriations."))
    if "combined_release" in event.notes:
        lines.append(f._("Two months in one release (published late after a lapse in "
                         "appropriations)."))
    market = markets_line(f, event)
    if market:
        lines.append(market)
    source = {"cpi": "BLS", "jobs": "BLS", "pce": "BEA", "gdp": "BEA"}[event.release]
    footer = None
    if event.time_known:
        footer = f._("Released {when}").format(when=f.moment(event.occurred_at, zone))
        if event.late:
            footer += f._(" (read late)")
    return Section(f.language.value, title(f, event), tuple(lines), link=event.url,
                   link_label=f._("Release ({source})").format(source=source), footer=footer)


def headline(f: Formatter, event: MacroRelease) -> str | None:
    """The one figure a reader remembers of a release (for the preview's "last time")."""
    if event.release == "cpi":
        return yearly(f, event.figure("cpi_u_yoy_nsa_pct", event.period))
    if event.release == "pce":
        return yearly(f, event.figure("pce_price_yoy_pct", event.period))
    if event.release == "jobs":
        payrolls = event.figure("nfp_change", event.period)
        if payrolls is not None and payrolls.value is not None:
            return _payrolls(f, payrolls.value)
        return None
    gdp = event.figure("real_gdp_saar_pct", event.period)
    return signed_pct(f, gdp.value) if gdp is not None and gdp.value is not None else None


SERIES_TITLES = {"cpi": N_("US CPI"), "jobs": N_("US jobs report"),
                 "pce": N_("US PCE inflation"), "gdp": N_("US GDP")}
"""Each series' name (catalog msgids): the preview, /macro's next line, the brief's day."""


def series_title(f: Formatter, release: str) -> str:
    return f._(SERIES_TITLES[release])


def render_preview(event: MacroPreview, f: Formatter, zone: str) -> Section:
    name = series_title(f, event.release)
    if event.period:
        name = f._("{series} for {period}").format(series=name,
                                                   period=month_name(f, event.period))
    lines = [f._("{release} is due {when}.").format(release=name,
                                                    when=f.moment(event.due_at, zone))]
    if event.last is not None:
        said = headline(f, event.last)
        if said:
            lines.append(f._("Last release ({period}): {figure}.").format(
                period=month_name(f, event.last.period), figure=said))
    return Section(f.language.value, f._("Coming up: {release}").format(release=name),
                   tuple(lines))


def preview_style(event: MacroPreview) -> str:
    return "info"
