"""Render a news item as a Telegram message; every scraped string is escaped here, and lengths fit."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from html import escape, unescape
from zoneinfo import ZoneInfo

import regex

from bot.config import Config
from bot.texts import text
from jobs.records import NewsItem
from jobs.summarise import split_sentences

# Telegram's limits, counted on the text a reader sees (after entity parsing) in UTF-16 code units.
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
# Titles this long are already broken scrapes; a title never crowds the summary out entirely.
MAX_TITLE_CHARS = 300
ELLIPSIS = "…"
# Left dangling before the ellipsis they read as part of the sentence, so a cut drops them.
TRAILING_PUNCTUATION = " \n,،;؛:-—–"
# A line ending in a colon introduces what follows ("وفي ما يلي النتائج:"), and a semicolon hands on to
# the next clause: a cut there leaves the reader a promise, so a cut summary never ends on one.
OPEN_ENDINGS = ":;؛"
# Right-to-left mark: an Arabic paragraph that opens with a Latin word, a digit or a flag would otherwise be
# laid out left-to-right by Telegram's clients, which pick a paragraph's direction from its first strong
# character. A Latin paragraph gets no mark: laid out right-to-left, its closing full stop would jump to the
# left end.
RLM = "\u200f"
LRM = "\u200e"
# Unicode bidi classes of right-to-left letters, and of what opens a line for the mark above: letters of
# either direction (a flag is a left-to-right one) and digits, European or Arabic-Indic.
_RTL_CLASSES = frozenset({"R", "AL"})
_LEADING_CLASSES = frozenset({"L", "R", "AL", "EN", "AN"})
# Embeddings, overrides and isolates in scraped text. Telegram drops the first two itself but keeps isolates,
# and an unpaired isolate hides the rest of its line from the direction choice above.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Direction marks opening a scraped line would pick its direction instead of its words: Telegram turns all
# but the last of a run of marks into zero-width non-joiners, so a scraped LRM after our RLM would win.
_LEADING_MARKS = re.compile("^[\u200e\u200f\u061c]+", re.MULTILINE)
# Telegram turns control characters into spaces and then trims only spaces and line breaks.
_TELEGRAM_TRIMS = "".join(map(chr, range(33)))
_NOT_HASHTAG = re.compile(r"\W+")
_TAG = re.compile(r"<[^>]*>")
# What a reader sees as one character: a letter with its diacritics, an emoji sequence, a flag.
_GRAPHEME = regex.compile(r"\X")


def render(
    item: NewsItem, *, language: str, config: Config, limit: int = TEXT_LIMIT, html: bool = True
) -> str:
    """Bold title, summary, source and local time, hashtags and a read-more link, within `limit`."""
    # The item's own direction, for lines with no letters (a score, a date) and for the bot's own byline.
    rtl = _mostly_arabic(f"{item.title}\n{item.summary}")
    head = []
    if item.breaking:
        head.append(_bold(text(language, "breaking"), html))
    head.append(_bold(fit_words(scraped(item.title), MAX_TITLE_CHARS), html, rtl=rtl))
    tail = ["", _line(_byline(item, config), html, rtl=rtl, ours=True)]
    if item.also:
        tail.append(_also(item.also, language, html))
    tags = hashtags(item.categories, language=language, config=config)
    if tags:
        tail.append(tags)
    if item.url:
        label = text(language, "read_more")
        link = f'<a href="{escape(item.url, quote=True)}">{label}</a>' if html else f"{label}: {item.url}"
        tail.append(link)
    body = ""
    # Under a photo, the caption-sized summary; a text message has room for the longer one.
    wanted = scraped(item.caption if item.caption and limit <= CAPTION_LIMIT else item.summary)
    if wanted:
        fixed = visible_length("\n".join([*head, "", "", *tail]), html=html)
        # A paragraph not opening right-to-left may gain a mark after shortening; keep room for those only.
        marks = sum(_opens_ltr(paragraph) for paragraph in wanted.split("\n"))
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
    return utf16_len(plain.strip(_TELEGRAM_TRIMS))


def utf16_len(value: str) -> int:
    """Telegram counts in UTF-16 code units: an emoji outside the BMP counts twice."""
    return len(value.encode("utf-16-le")) // 2


def shorten(value: str, budget: int) -> str:
    """Fit plain text in `budget` UTF-16 units: whole sentences if one fits, else cut at a word, marked."""
    value = value.strip()
    if utf16_len(value) <= budget:
        return value
    if budget <= len(ELLIPSIS):
        return ""
    room = len(_utf16_prefix(value, budget))
    ends = [end for end in _sentence_ends(value) if end <= room and value[end - 1] not in OPEN_ENDINGS]
    if ends:
        return value[: ends[-1]]
    return _cut_at_word(value, len(_utf16_prefix(value, budget - len(ELLIPSIS))))


def _sentence_ends(value: str) -> list[int]:
    """Where the sentences of `value` end, as the summariser segments them (so "د." or "1.5" end none)."""
    ends = []
    cursor = 0
    for sentence in split_sentences(value):
        for word in sentence.split():  # segmentation collapses whitespace: find the words one by one
            cursor = value.index(word, cursor) + len(word)
        ends.append(cursor)
    return ends


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


def _line(value: str, html: bool, *, rtl: bool = False, ours: bool = False) -> str:
    """Escape for HTML, and mark right-to-left every paragraph that should read so but would open LTR.

    The bot's own lines (`ours`: source and time) follow the item's direction whatever their letters.
    """
    paragraphs = value.split("\n")
    marks = (
        [RLM if rtl and _opens_ltr(p) else "" for p in paragraphs]
        if ours
        else [rtl_mark(p, rtl=rtl) for p in paragraphs]
    )
    joined = "\n".join(mark + paragraph for mark, paragraph in zip(marks, paragraphs, strict=True))
    return escape(joined, quote=False) if html else joined


def rtl_mark(paragraph: str, *, rtl: bool = False) -> str:
    """A right-to-left mark for a line that would open left-to-right but holds Arabic ("iPhone 17 يصل"),
    or holds no letters ("2 - 1", "22:30") in an item that reads right-to-left; else ""."""
    if not _opens_ltr(paragraph):
        return ""
    kinds = {unicodedata.bidirectional(char) for char in paragraph}
    return RLM if kinds & _RTL_CLASSES or (rtl and "L" not in kinds) else ""


def scraped(value: str) -> str:
    """Scraped text without the bidi controls that would let it pick its lines' direction itself."""
    return _LEADING_MARKS.sub("", _BIDI_CONTROLS.sub("", value)).strip()


def _opens_ltr(paragraph: str) -> bool:
    """True when the first letter, digit or flag is not right-to-left: the line needs a mark to read RTL."""
    for char in paragraph:
        kind = unicodedata.bidirectional(char)
        if kind in _LEADING_CLASSES:
            return kind not in _RTL_CLASSES
    return False


def _mostly_arabic(paragraph: str) -> bool:
    """More right-to-left letters than left-to-right ones: the paragraph reads as Arabic."""
    kinds = [unicodedata.bidirectional(char) for char in paragraph]
    return sum(kind in _RTL_CLASSES for kind in kinds) > kinds.count("L")


def _also(sources: tuple[tuple[str, str | None], ...], language: str, html: bool) -> str:
    """The other sources of the story, each linked to its own telling of it."""
    label = text(language, "also_in")
    # After each name, a mark of the label's direction: "BBC، Reuters" in an Arabic line (or Arabic names in
    # an English one) would otherwise run together the other way, each comma landing on the wrong name.
    mark = LRM if _opens_ltr(label) else RLM
    named = []
    for name, link in sources:
        if not html:
            named.append(f"{name} ({link}){mark}" if link else name + mark)
        elif link:
            named.append(f'<a href="{escape(link, quote=True)}">{escape(name, quote=False)}</a>{mark}')
        else:
            named.append(escape(name, quote=False) + mark)
    return f"{label}: {text(language, 'list_separator').join(named)}"


def _byline(item: NewsItem, config: Config) -> str:
    if item.published is None:
        return item.source
    local = item.published.astimezone(ZoneInfo(config.delivery.timezone))
    return f"{item.source} · {_format_time(local)}"


def _format_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")
