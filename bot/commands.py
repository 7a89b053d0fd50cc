"""Reader commands: subscribe by slug, Arabic or English name, or alias; replies in the reader's language."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.config import Config
from bot.store import Store
from bot.texts import language_of, text
from jobs.categorise import Categoriser

# Arabic names run to a few words ("ثقافة وفنون"); longer runs are never one category.
MAX_WORDS_PER_NAME = 4
# Replies quote what the reader typed; a 5,000-character argument should not come back whole.
MAX_ECHO_CHARS = 60
BREAKING_CHOICES = {"on": True, "off": False, "نعم": True, "لا": False, "تشغيل": True, "إيقاف": False}


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


class ReaderCommands:
    """The handlers readers use; each reply goes out only after the change it reports is durable."""

    def __init__(self, config: Config, store: Store) -> None:
        self._store = store
        self.reconfigure(config)

    def reconfigure(self, config: Config) -> None:
        """Use a reloaded config: its categories are what readers can subscribe to from now on."""
        self._config = config
        self._categoriser = Categoriser([c.spec() for c in config.categories])

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        lang = self._language(update)
        await self._reply(update, text(lang, "welcome", categories=self._category_list(lang)))

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply(update, text(self._language(update), "help"))

    async def categories(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply(update, self._category_list(self._language(update)))

    async def subscriptions(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        lang = self._language(update)
        current = self._current(update)
        if not current:
            await self._reply(update, text(lang, "no_subscriptions"))
            return
        await self._reply(update, text(lang, "subscriptions", names=self._names(current, lang)))

    async def subscribe(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._change(update, context.args or [], add=True)

    async def unsubscribe(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._change(update, context.args or [], add=False)

    async def breaking(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/breaking on|off: breaking alerts in addition to the chosen sections."""
        lang = self._language(update)
        choice = (context.args or [""])[0].lower()
        if choice not in BREAKING_CHOICES:
            await self._reply(update, text(lang, "breaking_usage"))
            return
        assert update.effective_chat is not None
        on = BREAKING_CHOICES[choice]
        self._store.save_subscriber(
            update.effective_chat.id, breaking=on, language=lang, active=True, strikes=[]
        )
        await self._store.commit()
        await self._reply(update, text(lang, "breaking_on" if on else "breaking_off"))

    async def unknown(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply(update, text(self._language(update), "unknown_command"))

    async def _change(self, update: Update, words: list[str], *, add: bool) -> None:
        lang = self._language(update)
        command = "subscribe" if add else "unsubscribe"
        if not words:
            await self._reply(
                update, text(lang, "need_category", command=command, categories=self._category_list(lang))
            )
            return
        slugs, unknown = resolve(words, self._categoriser)
        if unknown:
            names = escape(" ".join(unknown)[:MAX_ECHO_CHARS])
            await self._reply(
                update, text(lang, "unknown_category", names=names, categories=self._category_list(lang))
            )
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
        assert update.effective_chat is not None
        # Writing to the bot shows it is no longer blocked: forget earlier refusals.
        self._store.save_subscriber(
            update.effective_chat.id, categories=changed, language=lang, active=True, strikes=[]
        )
        await self._store.commit()
        await self._reply(update, reply)

    def _current(self, update: Update) -> set[str]:
        assert update.effective_chat is not None
        reader = self._store.subscriber(update.effective_chat.id)
        return set(reader["categories"]) if reader else set()

    def _language(self, update: Update) -> str:
        user = update.effective_user
        return language_of(user.language_code if user else None)

    def _names(self, slugs: list[str] | set[str], lang: str) -> str:
        ordered = [c for c in self._config.categories if c.slug in slugs]
        return text(lang, "list_separator").join(escape(c.en if lang == "en" else c.ar) for c in ordered)

    def _category_list(self, lang: str) -> str:
        lines = [
            f"• {escape(c.en if lang == 'en' else c.ar)} — <code>{c.slug}</code>"
            for c in self._config.categories
        ]
        return text(lang, "categories", lines="\n".join(lines))

    @staticmethod
    async def _reply(update: Update, html: str) -> None:
        if update.effective_message is not None:
            await update.effective_message.reply_text(html, parse_mode=ParseMode.HTML)
