"""Configuration: ``config/settings.toml`` overlaid by ``FEDALERT_*`` environment variables.

Precedence (highest first): keyword arguments (tests), environment variables
(``FEDALERT_TELEGRAM__TOKEN``: nested keys joined by ``__``), the TOML file, defaults.
Secrets (chat tokens, the Redis URL that may carry a password) are ``SecretStr``: they
never appear in a ``repr`` or a log line, and the TOML file may not hold them.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    AnyUrl,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    TypeAdapter,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

ENV_PREFIX = "FEDALERT_"
CONFIG_PATH_ENV = "FEDALERT_CONFIG"
DEFAULT_CONFIG_PATH = Path("config/settings.toml")
SectionT = TypeVar("SectionT", bound=BaseModel)

_HTTP_URL: TypeAdapter[AnyHttpUrl] = TypeAdapter(AnyHttpUrl)
_ANY_URL: TypeAdapter[AnyUrl] = TypeAdapter(AnyUrl)


def _http_url(value: str) -> str:
    _HTTP_URL.validate_python(value)
    return value.rstrip("/")


def _ws_url(value: str) -> str:
    url = _ANY_URL.validate_python(value)
    if url.scheme not in ("ws", "wss"):
        raise ValueError("use a ws:// or wss:// URL")
    return value.rstrip("/")


# URLs stay plain strings (no trailing slash) so code can append paths to them.
HttpUrl = Annotated[str, AfterValidator(_http_url)]
WsUrl = Annotated[str, AfterValidator(_ws_url)]

# Keys that may only come from the environment or a *_file setting, never from TOML.
SECRET_KEYS = {
    ("redis_url",),
    ("telegram", "token"),
    ("discord", "token"),
    ("telegram", "webhook_secret"),
    ("line", "channel_secret"),
    ("line", "access_token"),
}


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the key in one line."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _read_secret_file(path: Path | None, value: SecretStr | None, key: str) -> SecretStr | None:
    if value is not None or path is None:
        return value
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValueError(f"cannot read {key}_file {path}: {exc.strerror}") from exc
    return SecretStr(text) if text else None


TELEGRAM_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")


def _check_telegram_token(token: SecretStr | None, problem: str) -> None:
    """A shape check needs no network: a pasted quote, a "bot" prefix or another
    platform's token is one line at start, not a refused login later. The value is never
    repeated (it is a secret)."""
    if token is not None and not TELEGRAM_TOKEN.fullmatch(token.get_secret_value()):
        raise ValueError(f"{problem}: BotFather gives one like 123456789:AAH… (digits, a "
                         "colon, then letters, digits, - and _); check for quotes, spaces "
                         "or a 'bot' prefix")


class TelegramSettings(_Section):
    token: SecretStr | None = None
    token_file: Path | None = None
    api_url: HttpUrl = "https://api.telegram.org"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: HttpUrl | None = None
    webhook_listen: str = Field("127.0.0.1", description="address the webhook listener binds; "
                                "loopback behind a reverse proxy (0.0.0.0 to expose it)")
    webhook_port: int = Field(8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    messages_per_second: float = Field(28.0, gt=0, le=1000)
    group_messages_per_minute: float = Field(19.0, gt=0, le=1000)
    private_messages_per_second: float = Field(1.0, gt=0, le=1000)
    paid_broadcast: bool = Field(
        False, description="Use Telegram's paid broadcasts (allow_paid_broadcast, charged "
        "in Stars) for events sent to more than paid_broadcast_threshold chats")
    paid_broadcast_threshold: int = Field(10_000, ge=1)
    paid_broadcast_cap: int = Field(
        50_000, ge=1, description="Most paid messages for one event (the rest go free)")
    paid_messages_per_second: float = Field(900.0, gt=0, le=1000)
    shared_budget: bool = Field(
        True, description="Keep the rates above in the store, for all instances together "
        "(off: each process paces itself, so divide the rates by the instance count)")

    @field_validator("token")
    @classmethod
    def _token_shape(cls, token: SecretStr | None) -> SecretStr | None:
        _check_telegram_token(token, "not a bot token")
        return token

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, secret: SecretStr | None) -> SecretStr | None:
        """An empty secret is no secret: treated as unset (one is derived from the token),
        never as "accept every update". Telegram takes 1-256 of A-Z a-z 0-9 _ -."""
        if secret is None or not secret.get_secret_value().strip():
            return None
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret.get_secret_value()):
            raise ValueError("use 1-256 letters, digits, '_' or '-' (Telegram's rule), or "
                             "leave it unset to derive one from the token")
        return secret

    @model_validator(mode="after")
    def _load_token_file(self) -> TelegramSettings:
        token = _read_secret_file(self.token_file, self.token, "telegram.token")
        if self.token is None:
            _check_telegram_token(token, "telegram.token_file holds no bot token")
        object.__setattr__(self, "token", token)
        if self.mode == "webhook":
            if self.webhook_url is None:
                raise ValueError("mode=webhook needs webhook_url "
                                 "(FEDALERT_TELEGRAM__WEBHOOK_URL)")
            if self.webhook_secret is None and token is not None:
                # every update must carry a secret: derived from the token when none is
                # set, so all instances behind one URL agree and nobody else can forge it
                derived = hmac.new(token.get_secret_value().encode(), b"fedalert-webhook",
                                   hashlib.sha256).hexdigest()
                object.__setattr__(self, "webhook_secret", SecretStr(derived))
        return self


class DiscordSettings(_Section):
    token: SecretStr | None = None
    token_file: Path | None = None
    api_url: HttpUrl = "https://discord.com/api/v10"
    gateway_url: WsUrl | None = Field(
        None, description="the gateway to connect to (a proxy, a local stand-in); "
                          "default: the one Discord's API names")

    @model_validator(mode="after")
    def _load_token_file(self) -> DiscordSettings:
        token = _read_secret_file(self.token_file, self.token, "discord.token")
        object.__setattr__(self, "token", token)
        return self


class LineSettings(_Section):
    """LINE Messaging API: a channel's secret (webhook signatures) and access token."""

    channel_secret: SecretStr | None = None
    channel_secret_file: Path | None = None
    access_token: SecretStr | None = None
    access_token_file: Path | None = None
    api_url: HttpUrl = "https://api.line.me"
    webhook_listen: str = Field(
        "127.0.0.1:8081", description="host:port the webhook listener binds (LINE posts to "
        "<public_url>/line/webhook through your HTTPS reverse proxy)")
    public_url: HttpUrl | None = Field(
        None, description="The HTTPS address LINE reaches the listener at (charts are served "
        "from it as image messages; without it alerts go as text)")
    admins: list[str] = Field(
        default_factory=list, description="LINE user ids that may change a group's settings "
        "(empty: anyone in the group)")
    priority_reserve: int = Field(
        20, ge=0, description="Pushes kept back from the monthly quota for priority alerts "
        "(FOMC decisions): below it only those still go")

    @model_validator(mode="after")
    def _load_secret_files(self) -> LineSettings:
        secret = _read_secret_file(self.channel_secret_file, self.channel_secret,
                                   "line.channel_secret")
        token = _read_secret_file(self.access_token_file, self.access_token,
                                  "line.access_token")
        if (secret is None) != (token is None):
            raise ValueError("LINE needs both channel_secret and access_token "
                             "(FEDALERT_LINE__CHANNEL_SECRET, FEDALERT_LINE__ACCESS_TOKEN)")
        listen = self.webhook_listen.rpartition(":")
        if not listen[0] or not listen[2].isdigit() or not 0 <= int(listen[2]) < 65536:
            raise ValueError(f"webhook_listen {self.webhook_listen!r}: use host:port, e.g. "
                             "127.0.0.1:8081")
        object.__setattr__(self, "channel_secret", secret)
        object.__setattr__(self, "access_token", token)
        return self

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = self.webhook_listen.rpartition(":")
        return host.strip("[]"), int(port)


class AppriseTarget(_Section):
    """One Apprise URL (``ntfy://…``, ``slack://…``, ``mailto://…``, ``json://…``) with the
    topics it receives and its language."""

    url: SecretStr
    topics: list[str] = Field(default_factory=lambda: ["fomc"])
    language: Literal["zh-Hant", "en", "both"] = "both"
    name: str | None = Field(None, description="How logs name it (its URL holds secrets)")
    timezone: str = "Asia/Taipei"


class AppriseSettings(_Section):
    targets: list[AppriseTarget] = Field(
        default_factory=list, description="One-way outputs through Apprise, e.g. "
        'FEDALERT_APPRISE__TARGETS=\'[{"url": "ntfy://fedalert", "topics": ["fomc"]}]\'')


class FedSettings(_Section):
    base_url: HttpUrl = "https://www.federalreserve.gov"
    rss_poll_seconds: float = Field(45.0, ge=5)
    burst_poll_seconds: float = Field(1.5, ge=0.2)
    fast_poll_seconds: float = Field(
        0.25, ge=0.1, le=5, description="Between two reads of the statement URL from "
        "fast_window_before seconds before the scheduled minute to fast_window_after after "
        "it (0.25 s: at most 4 requests a second to the Fed, for about a minute)")
    fast_window_before: float = Field(5.0, ge=0, le=60)
    fast_window_after: float = Field(60.0, ge=0, le=600)
    h41_poll_seconds: float = Field(20.0, ge=1)
    press_conference_reminder: bool = Field(
        True, description="Remind fomc subscribers of the Chair's press conference (2:30 pm ET)")
    meeting_preview: bool = Field(
        True, description="The evening before a decision, a preview in each chat's time zone")
    preview_hour: int = Field(20, ge=0, le=23, description="Local hour of the preview")
    note_wait_seconds: float = Field(
        0.0, ge=0, le=10, description="How long the decision alert may wait for the "
        "implementation note to fold it in (0: the decision goes out at once, the note "
        "follows as its own message)")


class FredSettings(_Section):
    base_url: HttpUrl = "https://fred.stlouisfed.org"


class CmeSettings(_Section):
    base_url: HttpUrl = "https://www.cmegroup.com"


class YahooSettings(_Section):
    base_url: HttpUrl = "https://query1.finance.yahoo.com"


class ExchangeSettings(_Section):
    rest_url: HttpUrl
    ws_url: WsUrl | None = None
    enabled: bool = True


class BinanceSettings(ExchangeSettings):
    rest_url: HttpUrl = "https://api.binance.com"
    ws_url: WsUrl | None = "wss://stream.binance.com:9443"


class OkxSettings(ExchangeSettings):
    rest_url: HttpUrl = "https://www.okx.com"
    ws_url: WsUrl | None = "wss://ws.okx.com:8443"


class CoinbaseSettings(ExchangeSettings):
    rest_url: HttpUrl = "https://api.exchange.coinbase.com"
    ws_url: WsUrl | None = "wss://ws-feed.exchange.coinbase.com"


class KrakenSettings(ExchangeSettings):
    rest_url: HttpUrl = "https://api.kraken.com"
    ws_url: WsUrl | None = "wss://ws.kraken.com"


class OutboxSettings(_Section):
    max_attempts: int = Field(8, ge=1, le=100)
    backoff_base_seconds: float = Field(2.0, gt=0)
    backoff_max_seconds: float = Field(600.0, gt=0)
    reclaim_idle_seconds: float = Field(60.0, gt=0)
    read_batch: int = Field(100, ge=1, le=10_000)
    fanout_batch: int = Field(2000, ge=10, le=100_000)
    chats_per_entry: int = Field(
        20, ge=1, le=500,
        description="Chats one outbox entry carries in a topic's fan-out: a million chats "
        "queue in about half the time of one entry each. Workers of fedalert 0.1 read only "
        "one chat an entry: set 1 while any still runs (a rolling upgrade)")
    dedup_ttl_seconds: int = Field(
        2 * 24 * 3600, ge=60,
        description="How long an event remembers which chats it was queued for: covers a "
        "fan-out resumed after a crash and the brief's later slices (the event record "
        "itself keeps publishing idempotent after that)")
    workers_per_platform: int = Field(1, ge=1, le=64)


class LeaderSettings(_Section):
    ttl_seconds: float = Field(15.0, ge=1)


class RegistrySettings(_Section):
    max_thresholds_per_chat: int = Field(20, ge=1, le=1000)
    default_language: Literal["zh-Hant", "en", "both"] = "both"
    default_timezone: str = "Asia/Taipei"

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return _check_zone(value)


class RedisSettings(_Section):
    """How fedalert reaches its store (the URL itself is ``redis_url``, a secret)."""

    connect_timeout: float = Field(
        15.0, gt=0, le=600,
        description="seconds to keep trying to reach Redis at start before exiting (status 2)")
    cluster: bool = Field(
        False, description="the URL is a node of a Redis Cluster (same as redis+cluster://)")


ODDS_SOURCES = ("cme", "yahoo", "file")


class OddsSettings(_Section):
    source: str = Field("cme", description="where settlements come from, in order of "
                                           "preference: cme, yahoo, file (e.g. cme,yahoo)")
    file: Path | None = Field(None, description="JSON or CSV month,price file (source=file)")

    @field_validator("source")
    @classmethod
    def _source_list(cls, value: str) -> str:
        names = [part.strip().lower() for part in value.split(",") if part.strip()]
        unknown = [name for name in names if name not in ODDS_SOURCES]
        if not names or unknown:
            raise ValueError(f"use one or more of {', '.join(ODDS_SOURCES)}, comma-separated "
                             f"(not {', '.join(unknown) or 'nothing'})")
        return ",".join(dict.fromkeys(names))

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(self.source.split(","))

    @model_validator(mode="after")
    def _file_for_file_source(self) -> OddsSettings:
        if "file" in self.sources and self.file is None:
            raise ValueError("source=file needs odds.file (FEDALERT_ODDS__FILE)")
        if self.file is not None and not self.file.is_file():
            raise ValueError(f"{self.file} is not a readable file")
        return self
    day_count: Literal["cme", "legacy"] = "cme"
    alert_level: float = Field(0.5, gt=0, lt=1, description="alert when a move crosses this")
    alert_jump: float = Field(0.10, gt=0, lt=1, description="...or moves this much in a day")
    poll_minutes: float = Field(30.0, ge=1)


class BtcSettings(_Section):
    """The composite price and the alert rules (see docs and bot/sources/prices)."""

    quorum: int = Field(2, ge=1, le=4, description="agreeing fresh sources needed")
    outlier_pct: float = Field(1.0, gt=0, le=20, description="dropped beyond this from median")
    stale_seconds: float = Field(15.0, gt=0, description="a source older than this is stale")
    poll_seconds: float = Field(3.0, ge=0.5, description="REST fallback poll interval")
    confirm_seconds: float = Field(3.0, ge=0, description="second reading at least this later")
    rearm_band_pct: float = Field(0.5, ge=0, le=20)
    cooldown_minutes: float = Field(15.0, ge=0)
    gap_seconds: float = Field(60.0, gt=0, description="no reading for this long = data gap")
    move_pct: float = Field(5.0, gt=0, le=50, description="percent-move alert size")
    move_window_minutes: int = Field(60, ge=1, le=1440)


class SourcesSettings(_Section):
    """Which watchers the leader runs (all by default)."""

    fomc: bool = True
    h41: bool = True
    odds: bool = True
    btc: bool = True
    macro: bool = True  # as macro.enabled: either turns the CPI/jobs/PCE/GDP watcher off


class ConsoleSettings(_Section):
    messages_per_second: float = Field(0.0, ge=0, description="0 = unpaced")
    color: bool | None = None


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {value!r} (use an IANA name like Asia/Taipei)") from exc
    return value


class Settings(BaseSettings):
    """Every setting of a fedalert deployment."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_ignore_empty=True,  # FOO= (compose's ${FOO:-}) means unset, not an empty token
        extra="forbid",
        frozen=True,
        case_sensitive=False,
    )

    redis_url: SecretStr | None = None
    redis_url_file: Path | None = None
    key_prefix: str = "fedalert"
    partitions: int = Field(16, ge=1, le=1024)
    data_dir: Path | None = None
    instance_id: str | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"  # json: one object per line, for collectors
    metrics_port: int | None = Field(None, ge=1, le=65535)
    user_agent: str = "fedalert/0.1 (+https://github.com/fedalert/fedalert; alerts bot)"
    http_timeout_seconds: float = Field(10.0, gt=0)

    telegram: TelegramSettings = TelegramSettings()
    discord: DiscordSettings = DiscordSettings()
    line: LineSettings = LineSettings()
    apprise: AppriseSettings = AppriseSettings()
    fed: FedSettings = FedSettings()
    fred: FredSettings = FredSettings()
    cme: CmeSettings = CmeSettings()
    yahoo: YahooSettings = YahooSettings()
    binance: BinanceSettings = BinanceSettings()
    okx: OkxSettings = OkxSettings()
    coinbase: CoinbaseSettings = CoinbaseSettings()
    kraken: KrakenSettings = KrakenSettings()
    redis: RedisSettings = RedisSettings()
    outbox: OutboxSettings = OutboxSettings()
    leader: LeaderSettings = LeaderSettings()
    registry: RegistrySettings = RegistrySettings()
    console: ConsoleSettings = ConsoleSettings()
    sources: SourcesSettings = SourcesSettings()
    odds: OddsSettings = OddsSettings()
    btc: BtcSettings = BtcSettings()

    @field_validator("key_prefix")
    @classmethod
    def _plain_prefix(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,64}", value):
            raise ValueError("use 1-64 letters, digits, '_', '.' or '-' (no braces or colons)")
        return value

    @model_validator(mode="after")
    def _load_redis_url_file(self) -> Settings:
        url = _read_secret_file(self.redis_url_file, self.redis_url, "redis_url")
        if url is not None and self.redis_url is None:  # read from redis_url_file
            try:
                _check_redis_url(url.get_secret_value())
            except ValueError as exc:
                raise ConfigError(f"config error: redis_url_file: {exc} "
                                  f"[{ENV_PREFIX}REDIS_URL_FILE]") from None
        object.__setattr__(self, "redis_url", url)
        return self

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            _check_redis_url(value.get_secret_value())
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        named = os.environ.get(CONFIG_PATH_ENV)
        if named and not Path(named).is_file():
            problem = "is a folder, not a file" if Path(named).is_dir() else "does not exist"
            raise ConfigError(f"config error: the settings file {named} {problem} "
                              f"[{CONFIG_PATH_ENV}]")
        path = Path(named) if named else DEFAULT_CONFIG_PATH
        try:
            toml = _SecretFreeToml(settings_cls, toml_file=path)
        except (OSError, ValueError) as exc:  # TOML syntax, not UTF-8, unreadable
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ConfigError(f"config error: the settings file {path}: {reason} "
                              f"[{CONFIG_PATH_ENV}]") from None
        return (init_settings, env_settings, toml)

    # Convenience views -------------------------------------------------------------
    def section(self, name: str, model: type[SectionT]) -> SectionT:
        """A topic's own settings section (``TopicSpec``'s ``settings.py``), its defaults
        when these settings were loaded without it."""
        value = getattr(self, name, None)
        return value if isinstance(value, model) else model()

    def secret_values(self) -> list[str]:
        """Every secret string, so the log filter can mask it wherever it appears."""
        values: list[str] = []
        for secret in (self.redis_url, self.telegram.token, self.discord.token,
                       self.telegram.webhook_secret, self.line.channel_secret,
                       self.line.access_token,
                       *(target.url for target in self.apprise.targets)):
            if secret is not None:
                values.append(secret.get_secret_value())
        url = self.redis_url.get_secret_value() if self.redis_url else ""
        password = _url_password(url)
        if password:
            values.append(password)
        return [v for v in values if len(v) >= 4]


class _SecretFreeToml(TomlConfigSettingsSource):
    """The TOML source, refusing tokens and passwords written into the file."""

    def __call__(self) -> dict[str, Any]:
        data = super().__call__()
        for path in SECRET_KEYS:
            node: Any = data
            for part in path:
                node = node.get(part) if isinstance(node, dict) else None
            if node is not None:
                dotted = ".".join(path)
                env = ENV_PREFIX + "__".join(p.upper() for p in path)
                raise ConfigError(
                    f"config error: {dotted} must not be written in the settings file; "
                    f"set {env} or {dotted}_file instead"
                )
        return data


def _env_name(loc: tuple[Any, ...]) -> str:
    return ENV_PREFIX + "__".join(str(p).upper() for p in loc)


def _did_you_mean(loc: tuple[Any, ...]) -> str:
    """"; did you mean api_url?" for a misspelt key, from the keys of its section."""
    import difflib

    model: type[BaseModel] = Settings
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        section = field.annotation if field is not None else None
        if not (isinstance(section, type) and issubclass(section, BaseModel)):
            return ""
        model = section
    close = difflib.get_close_matches(str(loc[-1]).lower(), sorted(model.model_fields),
                                      n=1, cutoff=0.7) if loc else []
    return f"; did you mean {close[0]}?" if close else ""


def describe_validation_error(exc: ValidationError) -> str:
    """One line that names the first bad key, its environment variable and the reason."""
    err = exc.errors()[0]
    loc = tuple(p for p in err.get("loc", ()) if not isinstance(p, int))
    dotted = ".".join(str(p) for p in loc) or "settings"
    message = err.get("msg", "invalid value")
    if err.get("type") == "extra_forbidden":
        message = "unknown setting" + _did_you_mean(loc)
    message = message.removeprefix("Value error, ")
    more = f" (+{len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"config error: {dotted}: {message} [{_env_name(loc)}]{more}"


def _url_password(url: str) -> str | None:
    """The password of a URL, all of it: the userinfo ends at the last ``@`` before the
    host, so ``redis://:p@ss@host`` has the password ``p@ss``."""
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).password
    except ValueError:
        return None


def _check_redis_url(url: str) -> None:
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme not in ("redis", "rediss", "unix", "redis+cluster", "rediss+cluster"):
        # the message must not echo the URL: it may hold a password
        raise ValueError("not a Redis URL: use redis://[:password@]host:6379/0, rediss://, "
                         "redis+cluster://node:6379 "
                         "or unix:///path/to/socket")
    if scheme == "unix":
        return
    from urllib.parse import urlsplit

    try:
        port = urlsplit(url).port
    except ValueError:
        port = -1
    if port is not None and not 1 <= port <= 65535:  # said without the URL (a password)
        raise ValueError("the port must be a number from 1 to 65535")


ALLOWED_EXTRA_VARIABLES = {CONFIG_PATH_ENV, "FEDALERT_UPDATE_GOLDEN"}
"""``FEDALERT_*`` variables that are not settings (the tests' own use ``FEDALERT_TEST_``)."""


SectionModels = Mapping[str, type[BaseModel]]


@functools.cache
def _settings_model(sections: tuple[tuple[str, type[BaseModel]], ...]) -> type[Settings]:
    return create_model(  # type: ignore[call-overload]
        "Settings", __base__=Settings,
        **{name: (model, model()) for name, model in sections})


def settings_model(sections: SectionModels | None = None) -> type[Settings]:
    """``Settings`` with the topics' own sections added (``[cpi]`` in the file,
    ``FEDALERT_CPI__…`` in the environment): a topic declares its settings in its folder."""
    if not sections:
        return Settings
    return _settings_model(tuple(sorted(sections.items())))


def known_variables(model: type[BaseModel] = Settings, prefix: str = ENV_PREFIX) -> set[str]:
    """Every ``FEDALERT_*`` name a setting answers to (nested sections joined by ``__``)."""
    names = set()
    for name, info in model.model_fields.items():
        names.add(f"{prefix}{name.upper()}")
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names |= known_variables(annotation, f"{prefix}{name.upper()}__")
    return names


def check_variables(environ: dict[str, str] | None = None,
                    model: type[BaseModel] = Settings) -> None:
    """A misspelt variable is a mistake, not a default: name it and suggest the right one."""
    import difflib

    environ = dict(os.environ if environ is None else environ)
    known = known_variables(model)
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper in known or \
                upper in ALLOWED_EXTRA_VARIABLES or upper.startswith("FEDALERT_TEST_"):
            continue
        close = difflib.get_close_matches(upper, sorted(known), n=1, cutoff=0.75)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise ConfigError(f"config error: {name} is not a fedalert setting{hint}")


def load_settings(*, sections: SectionModels | None = None, **overrides: Any) -> Settings:
    """Load and validate the settings (with the topics' ``sections``); raise
    ``ConfigError`` with one clear line."""
    model = settings_model(sections)
    if not overrides:
        check_variables(model=model)
    try:
        return model(**overrides)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None
    except ConfigError:
        raise
    except (OSError, ValueError) as exc:  # unreadable or malformed TOML
        raise ConfigError(f"config error: {exc}") from None
