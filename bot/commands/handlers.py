"""The command layer: every chat command, once, for every platform.

Handlers read and change the registry and read the snapshots; they return a ``Reply``
in the chat's language. Bad input raises a typed ``UserInputError`` inside a handler and
comes out as a short reply with the right form; nothing else escapes ``run``.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from datetime import date
from zoneinfo import ZoneInfo

from bot import metrics
from bot.commands.allowance import CommandAllowance, Verdict
from bot.commands.core import (
    Button,
    CommandContext,
    CommandSpec,
    Compose,
    Invocation,
    Param,
    ParamChoice,
    Reply,
    chat_zone,
    localized,
    topic_list,
    topics_named,
)
from bot.commands.replies import (
    error_text,
    language_name,
)
from bot.domain.brief import BriefSetting, next_due
from bot.domain.chats import Chat, ChatKind, ChatRef, Language
from bot.domain.errors import (
    ChatNotRegistered,
    MissingArgument,
    NotAdmin,
    UnknownCommand,
    UserInputError,
)
from bot.render.formatting import Formatter
from bot.render.i18n import N_, NP_
from bot.store.registry import parse_quiet_hours
from bot.store.server import STORE_DOWN_ERRORS

log = logging.getLogger(__name__)

TOPIC = Param(NP_("command", "topic"), N_("Which alerts"), kind="choice", choices_from="topics")
LANGUAGE_CHOICES = (ParamChoice("zh-Hant", N_("Traditional Chinese")),
                    ParamChoice("en", N_("English")),
                    ParamChoice("both", N_("both (Chinese, then English)")))
CORE_HEAD: tuple[CommandSpec, ...] = (
    CommandSpec(NP_("command", "start"), N_("Start: choose language and topics")),
    CommandSpec(NP_("command", "help"), N_("List the commands")),
    CommandSpec(NP_("command", "subscribe"), N_("Subscribe to a topic"),
                changes_settings=True, params=(TOPIC,), example="/subscribe fomc"),
    CommandSpec(NP_("command", "unsubscribe"),
                N_("Unsubscribe from a topic"), changes_settings=True, params=(TOPIC,),
                example="/unsubscribe btc"),
    CommandSpec(NP_("command", "lang"), N_("Language: zh-Hant, en or both"), changes_settings=True,
                example="/lang both", params=(
                    Param(NP_("command", "language"), N_("Language of alerts and replies"),
                          kind="choice", required=True, choices=LANGUAGE_CHOICES),)),
    CommandSpec(NP_("command", "status"), N_("The latest of every topic")),
    CommandSpec(NP_("command", "calendar"),
                N_("What the Fed and the US statistics agencies publish in the next 7 days")),
)
"""The core commands shown before the topics' own (``/fomc``, ``/balance`` …)."""
CORE_TAIL: tuple[CommandSpec, ...] = (
    CommandSpec(NP_("command", "settings"), N_("Time zone and quiet hours"), changes_settings=True,
                example="/settings tz Asia/Taipei", params=(
                    Param(NP_("command", "timezone"), N_("Time zone, e.g. Asia/Taipei"),
                          keyword="tz", example="Asia/Taipei"),
                    Param(NP_("command", "quiet_hours"),
                          N_("Quiet hours, e.g. 23:00-07:00, or off"), keyword="quiet",
                          example="23:00-07:00"))),
    CommandSpec(NP_("command", "brief"), N_("A morning brief at a time you choose: /brief 08:00"),
                changes_settings=True, example="/brief 08:00", params=(
                    Param(NP_("command", "time"),
                          N_("Time of day HH:MM in the chat's time zone, or off"), kind="time",
                          example="08:00"),
                    Param(NP_("command", "changes"), N_("Only on days with something new"),
                          kind="flag", word="changes"))),
    CommandSpec(NP_("command", "stop"),
                N_("Stop alerts and delete this chat's data"), changes_settings=True),
)
SETTING_KEYS = {"tz", "timezone", "zone", "時區", "quiet", "dnd", "勿擾"}


def command_table(topic_commands: tuple[CommandSpec, ...] = (),
                  platform_commands: tuple[CommandSpec, ...] = ()) -> tuple[CommandSpec, ...]:
    """Every command in menu order: the core, the topics' own, settings and stop, then
    the platforms' own (``/channel`` on Telegram, ``/webhook`` on Discord).

    This one table drives Telegram's menus, Discord's tree, /help and the admin check.
    """
    return (*CORE_HEAD, *topic_commands, *CORE_TAIL, *platform_commands)


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
    def __init__(self, context: CommandContext) -> None:
        self.context = context
        self.registry = context.registry
        self.topics = context.topics
        self.clock = context.clock
        self.table = command_table(context.commands, context.platform_commands)
        self.allowance = CommandAllowance(lambda: self.monotonic())
        self.monotonic: Callable[[], float] = time.monotonic
        self.specs: dict[str, CommandSpec] = {spec.name: spec for spec in self.table}

    def admit(self, inv: Invocation) -> Verdict:
        """Count a command against its sender's and its chat's allowance when it arrives:
        a front end that queues a chat's commands calls this before the chat's turn, so a
        flood is refused at once instead of holding the queue (then ``run(admitted=True)``)."""
        return self.allowance.admit(str(inv.chat), inv.user_id)

    def refusal(self, verdict: Verdict, language: Language) -> Reply:
        """One notice for the first refused command of a flood, then silence."""
        if verdict is Verdict.SILENT:
            return Reply("", language=language, error="rate_limited", quiet=True)
        return Reply(localized(language, lambda f: f._(
            "Too many commands at once: I answer a few a second in each chat. Please wait a "
            "moment.")), language=language, error="rate_limited", ephemeral=True)

    def _over_limit(self, inv: Invocation, language: Language) -> Reply | None:
        verdict = self.admit(inv)
        return None if verdict is Verdict.ADMITTED else self.refusal(verdict, language)

    async def refuse(self, inv: Invocation, verdict: Verdict) -> Reply:
        """The reply to a command ``admit`` refused, in the chat's language."""
        metrics.COMMANDS.labels(inv.chat.platform, "limited", "rate_limited").inc()
        return self.refusal(verdict, await self._language(inv))

    def describe(self, f: Formatter, name: str) -> str:
        return f._(self.specs[name].description)

    # Entry points --------------------------------------------------------------------
    async def handle_text(self, inv: Invocation, text: str,
                          bot_username: str | None = None) -> Reply | None:
        parsed = parse_command(text, bot_username)
        if parsed is None:
            return None
        return await self.run(inv, *parsed)

    async def run(self, inv: Invocation, name: str, args: list[str], *,
                  admitted: bool = False) -> Reply:
        """Run one command; always returns a reply, never raises. ``admitted``: the front
        end counted it against the allowance on arrival (``admit``)."""
        language = await self._language(inv)
        limited = None if admitted else self._over_limit(inv, language)
        if limited is not None:
            metrics.COMMANDS.labels(inv.chat.platform, "limited", "rate_limited").inc()
            return limited
        outcome = "ok"
        try:
            spec = self.specs.get(name)
            if spec is None:
                raise UnknownCommand(name, value=f"/{name}")
            if spec.platforms is not None and inv.chat.platform not in spec.platforms:
                raise UnknownCommand(name, value=f"/{name}")
            if spec.changes_settings:
                self._require_admin(inv)
            if spec.handler is not None:
                reply = await spec.handler(self.context, inv, args, language)
            else:
                reply = await getattr(self, name)(inv, args, language)
            if reply.error is None:
                await self._remember_who_configured(inv, spec)
        except UserInputError as error:
            outcome = error.code
            reply = self._error(language, error)
        except STORE_DOWN_ERRORS as exc:  # said at once: the command was not saved
            log.warning("command /%s in %s not saved: the store failed (%s)", name, inv.chat,
                        type(exc).__name__)
            outcome = "store_down"
            reply = self._store_down(language)
        except Exception:
            log.exception("command /%s failed in %s", name, inv.chat)
            outcome = "crash"
            reply = Reply(localized(language, lambda f: f._(
                "Something went wrong on our side; please try again later.")),
                language=language, error="internal")
        metrics.COMMANDS.labels(inv.chat.platform, name if name in self.specs else "unknown",
                                outcome).inc()
        return reply

    async def press(self, inv: Invocation, data: str, *, admitted: bool = False) -> Reply:
        """A button press (``lang:en``, ``topic:fomc``, ``sub:on:fomc``)."""
        language = await self._language(inv)
        limited = None if admitted else self._over_limit(inv, language)
        if limited is not None:
            return limited
        try:
            self._require_admin(inv)
            kind, _, value = data.partition(":")
            if kind == "lang":
                language = await self.registry.set_language(inv.chat, value)
                return await self._settings_menu(inv, language, changed=True)
            if kind == "topic":
                chat = await self.registry.require_chat(inv.chat)
                topic = self.topics.parse(value)
                if topic in chat.topics:
                    await self.registry.unsubscribe(inv.chat, topic)
                else:
                    await self.registry.subscribe(inv.chat, topic)
                return await self._settings_menu(inv, language, changed=True)
            raise UnknownCommand(data, value=data)
        except UserInputError as error:
            return self._error(language, error)
        except STORE_DOWN_ERRORS as exc:
            log.warning("button %r in %s not saved: the store failed (%s)", data, inv.chat,
                        type(exc).__name__)
            return self._store_down(language)
        except Exception:
            log.exception("button %r failed in %s", data, inv.chat)
            return Reply(localized(language, lambda f: f._(
                "Something went wrong on our side; please try again later.")),
                language=language, error="internal")

    # Helpers -------------------------------------------------------------------------
    @staticmethod
    def _store_down(language: Language) -> Reply:
        return Reply(localized(language, lambda f: f._(
            "I could not save or read that just now: our database is not answering. Nothing "
            "was changed; please send the command again in a minute.")),
            language=language, error="store_down")

    async def _language(self, inv: Invocation) -> Language:
        """The chat's language; with the store unreachable, the best guess (the reply
        that says so must still be read)."""
        try:
            chat = await self.registry.get_chat(inv.chat)
        except STORE_DOWN_ERRORS:
            return self._guess(inv)
        if chat is not None:
            return chat.language
        return self._guess(inv)

    @staticmethod
    def _guess(inv: Invocation) -> Language:
        """A new chat's language: the user's client in private, the group's own, else both."""
        if inv.chat_kind is ChatKind.PRIVATE:
            return Language.from_client(inv.user_language)
        if inv.chat_language and inv.chat_language.lower().startswith("zh"):
            return Language.ZH_HANT  # a Chinese-speaking server or group
        return Language.BOTH  # Taiwanese readers first: both until the admins choose

    async def _remember_who_configured(self, inv: Invocation, spec: CommandSpec) -> None:
        """A group's settings changed: keep who did it (told when the bot cannot post)."""
        if inv.chat_kind is not ChatKind.GROUP or inv.user_id is None or spec.name == "stop" \
                or not (spec.changes_settings or spec.name == "start") or not inv.is_admin:
            return  # a member's /start (the menu) configures nothing
        with contextlib.suppress(ChatNotRegistered):
            await self.registry.set_configured_by(inv.chat, inv.user_id)

    @staticmethod
    def _require_admin(inv: Invocation) -> None:
        if inv.chat_kind is not ChatKind.PRIVATE and not inv.is_admin:
            raise NotAdmin()

    @staticmethod
    def _error(language: Language, error: UserInputError) -> Reply:
        return Reply(localized(language, lambda f: error_text(f, error)), language=language,
                     error=error.code, ephemeral=True)

    async def _chat_or_register(self, inv: Invocation) -> Chat:
        """``/subscribe`` or ``/lang`` in a chat never set up: set it up as ``/start`` would
        (the caller's right to change settings is already checked)."""
        chat = await self.registry.get_chat(inv.chat)
        if chat is None:
            await self.registry.upsert_chat(inv.chat, inv.chat_kind, language=self._guess(inv),
                                            title=inv.chat_title)
        elif not chat.active:
            await self.registry.reactivate(inv.chat)
        return await self._chat(inv)

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
            for option, label in (*((single, single.locale.label)
                                    for single in Language.BOTH.singles),
                                  (Language.BOTH, " + ".join(
                                      single.locale.label for single in Language.BOTH.singles))))
        topic_rows = tuple(
            (Button(("✅ " if info.name in chat.topics else "⬜ ") + f._(info.title),
                    f"topic:{info.name}"),)
            for info in self.topics)

        def compose(fmt: Formatter) -> str:
            parts = [intro(fmt)] if intro else []
            if changed:
                parts.append(fmt._("Saved."))
            parts.append(self._summary(fmt, chat))
            return "\n".join(parts)

        return Reply(localized(language, compose), buttons=(lang_row, *topic_rows),
                     language=language)

    def _summary(self, f: Formatter, chat: Chat) -> str:
        topics = topic_list(f, self.topics, chat.topics)
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
            self._require_admin(inv)  # a paused group stays paused for its other members
            await self.registry.reactivate(inv.chat)

        def intro(f: Formatter) -> str:  # the topics this deployment offers, by name
            return f._("Welcome to fedalert! I send alerts on: {topics}. Choose your "
                       "language and topics below, or see /help.").format(
                topics=f._(", ").join(f._(info.title) for info in self.topics))

        return await self._settings_menu(inv, language, intro=intro)

    async def help(self, inv: Invocation, args: list[str], language: Language) -> Reply:
        def compose(f: Formatter) -> str:
            lines = [f._("Commands:")]
            for spec in self.table:
                if spec.platforms is not None and inv.chat.platform not in spec.platforms:
                    continue
                line = f"/{spec.name} — {f._(spec.description)}"
                if spec.example and spec.example not in line:  # from its declaration
                    line = f.sentences(line, f._("(e.g. {example})").format(
                        example=spec.example))
                lines.append(line)
            lines.append(f._("Topics you can choose: {topics}").format(
                topics=f._(", ").join(self.topics.names)))
            lines.append(f._("In groups, only admins can change settings."))
            return "\n".join(lines)

        return Reply(localized(language, compose), language=language)

    async def subscribe(self, inv: Invocation, args: list[str], language: Language) -> Reply:
        return await self._change_topics(inv, args, language, subscribe=True)

    async def unsubscribe(self, inv: Invocation, args: list[str], language: Language) -> Reply:
        return await self._change_topics(inv, args, language, subscribe=False)

    async def _change_topics(self, inv: Invocation, args: list[str], language: Language, *,
                             subscribe: bool) -> Reply:
        if subscribe:
            await self._chat_or_register(inv)
        else:
            await self._chat(inv)
        if not args:
            return await self._settings_menu(inv, language)
        topics = topics_named(self.topics, args)
        if subscribe:
            now = await self.registry.subscribe(inv.chat, *topics)
        else:
            now = await self.registry.unsubscribe(inv.chat, *topics)

        def compose(f: Formatter) -> str:
            names = f._(", ").join(f._(self.topics.info(t).title) for t in topics)
            head = (f._("Subscribed: {topics}.") if subscribe else
                    f._("Unsubscribed: {topics}.")).format(topics=names)
            current = topic_list(f, self.topics, now)
            return head + "\n" + f._("Topics: {topics}").format(topics=current or f._("none yet"))

        return Reply(localized(language, compose), language=language)

    async def lang(self, inv: Invocation, args: list[str], language: Language) -> Reply:
        await self._chat_or_register(inv)
        if not args:
            return await self._settings_menu(inv, language)
        new = await self.registry.set_language(inv.chat, " ".join(args))
        return Reply(localized(new, lambda f: f._("Language set: {language}.").format(
            language=language_name(f, new))), language=new)

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
        starts = [i for i, word in enumerate(args) if i and word.lower() in SETTING_KEYS]
        if starts:  # "tz Asia/Taipei quiet 23:00-07:00" (Discord's two options): each in turn
            parts = [args[a:b] for a, b in zip([0, *starts], [*starts, len(args)], strict=True)]
            replies = [await self.settings(inv, part, language) for part in parts]
            return Reply("\n".join(r.text for r in replies), language=language)
        key, rest = args[0].lower(), " ".join(args[1:])
        if key in ("tz", "timezone", "zone", "時區"):
            if not rest:
                raise MissingArgument(usage="/settings tz Asia/Taipei", value="")
            zone = await self.registry.set_timezone(inv.chat, rest)
            await self._reschedule_brief(inv.chat, zone)
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

    async def brief(self, inv: Invocation, args: list[str], language: Language) -> Reply:
        """``/brief 08:00`` (daily, in the chat's zone), ``/brief 08:00 changes`` (only on
        days with something new), ``/brief off``."""
        chat = await self._chat(inv)
        briefs = self.context.briefs
        if briefs is None:  # pragma: no cover - always wired by the app
            raise MissingArgument(usage="/brief 08:00", value="")
        if not args:
            current = await briefs.get(inv.chat)

            def show(f: Formatter) -> str:
                head = (f._("Morning brief: off.") if current is None else
                        f._("Morning brief: every day at {time} ({zone}).").format(
                            time=f"{current.at:%H:%M}", zone=chat.timezone))
                return head + "\n" + f._("Set it with /brief 08:00, /brief 08:00 changes "
                                          "(only on days with something new) or /brief off.")
            return Reply(localized(language, show), language=language)
        setting = BriefSetting.parse(" ".join(args))
        if setting is None:
            await briefs.set(inv.chat, None, None)
            return Reply(localized(language, lambda f: f._("Morning brief off.")),
                         language=language)
        due = next_due(setting, chat.timezone, self.clock())

        def done(f: Formatter) -> str:
            text = f._("Morning brief set: every day at {time} ({zone}); the next one {when}."
                       ).format(time=f"{setting.at:%H:%M}", zone=chat.timezone,
                                when=f.moment(due, chat.timezone))
            if setting.changes_only:
                text += " " + f._("Days with nothing new are skipped.")
            return text

        await briefs.set(inv.chat, setting, due)
        return Reply(localized(language, done), language=language)

    async def _reschedule_brief(self, ref: ChatRef, zone: str) -> None:
        briefs = self.context.briefs
        if briefs is None:
            return
        setting = await briefs.get(ref)
        if setting is not None:
            await briefs.set(ref, setting, next_due(setting, zone, self.clock()))

    async def stop(self, inv: Invocation, args: list[str], language: Language) -> Reply:
        await self.registry.delete_chat(inv.chat)
        return Reply(localized(language, lambda f: f._(
            "Stopped. This chat's subscriptions, alerts and settings are deleted. "
            "Send /start to come back.")), language=language)

    # Read-only views -----------------------------------------------------------------
    async def calendar(self, inv: Invocation, args: list[str], language: Language) -> Reply:
        """The coming week's scheduled publications, by day in the chat's time zone."""
        zone = await chat_zone(self.context, inv)
        now = self.clock()
        items = await self.context.agenda(now, 7) if self.context.agenda else []
        tz = ZoneInfo(zone)

        def compose(f: Formatter) -> str:
            lines = [f._("The next 7 days ({zone})").format(zone=f.zone_name(zone))]
            if not items:
                lines.append(f._("Nothing scheduled."))
            days: dict[date, list[str]] = {}
            for item in items:
                local = item.when.astimezone(tz)
                days.setdefault(local.date(), []).append(f._("{when} {what}").format(
                    when=f.clock(local), what=f._(item.label)))
            for day, entries in days.items():
                lines.append(f._("{day}: {items}").format(
                    day=f.date(day, year=False) + f._(" ({weekday})").format(
                        weekday=f.weekday(day)), items=f._(", ").join(entries)))
            return "\n".join(lines)

        return Reply(localized(language, compose), language=language)

    async def status(self, inv: Invocation, args: list[str], language: Language) -> Reply:
        zone = await chat_zone(self.context, inv)
        topic_lines = await self.context.status(zone, self.clock())
        chat = await self.registry.get_chat(inv.chat)

        def compose(f: Formatter) -> str:
            lines = [f._("Status"), *topic_lines(f)]
            if chat is not None:
                lines.append("")
                lines.append(self._summary(f, chat))
            return "\n".join(lines)

        return Reply(localized(language, compose), language=language)
