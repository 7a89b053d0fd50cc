"""Operator commands in Telegram (/stats, /sources, /pause, /resume, /test) and the start-up channel check.

The commands answer only the user ids in `[telegram] admins`, in a private chat: their handlers carry a
user filter, so for anyone else they do not exist and the catch-all gives the unknown-command reply.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from datetime import UTC, datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Bot, ChatMemberAdministrator, ChatMemberRestricted, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.commands import chat_language, reply_html
from bot.config import Channel, Config, Source
from bot.messages import TEXT_LIMIT, utf16_len
from bot.metrics import RATE_WINDOW_SECONDS, SendRate
from bot.reload import poll_job_name
from bot.routing import BREAKING_CHANNEL, BREAKING_READER
from bot.store import SECONDS_PER_DAY, Store
from bot.texts import text
from jobs.arabic import normalise

log = logging.getLogger(__name__)

# Source-state field set by /pause: the poll job skips the source until /resume. The poller's own
# "paused" means "failing too long, tried rarely" and is cleared by the poller on success; an admin's
# pause must survive that, so it is a field of its own that the poller never writes.
HELD = "held"
# Last errors are page titles or exception texts of any length; /sources shows their start.
MAX_ERROR_CHARS = 200


def is_held(store: Store, source: str) -> bool:
    """True while an admin has paused the source with /pause."""
    return bool(store.source_state(source).get(HELD))


class AdminCommands:
    """The admins' view of the running bot, in the chat's /lang choice or the admin's Telegram language."""

    NAMES = ("stats", "sources", "pause", "resume", "test")

    def __init__(self, config: Config, store: Store, rate: SendRate) -> None:
        self._store = store
        self.rate = rate
        self.reconfigure(config)

    def reconfigure(self, config: Config) -> None:
        """Use a reloaded config's sources and channels (the admin ids change only with a restart)."""
        self._config = config

    def register(self, app: Application) -> None:
        """Add the handlers; call before the unknown-command catch-all so admins reach them first."""
        # Private chats only: in a group the answer would show the bot's internals to every member.
        only_admins = filters.User(user_id=self._config.telegram.admins) & filters.ChatType.PRIVATE
        for name in self.NAMES:  # each command is the method of the same name
            app.add_handler(CommandHandler(name, getattr(self, name), filters=only_admins))

    # -- /stats ------------------------------------------------------------------------------------

    async def stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        lang = chat_language(self._store, update)
        readers = [r for r in self._store.subscribers() if r.get("active", True)]
        per_category = Counter(slug for r in readers for slug in r.get("categories", ()))
        lines = [
            text(lang, "stats_category", name=escape(c.name(lang)), count=str(per_category[c.slug]))
            for c in self._config.categories
        ]
        pending = self._store.pending()
        urgent = sum(1 for d in pending if d.priority in (BREAKING_CHANNEL, BREAKING_READER))
        today = int(time.time() // SECONDS_PER_DAY)
        counters: Counter[str] = getattr(context.bot_data.get("broadcaster"), "counters", Counter())
        await reply_html(
            update,
            text(
                lang,
                "stats",
                readers=str(len(readers)),
                breaking=str(sum(1 for r in readers if r.get("breaking"))),
                categories="\n".join(lines),
                day=datetime.fromtimestamp(today * SECONDS_PER_DAY, UTC).strftime("%Y-%m-%d UTC"),
                items=str(self._store.items_on(today)),
                outbox=str(len(pending)),
                outbox_breaking=str(urgent),
                last_minute=str(self.rate.since(60)),
                last_hour=str(self.rate.since(RATE_WINDOW_SECONDS)),
                sent=str(counters["sent"]),
                dropped=str(counters["failed"] + counters["dropped"]),
                retried=str(counters["retried"]),
            ),
        )

    # -- /sources, /pause, /resume -----------------------------------------------------------------

    async def sources(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        lang = chat_language(self._store, update)
        zone = self._config.delivery.timezone
        entries = [self._source_entry(source, lang, context) for source in self._config.sources]
        title = text(lang, "sources_title", count=str(len(entries)), zone=escape(zone))
        for chunk in _chunks([title, *entries]):
            await reply_html(update, chunk)

    def _source_entry(self, source: Source, lang: str, context: ContextTypes.DEFAULT_TYPE) -> str:
        state = self._store.source_state(source.name)
        error = state.get("last_error")
        return text(
            lang,
            "source_entry",
            name=escape(source.name),
            state=_health(state, lang),
            success=self._when(state.get("last_success_at"), lang),
            error=escape(error[:MAX_ERROR_CHARS]) if error else text(lang, "never"),
            next=self._next_poll(source, state, lang, context),
        )

    def _next_poll(
        self, source: Source, state: dict[str, Any], lang: str, context: ContextTypes.DEFAULT_TYPE
    ) -> str:
        """The next tick of the source's job, or later if the poller is backing off."""
        if state.get(HELD):
            return text(lang, "next_when_resumed")
        jobs = context.job_queue.get_jobs_by_name(poll_job_name(source.name)) if context.job_queue else ()
        ticks = [job.next_t.timestamp() for job in jobs if job.next_t is not None]
        backoff = state.get("next_attempt_at") or 0
        return self._when(max([*ticks, backoff]) if ticks else None, lang)

    def _when(self, timestamp: float | None, lang: str) -> str:
        if not timestamp:
            return text(lang, "never")
        local = datetime.fromtimestamp(timestamp, ZoneInfo(self._config.delivery.timezone))
        return local.strftime("%Y-%m-%d %H:%M:%S")

    async def pause(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        lang = chat_language(self._store, update)
        source = await self._source_named(update, context, "pause")
        if source is None:
            return
        name = escape(source.name)
        if is_held(self._store, source.name):
            await reply_html(update, text(lang, "already_paused", name=name))
            return
        user = update.effective_user.id if update.effective_user else None
        self._store.update_source_state(source.name, **{HELD: True, "held_at": time.time(), "held_by": user})
        await self._store.commit()
        log.warning("source %r paused by admin %s", source.name, user)
        await reply_html(update, text(lang, "paused", name=name))

    async def resume(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Lift an admin's pause, and the poller's backoff too: the operator wants it tried now."""
        lang = chat_language(self._store, update)
        source = await self._source_named(update, context, "resume")
        if source is None:
            return
        name = escape(source.name)
        state = self._store.source_state(source.name)
        if not state.get(HELD) and not state.get("paused"):
            await reply_html(update, text(lang, "not_paused", name=name))
            return
        self._store.update_source_state(source.name, **{HELD: False, "next_attempt_at": None})
        await self._store.commit()
        user = update.effective_user.id if update.effective_user else None
        log.warning("source %r resumed by admin %s", source.name, user)
        upcoming = self._next_poll(source, self._store.source_state(source.name), lang, context)
        await reply_html(update, text(lang, "resumed", name=name, next=upcoming))

    async def _source_named(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, command: str
    ) -> Source | None:
        """The source the arguments name (spelling, case and diacritics aside), or a reply listing them."""
        lang = chat_language(self._store, update)
        wanted = normalise(" ".join(context.args or []))
        listing = "\n".join(f"• <code>{escape(s.name)}</code>" for s in self._config.sources)
        if not wanted:
            await reply_html(update, text(lang, "source_usage", command=command, sources=listing))
            return None
        for source in self._config.sources:
            if normalise(source.name) == wanted:
                return source
        typed = escape(" ".join(context.args or [])[:MAX_ERROR_CHARS])
        await reply_html(update, text(lang, "unknown_source", name=typed, sources=listing))
        return None

    # -- /test -------------------------------------------------------------------------------------

    async def test(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Post a test message to a configured channel (its language and topic); report Telegram's answer."""
        lang = chat_language(self._store, update)
        names = ", ".join(f"<code>{escape(str(c.chat))}</code>" for c in self._config.channels) or "—"
        wanted = (context.args or [""])[0]
        if not wanted:
            await reply_html(update, text(lang, "channel_usage", channels=names))
            return
        channel = _channel_named(self._config, wanted)
        if channel is None:
            typed = escape(wanted[:MAX_ERROR_CHARS])
            await reply_html(update, text(lang, "unknown_channel", name=typed, channels=names))
            return
        label = escape(str(channel.chat))
        try:
            sent = await context.bot.send_message(
                channel.chat, text(channel.language, "channel_test"), message_thread_id=channel.topic
            )
        except TelegramError as exc:
            log.warning("test post to channel %s refused: %s", channel.chat, exc.message)
            await reply_html(update, text(lang, "test_failed", channel=label, error=escape(exc.message)))
            return
        await reply_html(update, text(lang, "test_ok", channel=label, message_id=str(sent.message_id)))


# -- start-up channel check ------------------------------------------------------------------------


async def check_channels(bot: Bot, config: Config) -> dict[int | str, str]:
    """Ask Telegram whether the bot can post to each channel; one logged error per channel it cannot."""
    found = await asyncio.gather(*(_channel_problem(bot, channel) for channel in config.channels))
    problems: dict[int | str, str] = {}
    for channel, problem in zip(config.channels, found, strict=True):
        if problem is not None:
            problems[channel.chat] = problem
            log.error(
                "channel %s: %s; nothing can be posted there until this is fixed", channel.chat, problem
            )
    if config.channels:
        log.info(
            "channel check: %d of %d channels ready",
            len(config.channels) - len(problems),
            len(config.channels),
        )
    return problems


async def _channel_problem(bot: Bot, channel: Channel) -> str | None:
    """Why the bot cannot post to this channel, or None when it can."""
    try:
        chat = await bot.get_chat(channel.chat)
    except BadRequest as exc:
        return f"Telegram cannot find it ({exc.message}): check the name or id, and that the bot was added"
    except Forbidden as exc:
        return f"no access ({exc.message}): add the bot as an administrator"
    try:
        member = await bot.get_chat_member(chat.id, bot.id)
    except TelegramError as exc:
        return f"cannot read the bot's membership ({exc.message})"
    if chat.type == ChatType.CHANNEL:
        if not isinstance(member, ChatMemberAdministrator):
            return "the bot is not an administrator: add it as one, with the right to post messages"
        if not member.can_post_messages:
            return 'the bot is an administrator without the right to post messages: grant "Post messages"'
    elif member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
        return "the bot is not a member of the group: add it"
    elif isinstance(member, ChatMemberRestricted) and not member.can_send_messages:
        return "the bot is not allowed to send messages in the group"
    if channel.topic is not None and not chat.is_forum:
        return f"topic = {channel.topic} is set but the chat has no topics: remove topic or enable topics"
    return None


# -- helpers ---------------------------------------------------------------------------------------


def _channel_named(config: Config, wanted: str) -> Channel | None:
    """A configured channel by "@name" (with or without the @, any case) or numeric id."""
    key = wanted.strip().lower().removeprefix("@")
    return next((c for c in config.channels if str(c.chat).lower().removeprefix("@") == key), None)


def _health(state: dict[str, Any], lang: str) -> str:
    if state.get(HELD):
        return text(lang, "source_held")
    if state.get("paused"):
        return text(lang, "source_auto_paused")
    if state.get("consecutive_failures"):
        return text(lang, "source_failing", failures=str(state["consecutive_failures"]))
    if not state.get("last_success_at"):
        return text(lang, "source_new")
    return text(lang, "source_ok")


def _chunks(entries: list[str]) -> list[str]:
    """Entries joined by blank lines into as few messages as fit Telegram's length limit."""
    chunks: list[str] = []
    current = ""
    for entry in entries:
        joined = f"{current}\n\n{entry}" if current else entry
        if current and utf16_len(joined) > TEXT_LIMIT:
            chunks.append(current)
            joined = entry
        current = joined
    return [*chunks, current] if current else chunks
