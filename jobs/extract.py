"""Article pages to Article records: trafilatura for the body, the page's own markup for the metadata.

trafilatura finds the body well, but its metadata falls short for a news feed: its date has no time,
its title keeps the site's name, and its categories can be a whole menu. So the title, date, image,
canonical link and categories are read from the markup here, and site furniture that must never
reach a post (breaking-news tickers, share bars, related-post boxes, comment forms, menus) is cut
from the tree before trafilatura sees it.

The body comes from the tree once pruned; trafilatura's own metadata (its date-only fallback, its
categories and tags) is read before, from the whole page, where htmldate finds more to go on. A
standfirst the page prints as its schema.org Article's description leads the body: trafilatura may
drop it or put it last, and it is the news itself.

Dates: the first published stamp that carries a time zone wins (article:published_time, JSON-LD
datePublished, itemprop=datePublished, other meta names, <time datetime>; ISO 8601, RFC 2822 or
written out in Arabic). A stamp with a time but no zone is taken as UTC (off by the site's UTC
offset, a few hours, rather than by up to a day), and a date with no time (trafilatura's fallback)
becomes midnight UTC. Published dates are therefore always timezone-aware.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from html import unescape
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml.html import HtmlElement
from trafilatura.settings import Document

from jobs.records import Article

# Below this much body text a page is a stub, a video or a landing page, not an article to post.
MIN_TEXT_CHARS = 80

# trafilatura reads categories from links to /category/ pages; more than this is a site menu.
MAX_TRAFILATURA_CATEGORIES = 4

# Longer "categories" are headlines or sentences caught in a breadcrumb, not section names.
MAX_CATEGORY_CHARS = 50

# A breadcrumb item this many words long that the title contains is the (cut) title itself.
TITLE_FRAGMENT_WORDS = 3

# Longer "authors" are sentences or lists caught by a byline pattern.
MAX_AUTHOR_CHARS = 80

# schema.org types whose printed "description" is the article's standfirst (Sputnik's lead paragraph sits
# in one, outside articleBody, and trafilatura drops it).
ARTICLE_TYPES = frozenset({
    "Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
    "BackgroundNewsArticle", "BlogPosting", "Report",
})  # fmt: skip
# A standfirst is a sentence or a short paragraph: shorter is a label, longer a container.
MIN_STANDFIRST_CHARS = 40
MAX_STANDFIRST_CHARS = 600

# Class/id words of a breadcrumb trail (Yoast "#breadcrumbs", Jannah "#breadcrumb", JNews "jeg_breadcrumbs").
BREADCRUMB_WORDS = frozenset({"breadcrumb", "breadcrumbs", "crumbs"})

# A breadcrumb trail is a line of links; a longer "breadcrumb" element is a mislabelled container.
MAX_BREADCRUMB_CHARS = 400

# Never cut an element holding this share of the page's text: a theme's class names lied.
MAX_PRUNED_TEXT_SHARE = 0.5

# Class/id words of site furniture, matched as whole words of a class or id
# ("jeg_share_button", "news-ticker", "commentRespond"), never as substrings.
TICKER_WORDS = frozenset({"breaking", "breakingnews", "ticker", "tickers", "newsticker", "marquee", "urgent"})
FURNITURE_WORDS = TICKER_WORDS | {
    "comment", "comments", "commentform", "respond", "disqus",
    "share", "shares", "sharing", "sharedaddy", "social", "addtoany", "a2a",
    "related", "relatedposts", "yarpp",
    "menu", "navbar", "navigation", "breadcrumb", "breadcrumbs",
}  # fmt: skip

# A class starting with these describes the page's state or taxonomy, not a box: WordPress puts
# "category-breaking-news" on the article itself, JNews "no-share" on the entry content.
STATE_PREFIXES = frozenset({"no", "not", "has", "is", "with", "without", "category", "cat", "tag", "term"})

# Only elements that say what they are can be furniture or a breadcrumb trail: the rest are skipped
# unread, in document order (a page has ten times more elements than classed ones).
FURNITURE_CANDIDATES = "//*[@class or @id] | //marquee"
BREADCRUMB_CANDIDATES = "//*[@class or @id or @itemtype or @aria-label]"

# Distinct class/id tokens remembered across pages: a theme uses a few hundred, sites share most.
CLASS_TOKEN_CACHE = 8192

# Elements that hold the article itself, whatever their class says.
NEVER_PRUNED = frozenset({"html", "body", "article", "main"})

# Lines of comment forms, share bars and "read also" links that slip through, folded (see _fold).
BOILERPLATE_LINE = re.compile(
    r"^(?:اترك (?:تعليقا|تعليق|ردا)|اضف تعليق|لن يتم نشر عنوان بريدك|الحقول الالزاميه مشار"
    r"|احفظ اسمي|(?:اقرا|طالع|شاهد) ايضا|اقرا المزيد|leave a (?:reply|comment)"
    r"|your email address will not be published|required fields are marked|save my name"
    r"|read also|read more\s*:|related:"
    r"|(?:شارك|مشاركه|شارك هذا الخبر|share|tweet|تغريد|طباعه|print)\W*$)"
)

# A "continue reading" link, folded. After a cut-off line ("…") it marks a teaser for another story.
_READ_MORE = r"(?:اكمل القراءه|اقرا المزيد|المزيد|continue reading|read more)\W*$"
READ_MORE_LINE = re.compile("^" + _READ_MORE)
TEASER_LINE = re.compile(r"(?:…|\.\.\.)\s*" + _READ_MORE)
ELLIPSES = ("…", "...")

# The site's notices that close an article page, folded: the comment policy above the comment box
# (comments together with the site's named rules) and the "views below are their writers' own"
# disclaimer (the views against the site or their writers). Only trailing lines are dropped, and the
# phrases are the notices' own ("شروط الاستخدام", not "شروط"), since news uses the words too:
# "تعليق الدراسة" is a suspension of classes, "لا تعبر عن رأي الحكومة" a quote.
_RULES = (
    r"(?:سياسه الخصوصيه|شروط (?:ال)?استخدام|ارشادات (?:ال)?(?:استخدام|نشر|مشاركه)|قواعد (?:ال)?نشر"
    r"|privacy policy|terms of (?:use|service)|community guidelines)"
)
_COMMENTS = r"(?:تعليق|comment)"
SITE_NOTICE_LINE = re.compile(
    rf"{_COMMENTS}.*{_RULES}|{_RULES}.*{_COMMENTS}"
    r"|(?:تعبر|يعبر|تمثل|يمثل|تعكس|يعكس) (?:عن )?(?:راي|اراء|وجهه نظر|وجهات نظر)"
    r" (?:الموقع|موقع|الشبكه|الصحيفه|الجريده|اداره|اصحابها|كاتبها|كتابها)"
    r"|views expressed (?:here|below|in (?:the|these|this) comments?) are"
    r"|(?:do|does) not (?:necessarily )?reflect the (?:views|opinions?) of"
    r" (?:this|the) (?:site|website|publication)"
)

# Breadcrumb items that name the front page, folded.
HOME_WORDS = frozenset({"الرئيسيه", "الصفحه الرئيسيه", "الرئيسه", "home", "home page", "homepage", "accueil"})

# Title separators; "«»" and ":" are left out because Arabic headlines use them.
TITLE_SEPARATOR = re.compile(r"\s+[-–—]\s+|\s*[|•·]\s*|\s+::\s+")
TITLE_SEPARATOR_AT_END = re.compile(f"(?:{TITLE_SEPARATOR.pattern})$")

# Breadcrumb separators; "/" and "»" only between spaces, since they occur inside names and quotes.
CRUMB_SEPARATOR = re.compile(r"\s/\s|\s»\s|\s«\s|[|›‹>←→•·\\]")

_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_LETTER_VARIANTS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_TOKEN_SPLIT = re.compile(r"[-_\s]+")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_NO_WORDS = re.compile(r"^\W*$")

# Separators and punctuation left around a site name cut out of a title.
NAME_PUNCTUATION = " -–—|•·:"

# Host labels that name no site: "www.", mobile and language subdomains.
GENERIC_HOST_LABELS = frozenset({"www", "amp", "arabic", "english"})

# JSON-LD types whose "name" is the site's name.
SITE_TYPES = frozenset({"WebSite", "Organization", "NewsMediaOrganization"})

# Month names as Arabic sites write them (Egyptian/Gulf and Levantine), folded, to month numbers.
ARABIC_MONTHS = {
    "يناير": 1, "فبراير": 2, "مارس": 3, "ابريل": 4, "مايو": 5, "يونيو": 6, "يونيه": 6, "يوليو": 7,
    "يوليه": 7, "اغسطس": 8, "سبتمبر": 9, "اكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
    "كانون الثاني": 1, "شباط": 2, "اذار": 3, "نيسان": 4, "ايار": 5, "حزيران": 6, "تموز": 7, "اب": 8,
    "ايلول": 9, "تشرين الاول": 10, "تشرين الثاني": 11, "كانون الاول": 12,
}  # fmt: skip
_MONTH_NAMES = "|".join(sorted(ARABIC_MONTHS, key=len, reverse=True))
ARABIC_STAMP = re.compile(
    rf"(\d{{1,2}})\s+({_MONTH_NAMES})\s*،?\s*(\d{{4}})(?:\D{{0,5}}?(\d{{1,2}}):(\d{{2}})(?::\d{{2}})?\s*(م|ص|مساء|صباحا|pm|am)?)?"
)
PM_MARKS = frozenset({"م", "مساء", "pm"})
ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

# Meta names that carry a publication stamp: Open Graph first, then CMS and analytics conventions.
PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "date",
)


@dataclass(frozen=True)
class _Page:
    """What the markup says about the page, read before any furniture is cut from the tree."""

    meta: dict[str, list[str]]
    linked_data: list[dict[str, Any]]
    base: str
    title: str
    crumbs: list[str]
    canonical: str | None
    sites: set[str]
    headings: set[str]


def extract_article(html: str, url: str) -> Article | None:
    """Read one article page; None when it holds no article text. CPU-bound: run it in a thread."""
    tree = trafilatura.load_html(_XML_DECLARATION.sub("", html, count=1))
    if tree is None:
        return None
    page = _read_page(tree, url)
    # Metadata (htmldate's fallback, categories, tags) is read before the furniture is cut, and it
    # leaves the tree as it was; bare_extraction copies the tree it is given, so no copy is made here.
    metadata = trafilatura.extract_metadata(tree, url)
    standfirst = _standfirst(tree)
    ticker_lines = _prune_furniture(tree)
    # favor_precision: on the corpus it dropped bylines and teaser-only front pages, and no gold text.
    extracted = trafilatura.bare_extraction(tree, url=url, include_comments=False, favor_precision=True)
    if extracted is None:
        return None
    title = _clean_title(_first(page.meta.get("og:title")) or metadata.title or page.title, page)
    text = _with_standfirst(_clean_text(extracted.text or "", title, ticker_lines), standfirst, title)
    if len(text) < MIN_TEXT_CHARS:
        return None
    return Article(
        url=url,
        title=title,
        text=text,
        published=_published(tree, page, metadata.date),
        image=_image(page, metadata.image),
        canonical=page.canonical,
        categories=_categories(page, metadata, title),
        author=_author(page),
    )


def _read_page(tree: HtmlElement, url: str) -> _Page:
    """Collect the page-level facts: metas, JSON-LD, base URL, <title>, breadcrumbs, canonical, site names."""
    meta = _meta_values(tree)
    linked_data = list(_json_ld_objects(tree))
    base = _base_url(tree, url)
    title = _page_title(tree)
    return _Page(
        meta=meta,
        linked_data=linked_data,
        base=base,
        title=title,
        crumbs=_breadcrumb_items(tree),
        canonical=_canonical(tree, base),
        sites=_site_names(meta, linked_data, title, url),
        headings={_squash(h.text_content()) for h in tree.iter("h1", "h2")},
    )


# --- markup ---------------------------------------------------------------------------------


def _meta_values(tree: HtmlElement) -> dict[str, list[str]]:
    """Every <meta> content by lower-cased property/name/itemprop, in page order."""
    values: dict[str, list[str]] = {}
    for element in tree.iter("meta"):
        content = _squash(element.get("content") or "")
        if not content:
            continue
        for attribute in ("property", "name", "itemprop"):
            key = (element.get(attribute) or "").strip().lower()
            if key:
                values.setdefault(key, []).append(content)
    return values


def _json_ld_objects(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    """Top-level JSON-LD objects (lists and @graph flattened); broken blocks are skipped, as browsers do."""
    for script in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        try:
            data = json.loads(script.text_content(), strict=False)
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict):
                yield item
                yield from (node for node in item.get("@graph", []) if isinstance(node, dict))


def _types(item: dict[str, Any]) -> set[str]:
    """A JSON-LD object's @type values, which may be one string or a list."""
    kind = item.get("@type")
    if isinstance(kind, str):
        return {kind}
    return {k for k in kind if isinstance(k, str)} if isinstance(kind, list) else set()


def _base_url(tree: HtmlElement, url: str) -> str:
    """What relative links on the page resolve against: <base href> if present, else the page URL."""
    base = tree.find(".//base[@href]")
    return urljoin(url, base.get("href").strip()) if base is not None else url


def _page_title(tree: HtmlElement) -> str:
    """The <title> text, whitespace collapsed."""
    element = tree.find(".//title")
    return _squash(element.text_content()) if element is not None else ""


def _first(values: list[str] | None) -> str:
    """The first of some meta values, or ''."""
    return values[0] if values else ""


def _squash(text: str) -> str:
    """Collapse runs of whitespace (including no-break spaces) to one space."""
    return " ".join(text.split())


def _fold(text: str) -> str:
    """A comparison key that ignores case, Arabic diacritics and alef/yaa/taa-marbuta spellings."""
    return _squash(_DIACRITICS.sub("", text).translate(_LETTER_VARIANTS).casefold())


def _http_url(value: str | None, base: str) -> str | None:
    """An absolute http(s) URL from a possibly relative one, or None."""
    if not value or not value.strip():
        return None
    absolute = urljoin(base, value.strip())
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None


# --- furniture ------------------------------------------------------------------------------


def _class_words(element: HtmlElement) -> Iterator[tuple[str, ...]]:
    """The words of each class token and of the id: "jeg_share-top" and "shareTop" give share, top."""
    for token in [*(element.get("class") or "").split(), element.get("id") or ""]:
        words = _token_words(token)
        if words and words[0] not in STATE_PREFIXES:
            yield words


@lru_cache(maxsize=CLASS_TOKEN_CACHE)
def _token_words(token: str) -> tuple[str, ...]:
    """One class or id token split into lower-case words; themes repeat a few tokens on every page."""
    return tuple(w for w in _TOKEN_SPLIT.split(_CAMEL.sub("-", token).lower()) if w)


def _furniture_kind(element: HtmlElement) -> str | None:
    """'ticker' or 'furniture' when the element's class or id says it is one, else None."""
    if not isinstance(element.tag, str) or element.tag in NEVER_PRUNED:
        return None
    if element.tag == "marquee":
        return "ticker"
    kind = None
    for words in _class_words(element):
        if TICKER_WORDS.intersection(words):
            return "ticker"
        if FURNITURE_WORDS.intersection(words):
            kind = "furniture"
    return kind


def _prune_furniture(tree: HtmlElement) -> set[str]:
    """Cut tickers, share bars, related boxes, comment forms and menus; return the ticker headlines."""
    body = tree.find(".//body")
    page_chars = len((body if body is not None else tree).text_content()) or 1
    doomed: list[tuple[HtmlElement, str]] = []
    doomed_set: set[HtmlElement] = set()
    for element in tree.xpath(FURNITURE_CANDIDATES):
        kind = _furniture_kind(element)
        if kind is None or any(a in doomed_set for a in element.iterancestors()):
            continue
        if element.find(".//h1") is not None:
            continue  # the headline lives here: this is the article's header, not a box beside it
        if len(element.text_content()) > MAX_PRUNED_TEXT_SHARE * page_chars:
            continue
        doomed.append((element, kind))
        doomed_set.add(element)
    ticker_lines: set[str] = set()
    for element, kind in doomed:
        if kind == "ticker":
            ticker_lines.update(_fold(e.text_content()) for e in element.iter("li", "a"))
        element.drop_tree()
    ticker_lines.discard("")
    return ticker_lines


# --- text and title -------------------------------------------------------------------------


def _clean_text(raw: str, title: str, ticker_lines: set[str]) -> str:
    """One paragraph per line, without boilerplate lines, ticker headlines or a repeated headline."""
    lines: list[str] = []
    for line in raw.splitlines():
        line = _squash(line)
        key = _fold(line)
        if READ_MORE_LINE.match(key):
            if lines and lines[-1].endswith(ELLIPSES):
                lines.pop()
            continue
        if not key or BOILERPLATE_LINE.match(key) or TEASER_LINE.search(key) or key in ticker_lines:
            continue
        if lines and key == _fold(lines[-1]):
            continue
        lines.append(line)
    while lines and _fold(lines[0]) == _fold(title):
        lines.pop(0)
    while lines and SITE_NOTICE_LINE.search(_fold(lines[-1])):
        lines.pop()
    return "\n".join(lines)


def _standfirst(tree: HtmlElement) -> str:
    """The article's standfirst as the page prints it: the page's own schema.org Article's description.

    A related-post card can be an Article too, with a description of another story: only the scope that
    holds the page's headline or articleBody counts, and nothing inside furniture.
    """
    for element in tree.xpath('//body//*[@itemprop="description"]'):
        if element.tag == "meta":
            continue
        ancestors = list(element.iterancestors())
        scope = next((a for a in ancestors if a.get("itemscope") is not None), None)
        kinds = (scope.get("itemtype") or "").split() if scope is not None else []
        if not any(kind.rstrip("/").rsplit("/", 1)[-1] in ARTICLE_TYPES for kind in kinds):
            continue
        if not scope.xpath('boolean(.//h1 | .//*[@itemprop="articleBody"])'):
            continue
        if any(_furniture_kind(ancestor) is not None for ancestor in ancestors):
            continue
        text = _squash(element.text_content())
        if MIN_STANDFIRST_CHARS <= len(text) <= MAX_STANDFIRST_CHARS:
            return text
    return ""


def _with_standfirst(text: str, standfirst: str, title: str) -> str:
    """The body led by its standfirst, the news itself: trafilatura may drop it or put it after the body."""
    key = _fold(standfirst)
    if not key or key == _fold(title):
        return text
    lines = text.splitlines()
    rest = [line for line in lines if _fold(line) != key]
    if len(rest) == len(lines) and key in _fold(text):
        return text  # it is inside a paragraph, which stays as the page wrote it
    return "\n".join([standfirst, *rest])


def _site_names(
    meta: dict[str, list[str]], linked_data: list[dict[str, Any]], page_title: str, url: str
) -> set[str]:
    """Names the site goes by, folded: og:site_name, JSON-LD publisher/WebSite, <title> extras, host."""
    names = [*meta.get("og:site_name", []), *meta.get("application-name", [])]
    for item in linked_data:
        if _types(item) & SITE_TYPES and isinstance(item.get("name"), str):
            names.append(item["name"])
        publisher = item.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            names.append(publisher["name"])
    names.extend(_title_extras(page_title, _first(meta.get("og:title"))))
    host_labels = (urlsplit(url).hostname or "").split(".")[:-1]  # the last label is the TLD
    names.extend(label for label in host_labels if len(label) >= 3 and label not in GENERIC_HOST_LABELS)
    return {key for key in (_fold(n).strip(NAME_PUNCTUATION) for n in names) if key}


def _title_extras(page_title: str, og_title: str) -> list[str]:
    """What <title> adds around og:title ("X - Site" vs "X"), which is the site's name."""
    if not page_title or not og_title or page_title == og_title:
        return []
    # Only the outermost segment: "X - Section - Site" adds a section path, and then the site.
    if page_title.startswith(og_title):
        return TITLE_SEPARATOR.split(page_title[len(og_title) :])[-1:]
    if page_title.endswith(og_title):
        return TITLE_SEPARATOR.split(page_title[: -len(og_title)])[:1]
    page_ends = _end_segments(page_title)
    og_ends = _end_segments(og_title)
    shared = page_ends & og_ends
    if len(shared) < 2:
        return []
    headline = max(shared, key=len)  # "Site - X" against "X - Site": the longer shared end is X
    return [s for s in shared if s != headline]


def _end_segments(title: str) -> set[str]:
    """The first and last separator-delimited segments of a title."""
    segments = [s for s in TITLE_SEPARATOR.split(title) if s.strip()]
    return {segments[0].strip(), segments[-1].strip()} if len(segments) > 1 else set()


def _is_site_name(segment: str, sites: set[str], abbreviated: bool = False) -> bool:
    """Whether a segment names the site: "CNNArabic.com" for CNNArabic, "Beirut Observer" by its host.

    Titles may abbreviate the name ("CNN" for CNNArabic); a category that short is a real section.
    """
    key = _fold(segment).strip(NAME_PUNCTUATION)
    compact = re.sub(r"\W+", "", key)
    if not key:
        return False
    for site in sites:
        site_compact = re.sub(r"\W+", "", site)
        if key == site or (len(site_compact) >= 3 and compact.startswith(site_compact)):
            return True
        if abbreviated and len(compact) >= 3 and site_compact.startswith(compact):
            return True
    return False


def _clean_title(title: str, page: _Page) -> str:
    """The headline without the site's name (or section path) before or after it."""
    title = _squash(unescape(title))  # WordPress often escapes og:title twice ("&amp;#8211;")
    headline = _headline_in(title, page.headings) or _shorter_title(title, page)
    if headline:
        return headline
    while True:
        parts = list(TITLE_SEPARATOR.finditer(title))
        if not parts:
            return title
        head, after_head = title[: parts[0].start()], title[parts[0].end() :].strip()
        tail, before_tail = title[parts[-1].end() :], title[: parts[-1].start()].strip()
        if before_tail and _is_site_name(tail, page.sites, abbreviated=True):
            title = before_tail
        elif after_head and _is_site_name(head, page.sites, abbreviated=True):
            title = after_head
        else:
            return title


def _shorter_title(title: str, page: _Page) -> str | None:
    """<title> or og:title when it is this title minus an end segment: the other one added the site."""
    for other in (page.title, _squash(_first(page.meta.get("og:title")))):
        if not other or len(other) >= len(title):
            continue
        if title.startswith(other) and TITLE_SEPARATOR.match(title, len(other)):
            return other
        if title.endswith(other) and TITLE_SEPARATOR_AT_END.search(title[: -len(other)]):
            return other
    return None


def _headline_in(title: str, headings: set[str]) -> str | None:
    """The page's own h1/h2 headline when it is one end of the title ("X - Section - Site" with <h1>X).

    The headline must be the longer part, or a sidebar heading ("مصر") could eat "مصر - السودان: ...".
    """
    for separator in TITLE_SEPARATOR.finditer(title):
        head, tail = title[: separator.start()].strip(), title[separator.end() :].strip()
        if head in headings and len(head) > len(tail):
            return head
        if tail in headings and len(tail) > len(head):
            return tail
    return None


# --- date, image, canonical -----------------------------------------------------------------


def _published(tree: HtmlElement, page: _Page, fallback: str | None) -> datetime | None:
    """The publication time: the first stamp with a zone, else the first with a time, else the date."""
    stamps = [s for s in map(_parse_stamp, _published_strings(tree, page)) if s is not None]
    zoned = [s for s in stamps if isinstance(s, datetime) and s.tzinfo is not None]
    if zoned:
        # Yoast states article:published_time in UTC while JSON-LD keeps the site's own offset: the
        # same instant, but only the local stamp gives the date the site printed (and readers expect).
        return next((s for s in zoned if s == zoned[0] and s.utcoffset()), zoned[0])
    timed = next((s for s in stamps if isinstance(s, datetime)), None)
    if timed is not None:
        return timed.replace(tzinfo=UTC)
    day = stamps[0] if stamps else _parse_stamp(fallback or "")  # trafilatura's date has no time
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day is not None else None


def _published_strings(tree: HtmlElement, page: _Page) -> Iterator[str]:
    """Publication stamps the page states, most trustworthy first."""
    for key in PUBLISHED_META[:2]:
        yield from page.meta.get(key, [])
    for item in page.linked_data:
        if isinstance(item.get("datePublished"), str):
            yield item["datePublished"]
    for element in tree.xpath('//*[@itemprop="datePublished"]'):
        yield element.get("datetime") or element.get("content") or ""
    for key in PUBLISHED_META[2:]:
        yield from page.meta.get(key, [])
    for element in tree.xpath("//time[@datetime]"):
        yield element.get("datetime")


def _parse_stamp(value: str) -> datetime | date | None:
    """An ISO 8601 or RFC 2822 stamp as a datetime (or a date when it has no time), else None."""
    value = value.strip()
    if not value:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return _parse_arabic_stamp(value)


def _parse_arabic_stamp(value: str) -> datetime | date | None:
    """A stamp written out in Arabic ("الأربعاء، 07 أكتوبر 2020 - 12:09 م"), as Egyptian CMSs put in metas."""
    match = ARABIC_STAMP.search(_fold(value.translate(ARABIC_DIGITS)))
    if not match:
        return None
    day, month, year, hour, minute, half = match.groups()
    try:
        stamp = date(int(year), ARABIC_MONTHS[month], int(day))
        if hour is None:
            return stamp
        return datetime(stamp.year, stamp.month, stamp.day, _hour_24(int(hour), half), int(minute))
    except ValueError:
        return None


def _hour_24(hour: int, half: str | None) -> int:
    """A 12-hour clock reading with its ص/م (am/pm) mark on the 24-hour clock."""
    if half is None:
        return hour
    return hour % 12 + (12 if half in PM_MARKS else 0)


def _author(page: _Page) -> str | None:
    """The byline the page states (JSON-LD author, meta author), unless it only names the site.

    trafilatura's author is not used: on the corpus it joined logos, the site and a web developer's
    credit (DC.Creator "Developed By ...") into one string.
    """
    names = [n for item in page.linked_data for n in _json_ld_names(item.get("author"))]
    names += [n for key in ("author", "article:author") for n in page.meta.get(key, [])]
    return next((_squash(n).strip("()") for n in names if _is_byline(n, page.sites)), None)


def _is_byline(name: str, sites: set[str]) -> bool:
    """A person's or desk's name, not a profile URL, the site's name or a dateline naming the site."""
    name = _squash(name).strip("()")
    if not name or len(name) > MAX_AUTHOR_CHARS or "/" in name or "@" in name:
        return False
    return not any(_is_site_name(part, sites) for part in TITLE_SEPARATOR.split(name))


def _json_ld_names(value: Any) -> list[str]:
    """Names from a JSON-LD author value: a string, a Person, or a list of either."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return _json_ld_names(value.get("name"))
    if isinstance(value, list):
        return [n for v in value for n in _json_ld_names(v)]
    return []


def _image(page: _Page, found: str | None) -> str | None:
    """The lead image: og:image, twitter:image, JSON-LD image, then trafilatura's pick; absolute."""
    urls = [u for key in ("og:image", "og:image:url", "twitter:image") for u in page.meta.get(key, [])]
    for item in page.linked_data:
        urls.extend(_json_ld_urls(item.get("image")))
    urls.append(found or "")
    return next((u for u in (_http_url(c, page.base) for c in urls) if u), None)


def _json_ld_urls(value: Any) -> list[str]:
    """URLs from a JSON-LD image value: a string, an ImageObject, or a list of either."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return _json_ld_urls(value.get("url") or value.get("contentUrl"))
    if isinstance(value, list):
        return [u for v in value for u in _json_ld_urls(v)]
    return []


def _canonical(tree: HtmlElement, base: str) -> str | None:
    """The page's <link rel="canonical">, absolute."""
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            return _http_url(link.get("href"), base)
    return None


# --- categories -----------------------------------------------------------------------------


def _categories(page: _Page, document: Document, title: str) -> tuple[str, ...]:
    """Section names: breadcrumbs, article:section, JSON-LD, then trafilatura's categories and tags."""
    found = [*page.crumbs, *_json_ld_breadcrumbs(page.linked_data), *page.meta.get("article:section", [])]
    for item in page.linked_data:
        found.extend(_strings(item.get("articleSection")))
    trafilatura_categories = document.categories or []
    if len(trafilatura_categories) <= MAX_TRAFILATURA_CATEGORIES:
        found.extend(trafilatura_categories)
    found.extend(_tags(document.tags or [], title))
    return tuple(_keep_categories(found, title, page.sites))


def _tags(raw: list[str], title: str) -> list[str]:
    """Keyword tags, unless they are just the title cut into words (some CMSs fill keywords so)."""
    tags = [t.strip() for tag in raw for t in re.split(r"[,،]", tag) if t.strip()]
    title_words = set(_fold(title).split())
    if all(len(t.split()) == 1 and _fold(t) in title_words for t in tags):
        return []
    return tags


def _strings(value: Any) -> list[str]:
    """A JSON-LD value that may be one string or a list of them."""
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _keep_categories(found: Iterable[str], title: str, sites: set[str]) -> Iterator[str]:
    """Drop duplicates, the front page, the site's name and the headline itself."""
    seen: set[str] = set()
    folded_title = _fold(title)
    for name in found:
        name = _squash(name)
        key = _fold(name)
        if not key or key in seen or _NO_WORDS.match(key) or len(name) > MAX_CATEGORY_CHARS:
            continue
        seen.add(key)
        if key in HOME_WORDS or key == folded_title or _is_site_name(name, sites):
            continue
        if len(key.split()) >= TITLE_FRAGMENT_WORDS and key.rstrip(".…") in folded_title:
            continue
        yield name


def _breadcrumb_items(tree: HtmlElement) -> list[str]:
    """The item texts of the page's first breadcrumb trail."""
    for element in tree.xpath(BREADCRUMB_CANDIDATES):
        if _is_breadcrumb(element) and len(element.text_content()) <= MAX_BREADCRUMB_CHARS:
            return [
                item
                for text in element.itertext()
                for item in (s.strip() for s in CRUMB_SEPARATOR.split(text))
                if item
            ]
    return []


def _is_breadcrumb(element: HtmlElement) -> bool:
    """#breadcrumbs, .breadcrumb, nav[aria-label=breadcrumb], [itemtype*=BreadcrumbList] and kin."""
    if not isinstance(element.tag, str) or element.tag in NEVER_PRUNED:
        return False
    if "breadcrumblist" in (element.get("itemtype") or "").lower():
        return True
    if (element.get("aria-label") or "").strip().lower() in ("breadcrumb", "breadcrumbs"):
        return True
    return any(BREADCRUMB_WORDS.intersection(words) for words in _class_words(element))


def _json_ld_breadcrumbs(linked_data: list[dict[str, Any]]) -> list[str]:
    """Item names of a JSON-LD BreadcrumbList, in position order."""
    for item in linked_data:
        if "BreadcrumbList" not in _types(item) or not isinstance(item.get("itemListElement"), list):
            continue
        entries = [e for e in item["itemListElement"] if isinstance(e, dict)]
        entries.sort(key=lambda e: e.get("position") if isinstance(e.get("position"), int) else 0)
        names = []
        for entry in entries:
            inner = entry.get("item")
            name = entry.get("name") or (inner.get("name") if isinstance(inner, dict) else None)
            if isinstance(name, str):
                names.append(name)
        return names
    return []
