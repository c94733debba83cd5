"""Sub-commands contributed by the sources: ``parse``, ``calendar``, ``odds``.

Kept apart from ``bot.cli.main`` so each source adds its command here without touching the
core commands. Every handler returns an exit status: 0 ok, 1 the input did not parse.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bot.config import Settings


def _read(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8", "cp1252", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _date_in_name(path: Path) -> date | None:
    """``2025-09-17.txt`` or ``monetary20250917a.htm``: the statement's day, for a text
    that does not print its date."""
    match = re.search(r"(\d{4})-?(\d{2})-?(\d{2})", path.name)
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def _print_rendered(events: list[Any], lang: str) -> None:
    """The alerts exactly as a chat with language ``lang`` would receive them (as text)."""
    from bot.domain.chats import Language
    from bot.topics.catalog import Catalog

    language = Language(lang)
    zone = "America/New_York" if language is Language.EN else "Asia/Taipei"
    renderers = Catalog().renderers
    for index, event in enumerate(events):
        if index:
            print()
        print(renderers.message(event, language, zone).to_text())


def _add_render_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--render", action="store_true",
                        help="print the alert exactly as it would be sent")
    parser.add_argument("--lang", choices=("zh-Hant", "en", "both"), default="both",
                        help="the chat language to render for (default: both)")
    parser.add_argument("--url", help="the link the alert gives (default: none)")
    parser.add_argument("--released", type=datetime.fromisoformat, metavar="ISO-TIME",
                        help="when it was published, e.g. 2025-09-17T14:00-04:00 (default: "
                             "the time the text states, else only its day)")


# parse fomc ---------------------------------------------------------------------------
def parse_fomc(args: argparse.Namespace) -> int:
    from bot.topics.fomc.statement import (
        StatementParseError,
        TargetRangeHistory,
        parse_range_text,
        parse_statement,
    )

    try:
        previous = parse_range_text(args.previous_range) if args.previous_range else None
    except ValueError as exc:
        print(f"error: --previous-range: {exc}", file=sys.stderr)
        return 2
    try:
        parsed = parse_statement(_read(args.file), previous_range=previous,
                                 previous_text=_read(args.previous) if args.previous else None,
                                 history=TargetRangeHistory.packaged(),
                                 statement_date=_date_in_name(args.file))
    except StatementParseError as exc:
        return _fail(f"{args.file}: {exc}")
    if args.render:
        from datetime import time
        from zoneinfo import ZoneInfo

        from bot.domain.calendar import load_calendar
        from bot.topics.fomc.statement import statement_sentences
        from bot.topics.fomc.watcher import build_event, looks_unscheduled, release_time

        before = list(statement_sentences(_read(args.previous))) if args.previous else None
        # what the input does not say (the time, the address) is left out, not guessed:
        # the Fed's time and folder changed over the years (2:15 pm before 2013, b.htm)
        stated = args.released or (release_time(parsed, parsed.date) if parsed.date
                                   else None)
        released = stated or (datetime.combine(parsed.date, time(12, 0), ZoneInfo(
            "America/New_York")).astimezone(UTC) if parsed.date else datetime.now(UTC))
        unscheduled = parsed.date is not None and looks_unscheduled(parsed, parsed.date,
                                                                    load_calendar())
        event = build_event(parsed, url=args.url or "", released_at=released,
                            previous_sentences=before, late=False, unscheduled=unscheduled)
        if stated is None:
            event = event.model_copy(update={"release_time_known": False})
        _print_rendered([event], args.lang)
        return 0
    data = parsed.as_json()
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
        return 0
    size = f"{parsed.change_bps:+d} bp" if parsed.change_bps is not None else "size unknown"
    print(f"{data['date'] or 'undated'}: {parsed.decision} ({size}), target range "
          f"{parsed.target_low}-{parsed.target_high}%")
    if parsed.votes_for is not None:
        print(f"vote {parsed.votes_for}-{parsed.dissents}")
    for dissent in parsed.dissenters:
        print(f"  against: {dissent.name}" + (f" ({dissent.preferred})" if dissent.preferred
                                               else ""))
    for action in parsed.balance_sheet:
        print(f"  balance sheet: {action.kind} ({action.asset}): {action.sentence}")
    return 0


# parse note ---------------------------------------------------------------------------
def parse_note_file(args: argparse.Namespace) -> int:
    from bot.topics.fomc.note import NoteParseError, parse_note

    try:
        note = parse_note(_read(args.file))
    except NoteParseError as exc:
        return _fail(f"{args.file}: {exc}")
    data = note.as_json()
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
        return 0
    for key, value in data.items():
        print(f"{key}: {'-' if value is None else value}")
    return 0


def _add_note_parser(kinds: Any) -> None:
    note = kinds.add_parser(
        "note", help="an implementation note (a1.htm, or the statement PDF's text)",
        description="Parse the implementation note released with a statement: IORB (IOER "
                    "before July 2021), ON RRP offering rate, primary credit rate, standing "
                    "repo minimum bid rate (srf_min_bid) or fixed rate (srf_rate), the "
                    "effective date and any monthly runoff caps. Percent; null when absent.")
    note.add_argument("file", type=Path)
    note.add_argument("--json", action="store_true", help="print JSON")


# parse sep ----------------------------------------------------------------------------
def parse_sep_file(args: argparse.Namespace) -> int:
    from bot.topics.fomc.projections import ProjectionsParseError, parse_projections

    try:
        projections = parse_projections(_read(args.file))
    except ProjectionsParseError as exc:
        return _fail(f"{args.file}: {exc}")
    if args.json:
        print(json.dumps(projections.as_json(), ensure_ascii=False))
        return 0
    released = f" of {projections.released}" if projections.released else ""
    print(f"Summary of Economic Projections{released} (medians, percent)")
    for name, row in projections.medians.items():
        print(f"  {name:<13}" + "  ".join(f"{column}: {value}" for column, value in row.items()))
    if projections.dots:
        print(f"  dot plot: {sum(projections.dots.counts[k][0] for k in projections.dots.counts)}"
              f" participants in {projections.dots.columns[0]}")
    return 0


def _add_sep_parser(kinds: Any) -> None:
    sep = kinds.add_parser(
        "sep", help="a Summary of Economic Projections table (fomcprojtabl…htm or its text)",
        description="Parse the medians of the SEP's Table 1: the federal funds rate, core PCE "
                    "inflation, unemployment and GDP growth for each year and the longer run.")
    sep.add_argument("file", type=Path)
    sep.add_argument("--json", action="store_true", help="print the medians as JSON")


# parse h41 ----------------------------------------------------------------------------
def parse_h41(args: argparse.Namespace) -> int:
    from bot.topics.h41.parse import H41ParseError, parse_h41_file
    from bot.topics.h41.regime import regimes_of

    try:
        weeks = parse_h41_file(_read(args.file))
    except H41ParseError as exc:
        return _fail(f"{args.file}: {exc}")
    complete = [w for w in weeks if w.securities is not None]
    if args.render:
        from datetime import time
        from zoneinfo import ZoneInfo

        from bot.domain.holidays import h41_release_after
        from bot.topics.h41.parse import H41ParseError as BuildError
        from bot.topics.h41.watcher import build_events

        if not complete:
            return _fail(f"{args.file}: no week with securities held outright")
        last = complete[-1]
        release = last.release_date or h41_release_after(last.week_ending)
        released = datetime.combine(release, time(16, 30), ZoneInfo("America/New_York"))
        try:
            event, change = build_events(complete, released_at=released.astimezone(UTC),
                                         url=args.url)
        except BuildError as exc:
            return _fail(f"{args.file}: {exc}")
        _print_rendered([event] + ([change] if change else []), args.lang)
        return 0
    regimes = dict(zip([w.week_ending for w in complete], regimes_of(complete), strict=True))
    rows = []
    for week in weeks if args.all else weeks[-1:]:
        row = week.as_json()
        if args.all:
            row["regime"] = regimes.get(week.week_ending)
        rows.append(row)
    if args.json:
        print(json.dumps(rows if args.all else rows[0], ensure_ascii=False))
        return 0
    for row in rows:
        extra = f"  {row['regime']}" if "regime" in row else ""
        print(f"{row['week_ending']}: total assets {row['total_assets']}, securities "
              f"{row['securities']}, Treasuries {row['treasuries']}, MBS {row['mbs']}, "
              f"reserves {row['reserves']} (millions USD){extra}")
    return 0


def _add_h41_parser(kinds: Any) -> None:
    h41 = kinds.add_parser("h41", help="an H.4.1 page, its ASCII form, a FRED CSV or a DDP XML",
                           description="Parse H.4.1 figures (millions of USD): the release "
                                       "page, H41.TXT, a FRED fredgraph.csv of WALCL, TREAST, "
                                       "WSHOMCB, WSHOSHO, WRESBAL, or a DDP SDMX-ML file.")
    h41.add_argument("file", type=Path)
    h41.add_argument("--all", action="store_true",
                     help="every week in the file, each with its regime as the FOMC announced "
                          "it (QT, QE, flat or RMP: reserve-management purchases)")
    h41.add_argument("--json", action="store_true", help="print JSON")
    _add_render_options(h41)


# parse macro --------------------------------------------------------------------------
def parse_macro(args: argparse.Namespace) -> int:
    from bot.topics.macro.parse import MacroParseError, parse_macro_file

    try:
        releases = parse_macro_file(_read(args.file))
    except MacroParseError as exc:
        return _fail(f"{args.file}: {exc}")
    if args.render:
        from zoneinfo import ZoneInfo

        from bot.topics.macro.parse import released_at
        from bot.topics.macro.watcher import to_event

        events = []
        for release in releases:
            released = args.released or released_at(release) or datetime.now(UTC)
            if released.tzinfo is None:  # --released without a zone: US Eastern
                released = released.replace(tzinfo=ZoneInfo("America/New_York"))
            events.append(to_event(release, released_at=released.astimezone(UTC),
                                   url=args.url, time_known=bool(args.released or
                                                                 release.released)))
        _print_rendered(events, args.lang)
        return 0
    if args.json:
        figures = [{"release": r.kind, "field": f["field"], "period": f["period"],
                    "value": f["value"]} for r in releases for f in r.as_json()["figures"]]
        print(json.dumps({"file": str(args.file), "releases": [r.as_json() for r in releases],
                          "figures": figures}, ensure_ascii=False, indent=1))
        return 0
    for release in releases:
        estimate = f" ({release.estimate} estimate)" if release.estimate else ""
        print(f"{release.kind} {release.period}{estimate}"
              f"{' released ' + release.released.isoformat() if release.released else ''}")
        for figure in release.figures:
            print(f"  {figure.field} {figure.period}: {figure.json_value()}")
    return 0


def _add_macro_parser(kinds: Any) -> None:
    macro = kinds.add_parser(
        "macro", help="a BLS CPI or jobs release, a BEA PCE or GDP release, or BEA's feed",
        description="Parse the figures a trader reads first from a CPI, Employment Situation, "
                    "Personal Income and Outlays (PCE) or GDP release, as text or HTML: "
                    "cpi_u_mom_sa_pct, nfp_change, core_pce_price_yoy_pct, real_gdp_saar_pct "
                    "… each with its period. A figure the release did not publish is said so "
                    "(NOT_PUBLISHED, NOT_COLLECTED).")
    macro.add_argument("file", type=Path)
    macro.add_argument("--json", action="store_true", help="print JSON")
    _add_render_options(macro)


# releases (the macro schedule) ----------------------------------------------------------
def releases_command(args: argparse.Namespace, settings: Settings) -> int:
    """``show`` the release schedule the macro watcher uses; ``refresh`` it from BLS's and
    BEA's pages (``--page`` saved copies instead), kept in the store as the leader's is."""
    from bot.topics.macro.schedule import merge, parse_schedule, to_toml
    from bot.topics.macro.watcher import SCHEDULE_STATE, refresh_schedule, stored_schedule

    async def run() -> int:
        from bot.domain.events import EventTypes
        from bot.store.keys import KeySchema
        from bot.store.records import EventRecords
        from bot.store.server import connect
        from bot.store.snapshots import Snapshots

        async with connect(settings) as redis:
            keys = KeySchema(settings.key_prefix, settings.partitions)
            snapshots = Snapshots(redis, keys, EventRecords(redis, keys, EventTypes()))
            schedule = await stored_schedule(snapshots)
            if args.action == "refresh":
                if args.page:
                    found = []
                    for page in args.page:
                        if not page.is_file():
                            return _fail(f"no such file: {page}")
                        found += parse_schedule(_read(page), page.stem.split("__")[0])
                    schedule = merge(schedule, found)
                    await snapshots.set_json(SCHEDULE_STATE, to_toml(schedule))
                    print(f"read {len(found)} release days from {len(args.page)} page(s)")
                else:
                    try:
                        schedule, read = await refresh_schedule(settings, snapshots)
                    except Exception as exc:
                        return _fail(f"could not refresh the schedule: {exc}")
                    print(f"read {read} release days from BLS and BEA")
            today = datetime.now(UTC).date()
            shown = [e for e in schedule if args.all or e.day is None or e.day >= today]
            for entry in shown:
                when = f"{entry.day} {entry.at:%H:%M} ET" if entry.day else "-"
                print(f"{entry.kind:5} {entry.period or '?':8} {when:22} {entry.status}")
            if not shown:
                print("no coming release in the schedule (run `fedalert releases refresh`)")
        return 0

    return asyncio.run(run())


# calendar -----------------------------------------------------------------------------
def calendar_command(args: argparse.Namespace, settings: Settings) -> int:
    """``show`` and ``refresh`` act on the calendar the watchers use (the deployment's store:
    the copy the leader refreshes daily, else the packaged one), or on ``--file``."""
    from bot.domain.calendar import (
        FomcCalendar,
        load_calendar,
        merge_calendar,
        parse_calendar_page,
    )

    file: Path | None = args.file
    if file is not None and file.is_dir():
        return _fail(f"a folder, not a file: {file}")
    if args.action == "show":
        if file is not None and not file.is_file():
            return _fail(f"no such file: {file}")
        try:
            calendar = (FomcCalendar.from_toml(_read(file)) if file is not None
                        else asyncio.run(_stored_calendar(settings)))
        except ValueError as exc:
            return _fail(f"{file}: not a calendar: {exc}")
        now = datetime.now(UTC)
        for meeting in calendar.meetings:
            mark = "  <- next" if meeting is calendar.next_meeting(now) else ""
            print(f"{meeting.start} .. {meeting.end}{mark}")
        return 0

    from bot.topics.http import describe_error, make_http_client

    url = settings.fed.base_url + "/monetarypolicy/fomccalendars.htm"

    async def fetch() -> str:
        async with make_http_client(settings) as client:
            response = await client.get(url)
            response.raise_for_status()
            return response.text

    try:
        html = asyncio.run(fetch()) if args.page is None else _read(args.page)
    except Exception as exc:
        return _fail(f"could not read {url}: {describe_error(exc)}: {exc}")
    meetings = parse_calendar_page(html)
    if not meetings:
        return _fail("no meetings found on the calendar page (layout changed?)")
    today = datetime.now(UTC).date()
    years = sorted({m.end.year for m in meetings})
    if file is None:
        known = asyncio.run(_refresh_stored_calendar(settings, meetings, url))
        where = "the store the watchers read (in effect within 10 minutes)"
    else:
        current = FomcCalendar.from_toml(_read(file)) if file.is_file() else None
        merged = merge_calendar(current or load_calendar(), meetings, source=url,
                                today=today)
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(merged.to_toml(), encoding="utf-8")
        known, where = len(merged.meetings), str(file)
    print(f"{len(meetings)} meetings read for {years[0]}-{years[-1]}; {known} in {where}")
    return 0


async def _stored_calendar(settings: Settings) -> Any:
    from bot.store.calendar import CalendarStore
    from bot.store.keys import KeySchema
    from bot.store.server import connect

    async with connect(settings) as redis:
        return await CalendarStore(redis, KeySchema(settings.key_prefix,
                                                    settings.partitions)).current()


async def _refresh_stored_calendar(settings: Settings, meetings: Any, source: str) -> int:
    """Merge what the page says into the stored calendar, as the leader's daily job does."""
    from bot.domain.calendar import merge_calendar
    from bot.store.calendar import CalendarStore
    from bot.store.keys import KeySchema
    from bot.store.server import connect

    async with connect(settings) as redis:
        calendars = CalendarStore(redis, KeySchema(settings.key_prefix, settings.partitions))
        merged = merge_calendar(await calendars.current(), meetings, source=source,
                                today=datetime.now(UTC).date())
        await calendars.save(merged)
        return len(merged.meetings)


# odds ---------------------------------------------------------------------------------
def odds_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain.calendar import load_calendar, read_decision_days
    from bot.topics.fomc.statement import parse_range_text
    from bot.topics.odds.method import OddsInputError, compute_odds, parse_settlements_text
    from bot.topics.odds.watcher import parse_cme_json

    try:
        text = _read(args.settlements)
        as_of = datetime.strptime(args.as_of, "%Y-%m-%d").date() if args.as_of else None
        if '"settlements"' in text[:200]:
            cme = parse_cme_json(text)
            prices, as_of = cme.prices, as_of or cme.trade_date
        else:
            prices = parse_settlements_text(text)
        as_of = as_of or datetime.now(UTC).date()
        low, high = parse_range_text(args.range)
        calendar = read_decision_days(args.calendar) if args.calendar else load_calendar()
        table = compute_odds(prices, calendar.decision_days, as_of, (low, high), args.day_count)
    except (OddsInputError, ValueError, OSError) as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(table.as_json()))
        return 0
    print(f"Odds as of {table.as_of} (current range {low}-{high}%, day count {args.day_count})")
    for meeting in table.meetings:
        buckets = "  ".join(f"{label}: {p * 100:5.1f}%" for label, p in meeting.distribution
                            if p >= 0.0005)
        print(f"{meeting.decision_day}  {buckets}")
        print(f"{'':12}cut {meeting.cut:6.1%}  hold {meeting.hold:6.1%}  hike {meeting.hike:6.1%}"
              f"  expected {meeting.expected_rate:.3f}%  implied {meeting.implied_rate:.3f}%")
    for note in table.notes:
        print(f"note: {note}")
    return 0


# registration -------------------------------------------------------------------------
def _parse_command(args: argparse.Namespace, settings: Settings) -> int:
    handler = _PARSERS.get(args.kind)
    if handler is None:
        return _fail(f"unknown kind {args.kind}")
    for given in (args.file, getattr(args, "previous", None)):
        if given is not None and not given.is_file():
            return _fail(f"{'a folder, not a file' if given.is_dir() else 'no such file'}: "
                         f"{given}")
    return handler(args)


_PARSERS: dict[str, Callable[[argparse.Namespace], int]] = {"fomc": parse_fomc,
                                                            "h41": parse_h41,
                                                            "note": parse_note_file,
                                                            "sep": parse_sep_file,
                                                            "macro": parse_macro}


def register(parsers: list[Callable[[Any], None]], commands: dict[str, Any]) -> None:
    def add(sub: Any) -> None:
        parse = sub.add_parser("parse",
                               help="parse a saved source file (fomc, h41, note, sep, macro)",
                               description="Parse a saved page or data file and print what "
                                           "the watcher would read from it.")
        kinds = parse.add_subparsers(dest="kind", metavar="KIND", required=True)
        fomc = kinds.add_parser("fomc", help="an FOMC statement page (HTML) or its text",
                                description="Parse an FOMC statement: decision, size, target "
                                            "range, dissents, balance-sheet actions.")
        fomc.add_argument("file", type=Path)
        fomc.add_argument("--previous-range", metavar="LOW-HIGH",
                          help="the range before the meeting, e.g. 4.25-4.50 (sizes moves "
                               "the statement does not state; the built-in history of "
                               "2008-2025 decisions is used first for those dates)")
        fomc.add_argument("--previous", type=Path, metavar="FILE",
                          help="the previous statement, to tell new balance-sheet language")
        fomc.add_argument("--json", action="store_true", help="print JSON")
        _add_render_options(fomc)
        for register_kind in _EXTRA_KINDS:
            register_kind(kinds)

        calendar = sub.add_parser(
            "calendar", help="show or refresh the FOMC meeting calendar the watchers use",
            description="`show` lists the meetings; `refresh` reads the Fed's "
                        "fomccalendars.htm and merges it into the calendar the watchers use "
                        "(kept in the deployment's store, as the leader's daily refresh "
                        "does; the packaged calendar until then). --file acts on a TOML "
                        "file instead.")
        calendar.add_argument("action", choices=["show", "refresh"])
        calendar.add_argument("--file", type=Path,
                              help="a calendar TOML file to show, or to write on refresh, "
                                   "instead of the store")
        calendar.add_argument("--page", type=Path, help="a saved fomccalendars.htm instead of "
                                                        "fetching it")

        releases = sub.add_parser(
            "releases", help="show or refresh the CPI, jobs, PCE and GDP release schedule",
            description="`show` lists the coming release days (US Eastern) the macro watcher "
                        "uses; `refresh` reads BLS's schedule pages and revised-dates page and "
                        "BEA's feed (or saved copies given with --page) into the store, as "
                        "the leader does daily.")
        releases.add_argument("action", choices=["show", "refresh"])
        releases.add_argument("--page", type=Path, action="append",
                              help="a saved schedule page or notice (repeatable)")
        releases.add_argument("--all", action="store_true", help="past days too")

        odds = sub.add_parser(
            "odds", help="FedWatch-style rate odds from a file of fed funds futures prices",
            description="Compute CME FedWatch-style probabilities of each target range at "
                        "every coming FOMC meeting from 30-day fed funds futures settlements.")
        odds.add_argument("--settlements", type=Path, required=True, metavar="FILE",
                          help='JSON {"2025-05": 95.725, ...}, CSV month,price, or CME\'s '
                               "settlements JSON")
        odds.add_argument("--as-of", metavar="YYYY-MM-DD",
                          help="trade date (default: the CME file's, else today)")
        odds.add_argument("--range", required=True, metavar="LOW-HIGH",
                          help="target range in effect on that date, e.g. 4.25-4.50")
        odds.add_argument("--day-count", choices=["cme", "legacy"], default="cme",
                          help="cme: decision day at the old rate (CME today, default); "
                               "legacy: at the new rate (CME 2015 paper, pyfedwatch)")
        odds.add_argument("--calendar", type=Path, metavar="FILE",
                          help="decision days, one YYYY-MM-DD a line, past ones included "
                               "(default: the project's calendar)")
        odds.add_argument("--json", action="store_true", help="print JSON")

    parsers.append(add)
    commands["parse"] = _parse_command
    commands["calendar"] = calendar_command
    commands["odds"] = odds_command
    commands["releases"] = releases_command


# later sources add: (kinds subparsers) -> None, and _PARSERS entries
_EXTRA_KINDS: list[Callable[[Any], None]] = [_add_h41_parser, _add_note_parser,
                                               _add_sep_parser, _add_macro_parser]
