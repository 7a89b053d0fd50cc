"""Reader commands: subscribe by name or from a menu, filters, /latest; replies in the chat's language."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from html import escape
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.config import Config
from bot.messages import fit_words, rtl_mark, scraped
from bot.store import Store
from bot.texts import DEFAULT_LANGUAGE, language_of, text
from jobs.arabic import normalise
from jobs.categorise import Categoriser

log = logging.getLogger(__name__)

# Arabic names run to a few words ("ثقافة وفنون"); longer runs are never one category.
MAX_WORDS_PER_NAME = 4
# Replies quote what the reader typed; a 5,000-character argument should not come back whole.
MAX_ECHO_CHARS = 60
# More words than any real command needs: past this the reply asks for less instead of guessing.
MAX_ARGS = 40
BREAKING_CHOICES = {"on": True, "off": False, "نعم": True, "لا": False, "تشغيل": True, "إيقاف": False}
LANGUAGE_CHOICES = {
    "ar": "ar",
    "arabic": "ar",
    "عربي": "ar",
    "العربية": "ar",
    "en": "en",
    "english": "en",
    "إنجليزي": "en",
    "انجليزي": "en",
    "الإنجليزية": "en",
}
CLEAR_WORDS = frozenset({"clear", "مسح", "امسح"})
# Routing scans an item's text once per filter word per reader, so the list stays short.
MAX_FILTERS = 20
# Longer than an Arabic word with all its clitics; anything longer is a sentence or a paste.
MAX_FILTER_CHARS = 32
# Characters that only mean something in a pattern: filters are plain words, matched literally.
REGEX_CHARS = frozenset("*?|[](){}^$\\")
INCLUDE_SIGNS = ("+", "＋")
EXCLUDE_SIGNS = ("-", "−", "－")
LATEST_COUNT = 5
# Scraped titles can be paragraphs; five of them must fit one message and stay skimmable.
MAX_TITLE_CHARS = 200
MENU_COLUMNS = 2
MENU_PREFIX = "sub:"
MENU_DONE = "sub:."  # slugs cannot contain ".", so this never names a category
STOP_YES, STOP_NO = "stop:yes", "stop:no"
ADMIN_STATUSES = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})
# Who is a group admin is remembered this long: each getChatMember counts against the group's
# 20-per-minute limit, and a menu tapped ten times would otherwise spend half of it. The cost: a
# demoted admin keeps their say for up to this long.
ADMIN_CACHE_SECONDS = 60.0
# Beyond this many remembered answers the cache starts over, so it cannot grow without bound.
ADMIN_CACHE_SIZE = 1_000
# Bidirectional embeddings, overrides, isolates and marks: invisible, yet able to reorder a reply.
BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)
# The command menu Telegram clients show, in this order (/start is what opening the bot sends).
MENU_COMMANDS = (
    "subscribe",
    "unsubscribe",
    "subscriptions",
    "categories",
    "latest",
    "breaking",
    "filter",
    "filters",
    "lang",
    "stop",
    "help",
)


class FilterError(ValueError):
    """A /filter word that cannot be used; key names the catalogue text that tells the reader why."""

    def __init__(self, key: str, word: str = "") -> None:
        super().__init__(key)
        self.key = key
        self.word = word


def resolve(words: list[str], categoriser: Categoriser) -> tuple[list[str], list[str]]:
    """Split command words into known slugs and unknown names, longest multi-word name first."""
    slugs: list[str] = []
    unknown: list[str] = []
    i = 0
    while i < len(words):
        for j in range(min(len(words), i + MAX_WORDS_PER_NAME), i, -1):
            slug = categoriser.match(" ".join(words[i:j]))
            if slug:
                slugs.append(slug)
                i = j
                break
        else:
            unknown.append(words[i])
            i += 1
    return list(dict.fromkeys(slugs)), unknown


def clean_words(args: list[str]) -> list[str]:
    """Command words without bidi controls, which could make a reply that quotes them read backwards."""
    return [word for word in (arg.translate(BIDI_CONTROLS) for arg in args) if word]


def parse_filter(word: str) -> tuple[bool, str, str]:
    """(excluded, normalised key, label) for one "+word" or "-word"; a bare word is an include."""
    excluded = word.startswith(EXCLUDE_SIGNS)
    body = word[1:] if word.startswith(EXCLUDE_SIGNS + INCLUDE_SIGNS) else word
    if REGEX_CHARS.intersection(body):
        raise FilterError("filter_no_regex", word)
    if len(body) > MAX_FILTER_CHARS:
        raise FilterError("filter_too_long", word)
    key = normalise(body)
    if not key:
        raise FilterError("filter_no_letters", word)
    return excluded, key, body


def merge_filters(current: dict[str, Any], words: list[str]) -> tuple[list[str], list[str], dict[str, str]]:
    """Add words to a reader's filters; a word moves sides if given again with the other sign."""
    include, exclude = list(current["include"]), list(current["exclude"])
    labels = dict(current["labels"])
    for word in words:
        excluded, key, label = parse_filter(word)
        for side in (include, exclude):
            if key in side:
                side.remove(key)
        (exclude if excluded else include).append(key)
        labels[key] = label
    if len(include) + len(exclude) > MAX_FILTERS:
        raise FilterError("filter_too_many")
    return include, exclude, labels


async def register_commands(bot: Bot, admins: Sequence[int] = (), admin_commands: Sequence[str] = ()) -> None:
    """The command menu clients show: Arabic by default, English for clients set to English.

    Each admin's own chat gets a menu with the admin commands too; nobody else sees they exist.
    """
    for language_code, lang in (("", DEFAULT_LANGUAGE), ("en", "en")):
        public = [BotCommand(name, text(lang, f"cmd_{name}")) for name in MENU_COMMANDS]
        extra = [BotCommand(name, text(lang, f"cmd_{name}")) for name in admin_commands]
        menus: list[tuple[str, BotCommandScope | None, list[BotCommand]]] = [("everyone", None, public)]
        menus += [(f"admin {admin}", BotCommandScopeChat(admin), public + extra) for admin in admins]
        for who, scope, commands in menus:
            try:
                await bot.set_my_commands(commands, scope=scope, language_code=language_code or None)
            except TelegramError as error:
                # An admin who never opened a chat with the bot has no chat to scope a menu to yet.
                log.warning("could not register the %s command menu for %s: %s", lang, who, error)


class ReaderCommands:
    """The handlers readers use; each reply goes out only after the change it reports is durable."""

    def __init__(self, config: Config, store: Store) -> None:
        self._store = store
        self._admin_cache: dict[tuple[int, int], tuple[bool, float]] = {}
        self.reconfigure(config)

    def reconfigure(self, config: Config) -> None:
        """Use a reloaded config: its categories are what readers can subscribe to from now on."""
        self._config = config
        self._categoriser = Categoriser([c.spec() for c in config.categories])

    # Each command is the method of the same name; the buttons come after them.
    NAMES = (
        "start",
        "help",
        "subscribe",
        "unsubscribe",
        "subscriptions",
        "categories",
        "breaking",
        "lang",
        "filter",
        "filters",
        "latest",
        "stop",
    )

    def register(self, app: Application) -> None:
        """Add the reader commands and the buttons; call before the admin and unknown-command handlers."""
        for name in self.NAMES:
            app.add_handler(CommandHandler(name, getattr(self, name)))
        app.add_handler(CallbackQueryHandler(self.button))

    # --- reading ----------------------------------------------------------------------------

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        lang = self._language(update)
        await reply_html(update, text(lang, "welcome", categories=self._category_list(lang)))

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await reply_html(update, text(self._language(update), "help"))

    async def categories(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await reply_html(update, self._category_list(self._language(update)))

    async def subscriptions(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await reply_html(update, self._subscriptions_text(update, self._language(update)))

    async def filters(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await reply_html(update, self._filters_text(update, self._language(update)))

    async def latest(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/latest [section]: the last few items with links, newest first."""
        lang = self._language(update)
        words = await self._words(update, context, lang)
        if words is None:
            return
        slug = self._categoriser.match(" ".join(words)) if words else None
        if words and slug is None:
            await self._unknown_category(update, words, lang)
            return
        items = self._store.latest_items(LATEST_COUNT, slug)
        if not items:
            await reply_html(update, text(lang, "latest_empty"))
            return
        lines = "\n".join(_latest_line(item) for item in items)
        if slug:
            reply = text(lang, "latest_in", name=self._names([slug], lang), lines=lines)
        else:
            reply = text(lang, "latest", lines=lines)
        await reply_html(update, reply, link_preview_options=LinkPreviewOptions(is_disabled=True))

    async def unknown(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Unknown commands get a pointer to /help, unless they were meant for another bot in a group."""
        message, chat = update.effective_message, update.effective_chat
        command = (message.text or "").split(maxsplit=1)[0] if message and message.text else ""
        addressee = command.partition("@")[2].lower()
        if addressee and addressee != (context.bot.username or "").lower():
            return
        if not addressee and chat is not None and chat.type != ChatType.PRIVATE:
            return  # groups have other bots: only a command addressed to this one is ours to answer
        await reply_html(update, text(self._language(update), "unknown_command"))

    # --- changing -----------------------------------------------------------------------------

    async def subscribe(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/subscribe with names subscribes; alone it opens the menu of sections."""
        lang = self._language(update)
        words = await self._words(update, context, lang)
        if words == []:
            await self._open_menu(update, context, lang)
        elif words is not None:
            await self._change(update, context, words, lang, add=True)

    async def unsubscribe(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        lang = self._language(update)
        words = await self._words(update, context, lang)
        if words is not None:
            await self._change(update, context, words, lang, add=False)

    async def breaking(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/breaking on|off: breaking alerts in addition to the chosen sections."""
        lang = self._language(update)
        words = clean_words(context.args or [])
        choice = words[0].lower() if len(words) == 1 else ""
        if choice not in BREAKING_CHOICES:
            await reply_html(update, text(lang, "breaking_usage"))
            return
        if not await self._allowed(update, context, lang):
            return
        on = BREAKING_CHOICES[choice]
        self._save(update, lang, breaking=on)
        await self._store.commit()
        await reply_html(update, text(lang, "breaking_on" if on else "breaking_off"))

    async def lang(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/lang ar|en: the chat's language from now on, for replies and for the news it receives."""
        current = self._language(update)
        words = clean_words(context.args or [])
        choice = LANGUAGE_CHOICES.get(words[0].lower()) if len(words) == 1 else None
        if choice is None:
            await reply_html(update, text(current, "lang_usage"))
            return
        if not await self._allowed(update, context, current):
            return
        assert update.effective_chat is not None
        self._store.set_language(update.effective_chat.id, choice)
        await self._store.commit()
        await reply_html(update, text(choice, "lang_set"))

    async def filter(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/filter +word -word adds keyword filters, /filter clear removes them all."""
        lang = self._language(update)
        words = await self._words(update, context, lang)
        if not words:
            if words == []:
                await reply_html(update, text(lang, "filter_usage"))
            return
        if not await self._allowed(update, context, lang):
            return
        assert update.effective_chat is not None
        chat = update.effective_chat.id
        if len(words) == 1 and words[0].lower() in CLEAR_WORDS:
            self._store.set_filters(chat, [], [], {})
            await self._store.commit()
            await reply_html(update, text(lang, "filters_cleared"))
            return
        try:
            include, exclude, labels = merge_filters(self._store.reader_filters(chat), words)
        except FilterError as error:
            word = escape(error.word[:MAX_ECHO_CHARS])
            limit = str(MAX_FILTERS if error.key == "filter_too_many" else MAX_FILTER_CHARS)
            await reply_html(update, text(lang, error.key, word=word, limit=limit))
            return
        self._save(update, lang)
        self._store.set_filters(chat, include, exclude, labels)
        await self._store.commit()
        await reply_html(update, self._filters_text(update, lang))

    async def stop(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/stop asks first: one mistaken tap must not silently end every subscription."""
        lang = self._language(update)
        if not await self._allowed(update, context, lang):
            return
        assert update.effective_chat is not None
        reader = self._store.subscriber(update.effective_chat.id) or {}
        current = set(reader.get("categories", ()))
        if not current and not reader.get("breaking"):
            await reply_html(update, text(lang, "nothing_to_stop"))
            return
        names = self._names(current, lang) or text(lang, "breaking")
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(text(lang, "stop_yes"), callback_data=STOP_YES),
                    InlineKeyboardButton(text(lang, "stop_no"), callback_data=STOP_NO),
                ]
            ]
        )
        await reply_html(update, text(lang, "stop_confirm", names=names), reply_markup=keyboard)

    # --- buttons ----------------------------------------------------------------------------

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Menu and /stop buttons: every press is answered, a stale or forged one politely."""
        query = update.callback_query
        assert query is not None
        lang = self._language(update)
        note = text(lang, "button_stale")
        try:
            note = await self._press(update, context, query, lang)
        finally:
            try:
                await query.answer(note or None)
            except BadRequest as error:  # the press is too old to answer; nothing else to do
                log.info("could not answer button press %s: %s", query.id, error)

    async def _press(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery, lang: str
    ) -> str:
        """Act on one button; returns the short note the reader's client shows."""
        data = query.data or ""
        if data not in (STOP_YES, STOP_NO) and not data.startswith(MENU_PREFIX):
            return text(lang, "button_stale")
        if not await self._may_change(update, context):
            return text(lang, "admins_only")
        assert update.effective_chat is not None
        if data == STOP_YES:
            self._store.stop_all(update.effective_chat.id)
            await self._store.commit()
            await _edit(query, text(lang, "stopped"))
            return ""
        if data == STOP_NO:
            await _edit(query, text(lang, "stop_cancelled"))
            return ""
        if data == MENU_DONE:
            await _edit(query, self._subscriptions_text(update, lang))
            return ""
        slug = data.removeprefix(MENU_PREFIX)
        if slug not in {c.slug for c in self._config.categories}:
            return text(lang, "button_stale")
        current = self._current(update)
        changed = current ^ {slug}
        self._save(update, lang, categories=changed)
        await self._store.commit()
        await _edit(query, markup=self._menu(changed, lang))
        name = self._plain_name(slug, lang)
        return text(lang, "menu_on" if slug in changed else "menu_off", name=name)

    async def _open_menu(self, update: Update, context: ContextTypes.DEFAULT_TYPE, lang: str) -> None:
        if await self._allowed(update, context, lang):
            menu = self._menu(self._current(update), lang)
            await reply_html(update, text(lang, "menu"), reply_markup=menu)

    def _menu(self, current: set[str], lang: str) -> InlineKeyboardMarkup:
        """Every section as a button, ✅ on those subscribed, and a button to close the menu."""
        buttons = [
            InlineKeyboardButton(
                ("✅ " if c.slug in current else "") + self._plain_name(c.slug, lang),
                callback_data=MENU_PREFIX + c.slug,
            )
            for c in self._config.categories
        ]
        rows = [buttons[i : i + MENU_COLUMNS] for i in range(0, len(buttons), MENU_COLUMNS)]
        rows.append([InlineKeyboardButton(text(lang, "menu_done"), callback_data=MENU_DONE)])
        return InlineKeyboardMarkup(rows)

    # --- helpers ----------------------------------------------------------------------------

    async def _change(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, words: list[str], lang: str, *, add: bool
    ) -> None:
        command = "subscribe" if add else "unsubscribe"
        if not words:
            await reply_html(
                update, text(lang, "need_category", command=command, categories=self._category_list(lang))
            )
            return
        slugs, unknown = resolve(words, self._categoriser)
        if unknown:
            await self._unknown_category(update, unknown, lang)
            return
        if not await self._allowed(update, context, lang):
            return
        current = self._current(update)
        if add:
            changed = current | set(slugs)
            reply = text(lang, "subscribed", names=self._names(slugs, lang))
        else:
            missing = [s for s in slugs if s not in current]
            changed = current - set(slugs)
            key = "not_subscribed" if missing and len(missing) == len(slugs) else "unsubscribed"
            reply = text(lang, key, names=self._names(slugs, lang))
        self._save(update, lang, categories=changed)
        await self._store.commit()
        await reply_html(update, reply)

    def _save(self, update: Update, lang: str, **fields: Any) -> None:
        """Writing to the bot shows it is no longer blocked: forget earlier refusals."""
        assert update.effective_chat is not None
        self._store.save_subscriber(
            update.effective_chat.id, language=lang, active=True, strikes=[], **fields
        )

    async def _words(self, update: Update, context: ContextTypes.DEFAULT_TYPE, lang: str) -> list[str] | None:
        """The command's words, cleaned; None (after saying why) when there are far too many."""
        words = clean_words(context.args or [])
        if len(words) > MAX_ARGS:
            await reply_html(update, text(lang, "too_many_words"))
            return None
        return words

    async def _allowed(self, update: Update, context: ContextTypes.DEFAULT_TYPE, lang: str) -> bool:
        """Whether this sender may change the chat's settings; tells them briefly when not."""
        if await self._may_change(update, context):
            return True
        await reply_html(update, text(lang, "admins_only"))
        return False

    async def _may_change(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
        """In groups only admins may, including an admin posting anonymously as the group itself."""
        chat = update.effective_chat
        if chat is None or chat.type == ChatType.PRIVATE:
            return True
        message = update.message or update.edited_message
        if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
            return True
        user = update.effective_user
        if user is None:
            return False
        now = time.monotonic()
        known = self._admin_cache.get((chat.id, user.id))
        if known is not None and known[1] > now:
            return known[0]
        try:
            member = await context.bot.get_chat_member(chat.id, user.id)
        except TelegramError as error:
            log.warning(
                "chat %s: cannot tell whether user %s is an admin (%s); refusing", chat.id, user.id, error
            )
            return False
        if len(self._admin_cache) >= ADMIN_CACHE_SIZE:
            self._admin_cache.clear()
        is_admin = member.status in ADMIN_STATUSES
        self._admin_cache[(chat.id, user.id)] = (is_admin, now + ADMIN_CACHE_SECONDS)
        return is_admin

    def _current(self, update: Update) -> set[str]:
        assert update.effective_chat is not None
        reader = self._store.subscriber(update.effective_chat.id)
        return set(reader["categories"]) if reader else set()

    def _language(self, update: Update) -> str:
        return chat_language(self._store, update)

    def _plain_name(self, slug: str, lang: str) -> str:
        """A section's name as plain text, for buttons and button answers (which are not HTML)."""
        return self._config.category(slug).name(lang)

    def _names(self, slugs: list[str] | set[str], lang: str) -> str:
        ordered = [c for c in self._config.categories if c.slug in slugs]
        return text(lang, "list_separator").join(escape(c.name(lang)) for c in ordered)

    def _category_list(self, lang: str) -> str:
        lines = [f"• {escape(c.name(lang))} — <code>{c.slug}</code>" for c in self._config.categories]
        return text(lang, "categories", lines="\n".join(lines))

    def _subscriptions_text(self, update: Update, lang: str) -> str:
        current = self._current(update)
        if not current:
            return text(lang, "no_subscriptions")
        return text(lang, "subscriptions", names=self._names(current, lang))

    def _filters_text(self, update: Update, lang: str) -> str:
        assert update.effective_chat is not None
        found = self._store.reader_filters(update.effective_chat.id)
        if not found["include"] and not found["exclude"]:
            return text(lang, "no_filters")
        separator = text(lang, "list_separator")
        lines = [
            text(lang, key, words=separator.join(escape(found["labels"].get(w, w)) for w in found[side]))
            for side, key in (("include", "filters_include"), ("exclude", "filters_exclude"))
            if found[side]
        ]
        return text(lang, "filters", lines="\n".join(lines))

    async def _unknown_category(self, update: Update, unknown: list[str], lang: str) -> None:
        names = escape(" ".join(unknown)[:MAX_ECHO_CHARS])
        await reply_html(
            update, text(lang, "unknown_category", names=names, categories=self._category_list(lang))
        )


def chat_language(store: Store, update: Update) -> str:
    """The language the chat chose with /lang, else its sender's Telegram language."""
    chat = update.effective_chat
    chosen = store.chosen_language(chat.id) if chat else None
    if chosen:
        return chosen
    user = update.effective_user
    return language_of(user.language_code if user else None)


async def reply_html(update: Update, html: str, **options: Any) -> None:
    """Answer a command in its chat with HTML text; an update without a message gets no answer."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(html, parse_mode=ParseMode.HTML, **options)


def fit_title(title: str, limit: int = MAX_TITLE_CHARS) -> str:
    """At most `limit` characters of plain text on one line, cut between words and marked."""
    return fit_words(" ".join(scraped(title).split()), limit)  # one line per item, whatever the site sent


def _latest_line(item: dict[str, Any]) -> str:
    """One /latest line: the title, shortened and then escaped, linked when the item has a web address."""
    title = fit_title(str(item.get("title") or ""))
    # The mark goes before the bullet: the bullet has no direction, so the title's first letter picks one.
    mark = rtl_mark(title)
    url = item.get("url")
    if isinstance(url, str) and url.startswith(("http://", "https://")):
        return f'{mark}• <a href="{escape(url)}">{escape(title)}</a>'
    return f"{mark}• {escape(title)}"


async def _edit(
    query: CallbackQuery, html: str | None = None, *, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Change the message a button sits on; one too old to edit, or already showing this, is left be."""
    if not isinstance(query.message, Message):
        return  # Telegram no longer shows the bot that message: nothing to change in place
    try:
        if html is None:
            await query.edit_message_reply_markup(reply_markup=markup)
        else:
            await query.edit_message_text(html, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as error:
        log.info("could not edit message %s: %s", query.message.message_id, error)
