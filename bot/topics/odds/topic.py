"""The odds topic: FedWatch-style rate-move probabilities from fed funds futures."""

from __future__ import annotations

from bot.config import Settings
from bot.domain.topics import TopicInfo
from bot.render.formatting import Formatter
from bot.render.i18n import N_
from bot.topics.base import CheckResult, StatusView, TopicSpec
from bot.topics.odds import render
from bot.topics.odds.commands import COMMANDS
from bot.topics.odds.events import OddsShift
from bot.topics.odds.markets import MarketDivergence, MarketsWatcher, check_markets
from bot.topics.odds.snapshot import ODDS_SNAPSHOT, OddsSnapshot
from bot.topics.odds.watcher import DEMO_HANDLERS, OddsWatcher, check


async def check_all(settings: Settings) -> list[CheckResult]:
    """``fedalert check``: the futures' settlements, then each prediction-market venue."""
    return [*await check(settings), *await check_markets(settings)]


def status(f: Formatter, view: StatusView) -> str:
    odds = view.snapshots.get(ODDS_SNAPSHOT)
    if not isinstance(odds, OddsSnapshot) or not odds.meetings:
        return f._("Rate odds: not computed yet")
    first = odds.meetings[0]
    return f._("Next meeting {day}: cut {cut} / hold {hold} / hike {hike}").format(
        day=f.date(first.day, year=False), cut=f.percent(first.cut, 0),
        hold=f.percent(first.hold, 0), hike=f.percent(first.hike, 0))


TOPIC = TopicSpec(
    info=TopicInfo("odds", N_("Rate odds (FedWatch)"), aliases=("fedwatch", "rates", "機率")),
    events=(OddsShift, MarketDivergence),
    renderers={"odds_shift": (render.render, render.style),
               "odds_markets": (render.render_divergence, render.divergence_style)},
    enabled=lambda settings: settings.sources.odds,
    watcher=OddsWatcher,
    more_watchers=(MarketsWatcher,),
    check=check_all,
    demo=DEMO_HANDLERS,
    snapshots={ODDS_SNAPSHOT: OddsSnapshot},
    status=status,
    commands=COMMANDS,
)
