"""The Discord front end: slash commands in English and Traditional Chinese.

Every command of the command layer is a slash command (``app_commands``); names,
descriptions, option names and choices are translated to ``zh-TW`` by a discord.py
``Translator`` that reads the same gettext catalog as the alerts, so a Taiwanese user sees
訂閱, 價格提醒, 語言 in the command picker. Handlers only translate an interaction into an
``Invocation`` and a ``Reply`` into a response (ephemeral in guilds: only the caller sees).

Where alerts go: the channel a command is used in. In a DM that is the user's DM channel;
in a guild, a channel configured by a member with Manage Server (``default_permissions``
hides the commands from others, and the permission is checked again at run time). A guild
admin may instead register an incoming webhook (``/webhook``): alerts then arrive without
the bot in the guild; the webhook URL is a secret, stored and never echoed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import inspect
import json
import logging
import re
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import discord
import httpx
import yarl
from discord import app_commands
from discord.app_commands import Choice, locale_str

from bot.commands.allowance import Verdict
from bot.commands.core import CommandSpec, Invocation, Reply, WebhookTarget, reply_sections
from bot.commands.handlers import Commands
from bot.config import Settings
from bot.domain.chats import ChatKind, ChatRef, Language
from bot.domain.topics import TopicDirectory
from bot.platforms.discord.sender import CHART_NAME, embeds_for, use_api
from bot.render.formatting import Formatter
from bot.store.state import StateStore

log = logging.getLogger(__name__)

WEBHOOK_URL = re.compile(
    r"^https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api(?:/v\d+)?/webhooks/"
    r"(?P<id>\d{17,20})/(?P<token>[\w-]{20,200})/?$")
CONTENT_LIMIT = 2000

def name(text: str) -> locale_str:
    return locale_str(text, kind="name")


def _discord_languages() -> dict[str, Language]:
    """Discord locale → the language whose catalog translates for it (locale data)."""
    return {code: single for single in Language.BOTH.singles
            for code in single.locale.discord}


class CatalogTranslator(app_commands.Translator):
    """Names, descriptions and choices in each catalog's Discord locales (zh-TW) from the
    gettext catalogs."""

    async def translate(self, string: locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        language = _discord_languages().get(locale.value)
        if language is None:
            return None
        f = Formatter(language)
        if string.extras.get("kind") == "name":
            text = f.pgettext("command", string.message)
        else:
            text = f._(string.message)
        return text if text and text != string.message else None


COMMANDS_STATE = "discord-commands"


def use_gateway(client: discord.Client, url: str) -> None:
    """Dial ``url`` instead of Discord's gateway (a proxy, a local stand-in), whichever way
    the installed discord.py finds it: 2.6+ dials ``DiscordWebSocket.DEFAULT_GATEWAY``
    (also where an invalidated session starts again), the sharded client asks
    ``get_bot_gateway``, older releases ``get_gateway``. Like ``use_api``, the process
    has one Discord to talk to."""
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
    http = client.http
    http.get_bot_gateway = partial(  # type: ignore[method-assign,assignment]
        fixed_gateway, http, url)
    if hasattr(http, "get_gateway"):
        async def configured(*_: Any, **__: Any) -> str:
            return url
        http.get_gateway = configured


async def fixed_gateway(http: discord.http.HTTPClient,
                        url: str) -> tuple[int, str, dict[str, Any]]:
    """``GET /gateway/bot`` with the gateway replaced by the configured one (shards and
    session limits still come from Discord)."""
    shards, _, limits = await discord.http.HTTPClient.get_bot_gateway(http)
    return shards, url, dict(limits)


class DiscordWebhooks:
    """``/webhook``'s Discord side: an incoming webhook URL → the chat it posts to, and
    whether the webhook belongs to the server asking (``GET`` on it names its guild)."""

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url

    def parse(self, url: str) -> WebhookTarget | None:
        match = WEBHOOK_URL.match(url.strip())
        if match is None:
            return None
        return WebhookTarget(ChatRef("webhook", match.group("id")), match.group("token"))

    async def check(self, target: WebhookTarget, space_id: str | None) -> str | None:
        url = f"{self.api_url}/webhooks/{target.chat.chat_id}/{target.secret}"
        try:
            async with httpx.AsyncClient(timeout=10.0) as client:
                response = await client.get(url)
            data = response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError) as exc:
            log.info("discord: webhook …%s not checked (%s)", target.chat.chat_id[-4:],
                     type(exc).__name__)
            return "unreachable"
        if not isinstance(data, dict):
            return "unreachable"
        if space_id is None or str(data.get("guild_id")) != space_id:
            return "elsewhere"
        return None


def topic_choices(topics: TopicDirectory) -> list[Choice[str]]:
    """One choice per registered topic (translated by the catalog), then "all"."""
    return [*(Choice(name=locale_str(info.title), value=info.name) for info in topics),
            Choice(name=locale_str("All topics"), value="all")]


Handler = Callable[[discord.Interaction, str, list[str]], Awaitable[None]]


def build_tree(client: discord.Client, handle: Handler, topics: TopicDirectory,
               table: tuple[CommandSpec, ...]) -> app_commands.CommandTree:
    """Every command of the table as a slash command, generated from its declaration:
    options with their types, choices and localized names and descriptions, default
    permissions. No command is written here by name."""
    tree = app_commands.CommandTree(client)
    for spec in table:
        if spec.platforms is None or "discord" in spec.platforms:
            tree.add_command(slash_command(spec, handle, topics))
    return tree


def slash_command(spec: CommandSpec, handle: Handler,
                  topics: TopicDirectory) -> app_commands.Command[Any, ..., None]:
    """A ``CommandSpec`` as a discord.py command: the callback's signature is built from
    the declared parameters (discord.py reads options from it); the values the member
    chose become the words of the text command (``CommandSpec.tokens``)."""
    signature = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                   annotation=discord.Interaction)]
    renames: dict[str, str | locale_str] = {}
    descriptions: dict[str, str | locale_str] = {}
    choices: dict[str, list[Choice[str]]] = {}
    for param in spec.params:
        listed = (topic_choices(topics) if param.choices_from == "topics" else
                  [Choice(name=locale_str(c.label), value=c.value) for c in param.choices])
        annotation: Any = bool if param.kind == "flag" else Choice[str] if listed else str
        default: Any = inspect.Parameter.empty
        if not param.required:
            default = False if param.kind == "flag" else None
            annotation = annotation if param.kind == "flag" else annotation | None
        signature.append(inspect.Parameter(param.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                           annotation=annotation, default=default))
        renames[param.name] = name(param.name)
        descriptions[param.name] = locale_str(param.description)
        if listed:
            choices[param.name] = listed

    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        await handle(interaction, spec.name, spec.tokens(values))

    callback.__signature__ = inspect.Signature(signature)  # type: ignore[attr-defined]
    command: Any = app_commands.Command(name=name(spec.name),
                                        description=locale_str(spec.description),
                                        callback=callback)
    if renames:
        command = app_commands.rename(**renames)(command)
        command = app_commands.describe(**descriptions)(command)
    if choices:
        command = app_commands.choices(**choices)(command)
    if spec.groups_only:
        command = app_commands.guild_only()(command)
    if spec.changes_settings or spec.name == "start":  # hidden from members without rights
        command = app_commands.default_permissions(manage_guild=True)(command)
    return command


class DiscordFrontEnd:
    platform = "discord"
    leader_only = True  # one gateway session answers each interaction once

    def __init__(self, settings: Settings, commands: Commands, topics: TopicDirectory,
                 state: StateStore) -> None:
        self.settings = settings.discord
        self.commands = commands
        self.state = state
        self.webhooks = DiscordWebhooks(self.settings.api_url)
        self.topics = topics
        self.client, self.tree = self._new_client()

    def _new_client(self) -> tuple[discord.Client, app_commands.CommandTree]:
        """A fresh gateway client: a closed discord.py client cannot be started again."""
        client = discord.Client(intents=discord.Intents.none())
        tree = build_tree(client, self.handle, self.topics, self.commands.table)
        client.setup_hook = self._setup  # type: ignore[method-assign]
        return client, tree

    async def _setup(self) -> None:
        await self.tree.set_translator(CatalogTranslator())
        await self.sync_if_changed()

    async def sync_if_changed(self) -> None:
        """Sync the global commands only when their payload changed (syncing is rate-limited)."""
        translator = CatalogTranslator()
        payload = [await command.get_translated_payload(self.tree, translator)
                   for command in self.tree.get_commands()]
        # the application is part of the key: a new bot on the same store syncs its own
        digest = hashlib.sha256(json.dumps([self.client.application_id, payload],
                                           sort_keys=True, default=str).encode())
        if await self.state.get_text(COMMANDS_STATE) == digest.hexdigest():
            return
        await self.tree.sync()
        await self.state.set_text(COMMANDS_STATE, digest.hexdigest())
        log.info("discord: %d slash commands synced", len(payload))

    async def run(self, stop: asyncio.Event) -> None:
        assert self.settings.token is not None
        use_api(self.settings.api_url)
        if self.client.is_closed():
            self.client, self.tree = self._new_client()
        if self.settings.gateway_url:
            use_gateway(self.client, self.settings.gateway_url)
        task = asyncio.create_task(self.client.start(self.settings.token.get_secret_value()))
        stopping = asyncio.create_task(stop.wait())
        try:
            done, _ = await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if task in done:
                task.result()
        finally:
            stopping.cancel()
            with contextlib.suppress(Exception):
                await self.client.close()
            task.cancel()
            with contextlib.suppress(BaseException):
                await task

    # Interactions ---------------------------------------------------------------------
    def invocation(self, interaction: discord.Interaction) -> Invocation:
        in_guild = interaction.guild is not None
        permissions = interaction.permissions
        channel = interaction.channel
        return Invocation(
            chat=ChatRef("discord", str(interaction.channel_id)),
            chat_kind=ChatKind.GROUP if in_guild else ChatKind.PRIVATE,
            user_id=str(interaction.user.id), user_language=str(interaction.locale.value),
            chat_language=str(interaction.guild_locale.value)
            if in_guild and interaction.guild_locale else None,
            is_admin=(not in_guild) or bool(permissions and permissions.manage_guild),
            chat_title=getattr(channel, "name", None), webhooks=self.webhooks,
            space_id=str(interaction.guild_id) if interaction.guild_id else None)

    async def handle(self, interaction: discord.Interaction, command: str,
                     args: list[str]) -> None:
        inv = self.invocation(interaction)
        reply = await self.commands.run(inv, command, args)
        if reply.quiet:  # an interaction must be answered: silence is not an answer here
            reply = self.commands.refusal(Verdict.NOTICE, reply.language)
        await self.respond(interaction, reply, ephemeral=inv.chat_kind is ChatKind.GROUP)

    async def respond(self, interaction: discord.Interaction, reply: Reply, *,
                      ephemeral: bool) -> None:
        kwargs: dict[str, Any] = {"ephemeral": ephemeral or bool(reply.error)}
        if reply.alert is not None:
            kwargs["embeds"] = embeds_for(reply.alert, reply.attachment is not None)
            if reply.attachment:
                import io

                kwargs["file"] = discord.File(io.BytesIO(reply.attachment), filename=CHART_NAME)
        else:
            text = reply_markdown(reply)
            kwargs["content"] = text if len(text) <= CONTENT_LIMIT else \
                text[: CONTENT_LIMIT - 1] + "…"
        if reply.buttons:
            kwargs["view"] = ButtonsView(self, reply)
        if interaction.response.is_done():
            await interaction.followup.send(**kwargs)
        else:
            await interaction.response.send_message(**kwargs)


def reply_markdown(reply: Reply) -> str:
    """A reply's sections in Discord markdown: the title bold, the texts escaped."""
    blocks = []
    for section in reply_sections(reply):
        lines = [f"**{discord.utils.escape_markdown(section.title)}**" if section.title
                 else "", *(discord.utils.escape_markdown(line) for line in section.lines)]
        blocks.append("\n".join(lines).strip("\n"))
    return "\n\n".join(blocks)


class ButtonsView(discord.ui.View):
    """The inline choices of a reply (language, topics), fed back to the command layer."""

    def __init__(self, front: DiscordFrontEnd, reply: Reply) -> None:
        super().__init__(timeout=600)
        self.front = front
        for row_index, row in enumerate(reply.buttons[:5]):
            for button in row[:5]:
                item: discord.ui.Button[ButtonsView] = discord.ui.Button(
                    label=button.label[:80], custom_id=button.data[:100], row=row_index)
                item.callback = self._press(button.data)  # type: ignore[assignment]
                self.add_item(item)

    def _press(self, data: str) -> Callable[[discord.Interaction], Awaitable[None]]:
        async def callback(interaction: discord.Interaction) -> None:
            reply = await self.front.commands.press(self.front.invocation(interaction), data)
            if reply.quiet:
                reply = self.front.commands.refusal(Verdict.NOTICE, reply.language)
            if reply.error:
                await interaction.response.send_message(reply.text[:CONTENT_LIMIT],
                                                        ephemeral=True)
                return
            await interaction.response.edit_message(content=reply.text[:CONTENT_LIMIT],
                                                    view=ButtonsView(self.front, reply))

        return callback
