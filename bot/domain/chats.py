"""Core value types shared by the registry, the renderer and the transports."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.errors import UnknownLanguage, UnknownTimeZone

Topic = str
"""A topic's name (``fomc``, ``h41`` …), as the topic catalog registers it.

The core never lists topics itself: the catalog (``bot.topics.catalog``) decides which
exist, and the registry and commands receive that list (``bot.domain.topics``).
"""


class Language(enum.StrEnum):
    """A chat's language setting: one language, or ``both`` (every language, in order)."""

    ZH_HANT = "zh-Hant"
    EN = "en"
    BOTH = "both"

    @classmethod
    def parse(cls, text: str) -> Language:
        value = text.strip().lower().replace("_", "-")
        for data in LOCALES.values():
            if value in data.aliases or value == data.code.lower():
                return cls(data.code)
        if value in BOTH_ALIASES:
            return cls.BOTH
        raise UnknownLanguage(text, language=text, choices=[v.value for v in cls])

    @property
    def singles(self) -> tuple[Language, ...]:
        """The single languages a chat with this setting reads, in display order."""
        if self is Language.BOTH:
            return tuple(Language(code) for code in LOCALES)
        return (self,)

    @property
    def locale(self) -> LocaleData:
        """The locale data of a single language."""
        return LOCALES[self.value]

    @classmethod
    def from_client(cls, code: str | None) -> Language:
        """Guess from a client's language code (Telegram ``language_code``, Discord locale,
        LINE profile); a client language no catalog covers reads English."""
        code = (code or "").lower()
        if not code:
            return cls.BOTH
        for data in LOCALES.values():
            if any(code.startswith(prefix) for prefix in data.client_prefixes):
                return cls(data.code)
        return cls(FALLBACK)


@dataclass(frozen=True, slots=True)
class LocaleData:
    """What fedalert needs to know of a language besides its catalog
    (``bot/render/locale/<catalog>/LC_MESSAGES/messages.po``)."""

    code: str  # the setting's value (/lang zh-Hant)
    catalog: str  # the gettext catalog's folder
    babel: str  # the Babel locale for numbers, dates and zone names
    label: str  # its own name, on the language buttons
    aliases: tuple[str, ...] = ()  # what /lang also takes
    client_prefixes: tuple[str, ...] = ()  # client language codes that mean it
    discord: tuple[str, ...] = ()  # Discord's locales for the slash-command translations


LOCALES: dict[str, LocaleData] = {
    "zh-Hant": LocaleData("zh-Hant", "zh_Hant", "zh_Hant_TW", "中文",
                          ("zh-hant", "zh-tw", "zh-hk", "zh", "tw", "中文", "繁中", "繁體中文"),
                          ("zh",), ("zh-TW",)),
    "en": LocaleData("en", "en", "en_US", "English",
                     ("en", "en-us", "en-gb", "english", "英文"), ("en",), ()),
}
"""Every single language, in display order: a language is its catalog plus this row."""
FALLBACK = "en"  # for a client language no catalog covers
BOTH_ALIASES = ("both", "all", "雙語", "兩者")


class ChatKind(enum.StrEnum):
    PRIVATE = "private"
    GROUP = "group"
    CHANNEL = "channel"


def check_timezone(name: str) -> str:
    """A zone name the tz database knows ("Asia/Taipei"); anything else, a folder of it
    ("Asia") or a 300-character string included, is a typed error, never a crash."""
    if not name or len(name) > 64:
        raise UnknownTimeZone(name[:64], timezone=name[:64])
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UnknownTimeZone(name, timezone=name) from None
    return name


@dataclass(frozen=True, slots=True, order=True)
class ChatRef:
    """Where a message goes: a platform and that platform's id for the chat."""

    platform: str
    chat_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.chat_id}"

    @classmethod
    def parse(cls, text: str) -> ChatRef:
        platform, sep, chat_id = text.partition(":")
        if not sep or not platform or not chat_id:
            raise ValueError(f"not a chat reference: {text!r}")
        return cls(platform, chat_id)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Local clock times between which alerts arrive silently (never late)."""

    start: time
    end: time

    def contains(self, local: time) -> bool:
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True, slots=True)
class Chat:
    ref: ChatRef
    kind: ChatKind
    language: Language
    timezone: str
    active: bool = True
    topics: frozenset[Topic] = field(default_factory=frozenset)
    quiet_hours: QuietHours | None = None
    thread_id: str | None = None
    title: str | None = None
    configured_by: str | None = None  # the user who set up a group channel or webhook
    secret: str | None = field(default=None, repr=False)  # a webhook's token: never shown

    def is_quiet(self, at: datetime) -> bool:
        if self.quiet_hours is None:
            return False
        return self.quiet_hours.contains(at.astimezone(ZoneInfo(self.timezone)).time())


class Direction(enum.StrEnum):
    ABOVE = "above"
    BELOW = "below"
    CROSS = "cross"


class RepeatMode(enum.StrEnum):
    ONCE = "once"
    REPEAT = "repeat"


@dataclass(frozen=True, slots=True)
class Threshold:
    """A chat's BTC price level."""

    chat: ChatRef
    id: int
    direction: Direction
    level: Decimal
    mode: RepeatMode = RepeatMode.ONCE
    expires_at: datetime | None = None
    created_at: datetime | None = None
