"""Decide who receives a news item: channels by configuration, readers by subscriptions and filters."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from bot.config import Config
from bot.store import Store
from jobs.arabic import normalise, strip_article
from jobs.records import NewsItem

# Lower goes first: breaking before articles, and channels (many readers each) before single readers.
BREAKING_CHANNEL, BREAKING_READER, ARTICLE_CHANNEL, ARTICLE_READER = range(4)

Target = tuple[int | str, str, int, str]

# A filter word matches a word of the text with Arabic clitics around it ("كرة" in "والكرة", "للكرة",
# "كرتي" not attempted) or an English plural, but never the inside of another word ("كرة" in "مذكرة").
_CLITICS_BEFORE = re.compile(r"[وف]?[بلك]?(?:ال)?|[وف]?لل")
_ENDINGS_AFTER = re.compile(r"|ي|يه|يا|ه|ها|هم|هما|كم|نا|ات|ون|ين|ان|s|es")


def targets(item: NewsItem, config: Config, store: Store) -> list[Target]:
    """(chat, item key, priority, language) for every chat that should get this item, each once."""
    wanted = set(item.categories)
    found: dict[int | str, Target] = {}
    for channel in config.channels:
        if (item.breaking and channel.breaking) or wanted.intersection(channel.categories):
            prio = BREAKING_CHANNEL if item.breaking else ARTICLE_CHANNEL
            found.setdefault(channel.chat, (channel.chat, item.key, prio, channel.language))
    searchable: str | None = None
    tokens: list[str] = []
    for reader in store.subscribers():
        if not reader.get("active", True):
            continue
        if not (wanted.intersection(reader["categories"]) or (item.breaking and reader.get("breaking"))):
            continue
        if reader.get("filters"):
            if searchable is None:  # normalised and split once per item, not per reader and word
                searchable = f" {normalise(item.title + ' ' + item.summary)} "
                tokens = searchable.split()
            if not passes(reader["filters"], searchable, tokens):
                continue
        prio = BREAKING_READER if item.breaking else ARTICLE_READER
        found.setdefault(reader["chat_id"], (reader["chat_id"], item.key, prio, reader["language"]))
    if item.revises:
        _add_holders(item, config, store, found)
    return list(found.values())


def _add_holders(item: NewsItem, config: Config, store: Store, found: dict[int | str, Target]) -> None:
    """Chats that got the item this one revises get the revision too (as an edit), whatever they follow:
    a breaking-only reader whose alert became a sport article should not keep a stale alert."""
    original = store.item(item.revises) if item.revises else None
    channels = {str(channel.chat): channel for channel in config.channels}
    for held in (original or {}).get("messages", {}):
        if (channel := channels.get(held)) is not None:
            prio = BREAKING_CHANNEL if item.breaking else ARTICLE_CHANNEL
            found.setdefault(channel.chat, (channel.chat, item.key, prio, channel.language))
            continue
        reader = store.subscriber(int(held)) if held.lstrip("-").isdigit() else None
        if reader is not None and reader.get("active", True):
            prio = BREAKING_READER if item.breaking else ARTICLE_READER
            found.setdefault(reader["chat_id"], (reader["chat_id"], item.key, prio, reader["language"]))


def passes(filters: dict[str, Any], searchable: str, tokens: list[str] | None = None) -> bool:
    """Keyword filters on normalised text: any include word must appear (if there are some), no exclude.

    `tokens` is `searchable.split()` when the caller has it already.
    """
    include, exclude = filters.get("include", []), filters.get("exclude", [])
    if include and not any(mentions(searchable, word, tokens) for word in include):
        return False
    return not any(mentions(searchable, word, tokens) for word in exclude)


# Readers' filter words recur for every item: each is stripped of its article once.
_stripped = lru_cache(maxsize=4096)(strip_article)


def mentions(searchable: str, word: str, tokens: list[str] | None = None) -> bool:
    """True when a word of the normalised text is `word`, give or take clitics and plural endings."""
    word = _stripped(word)
    if word not in searchable:  # the common case, settled without looking at words
        return False
    for token in searchable.split() if tokens is None else tokens:
        at = token.find(word)
        if (
            at >= 0
            and _CLITICS_BEFORE.fullmatch(token[:at])
            and _ENDINGS_AFTER.fullmatch(token[at + len(word) :])
        ):
            return True
    return False
