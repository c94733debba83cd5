"""``/macro``: the latest CPI, jobs, PCE or GDP release as its alert, and what comes next."""

from __future__ import annotations

from dataclasses import replace

from bot.commands.core import (
    CommandContext,
    CommandSpec,
    Invocation,
    Param,
    ParamChoice,
    Reply,
    chat_zone,
    localized,
)
from bot.domain.chats import ChatKind, Language
from bot.domain.errors import NotAdmin
from bot.render.formatting import Formatter
from bot.render.i18n import N_, NP_
from bot.topics.macro.events import MacroRelease
from bot.topics.macro.render import month_name, series_title
from bot.topics.macro.schedule import next_after
from bot.topics.macro.watcher import PREVIEW_FIELD, stored_schedule

SERIES = {"cpi": "cpi", "jobs": "jobs", "nfp": "jobs", "payrolls": "jobs", "pce": "pce",
          "gdp": "gdp", "通膨": "cpi", "非農": "jobs", "就業": "jobs"}


async def macro(ctx: CommandContext, inv: Invocation, args: list[str],
                language: Language) -> Reply:
    """``/macro`` (the latest release of any series) or ``/macro cpi|jobs|pce|gdp``."""
    if args and args[0].lower() in ("preview", "預告"):
        return await preview(ctx, inv, args[1:], language)
    kind = SERIES.get(args[0].lower()) if args else None
    if args and kind is None:
        def unknown(f: Formatter) -> str:
            return f._("Unknown release “{word}”. Try: /macro cpi, /macro jobs, /macro pce, "
                       "/macro gdp").format(word=args[0][:40])
        return Reply(localized(language, unknown), language=language)
    event = await ctx.snapshots.latest_event(f"macro_{kind}" if kind else "macro")
    zone = await chat_zone(ctx, inv)
    schedule = await stored_schedule(ctx.snapshots)
    coming = next_after(schedule, ctx.clock(), kind)

    def upcoming(f: Formatter) -> str:
        if coming is None or coming.moment() is None:
            return f._("No coming release is in the schedule.")
        moment = coming.moment()
        assert moment is not None
        label = series_title(f, coming.kind)
        if coming.period:
            label = f._("{series} for {period}").format(series=label,
                                                       period=month_name(f, coming.period))
        return f._("Next: {release}, {when}.").format(release=label,
                                                      when=f.moment(moment, zone))

    if not isinstance(event, MacroRelease):
        def empty(f: Formatter) -> str:
            return f.sentences(f._("No macro release has been read yet."), upcoming(f))
        return Reply(localized(language, empty), language=language)
    message = ctx.renderers.message(event, language, zone)
    message = replace(message, sections=tuple(
        replace(section, lines=(*section.lines, upcoming(Formatter(Language(section.language)))))
        for section in message.sections))
    return Reply(message.to_text(), alert=message, language=language)


async def preview(ctx: CommandContext, inv: Invocation, args: list[str],
                  language: Language) -> Reply:
    """``/macro preview on|off``: the evening before each release, a preview."""
    if inv.chat_kind is not ChatKind.PRIVATE and not inv.is_admin:
        raise NotAdmin()
    await ctx.registry.require_chat(inv.chat)
    word = args[0].lower() if args else ""
    if word not in ("on", "off", "開", "關"):
        current = await ctx.registry.get_field(inv.chat, PREVIEW_FIELD) == "on"

        def state(f: Formatter) -> str:
            return (f._("Release previews are on. /macro preview off stops them.") if current
                    else f._("Release previews are off. /macro preview on: the evening before "
                             "each CPI, jobs, PCE and GDP release."))
        return Reply(localized(language, state), language=language)
    on = word in ("on", "開")
    await ctx.registry.set_field(inv.chat, PREVIEW_FIELD, "on" if on else "")
    if on:
        await ctx.registry.subscribe(inv.chat, "macro")

    def done(f: Formatter) -> str:
        return (f._("Release previews on: the evening before each release, in this chat's "
                    "time zone.") if on else f._("Release previews off."))
    return Reply(localized(language, done), language=language)


COMMANDS = (
    CommandSpec(NP_("command", "macro"),
                N_("Latest CPI, jobs, PCE or GDP release and the next one"), handler=macro,
                params=(Param(NP_("command", "release"), N_("Which release"), kind="choice",
                              choices=(ParamChoice("cpi", N_("CPI")),
                                       ParamChoice("jobs", N_("jobs report")),
                                       ParamChoice("pce", N_("PCE inflation")),
                                       ParamChoice("gdp", N_("GDP")),
                                       ParamChoice("preview", N_("previews on or off")))),
                        Param(NP_("command", "switch"), N_("on or off (previews)"),
                              kind="choice", choices=(ParamChoice("on", N_("on")),
                                                      ParamChoice("off", N_("off"))))),
                example="/macro cpi"),
)
