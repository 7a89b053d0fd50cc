"""Render a news item as a Telegram HTML message; every scraped string is escaped here."""

from __future__ import annotations

import re
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from bot.config import Config
from bot.texts import text
from jobs.records import NewsItem

# Telegram rejects text messages over 4096 characters; titles this long are already broken scrapes.
MAX_TITLE_CHARS = 300
_NOT_HASHTAG = re.compile(r"\W+")


def render(item: NewsItem, *, language: str, config: Config) -> str:
    """Bold title, summary, source and local time, hashtags, and a read-more link."""
    lines = []
    if item.breaking:
        lines.append(f"<b>{text(language, 'breaking')}</b>")
    lines.append(f"<b>{escape(_clip(item.title, MAX_TITLE_CHARS))}</b>")
    if item.summary:
        lines += ["", escape(item.summary)]
    lines += ["", escape(_byline(item, config))]
    tags = hashtags(item.categories, language=language, config=config)
    if tags:
        lines.append(tags)
    if item.url:
        lines.append(f'<a href="{escape(item.url, quote=True)}">{text(language, "read_more")}</a>')
    return "\n".join(lines)


def hashtags(slugs: tuple[str, ...], *, language: str, config: Config) -> str:
    """#رياضة style tags from the category names; spaces and punctuation become underscores."""
    names = []
    for slug in slugs:
        category = config.category(slug)
        name = category.en if language == "en" else category.ar
        names.append("#" + _NOT_HASHTAG.sub("_", name).strip("_"))
    return " ".join(dict.fromkeys(names))


def _byline(item: NewsItem, config: Config) -> str:
    if item.published is None:
        return item.source
    local = item.published.astimezone(ZoneInfo(config.delivery.timezone))
    return f"{item.source} · {_format_time(local)}"


def _format_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _clip(value: str, limit: int) -> str:
    """Shorten at a word boundary, never mid-word, marking the cut."""
    if len(value) <= limit:
        return value
    head = value[: limit - 1].rsplit(" ", 1)[0]
    return head + "…"
