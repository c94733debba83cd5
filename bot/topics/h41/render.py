"""H.4.1 balance-sheet alert text."""

from __future__ import annotations

from datetime import timedelta

from bot.render.formatting import Formatter
from bot.render.message import Section
from bot.topics.h41.events import BalanceSheetRelease, LiquidityAlert, Regime, RegimeChange


def regime_name(f: Formatter, regime: Regime) -> str:
    return {
        "QT": f._("quantitative tightening (QT)"),
        "QE": f._("quantitative easing (QE)"),
        "flat": f._("a steady balance sheet"),
        "RMP": f._("reserve-management purchases (not QE)"),
    }[regime]


def style(event: BalanceSheetRelease | RegimeChange) -> str:
    return event.regime.lower()


def _change_words(f: Formatter, millions: int | None) -> str:
    if millions is None:
        return ""
    if millions == 0:
        return f._("unchanged")
    if millions > 0:
        return f._("up {amount}").format(amount=f.usd_millions(millions))
    return f._("down {amount}").format(amount=f.usd_millions(-millions))


def _began_this_week(event: BalanceSheetRelease) -> bool:
    since = event.regime_since
    return since is not None and event.week_ending - timedelta(days=7) < since <= \
        event.week_ending


def _regime_text(event: BalanceSheetRelease, f: Formatter) -> str:
    """The program in force, as the FOMC announced it; "began" in the week it took effect."""
    if _began_this_week(event) and event.regime_since is not None:
        when = f.date(event.regime_since)
        return {
            "QT": f._("quantitative tightening (QT) began on {when}"),
            "QE": f._("quantitative easing (QE) began on {when}"),
            "flat": f._("the balance sheet is held steady from {when}"),
            "RMP": f._("reserve-management purchases began on {when}"),
        }[event.regime].format(when=when)
    return {
        "QT": f._("quantitative tightening (QT) continues"),
        "QE": f._("quantitative easing (QE) continues"),
        "flat": f._("the balance sheet is broadly steady"),
        "RMP": f._("reserve-management purchases continue"),
    }[event.regime]


def _caps_line(event: BalanceSheetRelease, f: Formatter) -> str | None:
    if event.regime != "QT" or event.treasury_cap is None or event.mbs_cap is None:
        return None
    return f._("Runoff caps: {treasury} of Treasuries and {mbs} of MBS a month.").format(
        treasury=f.usd_compact(event.treasury_cap * 1_000_000_000),
        mbs=f.usd_compact(event.mbs_cap * 1_000_000_000))


def _net_liquidity_line(event: BalanceSheetRelease, f: Formatter) -> str | None:
    """Total assets − TGA − ON RRP, the line crypto readers chart against Bitcoin."""
    if event.net_liquidity is None:
        return None
    changes = [f._("{period} {change}").format(period=label, change=f.signed_usd_millions(v))
               for label, v in ((f._("week"), event.net_liquidity_change_1w),
                                (f._("4 weeks"), event.net_liquidity_change_4w),
                                (f._("13 weeks"), event.net_liquidity_change_13w))
               if v is not None]
    level = f.usd_millions(event.net_liquidity)
    if not changes:
        return f._("Net liquidity (total assets − TGA − ON RRP): {level}.").format(level=level)
    return f._("Net liquidity (total assets − TGA − ON RRP): {level}; {changes}.").format(
        level=level, changes=f._(", ").join(changes))


def _growth_note(event: BalanceSheetRelease, f: Formatter) -> str:
    """What a weekly rise is not, as far as this week's securities show (never crediting
    purchases with growth that other assets made)."""
    change, securities = event.total_assets_change_1w, event.securities_change_1w
    if change is None or change <= 0 or securities is None:
        return ""
    if securities <= 0:  # lending, repos or other assets grew, not holdings
        if event.regime == "QT":
            return f._("(The weekly rise is not QE: securities held keep falling.)")
        return f._("(Securities held did not rise this week: the growth is not from "
                         "purchases.)")
    if event.regime == "QT":
        return f._("(QT is the program in force; securities held still rose by "
                         "{change} this week.)").format(change=f.usd_millions(securities))
    if securities * 2 < change:  # most of it is lending, repos or other assets
        return f._("(Securities held rose by {securities} of it: most of the growth "
                         "is in other assets.)").format(securities=f.usd_millions(securities))
    return ""


def render(event: BalanceSheetRelease, f: Formatter, zone: str) -> Section:
    total = f.usd_millions(event.total_assets)
    change = event.total_assets_change_1w
    regime_text = _regime_text(event, f)
    if change is None or change == 0:
        headline = f._("Fed balance sheet unchanged this week at {total}; {regime}.")
        headline = headline.format(total=total, regime=regime_text)
    elif change < 0:
        headline = f._("Fed balance sheet shrank by {change} this week to {total}; {regime}.")
        headline = headline.format(change=f.usd_millions(-change), total=total,
                                   regime=regime_text)
    else:
        headline = f._("Fed balance sheet grew by {change} this week to {total}; {regime}.")
        headline = headline.format(change=f.usd_millions(change), total=total,
                                   regime=regime_text)
    headline = f.sentences(headline, _growth_note(event, f))

    def item(label: str, level: int | None, wow: int | None) -> str:
        if level is None:
            return ""
        text = f._("{label}: {level}").format(label=label, level=f.usd_millions(level))
        if wow is not None:
            text += f._(" ({change} on the week)").format(change=_change_words(f, wow))
        return text

    reserves_label = (f._("Reserve balances (week average)") if event.reserves_basis ==
                      "week_average" else f._("Reserve balances (Wednesday)"))
    lines = [headline]
    if event.regime == "RMP":
        lines.append(f._("The Fed buys Treasury bills to keep reserves ample; it says these "
                         "purchases are not QE."))
    caps = _caps_line(event, f)
    if caps:
        lines.append(caps)
    # as short as what it must say (a group reads it in both languages): one line for
    # holdings, one for reserves, one for the other liabilities, one for the longer view
    securities = item(f._("Securities held outright"), event.securities,
                      event.securities_change_1w)
    if securities and event.treasuries and event.mbs:
        securities = f._("{securities}, of which Treasuries {treasuries} and MBS {mbs}").format(
            securities=securities, treasuries=f.usd_millions(event.treasuries),
            mbs=f.usd_millions(event.mbs))
    reserves = item(reserves_label, event.reserves, event.reserves_change_1w)
    if reserves and event.reserves_basis == "week_average" and event.reserves_wednesday:
        reserves = f._("{reserves}; {level} on Wednesday").format(
            reserves=reserves, level=f.usd_millions(event.reserves_wednesday))
    others = [part for part in (
        item(f._("Overnight reverse repos (ON RRP)"), event.on_rrp, event.on_rrp_change_1w),
        item(f._("Treasury General Account (TGA)"), event.tga, event.tga_change_1w),
        item(f._("Currency in circulation"), event.currency, None)) if part]
    lines += [line for line in (securities, reserves, f._("; ").join(others)) if line]
    net = _net_liquidity_line(event, f)
    if net:
        lines.append(net)
    horizons = []
    for label, value in ((f._("4 weeks"), event.total_assets_change_4w),
                         (f._("13 weeks"), event.total_assets_change_13w),
                         (f._("1 year"), event.total_assets_change_52w)):
        if value is not None:
            horizons.append(f._("{period} {change}").format(
                period=label, change=f.signed_usd_millions(value)))
    longer = f._("Total assets over {periods}.").format(periods=f._(", ").join(horizons)) \
        if horizons else ""
    if event.peak_total_assets and event.peak_week:
        drop = event.peak_total_assets - event.total_assets
        if drop > 0:
            longer = f.sentences(longer, f._(
                "Down {drop} ({pct}) from the {peak} peak of {when}.").format(
                drop=f.usd_millions(drop), pct=f.percent(drop / event.peak_total_assets),
                peak=f.usd_millions(event.peak_total_assets), when=f.date(event.peak_week)))
    if longer:
        lines.append(longer)
    footer = f._("Week ended Wednesday {week}; released {when}").format(
        week=f.date(event.week_ending), when=f.moment(event.occurred_at, zone))
    if event.late:
        footer = f._("{footer} · detected late (the bot was offline)").format(footer=footer)
    return Section(
        language=f.language.value,
        title=f._("Fed balance sheet (H.4.1): {total}").format(total=total),
        lines=tuple(lines),
        link=event.url,
        link_label=f._("H.4.1 release"),
        footer=footer,
    )


def _transition(event: RegimeChange, f: Formatter) -> str:
    """What changed, in the FOMC's terms, with the day it took effect."""
    when = f.date(event.effective) if event.effective else None
    if event.regime == "QT":
        text = f._("Runoff (quantitative tightening, QT) began on {when}")
    elif event.regime == "QE":
        text = f._("Net asset purchases (quantitative easing, QE) began on {when}")
    elif event.regime == "RMP":
        text = f._("Reserve-management purchases of Treasury bills began on {when}; the Fed "
                   "says they keep reserves ample and are not QE")
    elif event.previous == "QT":
        text = f._("Runoff (QT) ended on {when}; holdings are now kept steady")
    elif event.previous == "QE":
        text = f._("Net asset purchases (QE) ended on {when}; maturing holdings are "
                   "reinvested")
    else:
        text = f._("Reserve-management purchases ended on {when}")
    if when is None:
        return f._("The Fed's balance sheet has moved from {old} to {new}").format(
            old=regime_name(f, event.previous), new=regime_name(f, event.regime))
    return text.format(when=when)


def render_regime(event: RegimeChange, f: Formatter, zone: str) -> Section:
    headline = _transition(event, f)
    if event.announced:
        headline = f._("{text} (announced on {when})").format(
            text=headline, when=f.date(event.announced))
    headline += f._(".")
    detail = f._("Securities held outright: {level}, {change} over 13 weeks.").format(
        level=f.usd_millions(event.securities),
        change=f.signed_usd_millions(event.securities_change_13w))
    return Section(
        language=f.language.value,
        title=f._("Balance-sheet regime change: {regime}").format(
            regime=regime_name(f, event.regime)),
        lines=(headline, detail),
        footer=f._("Week ended Wednesday {week}").format(week=f.date(event.week_ending)),
    )


def metric_name(f: Formatter, metric: str) -> str:
    return {
        "on_rrp": f._("Overnight reverse repos (ON RRP)"),
        "tga": f._("Treasury General Account (TGA)"),
        "reserves": f._("Reserve balances (week average)"),
        "net_liquidity": f._("Net liquidity (total assets − TGA − ON RRP)"),
    }[metric]


def render_liquidity(event: LiquidityAlert, f: Formatter, zone: str) -> Section:
    name = metric_name(f, event.metric)
    level = f.usd_millions(event.threshold)
    value = f.usd_millions(event.value)
    if event.test == "below":
        title = f._("{name} fell below {level}").format(name=name, level=level)
    elif event.test == "above":
        title = f._("{name} rose above {level}").format(name=name, level=level)
    else:
        title = f._("{name} moved {change} in a week").format(
            name=name, change=f.signed_usd_millions(event.change_1w or 0))
    lines = [f._("{name}: {value} ({change} on the week).").format(
        name=name, value=value, change=f.signed_usd_millions(event.change_1w or 0))]
    lines.append(f._("Your liquidity alert: {rule}.").format(rule=rule_text(
        f, event.metric, event.test, event.threshold)))
    return Section(language=f.language.value, title=title, lines=tuple(lines),
                   link=event.url, link_label=f._("H.4.1 release"),
                   footer=f._("Week ended Wednesday {week}").format(week=f.date(event.week_ending)))


def rule_text(f: Formatter, metric: str, test: str, millions: int) -> str:
    name = metric_name(f, metric)
    amount = f.usd_millions(millions)
    if test == "below":
        return f._("{name} below {amount}").format(name=name, amount=amount)
    if test == "above":
        return f._("{name} above {amount}").format(name=name, amount=amount)
    return f._("{name} moving {amount} or more in a week").format(name=name, amount=amount)


def liquidity_style(event: LiquidityAlert) -> str:
    return "info"
