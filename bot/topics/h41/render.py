"""H.4.1 balance-sheet alert text."""

from __future__ import annotations

from bot.render.formatting import Formatter
from bot.render.message import Section
from bot.topics.h41.events import BalanceSheetRelease, Regime, RegimeChange


def regime_name(f: Formatter, regime: Regime) -> str:
    return {
        "QT": f._("quantitative tightening (QT)"),
        "QE": f._("quantitative easing (QE)"),
        "flat": f._("a steady balance sheet"),
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


def render(event: BalanceSheetRelease, f: Formatter, zone: str) -> Section:
    total = f.usd_millions(event.total_assets)
    change = event.total_assets_change_1w
    regime_text = {
        "QT": f._("quantitative tightening (QT) continues"),
        "QE": f._("quantitative easing (QE) continues"),
        "flat": f._("the balance sheet is broadly steady"),
    }[event.regime]
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
    if change is not None and change > 0 and event.regime == "QT":
        headline += " " + f._("(The weekly rise is not QE: securities held keep falling.)")

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
    lines += [line for line in (
        item(f._("Securities held outright"), event.securities, event.securities_change_1w),
        item(f._("Treasury securities"), event.treasuries, event.treasuries_change_1w),
        item(f._("Mortgage-backed securities (MBS)"), event.mbs, event.mbs_change_1w),
        item(reserves_label, event.reserves, event.reserves_change_1w),
    ) if line]
    horizons = []
    for label, value in ((f._("4 weeks"), event.total_assets_change_4w),
                         (f._("13 weeks"), event.total_assets_change_13w),
                         (f._("1 year"), event.total_assets_change_52w)):
        if value is not None:
            horizons.append(f._("{period} {change}").format(
                period=label, change=f.signed_usd_millions(value)))
    if horizons:
        lines.append(f._("Total assets over {periods}.").format(periods=f._(", ").join(horizons)))
    if event.peak_total_assets and event.peak_week:
        drop = event.peak_total_assets - event.total_assets
        if drop > 0:
            lines.append(f._("Down {drop} ({pct}) from the {peak} peak of {when}.").format(
                drop=f.usd_millions(drop), pct=f.percent(drop / event.peak_total_assets),
                peak=f.usd_millions(event.peak_total_assets),
                when=f.date(event.peak_week)))
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


def render_regime(event: RegimeChange, f: Formatter, zone: str) -> Section:
    headline = f._("The Fed's balance sheet has moved from {old} to {new}.").format(
        old=regime_name(f, event.previous), new=regime_name(f, event.regime))
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
