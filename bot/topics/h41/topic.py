"""The H.4.1 topic: the Fed's weekly balance sheet and its QT/QE regime."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.brief import AgendaItem
from bot.domain.calendar import FomcCalendar
from bot.domain.holidays import h41_release_date
from bot.domain.topics import TopicInfo
from bot.render.formatting import Formatter
from bot.render.i18n import N_
from bot.topics.base import StatusView, TopicSpec
from bot.topics.h41 import render
from bot.topics.h41.commands import COMMANDS
from bot.topics.h41.events import BalanceSheetRelease, LiquidityAlert, RegimeChange
from bot.topics.h41.watcher import DEMO_HANDLERS, H41Watcher, check


def status(f: Formatter, view: StatusView) -> str:
    latest = view.latest.get("h41")
    if not isinstance(latest, BalanceSheetRelease):
        return f._("Balance sheet: no release read yet")
    line = f._("Balance sheet: {total} (week ended {week}), {regime}").format(
        total=f.usd_millions(latest.total_assets), week=f.date(latest.week_ending),
        regime=render.regime_name(f, latest.regime))
    if latest.net_liquidity is not None and latest.on_rrp is not None and \
            latest.tga is not None:
        line += "\n" + f._("Net liquidity {net} (ON RRP {rrp}, TGA {tga})").format(
            net=f.usd_millions(latest.net_liquidity), rrp=f.usd_millions(latest.on_rrp),
            tga=f.usd_millions(latest.tga))
    return line


EASTERN = ZoneInfo("America/New_York")


def agenda(calendar: FomcCalendar, et_day: date) -> list[AgendaItem]:
    """The weekly release at 4:30 pm ET: Thursday, or Friday after a Thursday holiday."""
    thursday = et_day - timedelta(days=(et_day.weekday() - 3) % 7)
    if h41_release_date(thursday) != et_day:
        return []
    return [AgendaItem("h41", N_("H.4.1 balance sheet"),
                       datetime.combine(et_day, time(16, 30), EASTERN))]


TOPIC = TopicSpec(
    info=TopicInfo("h41", N_("Fed balance sheet (H.4.1)"),
                   aliases=("balance", "qt", "資產負債表")),
    events=(BalanceSheetRelease, RegimeChange, LiquidityAlert),
    renderers={"h41_release": (render.render, render.style),
               "h41_regime": (render.render_regime, render.style),
               "h41_liquidity": (render.render_liquidity, render.liquidity_style)},
    enabled=lambda settings: settings.sources.h41,
    watcher=H41Watcher,
    check=check,
    demo=DEMO_HANDLERS,
    latest=("h41",),
    status=status,
    commands=COMMANDS,
    agenda=agenda,
    news=True,
)
