"""Candidates from what a source lists: feed entries, links on a listing page, ticker headlines.

Pure functions on content that was already fetched (and, for HTML, already decoded), so a source
can be tested from a saved page. A body that is not what the source's config says it is (an HTML
page where a feed was expected, a CSS selector that does not parse) raises DiscoverError.
"""

from __future__ import annotations

import re
from calendar import timegm
from datetime import UTC, datetime
from html import unescape
from time import struct_time
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import feedparser
from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement, document_fromstring, fragment_fromstring

from jobs.records import Candidate

# A feed entry with no title is titled from its summary, cut to about this many characters.
UNTITLED_ENTRY_CHARS = 120

# Elements whose text a reader sees as separate blocks; their text is kept apart when flattened.
BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
)

# Code, not text: never part of a headline or summary.
INVISIBLE_TAGS = ("script", "style", "noscript", "template")

# Inline markup some feeds leave in titles; "<" followed by anything else is text ("أسعار <100").
TITLE_TAG = re.compile(
    r"</?(?:a|b|i|u|em|strong|span|font|small|big|sub|sup|mark|q|cite|abbr|br)\b[^>]*>", re.IGNORECASE
)

# WordPress appends "The post X appeared first on Site." to every feed summary.
WORDPRESS_FOOTER = re.compile(
    r"^(?:the post .* appeared first on|ظهرت المقالة .* أولا\S* على)", re.IGNORECASE
)

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


# Servers label HTML loosely; anything textual and markup-like is worth parsing.
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/xml", "application/xml", "text/plain"})


class DiscoverError(Exception):
    """A source's content is not what its config says: not a feed, or a selector that does not parse."""


def require_html(content_type: str | None, url: str) -> None:
    """Listing and ticker sources must answer with a page; an image or a PDF means a wrong URL."""
    kind = (content_type or "text/html").split(";")[0].strip().lower()
    if kind not in HTML_TYPES:
        raise DiscoverError(f"{url} answered with {kind}, not an HTML page")


def parse_feed(body: bytes, base_url: str, source: str, max_entries: int | None = None) -> list[Candidate]:
    """Entries of an RSS 0.9x/1.0/2.0 or Atom feed, newest-first as the feed lists them.

    With max_entries, the feed is cut before parsing: feedparser needs seconds for a 10,000-entry archive.
    """
    if max_entries is not None:
        body = trim_feed(body, max_entries)
    parsed = feedparser.parse(without_internal_dtd(body))
    if not parsed.entries and (not parsed.get("version") or (parsed.bozo and not parsed.feed.get("title"))):
        problem = parsed.get("bozo_exception") or "no RSS or Atom root element"
        raise DiscoverError(f"{source}: {base_url} is not an RSS/Atom feed ({problem})")
    candidates = (_entry_candidate(entry, base_url, source) for entry in parsed.entries)
    return [c for c in candidates if c is not None]


# A DOCTYPE's internal subset, where entity declarations live: from "<!DOCTYPE ... [" to "]>".
_INTERNAL_DTD = re.compile(rb"<!DOCTYPE[^>\[]*\[.*?\]\s*>", re.S)


def without_internal_dtd(body: bytes) -> bytes:
    """The feed without its DOCTYPE's own entity declarations, which real feeds never need.

    feedparser hands feeds to expat, which expands entities: a 1 KB "billion laughs" costs ~45 MB and a
    second before expat's amplification guard stops it, and that guard scales with the input, so a 10 MB
    feed could reach a gigabyte. Without the declarations the references stay unexpanded text.
    """
    if b"<!ENTITY" not in body:
        return body
    return _INTERNAL_DTD.sub(b"", body, count=1)


_ENTRY_END = re.compile(rb"</(?:[\w.-]+:)?(?:item|entry)\s*>")
_FEED_ROOT = re.compile(rb"<((?:[\w.-]+:)?(?:rss|feed|RDF))[\s>]")


def trim_feed(body: bytes, max_entries: int) -> bytes:
    """The feed up to its max_entries-th entry, closed again so it still parses as the same feed."""
    ends = _ENTRY_END.finditer(body)
    cut = None
    for count, match in enumerate(ends, start=1):
        if count == max_entries:
            cut = match.end()
            break
    root = _FEED_ROOT.search(body, 0, 4096)
    if cut is None or root is None or cut == len(body):
        return body
    name = root.group(1)
    closer = b"</channel></rss>" if name.endswith(b"rss") else b"</" + name + b">"
    return body[:cut] + closer


def parse_listing(
    html: str, base_url: str, source: str, link_selector: str, title_selector: str | None = None
) -> list[Candidate]:
    """Article links on a listing page, in page order, once each.

    link_selector matches <a> elements or elements holding one; title_selector, if given, picks
    the title inside each match (its link, if it has one, wins over the match's first link).
    """
    select_links = _selector(link_selector)  # before parsing: a bad selector is an error on any page
    select_title = _selector(title_selector) if title_selector else None
    tree = _parse_html(html)
    if tree is None:
        return []
    base = _base_url(tree, base_url)
    found: dict[str, tuple[str, bool]] = {}  # url -> (title, whether the title is link text)
    for element in select_links(tree):
        title_element = next(iter(select_title(element)), None) if select_title else None
        link = _link_in(title_element)
        if link is None:
            link = _link_in(element)
        if link is None:
            continue
        url = _article_url(link, base)
        title = _text(title_element if title_element is not None else link)
        is_text = bool(title)
        title = title or _link_label(link)
        if url is None or not title:
            continue
        if url not in found or (is_text and not found[url][1]):
            # A thumbnail link's alt text gives way to the headline link that follows it.
            found[url] = (title, is_text)
    return [Candidate(source=source, title=title, url=url) for url, (title, _) in found.items()]


def parse_ticker(html: str, base_url: str, source: str, item_selector: str) -> list[Candidate]:
    """Breaking-news ticker headlines, with their links when they have one; repeats dropped.

    Tickers often repeat their items so the marquee can loop, hence the de-duplication by headline.
    """
    select_items = _selector(item_selector)
    tree = _parse_html(html)
    if tree is None:
        return []
    base = _base_url(tree, base_url)
    seen: set[str] = set()
    candidates = []
    for element in select_items(tree):
        headline = _text(element)
        if not headline or headline in seen:
            continue
        seen.add(headline)
        url = _article_url(_link_in(element), base)
        candidates.append(Candidate(source=source, title=headline, url=url, is_ticker=True))
    return candidates


_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
_NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"


def parse_sitemap(body: bytes, base_url: str, source: str) -> list[Candidate]:
    """Entries of a Google News sitemap (<news:news> with title and date), newest first.

    Entities are never expanded and the tree size stays bounded, so an entity bomb is just an error.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise DiscoverError(f"{source}: {base_url} is not a readable sitemap ({exc})") from None
    if root.tag == f"{_SITEMAP_NS}sitemapindex":
        children = [loc.text.strip() for loc in root.iter(f"{_SITEMAP_NS}loc") if loc.text]
        examples = ", ".join(children[:3])
        raise DiscoverError(f"{source}: {base_url} is a sitemap index; use one of its sitemaps: {examples}")
    if root.tag != f"{_SITEMAP_NS}urlset":
        raise DiscoverError(f"{source}: {base_url} is not a sitemap (root element {root.tag!r})")
    candidates = [c for c in map(lambda u: _sitemap_candidate(u, base_url, source), root) if c]
    epoch = datetime.min.replace(tzinfo=UTC)
    return sorted(candidates, key=lambda c: c.published or epoch, reverse=True)


def _sitemap_candidate(url: Any, base_url: str, source: str) -> Candidate | None:
    """One <url> entry; plain sitemap entries (no news:title) are titled by their URL."""
    if not isinstance(url.tag, str) or url.tag != f"{_SITEMAP_NS}url":
        return None
    link = _http_url(url.findtext(f"{_SITEMAP_NS}loc") or "", base_url)
    if link is None:
        return None
    news = url.find(f"{_NEWS_NS}news")
    title = _squash(news.findtext(f"{_NEWS_NS}title") or "") if news is not None else ""
    date = news.findtext(f"{_NEWS_NS}publication_date") if news is not None else None
    date = date or url.findtext(f"{_SITEMAP_NS}lastmod")
    keywords = news.findtext(f"{_NEWS_NS}keywords") if news is not None else None
    terms = tuple(t.strip() for t in (keywords or "").split(",") if t.strip())
    return Candidate(
        source=source, title=title or link, url=link, categories=terms, published=_iso_time(date)
    )


def _iso_time(value: str | None) -> datetime | None:
    """A W3C datetime (what sitemaps use); a date without a zone is taken as UTC."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


# --- feeds ----------------------------------------------------------------------------------


def _entry_candidate(entry: Any, base_url: str, source: str) -> Candidate | None:
    """One feed entry as a Candidate, titled by its summary (or link) if untitled; None if it has neither."""
    url = _feed_link(entry, base_url)
    summary = _summary(entry)
    title = _feed_title(entry.get("title", "")) or _cut(summary, UNTITLED_ENTRY_CHARS)
    if not title and url is None:
        return None
    return Candidate(
        source=source,
        title=title or url or "",
        url=url,
        summary=summary,
        categories=_feed_categories(entry),
        published=_feed_time(entry.get("published_parsed") or entry.get("updated_parsed")),
    )


def _feed_link(entry: Any, base_url: str) -> str | None:
    """The entry's link (or a permalink guid), absolute."""
    link = entry.get("link") or ""
    if not link and entry.get("guidislink"):
        link = entry.get("id") or ""
    return _http_url(link, base_url)


def _feed_title(title: str) -> str:
    """A feed title as plain text: leftover inline tags and double-escaped entities removed."""
    return _squash(unescape(TITLE_TAG.sub("", title)))


def _summary(entry: Any) -> str:
    """The entry's description (or content) as one line of plain text."""
    html = entry.get("summary") or next((c.get("value", "") for c in entry.get("content", [])), "")
    if not html.strip():
        return ""
    fragment = fragment_fromstring(html, create_parent="div")
    for paragraph in fragment.iter("p"):
        if WORDPRESS_FOOTER.match(_text(paragraph)):
            paragraph.drop_tree()
    return _text(fragment)


def _feed_categories(entry: Any) -> tuple[str, ...]:
    """Category terms (RSS <category>, Atom category@term, dc:subject), once each, in feed order."""
    terms = (_squash(unescape(tag.get("term") or tag.get("label") or "")) for tag in entry.get("tags", []))
    return tuple(dict.fromkeys(t for t in terms if t))


def _feed_time(parsed: struct_time | None) -> datetime | None:
    """feedparser's UTC struct_time as an aware datetime."""
    if parsed is None:
        return None
    return datetime.fromtimestamp(timegm(parsed), tz=UTC)


def _cut(text: str, limit: int) -> str:
    """Text cut at a word boundary near limit, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


# --- pages ----------------------------------------------------------------------------------


def _parse_html(html: str) -> HtmlElement | None:
    """A page's tree without scripts and styles; None for an empty page."""
    html = _XML_DECLARATION.sub("", html, count=1)  # lxml refuses str input that declares an encoding
    if not html.strip():
        return None
    try:
        tree = document_fromstring(html)
    except (etree.ParserError, ValueError):  # ValueError: NUL and other bytes XML cannot hold
        return None
    etree.strip_elements(tree, *INVISIBLE_TAGS, with_tail=False)
    return tree


def _selector(css: str) -> CSSSelector:
    """A compiled CSS selector; DiscoverError names the selector when it does not parse."""
    try:
        return CSSSelector(css)
    except SelectorError as error:
        raise DiscoverError(f"invalid CSS selector {css!r}: {error}") from error


def _base_url(tree: HtmlElement, url: str) -> str:
    """What relative links resolve against: <base href> if the page has one, else its URL."""
    base = tree.find(".//base[@href]")
    return urljoin(url, base.get("href").strip()) if base is not None else url


def _link_in(element: HtmlElement | None) -> HtmlElement | None:
    """The element itself if it is a link, else its first link with text (a thumbnail's has none)."""
    if element is None:
        return None
    if element.tag == "a" and element.get("href"):
        return element
    links = element.findall(".//a[@href]")
    return next((a for a in links if _text(a)), links[0] if links else None)


def _article_url(link: HtmlElement | None, base: str) -> str | None:
    """A link's absolute http(s) URL without #fragment; None for in-page, javascript: and mailto: links."""
    if link is None:
        return None
    href = (link.get("href") or "").strip()
    if not href or href.startswith("#"):
        return None
    url = _http_url(href, base)
    return urldefrag(url).url if url else None


def _link_label(link: HtmlElement) -> str:
    """What names a link that has no text: its title attribute, or its image's alt text."""
    image = link.find(".//img[@alt]")
    alt = image.get("alt") if image is not None else ""
    return _squash(link.get("title") or "") or _squash(alt)


def _text(element: HtmlElement) -> str:
    """An element's visible text, blocks kept apart ("<p>a</p><p>b</p>" is "a b"), whitespace collapsed.

    Pads block elements with spaces in place: every tree here is parsed for this call alone.
    """
    for block in element.iter(*BLOCK_TAGS):
        block.tail = " " + (block.tail or "")
        block.text = " " + (block.text or "")
    return _squash(element.text_content())


def _http_url(value: str, base: str) -> str | None:
    """An absolute http(s) URL from a possibly relative one; None for other schemes."""
    if not value.strip():
        return None
    url = urljoin(base, value.strip())
    return url if urlsplit(url).scheme in ("http", "https") else None


def _squash(text: str) -> str:
    """Collapse runs of whitespace to one space."""
    return " ".join(text.split())
