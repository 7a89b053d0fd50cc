"""Decide who receives a news item: channels by configuration, readers by their subscriptions."""

from __future__ import annotations

from bot.config import Config
from bot.store import Store
from jobs.records import NewsItem

# Lower goes first: breaking before articles, and channels (many readers each) before single readers.
BREAKING_CHANNEL, BREAKING_READER, ARTICLE_CHANNEL, ARTICLE_READER = range(4)

Target = tuple[int | str, str, int, str]


def targets(item: NewsItem, config: Config, store: Store) -> list[Target]:
    """(chat, item key, priority, language) for every chat that should get this item, each once."""
    wanted = set(item.categories)
    found: dict[int | str, Target] = {}
    for channel in config.channels:
        if (item.breaking and channel.breaking) or wanted.intersection(channel.categories):
            prio = BREAKING_CHANNEL if item.breaking else ARTICLE_CHANNEL
            found.setdefault(channel.chat, (channel.chat, item.key, prio, channel.language))
    for reader in store.subscribers():
        if wanted.intersection(reader["categories"]):
            prio = BREAKING_READER if item.breaking else ARTICLE_READER
            found.setdefault(reader["chat_id"], (reader["chat_id"], item.key, prio, reader["language"]))
    return list(found.values())
