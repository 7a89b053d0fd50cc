"""The operator's TOML file, validated into typed settings with errors that name the key and the fix."""

from __future__ import annotations

import re
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.pacing import Limits
from jobs.fetch import FetchPolicy
from jobs.records import CategorySpec

_DURATION = re.compile(r"^\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?\s*$")
_WEBHOOK_URL = re.compile(r"https://[^/\s?#]+(/[^\s?#]*)?")
_URL_PATH = re.compile(r"/[A-Za-z0-9._~/-]*")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Polling faster than this is rude to the site and never needed for news.
MIN_INTERVAL = timedelta(seconds=1)


class ConfigError(Exception):
    """A config file that cannot be used; the message is meant for the operator as it is."""


def parse_duration(value: Any) -> timedelta:
    """Accept "90s", "5m", "1h30m" or a number of seconds, so intervals read like an operator writes them."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return timedelta(seconds=value)
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match or not any(match.groups()):
        raise ValueError(f'expected a duration like "5m", got {value!r}')
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TelegramSettings(_Strict):
    token_env: str = "NASHRA_BOT_TOKEN"
    api_base_url: str | None = None
    admins: tuple[int, ...] = ()
    # "polling" asks Telegram for updates; "webhook" has Telegram post them to webhook_url.
    mode: Literal["polling", "webhook"] = "polling"
    # The public HTTPS address Telegram posts to (usually a reverse proxy in front of webhook_listen).
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, gt=0, lt=65536)
    # The local path the bot serves; by default the path of webhook_url.
    webhook_path: str | None = None
    # Read from this environment variable: Telegram sends it back in a header and others cannot forge it.
    # Unset, a random secret is made at each start (Telegram learns it from setWebhook).
    webhook_secret_env: str = "NASHRA_WEBHOOK_SECRET"
    # Per-user flood limit: at most command_limit commands within command_window; more get one
    # "slow down" notice and are ignored until the window allows again.
    command_limit: int = Field(default=20, ge=1, le=1000)
    command_window: Duration = timedelta(minutes=1)

    @field_validator("webhook_url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        if value is not None and not _WEBHOOK_URL.fullmatch(value):
            raise ValueError(
                f'expected a public https:// address like "https://example.org/nashra", got {value!r}'
            )
        return value

    @field_validator("webhook_path")
    @classmethod
    def _url_path(cls, value: str | None) -> str | None:
        if value is not None and not _URL_PATH.fullmatch(value):
            raise ValueError(f'expected a path starting with "/" like "/nashra", got {value!r}')
        return value

    @field_validator("token_env", "webhook_secret_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not _ENV_NAME.fullmatch(value):
            raise ValueError(f'expected an environment variable name like "NASHRA_BOT_TOKEN", got {value!r}')
        return value

    @model_validator(mode="after")
    def _webhook_needs_url(self) -> TelegramSettings:
        if self.mode == "webhook" and not self.webhook_url:
            raise ValueError(
                'webhook mode needs webhook_url, e.g. webhook_url = "https://example.org/nashra"'
            )
        return self

    @property
    def local_webhook_path(self) -> str:
        """Where the webhook server listens: webhook_path, or the path Telegram is told to post to."""
        if self.webhook_path:
            return self.webhook_path
        return urlsplit(self.webhook_url or "").path or "/"


class StorageSettings(_Strict):
    path: Path = Path("data/nashra.json")
    # Seen items are forgotten after this; longer than any feed or ticker keeps an item listed.
    retention_days: int = Field(30, ge=1, le=3650)


class DeliverySettings(_Strict):
    timezone: str = "Asia/Damascus"
    # Ordinary posts arrive silently so a busy channel does not buzz every few minutes; breaking ones notify.
    silent_articles: bool = True
    # Link previews in readers' private chats (channels choose their own with link_preview).
    link_previews: bool = False
    # Telegram's broadcast limits; lower them if Telegram still answers 429 often.
    global_per_second: float = Field(default=30.0, gt=0)
    private_per_second: float = Field(default=1.0, gt=0)
    group_per_minute: float = Field(default=20.0, gt=0)
    # Sends in flight at once: enough to hide the round trip so the overall limit is actually reached.
    concurrency: int = Field(default=16, ge=1, le=256)
    # A reader who blocked the bot is deactivated after this many refusals spread over at least strike_span,
    # so one glitch or a brief block does not lose a subscriber.
    forbidden_strikes: int = Field(default=3, ge=1)
    strike_span: Duration = timedelta(hours=1)

    def limits(self) -> Limits:
        """The pacing limits the broadcaster keeps to."""
        return Limits(self.global_per_second, self.private_per_second, self.group_per_minute)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f'expected an IANA time zone like "Asia/Damascus", got {value!r}') from None
        return value


class OpsSettings(_Strict):
    """How an operator watches and stops the bot; changes here need a restart."""

    # The HTTP endpoint (/healthz, /metrics, /status) is off unless asked for, and loopback-only by default.
    http: bool = False
    host: str = "127.0.0.1"
    # 0 asks the system for any free port (tests use it); the bound port is logged.
    port: int = Field(default=8787, ge=0, le=65535)
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # On SIGTERM/SIGINT the send in progress may finish within this time before it is cut off.
    stop_timeout: Duration = timedelta(seconds=10)


# The fetch defaults live in one place, jobs/fetch.py's FetchPolicy; [fetch] starts from them.
_POLICY = FetchPolicy()


class FetchSettings(_Strict):
    """How Nashra behaves towards the sites it reads; the defaults suit a few hundred sources."""

    user_agent: str = Field(default=_POLICY.user_agent, min_length=1)
    connect_timeout: Duration = timedelta(seconds=_POLICY.connect_timeout)
    read_timeout: Duration = timedelta(seconds=_POLICY.read_timeout)
    total_timeout: Duration = timedelta(seconds=_POLICY.total_timeout)
    max_redirects: int = Field(default=_POLICY.max_redirects, ge=0, le=20)
    max_page_bytes: int = Field(default=_POLICY.max_bytes, ge=1024)
    max_feed_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    # Entries read from one feed; a feed listing thousands of items is an archive, not news.
    max_feed_entries: int = Field(default=500, ge=1)
    per_host: int = Field(default=_POLICY.per_host, ge=1, le=32)
    host_delay: Duration = timedelta(seconds=_POLICY.host_delay)
    retries: int = Field(default=_POLICY.retries, ge=0, le=10)
    # The longest a failing source waits between tries (it backs off exponentially up to this).
    max_backoff: Duration = timedelta(hours=1)
    # A source failing this long is paused (tried once per max_backoff) and the admins are told once.
    pause_after: Duration = timedelta(hours=24)

    def policy(self) -> FetchPolicy:
        """The jobs-side view of these settings."""
        return FetchPolicy(
            user_agent=self.user_agent,
            connect_timeout=self.connect_timeout.total_seconds(),
            read_timeout=self.read_timeout.total_seconds(),
            total_timeout=self.total_timeout.total_seconds(),
            max_redirects=self.max_redirects,
            max_bytes=self.max_page_bytes,
            per_host=self.per_host,
            host_delay=self.host_delay.total_seconds(),
            retries=self.retries,
        )


class Category(_Strict):
    slug: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    ar: str
    en: str
    aliases: tuple[str, ...] = ()
    breaking: bool = False

    def name(self, lang: str) -> str:
        """The category's name in a reader's language (English, else Arabic)."""
        return self.en if lang == "en" else self.ar

    def spec(self) -> CategorySpec:
        """The jobs-side view: every name a term or URL may use to reach this slug."""
        return CategorySpec(self.slug, (self.slug, self.ar, self.en), self.breaking, self.aliases)


class Source(_Strict):
    name: str = Field(min_length=1)
    kind: Literal["feed", "html", "ticker", "sitemap"]
    url: str = Field(pattern=r"^https?://")
    interval: Duration = timedelta(minutes=5)
    # Filed under these whatever its pages say: a site's sport listing is sport, breadcrumbs only add to it.
    categories: tuple[str, ...] = ()
    # The topic of an item whose feed, breadcrumbs, URL and words name none.
    category: str | None = None
    link_selector: str | None = None
    title_selector: str | None = None
    item_selector: str | None = None
    # Only for a site that allowed us in writing; robots.txt is honoured otherwise.
    respect_robots: bool = True

    @field_validator("interval")
    @classmethod
    def _not_too_often(cls, value: timedelta) -> timedelta:
        if value < MIN_INTERVAL:
            raise ValueError(f"expected at least {MIN_INTERVAL.total_seconds():g}s between polls")
        return value

    @model_validator(mode="after")
    def _selectors_for_kind(self) -> Source:
        if self.kind == "html" and not self.link_selector:
            raise ValueError('an "html" source needs link_selector, e.g. link_selector = "h2.post-title a"')
        if self.kind == "ticker" and not self.item_selector:
            raise ValueError(
                'a "ticker" source needs item_selector, e.g. item_selector = "#breaking-news-in-header li"'
            )
        return self


class Channel(_Strict):
    chat: str | int
    categories: tuple[str, ...] = ()
    breaking: bool = False
    language: Literal["ar", "en"] = "ar"
    link_preview: bool = False
    # For a supergroup with topics: the topic (message_thread_id) posts go to.
    topic: int | None = Field(default=None, gt=0)

    @field_validator("chat")
    @classmethod
    def _chat_form(cls, value: str | int) -> str | int:
        if isinstance(value, str) and not re.fullmatch(r"@[A-Za-z][A-Za-z0-9_]{3,}", value):
            raise ValueError(f'expected "@channelname" or a numeric chat id, got {value!r}')
        return value


class Config(_Strict):
    telegram: TelegramSettings = TelegramSettings()
    storage: StorageSettings = StorageSettings()
    delivery: DeliverySettings = DeliverySettings()
    ops: OpsSettings = OpsSettings()
    fetch: FetchSettings = FetchSettings()
    categories: tuple[Category, ...] = Field(min_length=1)
    sources: tuple[Source, ...] = ()
    channels: tuple[Channel, ...] = ()

    @model_validator(mode="after")
    def _references_resolve(self) -> Config:
        slugs = [c.slug for c in self.categories]
        _no_repeats("categories", "slug", slugs)
        _no_repeats("sources", "name", [s.name for s in self.sources])
        for i, source in enumerate(self.sources):
            if source.category is not None and source.category not in slugs:
                raise _UnknownCategory(f"sources[{i}].category", source.category, slugs)
            for slug in source.categories:
                if slug not in slugs:
                    raise _UnknownCategory(f"sources[{i}].categories", slug, slugs)
        for i, channel in enumerate(self.channels):
            for slug in channel.categories:
                if slug not in slugs:
                    raise _UnknownCategory(f"channels[{i}].categories", slug, slugs)
        return self

    def category(self, slug: str) -> Category:
        """The category with this slug (slugs are validated to exist wherever they are referenced)."""
        return next(c for c in self.categories if c.slug == slug)


class _UnknownCategory(ValueError):
    def __init__(self, key: str, slug: str, slugs: list[str]) -> None:
        super().__init__(f"{key}: unknown category {slug!r}; expected one of {', '.join(slugs)}")


def _no_repeats(table: str, key: str, values: list[str]) -> None:
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            raise ValueError(f"{table}[{i}].{key}: {value!r} is used twice; each {key} must be unique")
        seen.add(value)


def load_config(path: Path) -> Config:
    """Read and validate the TOML file, or raise ConfigError naming the file, the key and what is expected."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file; copy config.example.toml and edit it") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(raw, origin=str(path))


def parse_config(raw: dict[str, Any], *, origin: str = "<config>") -> Config:
    """Validate an already-parsed TOML document."""
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError("\n".join(f"{origin}: {_describe(err)}" for err in exc.errors())) from None


def _describe(error: Any) -> str:
    """One line per problem: the dotted key, then what was expected."""
    key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]).lstrip(".")
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key (check its spelling against config.example.toml)"
    elif error["type"] == "missing":
        message = "required key is missing"
    if message.startswith(("sources[", "channels[", "categories[")):
        return message
    return f"{key}: {message}" if key else message
