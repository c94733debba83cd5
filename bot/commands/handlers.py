"""The command layer: every chat command, once, for every platform.

Handlers read and change the registry and read the snapshots; they return a ``Reply``
in the chat's language. Bad input raises a typed ``UserInputError`` inside a handler and
comes out as a short reply with the right form; nothing else escapes ``run``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bot import metrics
from bot.commands.amounts import parse_alert_args
from bot.commands.core import Button, Compose, Invocation, Reply, localized
from bot.commands.replies import (
    direction_words,
    error_text,
    language_name,
    mode_words,
    topic_name,
)
from bot.domain.calendar import FomcCalendar, load_calendar
from bot.domain.chats import Chat, ChatKind, Language, RepeatMode, Topic
from bot.domain.errors import (
    InvalidId,
    MissingArgument,
    NotAdmin,
    UnknownCommand,
    UserInputError,
)
from bot.domain.events import BalanceSheetRelease, FomcDecision
from bot.render.formatting import Formatter
from bot.render.i18n import N_
from bot.render.renderers import render_message
from bot.store.registry import parse_quiet_hours
from bot.topics.fomc.schedule import current_calendar

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)

# name -> description (msgid), in menu order; Telegram menus and Discord commands use these
COMMAND_DESCRIPTIONS: dict[str, str] = {
    "start": N_("Start: choose language and topics"),
    "help": N_("List the commands"),
    "subscribe": N_("Subscribe to a topic: fomc, h41, odds, btc"),
    "unsubscribe": N_("Unsubscribe from a topic"),
    "lang": N_("Language: zh-Hant, en or both"),
    "alert": N_("BTC price alert, e.g. /alert below 80000"),
    "alerts": N_("List this chat's price alerts"),
    "delalert": N_("Delete a price alert by its number"),
    "status": N_("Rates, next FOMC, balance sheet, odds, BTC"),
    "fomc": N_("Last FOMC decision and what changed"),
    "balance": N_("Latest Fed balance sheet (H.4.1) with chart"),
    "odds": N_("Rate-move odds for the coming meetings"),
    "btc": N_("Bitcoin composite price"),
    "settings": N_("Time zone and quiet hours"),
    "stop": N_("Stop alerts and delete this chat's data"),
}
CHANGES_SETTINGS = {"subscribe", "unsubscribe", "lang", "alert", "delalert", "settings", "stop"}
ALL_WORDS = {"all", "全部", "所有"}


def describe(f: Formatter, name: str) -> str:
    return f._(COMMAND_DESCRIPTIONS[name])


Handler = Callable[["Commands", Invocation, list[str], Language], Awaitable[Reply]]


def parse_command(text: str, bot_username: str | None = None) -> tuple[str, list[str]] | None:
    """``"/alert@fedalert_bot below 80k"`` → ``("alert", ["below", "80k"])``; None if no command."""
    stripped = (text or "").strip()
    if not stripped.startswith("/") or len(stripped) < 2:
        return None
    head, *args = stripped.split()
    name, _, mention = head[1:].partition("@")
    if mention and bot_username and mention.lower() != bot_username.lower():
        return None  # addressed to another bot in the group
    return name.lower(), args


class Commands:
    def __init__(self, services: Services, calendar: FomcCalendar | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.services = services
        self.registry = services.registry
        self.calendar = calendar or load_calendar()
        self.follow_refreshed_calendar = calendar is None
        self.clock = clock or (lambda: datetime.now(UTC))
        self.handlers: dict[str, Handler] = {
            "start": Commands.start, "help": Commands.help, "subscribe": Commands.subscribe,
            "unsubscribe": Commands.unsubscribe, "lang": Commands.lang,
            "alert": Commands.alert, "alerts": Commands.alerts, "delalert": Commands.delalert,
            "status": Commands.status, "fomc": Commands.fomc, "balance": Commands.balance,
            "odds": Commands.odds, "btc": Commands.btc, "settings": Commands.settings,
            "stop": Commands.stop,
        }

    # Entry points --------------------------------------------------------------------
    async def handle_text(self, inv: Invocation, text: str,
                          bot_username: str | None = None) -> Reply | None:
        parsed = parse_command(text, bot_username)
        if parsed is None:
            return None
        return await self.run(inv, *parsed)

    async def run(self, inv: Invocation, name: str, args: list[str]) -> Reply:
        """Run one command; always returns a reply, never raises."""
        language = await self._language(inv)
        outcome = "ok"
        try:
            handler = self.handlers.get(name)
            if handler is None:
                raise UnknownCommand(name, value=f"/{name}")
            if name in CHANGES_SETTINGS:
                self._require_admin(inv)
            reply = await handler(self, inv, args, language)
        except UserInputError as error:
            outcome = error.code
            reply = self._error(language, error)
        except Exception:
            log.exception("command /%s failed in %s", name, inv.chat)
            outcome = "crash"
            reply = Reply(localized(language, lambda f: f._(
                "Something went wrong on our side; please try again later.")),
                language=language, error="internal")
        metrics.COMMANDS.labels(inv.chat.platform, name if name in self.handlers else "unknown",
                                outcome).inc()
        return reply

    async def press(self, inv: Invocation, data: str) -> Reply:
        """A button press (``lang:en``, ``topic:fomc``, ``sub:on:fomc``)."""
        language = await self._language(inv)
        try:
            self._require_admin(inv)
            kind, _, value = data.partition(":")
            if kind == "lang":
                language = await self.registry.set_language(inv.chat, value)
                return await self._settings_menu(inv, language, changed=True)
            if kind == "topic":
                chat = await self.registry.require_chat(inv.chat)
                topic = Topic.parse(value)
                if topic in chat.topics:
                    await self.registry.unsubscribe(inv.chat, topic)
                else:
                    await self.registry.subscribe(inv.chat, topic)
                return await self._settings_menu(inv, language, changed=True)
            raise UnknownCommand(data, value=data)
        except UserInputError as error:
            return self._error(language, error)
        except Exception:
            log.exception("button %r failed in %s", data, inv.chat)
            return Reply(localized(language, lambda f: f._(
                "Something went wrong on our side; please try again later.")),
                language=language, error="internal")

    # Helpers -------------------------------------------------------------------------
    async def _language(self, inv: Invocation) -> Language:
        chat = await self.registry.get_chat(inv.chat)
        if chat is not None:
            return chat.language
        return self._guess(inv)

    @staticmethod
    def _guess(inv: Invocation) -> Language:
        """A new chat's language: the user's client in private, the group's own, else both."""
        if inv.chat_kind is ChatKind.PRIVATE:
            return Language.from_client(inv.user_language)
        if inv.chat_language:
            return Language.from_client(inv.chat_language)
        return Language.BOTH

    @staticmethod
    def _require_admin(inv: Invocation) -> None:
        if inv.chat_kind is not ChatKind.PRIVATE and not inv.is_admin:
            raise NotAdmin()

    @staticmethod
    def _error(language: Language, error: UserInputError) -> Reply:
        return Reply(localized(language, lambda f: error_text(f, error)), language=language,
                     error=error.code, ephemeral=True)

    async def _chat(self, inv: Invocation) -> Chat:
        return await self.registry.require_chat(inv.chat)

    def _buttons_language(self, language: Language) -> Formatter:
        return Formatter(language.singles[0])

    async def _settings_menu(self, inv: Invocation, language: Language, *,
                             changed: bool = False, intro: Compose | None = None) -> Reply:
        chat = await self._chat(inv)
        f = self._buttons_language(language)
        lang_row = tuple(
            Button(("● " if chat.language is option else "") + label, f"lang:{option.value}")
            for option, label in ((Language.ZH_HANT, "中文"), (Language.EN, "English"),
                                  (Language.BOTH, "中文 + English")))
        topic_rows = tuple(
            (Button(("✅ " if topic in chat.topics else "⬜ ") + topic_name(f, topic),
                    f"topic:{topic.value}"),)
            for topic in Topic)

        def compose(fmt: Formatter) -> str:
            parts = [intro(fmt)] if intro else []
            if changed:
                parts.append(fmt._("Saved."))
            parts.append(self._summary(fmt, chat))
            return "\n".join(parts)

        return Reply(localized(language, compose), buttons=(lang_row, *topic_rows),
                     language=language)

    @staticmethod
    def _summary(f: Formatter, chat: Chat) -> str:
        topics = f._(", ").join(topic_name(f, t) for t in Topic if t in chat.topics)
        return "\n".join([
            f._("Language: {language}").format(language=language_name(f, chat.language)),
            f._("Topics: {topics}").format(topics=topics or f._("none yet")),
            f._("Time zone: {zone}").format(zone=chat.timezone),
            f._("Quiet hours: {hours}").format(
                hours=str(chat.quiet_hours) if chat.quiet_hours else f._("off")),
        ])

    # Commands ------------------------------------------------------------------------
    async def start(self, inv: Invocation, args: list[str], language: Language) -> Reply:
        guessed = self._guess(inv)
        existing = await self.registry.get_chat(inv.chat)
        if existing is None:
            if not inv.is_admin and inv.chat_kind is not ChatKind.PRIVATE:
                raise NotAdmin()
            await self.registry.upsert_chat(inv.chat, inv.chat_kind, language=guessed,
                                            title=inv.chat_title)
            language = guessed
        elif not existing.active:
            await self.registry.reactivate(inv.chat)

        def intro(f: Formatter) -> str:
            return f._("Welcome to fedalert! I send alerts on FOMC rate decisions, the Fed's "
                       "balance sheet (H.4.1), rate-move odds and Bitcoin price levels. "
                       "Choose your language and topics below, or see /help.")

        return await self._settings_menu(inv, language, intro=intro)

    async def help(self, inv: Invocation, args: list[str], language: Language) -> Reply:
        def compose(f: Formatter) -> str:
            lines = [f._("Commands:")]
            lines += [f"/{name} — {describe(f, name)}" for name in COMMAND_DESCRIPTIONS]
            lines.append(f._("In groups, only admins can change settings."))
            return "\n".join(lines)

        return Reply(localized(language, compose), language=language)

    async def subscribe(self, inv: Invocation, args: list[str], language: Language) -> Reply:
        return await self._change_topics(inv, args, language, subscribe=True)

    async def unsubscribe(self, inv: Invocation, args: list[str], language: Language) -> Reply:
        return await self._change_topics(inv, args, language, subscribe=False)

    async def _change_topics(self, inv: Invocation, args: list[str], language: Language, *,
                             subscribe: bool) -> Reply:
        await self._chat(inv)
        if not args:
            return await self._settings_menu(inv, language)
        words = [a.strip(",，、") for a in args if a.strip(",，、")]
        if any(w.lower() in ALL_WORDS for w in words):
            topics = tuple(Topic)
        else:
            topics = tuple(dict.fromkeys(Topic.parse(w) for w in words))
        if subscribe:
            now = await self.registry.subscribe(inv.chat, *topics)
        else:
            now = await self.registry.unsubscribe(inv.chat, *topics)

        def compose(f: Formatter) -> str:
            names = f._(", ").join(topic_name(f, t) for t in topics)
            head = (f._("Subscribed: {topics}.") if subscribe else
                    f._("Unsubscribed: {topics}.")).format(topics=names)
            current = f._(", ").join(topic_name(f, t) for t in Topic if t in now)
            return head + "\n" + f._("Topics: {topics}").format(topics=current or f._("none yet"))

        return Reply(localized(language, compose), language=language)

    async def lang(self, inv: Invocation, args: list[str], language: Language) -> Reply:
        await self._chat(inv)
        if not args:
            return await self._settings_menu(inv, language)
        new = await self.registry.set_language(inv.chat, " ".join(args))
        return Reply(localized(new, lambda f: f._("Language set: {language}.").format(
            language=language_name(f, new))), language=new)

    async def alert(self, inv: Invocation, args: list[str], language: Language) -> Reply:
        chat = await self._chat(inv)
        zone = chat.timezone
        request = parse_alert_args(args)
        direction, level, mode = request.direction, request.level, request.mode
        price = await self._price()
        expires = self.clock() + request.expires_in if request.expires_in else None
        added = await self.registry.add_threshold(inv.chat, direction, level, mode=mode,
                                                  expires_at=expires, price=price)
        threshold = added.threshold

        def compose(f: Formatter) -> str:
            what = f._("Bitcoin {direction} {level}").format(
                direction=direction_words(f, threshold.direction),
                level=f.usd_level(threshold.level))
            if added.existing:
                lines = [f._("This chat already has that alert: #{id} {what}.").format(
                    id=threshold.id, what=what)]
            else:
                lines = [f._("Alert #{id} set: {what} ({mode}).").format(
                    id=threshold.id, what=what, mode=mode_words(f, threshold.mode))]
            if threshold.expires_at and not added.existing:
                lines.append(f._("It expires {when}.").format(
                    when=f.local_moment(threshold.expires_at, zone)))
            if price is not None:
                now_text = f._("Bitcoin is now {price}.").format(price=f.usd(price))
                if added.passed:
                    now_text += " " + f._("It is already past that level, so the alert waits "
                                          "for the next crossing.")
                lines.append(now_text)
            else:
                lines.append(f._("No live price yet: the alert fires on the first crossing "
                                 "the feeds see."))
            lines.append(f._("See /alerts; delete with /delalert {id}.").format(id=threshold.id))
            return "\n".join(lines)

        return Reply(localized(language, compose), language=language)

    async def _price(self) -> Decimal | None:
        snapshot = await self.services.snapshots.get_json("btc")
        if not snapshot or snapshot.get("price") is None:
            return None
        return Decimal(str(snapshot["price"]))

    async def alerts(self, inv: Invocation, args: list[str], language: Language) -> Reply:
        await self._chat(inv)
        thresholds = await self.registry.list_thresholds(inv.chat)

        def compose(f: Formatter) -> str:
            if not thresholds:
                return f._("No price alerts yet. Example: /alert below 80000")
            lines = [f._("Price alerts of this chat:")]
            for t in thresholds:
                lines.append(f._("#{id} Bitcoin {direction} {level} ({mode})").format(
                    id=t.id, direction=direction_words(f, t.direction),
                    level=f.usd_level(t.level), mode=mode_words(f, t.mode)))
            lines.append(f._("Delete with /delalert ID."))
            return "\n".join(lines)

        return Reply(localized(language, compose), language=language)

    async def delalert(self, inv: Invocation, args: list[str], language: Language) -> Reply:
        await self._chat(inv)
        if not args:
            raise MissingArgument(usage="/delalert ID", value="")
        if args[0].lower() in ALL_WORDS:
            removed = [t.id for t in await self.registry.list_thresholds(inv.chat)]
            for threshold_id in removed:
                await self.registry.remove_threshold(inv.chat, threshold_id)
            return Reply(localized(language, lambda f: f._("Deleted all {n} price alerts.").format(
                n=len(removed))), language=language)
        text = args[0].lstrip("#")
        if not text.isdigit() or len(text) > 9:
            raise InvalidId(args[0], value=args[0])
        await self.registry.remove_threshold(inv.chat, int(text))
        return Reply(localized(language, lambda f: f._("Alert #{id} deleted.").format(
            id=int(text))), language=language)

    async def settings(self, inv: Invocation, args: list[str], language: Language) -> Reply:
        chat = await self._chat(inv)
        if not args:
            def compose(f: Formatter) -> str:
                return "\n".join([
                    self._summary(f, chat),
                    f._("Change: /settings tz Asia/Taipei · /settings quiet 23:00-07:00 "
                        "(or off) · /lang en"),
                    f._("During quiet hours alerts still arrive, silently."),
                ])
            return Reply(localized(language, compose), language=language)
        key, rest = args[0].lower(), " ".join(args[1:])
        if key in ("tz", "timezone", "zone", "時區"):
            if not rest:
                raise MissingArgument(usage="/settings tz Asia/Taipei", value="")
            zone = await self.registry.set_timezone(inv.chat, rest)
            return Reply(localized(language, lambda f: f._("Time zone set: {zone}.").format(
                zone=zone)), language=language)
        if key in ("quiet", "dnd", "勿擾"):
            if not rest:
                raise MissingArgument(usage="/settings quiet 23:00-07:00", value="")
            hours = parse_quiet_hours(rest)
            await self.registry.set_quiet_hours(inv.chat, hours)

            def quiet_text(f: Formatter) -> str:
                if hours is None:
                    return f._("Quiet hours off.")
                return f._("Quiet hours set: {hours} ({zone}). Alerts in that time arrive "
                           "silently, never late.").format(hours=str(hours), zone=chat.timezone)

            return Reply(localized(language, quiet_text), language=language)
        if key in ("lang", "language", "語言"):
            return await self.lang(inv, args[1:], language)
        raise MissingArgument(usage="/settings tz ZONE | /settings quiet HH:MM-HH:MM|off",
                              value=key)

    async def stop(self, inv: Invocation, args: list[str], language: Language) -> Reply:
        await self.registry.delete_chat(inv.chat)
        return Reply(localized(language, lambda f: f._(
            "Stopped. This chat's subscriptions, alerts and settings are deleted. "
            "Send /start to come back.")), language=language)

    # Read-only views -----------------------------------------------------------------
    async def _zone(self, inv: Invocation) -> str:
        chat = await self.registry.get_chat(inv.chat)
        return chat.timezone if chat else self.services.settings.registry.default_timezone

    async def status(self, inv: Invocation, args: list[str], language: Language) -> Reply:
        zone = await self._zone(inv)
        snapshots = self.services.snapshots
        fomc = await snapshots.latest_event("fomc")
        h41 = await snapshots.latest_event("h41")
        odds = await snapshots.get_json("odds")
        btc = await snapshots.get_json("btc")
        now = self.clock()
        if self.follow_refreshed_calendar:
            self.calendar = await current_calendar(self.services)
        meeting = self.calendar.next_meeting(now)
        chat = await self.registry.get_chat(inv.chat)

        def compose(f: Formatter) -> str:
            lines = [f._("Status")]
            if isinstance(fomc, FomcDecision):
                lines.append(f._("Fed funds target range: {range} (set {day})").format(
                    range=f.rate_range(fomc.target_low, fomc.target_high),
                    day=f.date(fomc.meeting_date)))
            else:
                lines.append(f._("Fed funds target range: not known yet"))
            if meeting is not None:
                lines.append(f._("Next FOMC decision: {when} (in {countdown})").format(
                    when=f.moment(meeting.statement_at, zone),
                    countdown=_countdown(f, meeting.statement_at - now)))
            if isinstance(h41, BalanceSheetRelease):
                from bot.topics.h41.render import regime_name

                lines.append(f._("Balance sheet: {total} (week ended {week}), {regime}").format(
                    total=f.usd_millions(h41.total_assets), week=f.date(h41.week_ending),
                    regime=regime_name(f, h41.regime)))
            else:
                lines.append(f._("Balance sheet: no release read yet"))
            lines.append(_odds_line(f, odds))
            if btc and btc.get("price") is not None:
                lines.append(f._("Bitcoin: {price} ({sources})").format(
                    price=f.usd(Decimal(str(btc["price"]))),
                    sources=f._(", ").join(btc.get("sources", []))))
            else:
                lines.append(f._("Bitcoin: no price yet"))
            if chat is not None:
                lines.append("")
                lines.append(self._summary(f, chat))
            return "\n".join(lines)

        return Reply(localized(language, compose), language=language)

    async def _event_reply(self, inv: Invocation, language: Language, name: str,
                           empty: Callable[[Formatter], str]) -> Reply:
        event = await self.services.snapshots.latest_event(name)
        if event is None:
            return Reply(localized(language, empty), language=language)
        message = render_message(event, language, await self._zone(inv))
        attachment = None
        if message.attachment:
            attachment = await self.services.messages.load_attachment(event.key,
                                                                      message.attachment)
        return Reply(message.to_text(), alert=message, attachment=attachment,
                     attachment_name=message.attachment, language=language)

    async def fomc(self, inv: Invocation, args: list[str], language: Language) -> Reply:
        if args and args[0].lower() in ("diff", "changes", "變動"):
            return await self._fomc_diff(inv, language)
        return await self._event_reply(inv, language, "fomc", lambda f: f._(
            "No FOMC statement has been read yet."))

    async def _fomc_diff(self, inv: Invocation, language: Language) -> Reply:
        event = await self.services.snapshots.latest_event("fomc")
        if not isinstance(event, FomcDecision):
            return Reply(localized(language, lambda f: f._(
                "No FOMC statement has been read yet.")), language=language)

        def compose(f: Formatter) -> str:
            lines = [f._("Changes in the {day} statement from the previous one:").format(
                day=f.date(event.meeting_date))]
            if not event.changes:
                lines.append(f._("No change in wording."))
            for change in event.changes:
                if change.op == "added":
                    lines.append(f"+ {change.after}")
                elif change.op == "removed":
                    lines.append(f"− {change.before}")
                else:
                    lines.append(f"− {change.before}\n+ {change.after}")
            return "\n".join(lines)

        # the statement's sentences are English; the frame follows the chat's language
        return Reply(localized(language, compose), language=language)

    async def balance(self, inv: Invocation, args: list[str], language: Language) -> Reply:
        return await self._event_reply(inv, language, "h41", lambda f: f._(
            "No H.4.1 release has been read yet."))

    async def odds(self, inv: Invocation, args: list[str], language: Language) -> Reply:
        table = await self.services.snapshots.get_json("odds")
        if not table:
            return Reply(localized(language, lambda f: f._(
                "No rate odds have been computed yet.")), language=language)
        from bot.topics.odds.render import odds_table_text

        attachment = None
        chart_key = table.get("chart_event")
        if chart_key:
            attachment = await self.services.messages.load_attachment(chart_key, "odds.png")
        return Reply(localized(language, lambda f: odds_table_text(f, table)),
                     attachment=attachment, attachment_name="odds.png" if attachment else None,
                     language=language)

    async def btc(self, inv: Invocation, args: list[str], language: Language) -> Reply:
        snapshot = await self.services.snapshots.get_json("btc")
        zone = await self._zone(inv)
        count = len(await self.registry.list_thresholds(inv.chat)) if await \
            self.registry.get_chat(inv.chat) else 0

        def compose(f: Formatter) -> str:
            if not snapshot or snapshot.get("price") is None:
                return f._("No Bitcoin price yet (the price feeds may be starting or degraded).")
            lines = [f._("Bitcoin composite price: {price}").format(
                price=f.usd(Decimal(str(snapshot["price"]))))]
            lines.append(f._("Sources: {sources}").format(
                sources=f._(", ").join(snapshot.get("sources", []))))
            if snapshot.get("at"):
                lines.append(f.local_moment(datetime.fromisoformat(snapshot["at"]), zone))
            lines.append(f._("This chat has {n} price alerts (/alerts).").format(n=count))
            return "\n".join(lines)

        return Reply(localized(language, compose), language=language)


def _countdown(f: Formatter, delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f._("{days} d {hours} h").format(days=days, hours=hours)
    return f._("{hours} h {minutes} min").format(hours=hours, minutes=mins)


def _odds_line(f: Formatter, odds: Any) -> str:
    if not odds or not odds.get("meetings"):
        return f._("Rate odds: not computed yet")
    first = odds["meetings"][0]
    from datetime import date

    return f._("Next meeting {day}: cut {cut} / hold {hold} / hike {hike}").format(
        day=f.date(date.fromisoformat(first["date"]), year=False),
        cut=f.percent(first.get("cut", 0), 0), hold=f.percent(first.get("hold", 0), 0),
        hike=f.percent(first.get("hike", 0), 0))


__all__ = ["COMMAND_DESCRIPTIONS", "Commands", "RepeatMode", "parse_command"]
