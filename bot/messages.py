"""Render a news item as a Telegram message; every scraped string is escaped here, and lengths fit."""

from __future__ import annotations

import re
from datetime import datetime
from html import escape, unescape
from zoneinfo import ZoneInfo

import regex

from bot.config import Config
from bot.texts import text
from jobs.records import NewsItem

# Telegram's limits, counted on the text a reader sees (after entity parsing) in UTF-16 code units.
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
# Titles this long are already broken scrapes; a title never crowds the summary out entirely.
MAX_TITLE_CHARS = 300
ELLIPSIS = "…"
# Left dangling before the ellipsis they read as part of the sentence, so a cut drops them.
TRAILING_PUNCTUATION = " \n,،;؛:-—–"
# Right-to-left mark: an Arabic paragraph that opens with a Latin word or a digit would otherwise be laid
# out left-to-right by Telegram's clients, which pick a paragraph's direction from its first strong letter.
RLM = "\u200f"
_NOT_HASHTAG = re.compile(r"\W+")
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9\u0660-\u0669]")
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
# Where a summary may end: after a full stop, question or exclamation mark (Arabic ones too), or a newline.
_SENTENCE_END = re.compile(r"[.!?؟۔…](?=\s)|\n")
_TAG = re.compile(r"<[^>]*>")
# What a reader sees as one character: a letter with its diacritics, an emoji sequence, a flag.
_GRAPHEME = regex.compile(r"\X")


def render(
    item: NewsItem, *, language: str, config: Config, limit: int = TEXT_LIMIT, html: bool = True
) -> str:
    """Bold title, summary, source and local time, hashtags and a read-more link, within `limit`."""
    rtl = _is_arabic(item.title + item.summary) or language == "ar"
    head = []
    if item.breaking:
        head.append(_bold(text(language, "breaking"), html))
    head.append(_bold(fit_words(item.title, MAX_TITLE_CHARS), html, rtl=rtl))
    tail = ["", _line(_byline(item, config), html, rtl=rtl)]
    if item.also:
        tail.append(_also(item.also, language, html, rtl=rtl))
    tags = hashtags(item.categories, language=language, config=config)
    if tags:
        tail.append(tags)
    if item.url:
        label = text(language, "read_more")
        link = f'<a href="{escape(item.url, quote=True)}">{label}</a>' if html else f"{label}: {item.url}"
        tail.append(link)
    body = ""
    # Under a photo, the caption-sized summary; a text message has room for the longer one.
    wanted = item.caption if item.caption and limit <= CAPTION_LIMIT else item.summary
    if wanted:
        fixed = visible_length("\n".join([*head, "", "", *tail]), html=html)
        # Each paragraph may gain a right-to-left mark after shortening; keep room for them.
        marks = wanted.count("\n") + 1 if rtl else 0
        summary = shorten(wanted, limit - fixed - marks)
        body = _line(summary, html, rtl=rtl) if summary else ""
    lines = [*head, *(["", body] if body else []), *tail]
    return "\n".join(lines)


def hashtags(slugs: tuple[str, ...], *, language: str, config: Config) -> str:
    """#رياضة style tags from the category names; spaces and punctuation become underscores."""
    names = []
    for slug in slugs:
        category = config.category(slug)
        name = category.en if language == "en" else category.ar
        names.append("#" + _NOT_HASHTAG.sub("_", name).strip("_"))
    return " ".join(dict.fromkeys(names))


def visible_length(message: str, *, html: bool = True) -> int:
    """The length Telegram checks: markup parsed away, outer whitespace trimmed, in UTF-16 code units."""
    plain = unescape(_TAG.sub("", message)) if html else message
    return utf16_len(plain.strip())


def utf16_len(value: str) -> int:
    """Telegram counts in UTF-16 code units: an emoji outside the BMP counts twice."""
    return len(value.encode("utf-16-le")) // 2


def shorten(value: str, budget: int) -> str:
    """Fit plain text in `budget` UTF-16 units: end on a sentence if one fits, else on a word, marked."""
    value = value.strip()
    if utf16_len(value) <= budget:
        return value
    if budget <= len(ELLIPSIS):
        return ""
    head = _utf16_prefix(value, budget - len(ELLIPSIS))
    ends = [m.end() for m in _SENTENCE_END.finditer(value, 0, len(head) + 1)]
    # A sentence boundary wins only when it keeps at least half the room; otherwise cut at a word.
    if ends and ends[-1] >= len(head) // 2:
        return head[: ends[-1]].rstrip()
    return _cut_at_word(value, len(head))


def fit_words(value: str, limit: int) -> str:
    """At most `limit` characters, cut between words and marked with an ellipsis, so no word reads half."""
    if len(value) <= limit:
        return value
    return _cut_at_word(value, limit - len(ELLIPSIS))


def _cut_at_word(value: str, cut: int) -> str:
    """The text before `cut` without a word the cut would split, then an ellipsis.

    A word boundary wins only when it keeps at least half the room: "A" before a 300-letter word (a pasted
    address, say) would otherwise shrink to "A…". Inside a word the cut falls between whole characters.
    """
    head = value[:cut]
    if not value[cut].isspace():
        words = head.rsplit(None, 1)
        head = words[0] if len(words) == 2 and len(words[0]) >= cut // 2 else _whole_graphemes(value, cut)
    head = head.rstrip(TRAILING_PUNCTUATION)
    return head + ELLIPSIS if head else ""


def _whole_graphemes(value: str, cut: int) -> str:
    """The longest prefix of at most `cut` characters that splits no letter from its marks, nor an emoji."""
    end = 0
    for grapheme in _GRAPHEME.finditer(value):  # lazy: reads no further than the cut
        if grapheme.end() > cut:
            break
        end = grapheme.end()
    return value[:end]


def _utf16_prefix(value: str, units: int) -> str:
    """The longest prefix of `value` that fits in `units` UTF-16 code units."""
    used = 0
    for index, char in enumerate(value):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > units:
            return value[:index]
    return value


def _bold(value: str, html: bool, *, rtl: bool = False) -> str:
    line = _line(value, html, rtl=rtl)
    return f"<b>{line}</b>" if html else line


def _line(value: str, html: bool, *, rtl: bool) -> str:
    """Escape for HTML, and mark every paragraph RTL that would otherwise start left-to-right."""
    paragraphs = value.split("\n")
    if rtl:
        paragraphs = [RLM + p if _starts_ltr(p) else p for p in paragraphs]
    joined = "\n".join(paragraphs)
    return escape(joined, quote=False) if html else joined


def _starts_ltr(paragraph: str) -> bool:
    first = _LETTER_OR_DIGIT.search(paragraph)
    return first is not None and _LATIN_OR_DIGIT.match(first.group()) is not None


def _is_arabic(value: str) -> bool:
    return _ARABIC.search(value) is not None


def _also(sources: tuple[tuple[str, str | None], ...], language: str, html: bool, *, rtl: bool) -> str:
    """The other sources of the story, each linked to its own telling of it."""
    label = text(language, "also_in")
    named = []
    for name, link in sources:
        if not html:
            named.append(f"{name} ({link})" if link else name)
        elif link:
            named.append(f'<a href="{escape(link, quote=True)}">{escape(name, quote=False)}</a>')
        else:
            named.append(escape(name, quote=False))
    mark = RLM if rtl and _starts_ltr(label) else ""
    return f"{mark}{label}: {text(language, 'list_separator').join(named)}"


def _byline(item: NewsItem, config: Config) -> str:
    if item.published is None:
        return item.source
    local = item.published.astimezone(ZoneInfo(config.delivery.timezone))
    return f"{item.source} · {_format_time(local)}"


def _format_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")
