"""The FOMC topic: rate decisions from the Fed's statements, and the meeting calendar."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.domain.brief import AgendaItem
from bot.domain.calendar import FomcCalendar
from bot.domain.ports import TARGET_RANGE_SNAPSHOT, TargetRange
from bot.domain.topics import TopicInfo
from bot.render.formatting import Formatter
from bot.render.i18n import N_
from bot.topics.base import StatusView, TopicSpec
from bot.topics.fomc import meeting_render, render
from bot.topics.fomc.commands import COMMANDS
from bot.topics.fomc.events import (
    BitcoinReaction,
    FomcDecision,
    MeetingPreview,
    MinutesRelease,
    NoteFollowUp,
    PressConference,
    ProjectionsRelease,
)
from bot.topics.fomc.meeting_day import MeetingDayWatcher
from bot.topics.fomc.meeting_demo import DEMO_HANDLERS as MEETING_DAY_DEMO
from bot.topics.fomc.statement import TargetRangeHistory
from bot.topics.fomc.watcher import DEMO_HANDLERS, FomcWatcher, check


def status(f: Formatter, view: StatusView) -> str:
    """The target range (as of its decision) and the next decision with a countdown."""
    lines = []
    current = current_range(view)
    if current is None:
        lines.append(f._("Fed funds target range: not known yet"))
    else:
        low, high, day = current
        lines.append(f._("Fed funds target range: {range} (set {day})").format(
            range=f.rate_range(low, high), day=f.date(day)))
    meeting = view.calendar.next_meeting(view.now)
    if meeting is not None:
        lines.append(f._("Next FOMC decision: {when} (in {countdown})").format(
            when=f.moment(meeting.statement_at, view.zone),
            countdown=countdown(f, meeting.statement_at - view.now)))
    return "\n".join(lines)


def current_range(view: StatusView) -> tuple[Decimal, Decimal, date] | None:
    """The latest decision's range, else the watcher's baseline, else the last decision in
    the packaged history (so /status knows the range from the first start)."""
    latest = view.latest.get("fomc")
    if isinstance(latest, FomcDecision):
        return latest.target_low, latest.target_high, latest.meeting_date
    known = view.snapshots.get(TARGET_RANGE_SNAPSHOT)
    if isinstance(known, TargetRange) and known.date is not None:
        return known.low, known.high, known.date
    history = TargetRangeHistory.packaged()  # a fresh install: the decisions fedalert ships
    if not history.days:
        return None
    last = history.days[-1]
    since = [day for day in view.calendar.decision_days if last < day <= view.now.date()]
    if since:  # a meeting the package does not know has passed: the range may have moved
        return None
    low, high = history.ranges[-1]
    return low, high, last


def countdown(f: Formatter, delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f._("{days} d {hours} h").format(days=days, hours=hours)
    return f._("{hours} h {minutes} min").format(hours=hours, minutes=mins)


EASTERN = ZoneInfo("America/New_York")


def agenda(calendar: FomcCalendar, et_day: date) -> list[AgendaItem]:
    """The statement at 2:00 pm ET on a decision day; the minutes three weeks after."""
    items = []
    if calendar.is_decision_day(et_day):
        items.append(AgendaItem("fomc", N_("FOMC statement"),
                                datetime.combine(et_day, time(14, 0), EASTERN)))
    if calendar.is_decision_day(et_day - timedelta(days=21)):
        items.append(AgendaItem("minutes", N_("FOMC minutes"),
                                datetime.combine(et_day, time(14, 0), EASTERN)))
    return items


TOPIC = TopicSpec(
    info=TopicInfo("fomc", N_("FOMC decisions"), aliases=("fed", "利率")),
    events=(FomcDecision, NoteFollowUp, ProjectionsRelease, PressConference, MinutesRelease,
            BitcoinReaction, MeetingPreview),
    renderers={"fomc_decision": (render.render, render.style),
               "fomc_note": (meeting_render.render_note, meeting_render.style),
               "fomc_sep": (meeting_render.render_projections, meeting_render.style),
               "fomc_presser": (meeting_render.render_presser, meeting_render.style),
               "fomc_minutes": (meeting_render.render_minutes, meeting_render.style),
               "fomc_btc_reaction": (meeting_render.render_reaction, meeting_render.style),
               "fomc_preview": (meeting_render.render_preview, meeting_render.style)},
    enabled=lambda settings: settings.sources.fomc,
    watcher=FomcWatcher,
    more_watchers=(MeetingDayWatcher,),
    check=check,
    demo={**DEMO_HANDLERS, **MEETING_DAY_DEMO},
    snapshots={TARGET_RANGE_SNAPSHOT: TargetRange},
    latest=("fomc",),
    status=status,
    commands=COMMANDS,
    agenda=agenda,
    news=True,
)
