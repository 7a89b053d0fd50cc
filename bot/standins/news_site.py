"""A sample Arabic WordPress-style news site on 127.0.0.1, for the tests and the offline demo."""

from __future__ import annotations

import hashlib
import html
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.message import Message
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from importlib import resources
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlsplit

from bot.standins.quiet import QuietServer

SITE_TZ = timezone(timedelta(hours=3))
LISTING_SIZE = 10
TICKER_SIZE = 10
BREAKING_LABEL = "خبر عاجل"
# Initial articles are back-dated this far apart so listings have a stable, plausible order.
INITIAL_SPACING = timedelta(minutes=35)
# WordPress shares its id sequence with revisions and attachments, so post ids skip numbers.
FIRST_POST_ID, POST_ID_STEP = 4817, 3

_HTML = "text/html; charset=UTF-8"
_RSS = "application/rss+xml; charset=UTF-8"
_TEXT = "text/plain; charset=UTF-8"
_SLUG = "[a-z0-9]+(?:-[a-z0-9]+)*"
_ARTICLE_PATH = re.compile(rf"/\d{{4}}/\d{{2}}/\d{{2}}/{_SLUG}/")
_CATEGORY_PATH = re.compile(rf"/category/({_SLUG})/(feed/)?")
_UPLOAD_PATH = re.compile(rf"/wp-content/uploads/({_SLUG}\.png)")
_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
# Levantine month names, as Syrian sites print them.
_MONTHS = (
    "كانون الثاني",
    "شباط",
    "آذار",
    "نيسان",
    "أيار",
    "حزيران",
    "تموز",
    "آب",
    "أيلول",
    "تشرين الأول",
    "تشرين الثاني",
    "كانون الأول",
)
_WEEKDAYS = ("الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")
_ROBOTS = "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n"


@dataclass(frozen=True)
class SiteArticle:
    """One published post; frozen so a test can keep it while the site goes on serving."""

    slug: str
    category: str
    title: str
    paragraphs: tuple[str, ...]
    published: datetime
    image: str | None = None
    author: str = ""
    tags: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        """WordPress's day-and-name permalink, so URL parsing meets the common layout."""
        return f"/{self.published:%Y/%m/%d}/{self.slug}/"


@dataclass(frozen=True)
class _Draft:
    """A pending article: everything but the date, which publishing fixes."""

    slug: str
    category: str
    title: str
    paragraphs: tuple[str, ...]
    image: str | None
    author: str
    tags: tuple[str, ...]

    def dated(self, when: datetime) -> SiteArticle:
        """Publish at a given moment; the path follows from it."""
        return SiteArticle(
            self.slug, self.category, self.title, self.paragraphs, when, self.image, self.author, self.tags
        )


@dataclass(frozen=True)
class _Catalogue:
    """The shipped content, loaded once per site."""

    name: str
    slogan: str
    categories: dict[str, str]
    initial: tuple[_Draft, ...]
    pending: tuple[_Draft, ...]
    initial_headlines: tuple[tuple[str, str | None], ...]
    pending_headlines: tuple[tuple[str, str | None], ...]
    images: dict[str, bytes]


@dataclass(frozen=True)
class _Response:
    """What a route produced, before conditional-GET handling."""

    status: int
    body: bytes
    content_type: str = _HTML
    last_modified: datetime | None = None

    @property
    def etag(self) -> str:
        """A strong validator from the body, so identical renders compare equal."""
        return '"' + hashlib.sha1(self.body, usedforsecurity=False).hexdigest()[:20] + '"'


def _load_catalogue() -> _Catalogue:
    """Read articles.json and images from package data, so an installed wheel can run the demo."""
    folder = resources.files("bot.standins").joinpath("site")
    data = json.loads(folder.joinpath("articles.json").read_text(encoding="utf-8"))
    images = {item.name: item.read_bytes() for item in folder.iterdir() if item.name.endswith(".png")}
    author = data["site"]["author"]
    catalogue = _Catalogue(
        name=data["site"]["name"],
        slogan=data["site"]["slogan"],
        categories=dict(data["categories"]),
        initial=tuple(_draft(item, author) for item in data["initial_articles"]),
        pending=tuple(_draft(item, author) for item in data["pending_articles"]),
        initial_headlines=tuple((h["text"], h.get("article")) for h in data["initial_headlines"]),
        pending_headlines=tuple((h["text"], h.get("article")) for h in data["pending_headlines"]),
        images=images,
    )
    _check(catalogue)
    return catalogue


def _draft(item: Mapping[str, Any], author: str) -> _Draft:
    """One JSON article, with the site's byline when it names no reporter."""
    return _Draft(
        slug=item["slug"],
        category=item["category"],
        title=item["title"],
        paragraphs=tuple(item["paragraphs"]),
        image=item.get("image"),
        author=item.get("author", author),
        tags=tuple(item.get("tags", ())),
    )


def _check(catalogue: _Catalogue) -> None:
    """Fail at load, not mid-demo, when an edit to the JSON breaks a reference."""
    drafts = catalogue.initial + catalogue.pending
    slugs = [d.slug for d in drafts]
    if len(set(slugs)) != len(slugs) or not all(re.fullmatch(_SLUG, s) for s in slugs):
        raise ValueError("article slugs must be unique lowercase ASCII")
    for draft in drafts:
        if draft.category not in catalogue.categories:
            raise ValueError(f"{draft.slug}: unknown category {draft.category!r}")
        if draft.image is not None and draft.image not in catalogue.images:
            raise ValueError(f"{draft.slug}: missing image {draft.image!r}")
    # Headlines link only to initial articles, which are always published.
    initial = {d.slug for d in catalogue.initial}
    for text, slug in catalogue.initial_headlines + catalogue.pending_headlines:
        if slug is not None and slug not in initial:
            raise ValueError(f"headline {text!r} links to {slug!r}, not an initial article")


def _e(text: str) -> str:
    """Escape for HTML and XML text and attributes alike."""
    return html.escape(text, quote=True)


def _cdata(text: str) -> str:
    """Wrap in CDATA as WordPress does, splitting any terminator inside the text."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _arabic_date(when: datetime) -> str:
    """Print dates the way the pages' readers see them: Arabic-Indic digits, Levantine months."""
    return f"{when.day} {_MONTHS[when.month - 1]} {when.year}".translate(_DIGITS)


def _http_date(when: datetime) -> str:
    """RFC 9110 date for Last-Modified."""
    return format_datetime(when.astimezone(UTC), usegmt=True)


def _excerpt(article: SiteArticle, words: int = 20) -> str:
    """A WordPress-like teaser: the first words of the first paragraph."""
    head = article.paragraphs[0].split()
    return " ".join(head[:words]) + (" […]" if len(head) > words else "")


def _not_modified(headers: Message, response: _Response) -> bool:
    """Conditional GET per RFC 9110: If-None-Match wins over If-Modified-Since."""
    if (tags := headers.get("If-None-Match")) is not None:
        wanted = {tag.strip().removeprefix("W/") for tag in tags.split(",")}
        return "*" in wanted or response.etag in wanted
    since_header = headers.get("If-Modified-Since")
    if since_header is None or response.last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(since_header)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return response.last_modified.replace(microsecond=0) <= since


class SampleNewsSite:
    """A WordPress-like Arabic news site whose state tests and the demo advance step by step."""

    def __init__(self, *, now: Callable[[], datetime] | None = None) -> None:
        self._now = now or (lambda: datetime.now(SITE_TZ))
        self._catalogue = _load_catalogue()
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._failures: dict[str, int] = {}
        self._pending = list(self._catalogue.pending)
        self._pending_headlines = list(self._catalogue.pending_headlines)
        drafts = self._catalogue.initial + self._catalogue.pending
        self._post_ids = {d.slug: FIRST_POST_ID + POST_ID_STEP * i for i, d in enumerate(drafts)}
        self.name = self._catalogue.name
        self.categories = dict(self._catalogue.categories)
        self.requests: list[str] = []
        self._opened = self._clock()
        count = len(self._catalogue.initial)
        self.published: list[SiteArticle] = [
            draft.dated(self._opened - INITIAL_SPACING * (count - i))
            for i, draft in enumerate(self._catalogue.initial)
        ]
        self.headlines: list[tuple[str, str | None]] = [
            (text, None if slug is None else self._path_of(slug))
            for text, slug in self._catalogue.initial_headlines
        ]

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> SampleNewsSite:
        """Bind a free loopback port and serve from a daemon thread, so a stuck test cannot hang exit."""
        if self._server is not None:
            raise RuntimeError("the sample site is already running")
        server = _Server(("127.0.0.1", 0), _Handler)
        server.site = self
        # A short poll keeps stop() fast; the default half second adds up over a test run.
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="sample-news-site", daemon=True
        )
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop serving and free the port; safe to call twice."""
        if self._server is None or self._thread is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> SampleNewsSite:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """Where the site answers; only known once start() has bound a port."""
        if self._server is None:
            raise RuntimeError("the sample site is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        """Absolute URL for a site path, as WordPress prints every link."""
        return self.base_url + path

    # -- advancing the state ---------------------------------------------------------------

    def publish_next(self, category: str | None = None) -> SiteArticle:
        """Publish the next pending article (of a category if given), dated now."""
        with self._lock:
            index = next((i for i, d in enumerate(self._pending) if category in (None, d.category)), None)
            if index is None:
                raise LookupError(f"no pending article left (category={category!r})")
            article = self._pending.pop(index).dated(self._clock())
            self.published.append(article)
        return article

    def add_headline(self, text: str | None = None, *, link: str | None = None) -> str:
        """Put a breaking headline at the top of the ticker; the next shipped one when text is None."""
        with self._lock:
            if text is None:
                if not self._pending_headlines:
                    raise LookupError("no pending headline left")
                text, slug = self._pending_headlines.pop(0)
                if link is None and slug is not None:
                    link = self._path_of(slug)
            self.headlines.insert(0, (text, link))
        return text

    def fail(self, path: str, status: int | None) -> None:
        """Make a path answer an HTTP error status (None restores it), for error-handling tests."""
        with self._lock:
            if status is None:
                self._failures.pop(path, None)
            else:
                self._failures[path] = status

    # -- helpers ---------------------------------------------------------------------------

    def _clock(self) -> datetime:
        """The injected time in the site's zone; naive times would make dates ambiguous."""
        stamp = self._now()
        if stamp.tzinfo is None:
            raise ValueError("now() must return an aware datetime")
        return stamp.astimezone(SITE_TZ)

    def _path_of(self, slug: str) -> str:
        """Path of a published article by slug."""
        return next(a.path for a in self.published if a.slug == slug)

    def _absolute(self, link: str) -> str:
        """Site paths become absolute; links elsewhere stay as given."""
        return self.url(link) if link.startswith("/") else link

    def _latest(self, category: str | None = None) -> list[SiteArticle]:
        """Newest first by publish order, which a frozen test clock cannot reorder."""
        chosen = [a for a in reversed(self.published) if category in (None, a.category)]
        return chosen[:LISTING_SIZE]

    # -- routing ---------------------------------------------------------------------------

    def _handle(self, target: str) -> _Response:
        """Record the request and answer it; the lock keeps renders consistent with updates."""
        path = urlsplit(target).path
        with self._lock:
            self.requests.append(path)
            if (status := self._failures.get(path)) is not None:
                return self._error(status)
            return self._route(path)

    def _route(self, path: str) -> _Response:
        """WordPress's URL layout, reduced to what a news bot visits."""
        if path == "/":
            return self._html(self._home())
        if path == "/feed/":
            return self._feed(None)
        if path == "/robots.txt":
            return _Response(200, _ROBOTS.encode(), _TEXT)
        if path == "/news-sitemap.xml":
            return self._news_sitemap()
        if (match := _CATEGORY_PATH.fullmatch(path)) and match[1] in self.categories:
            return self._feed(match[1]) if match[2] else self._html(self._category_page(match[1]))
        if (match := _UPLOAD_PATH.fullmatch(path)) and match[1] in self._catalogue.images:
            return _Response(200, self._catalogue.images[match[1]], "image/png")
        if _ARTICLE_PATH.fullmatch(path):
            for article in self.published:
                if article.path == path:
                    return self._html(self._article_page(article), article.published)
        return self._html(self._not_found(), status=404)

    def _html(self, page: str, modified: datetime | None = None, status: int = 200) -> _Response:
        """Wrap a rendered page."""
        return _Response(status, page.encode("utf-8"), _HTML, modified)

    def _error(self, status: int) -> _Response:
        """A bare error page, like the proxy in front of a struggling WordPress sends."""
        body = f"<html><body><h1>{status}</h1><p>The server could not answer.</p></body></html>"
        return _Response(status, body.encode())

    # -- pages -----------------------------------------------------------------------------

    def _page(self, title: str, body_class: str, main: str, head: str = "") -> str:
        """The theme's shell: head, header with ticker and menu, content, footer."""
        feed = self.url("/feed/")
        return f"""<!DOCTYPE html>
<html lang="ar" dir="rtl">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<link rel="alternate" type="application/rss+xml" title="{_e(self.name)} &raquo; الخلاصة" href="{_e(feed)}">
{head}</head>
<body class="{body_class} rtl">
<div id="tie-wrapper">
{self._header()}
<div id="content" class="site-content container">
{main}
</div>
{self._footer()}
</div>
</body>
</html>
"""

    def _header(self) -> str:
        """Top bar with date and ticker, logo, then the category menu."""
        today = self._clock()
        date = f"{_WEEKDAYS[today.weekday()]}، {_arabic_date(today)}"
        menu = "".join(
            f'<li class="menu-item menu-item-type-taxonomy"><a href="{_e(self.url(f"/category/{slug}/"))}">'
            f"{_e(name)}</a></li>"
            for slug, name in self.categories.items()
        )
        return f"""<header id="theme-header" class="theme-header">
<nav id="top-nav" class="top-nav"><div class="topbar-today-date">{date}</div>
{self._ticker()}
</nav>
<div class="logo"><a href="{_e(self.url("/"))}" rel="home"><span class="site-title">{_e(self.name)}</span></a>
<p class="site-slogan">{_e(self._catalogue.slogan)}</p></div>
<nav id="main-nav" class="main-nav"><ul id="menu-main" class="menu">
<li class="menu-item menu-item-home"><a href="{_e(self.url("/"))}">الرئيسية</a></li>{menu}
</ul></nav>
</header>"""

    def _ticker(self) -> str:
        """The Jannah theme's breaking-news ticker, newest headline first."""
        items = "\n".join(
            f'<li class="news-item"><a href="{_e(self._absolute(link))}">{_e(text)}</a></li>'
            if link
            else f'<li class="news-item">{_e(text)}</li>'
            for text, link in self.headlines[:TICKER_SIZE]
        )
        return f"""<div class="breaking controls-is-active"><span class="breaking-title">\
<span class="tie-icon-bolt breaking-icon" aria-hidden="true"></span>\
<span class="breaking-title-text">{BREAKING_LABEL}</span></span>
<ul id="breaking-news-in-header" class="breaking-news" data-type="reveal" data-arrows="true">
{items}
</ul></div>"""

    def _footer(self) -> str:
        """Copyright and slogan, as every theme ends."""
        year = str(self._opened.year).translate(_DIGITS)
        return f"""<footer id="footer" class="site-footer">
<div class="copyright-text">© {year} {_e(self.name)}. جميع الحقوق محفوظة.</div>
<p class="footer-slogan">{_e(self._catalogue.slogan)}</p>
</footer>"""

    def _teasers(self, articles: Iterable[SiteArticle]) -> str:
        """A listing of posts, or WordPress's empty-archive notice."""
        items = "\n".join(self._teaser(a) for a in articles)
        return f'<div class="posts-list">\n{items}\n</div>' if items else "<p>لا توجد مقالات بعد.</p>"

    def _teaser(self, article: SiteArticle) -> str:
        """One listing entry: thumbnail, category, title link, date, excerpt."""
        link = _e(self.url(article.path))
        thumb = (
            f'<a class="post-thumb" href="{link}"><img src="{_e(self._image_url(article.image))}" '
            f'alt="{_e(article.title)}"></a>'
            if article.image
            else ""
        )
        return f"""<article class="post post-{self._post_ids[article.slug]} category-{article.category}">\
{thumb}
<span class="post-cat-wrap">{self._category_link(article.category)}</span>
<h2 class="post-title"><a href="{link}">{_e(article.title)}</a></h2>
<div class="post-meta"><span class="date meta-item">{_arabic_date(article.published)}</span></div>
<p class="post-excerpt">{_e(_excerpt(article))}</p>
</article>"""

    def _category_link(self, category: str) -> str:
        """A category badge linking to its archive."""
        href = _e(self.url(f"/category/{category}/"))
        return f'<a class="post-cat" href="{href}">{_e(self.categories[category])}</a>'

    def _image_url(self, name: str) -> str:
        """Where an upload is served."""
        return self.url(f"/wp-content/uploads/{name}")

    def _home(self) -> str:
        """Homepage: the latest posts across categories."""
        main = f'<h2 class="section-title">آخر الأخبار</h2>\n{self._teasers(self._latest())}'
        return self._page(f"{self.name} - {self._catalogue.slogan}", "home blog", main)

    def _category_page(self, category: str) -> str:
        """A category archive, which advertises its own feed like WordPress does."""
        name = self.categories[category]
        feed = self.url(f"/category/{category}/feed/")
        head = (
            f'<link rel="alternate" type="application/rss+xml" '
            f'title="{_e(self.name)} &raquo; {_e(name)} خلاصة التصنيف" href="{_e(feed)}">\n'
        )
        main = f'<h1 class="page-title">{_e(name)}</h1>\n{self._teasers(self._latest(category))}'
        return self._page(f"{name} - {self.name}", f"archive category category-{category}", main, head)

    def _not_found(self) -> str:
        """WordPress's themed 404, which still carries the header and ticker."""
        main = '<h1 class="page-title">عذراً، الصفحة المطلوبة غير موجودة</h1>'
        return self._page(f"الصفحة غير موجودة - {self.name}", "error404", main)

    def _article_page(self, article: SiteArticle) -> str:
        """A single post with the meta tags, furniture and comment form of a real WordPress page."""
        post_id = self._post_ids[article.slug]
        parts = (
            f'<article id="the-post" class="post-{post_id} post type-post category-{article.category}">',
            self._entry_header(article),
            self._featured_image(article),
            '<div class="entry-content entry clearfix">',
            *(f"<p>{_e(p)}</p>" for p in article.paragraphs),
            "</div>",
            self._tags(article),
            self._share_buttons(article),
            "</article>",
            self._related(article),
            self._comment_form(post_id),
        )
        # Optional parts render empty; skipping them avoids blank lines in the markup.
        main = "\n".join(part for part in parts if part)
        body_class = f"post-template-default single single-post postid-{post_id}"
        return self._page(f"{article.title} - {self.name}", body_class, main, self._article_meta(article))

    def _article_meta(self, article: SiteArticle) -> str:
        """Canonical link and Open Graph tags, which extractors read for title, date and image."""
        url = self.url(article.path)
        image = (
            f'<meta property="og:image" content="{_e(self._image_url(article.image))}">\n'
            if article.image
            else ""
        )
        return f"""<link rel="canonical" href="{_e(url)}">
<meta name="description" content="{_e(article.paragraphs[0])}">
<meta property="og:locale" content="ar_AR">
<meta property="og:type" content="article">
<meta property="og:title" content="{_e(article.title)}">
<meta property="og:description" content="{_e(article.paragraphs[0])}">
<meta property="og:url" content="{_e(url)}">
<meta property="og:site_name" content="{_e(self.name)}">
<meta property="article:section" content="{_e(self.categories[article.category])}">
<meta property="article:published_time" content="{article.published.isoformat(timespec="seconds")}">
{image}<meta name="twitter:card" content="summary_large_image">
"""

    def _entry_header(self, article: SiteArticle) -> str:
        """Breadcrumbs, category badge, headline and byline."""
        return f"""<header class="entry-header-outer">
<nav id="breadcrumbs" class="breadcrumbs" aria-label="breadcrumbs">\
<a href="{_e(self.url("/"))}">الرئيسية</a><em class="delimiter">»</em>\
<a href="{_e(self.url(f"/category/{article.category}/"))}">{_e(self.categories[article.category])}</a>\
<em class="delimiter">»</em><span class="current">{_e(article.title)}</span></nav>
<div class="entry-header">
<span class="post-cat-wrap">{self._category_link(article.category)}</span>
<h1 class="post-title entry-title">{_e(article.title)}</h1>
<div class="post-meta"><span class="meta-author">{_e(article.author)}</span>
<span class="date meta-item">{_arabic_date(article.published)}</span></div>
</div>
</header>"""

    def _featured_image(self, article: SiteArticle) -> str:
        """The post thumbnail above the text, when the post has one."""
        if article.image is None:
            return ""
        src = _e(self._image_url(article.image))
        return f'<figure class="single-featured-image"><img src="{src}" alt="{_e(article.title)}"></figure>'

    def _tags(self, article: SiteArticle) -> str:
        """Post tags under the text, when any."""
        if not article.tags:
            return ""
        links = " ".join(f'<a href="#" rel="tag">{_e(tag)}</a>' for tag in article.tags)
        return f'<div class="post-bottom-meta post-bottom-tags"><span class="tagcloud">{links}</span></div>'

    def _share_buttons(self, article: SiteArticle) -> str:
        """The share box whose link texts extraction must leave out of the article."""
        url, title = quote(self.url(article.path), safe=""), quote(article.title, safe="")
        targets = (
            ("facebook", "فيسبوك", f"https://www.facebook.com/sharer.php?u={url}"),
            ("twitter", "تويتر", f"https://twitter.com/intent/tweet?text={title}&url={url}"),
            ("whatsapp", "واتساب", f"https://api.whatsapp.com/send?text={title}%20{url}"),
            ("telegram", "تلغرام", f"https://telegram.me/share/url?url={url}&text={title}"),
        )
        links = "\n".join(
            f'<a href="{_e(href)}" rel="external noopener nofollow" target="_blank" class="{key}-share-btn">'
            f'<span class="share-btn-text">{label}</span></a>'
            for key, label, href in targets
        )
        return f'<div id="share-buttons-bottom" class="share-buttons share-buttons-bottom">\n{links}\n</div>'

    def _related(self, article: SiteArticle) -> str:
        """Other recent titles, same category first: boilerplate extraction must skip."""
        others = [a for a in reversed(self.published) if a.slug != article.slug]
        picks = sorted(others, key=lambda a: a.category != article.category)[:3]
        items = "\n".join(
            f'<div class="related-item"><h3 class="post-title"><a href="{_e(self.url(a.path))}">'
            f"{_e(a.title)}</a></h3></div>"
            for a in picks
        )
        return f"""<div id="related-posts" class="container-wrapper">
<div class="mag-box-title"><h3>مقالات ذات صلة</h3></div>
<div class="related-posts-list">
{items}
</div>
</div>"""

    def _comment_form(self, post_id: int) -> str:
        """WordPress's stock comment form, whose notice text is a classic extraction leak."""
        action = _e(self.url("/wp-comments-post.php"))
        return f"""<div id="comments" class="comments-area">
<div id="respond" class="comment-respond">
<h3 id="reply-title" class="comment-reply-title">اترك تعليقاً <small><a rel="nofollow" \
id="cancel-comment-reply-link" href="#respond" style="display:none;">إلغاء الرد</a></small></h3>
<form action="{action}" method="post" id="commentform" class="comment-form">
<p class="comment-notes"><span id="email-notes">لن يتم نشر عنوان بريدك الإلكتروني.</span> \
<span class="required-field-message">الحقول الإلزامية مشار إليها بـ <span class="required">*</span></span></p>
<p class="comment-form-comment"><label for="comment">التعليق <span class="required">*</span></label>
<textarea id="comment" name="comment" cols="45" rows="8" maxlength="65525" required></textarea></p>
<p class="comment-form-author"><label for="author">الاسم <span class="required">*</span></label>
<input id="author" name="author" type="text" size="30" maxlength="245" required></p>
<p class="comment-form-email"><label for="email">البريد الإلكتروني <span class="required">*</span></label>
<input id="email" name="email" type="email" size="30" maxlength="100" required></p>
<p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="إرسال التعليق">
<input type="hidden" name="comment_post_ID" value="{post_id}" id="comment_post_ID"></p>
</form>
</div>
</div>"""

    # -- feeds -----------------------------------------------------------------------------

    def _feed(self, category: str | None) -> _Response:
        """WordPress RSS 2.0, newest first; dated by its newest item so repeats validate unchanged."""
        items = self._latest(category)
        built = items[0].published if items else self._opened
        if category is None:
            title, link, feed = self.name, self.url("/"), self.url("/feed/")
        else:
            title = f"{self.name} » {self.categories[category]}"
            link, feed = self.url(f"/category/{category}/"), self.url(f"/category/{category}/feed/")
        entries = "".join(self._feed_item(a) for a in items)
        body = f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
\txmlns:content="http://purl.org/rss/1.0/modules/content/"
\txmlns:wfw="http://wellformedweb.org/CommentAPI/"
\txmlns:dc="http://purl.org/dc/elements/1.1/"
\txmlns:atom="http://www.w3.org/2005/Atom"
\txmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
\txmlns:slash="http://purl.org/rss/1.0/modules/slash/"
\t>

<channel>
\t<title>{_e(title)}</title>
\t<atom:link href="{_e(feed)}" rel="self" type="application/rss+xml" />
\t<link>{_e(link)}</link>
\t<description>{_e(self._catalogue.slogan)}</description>
\t<lastBuildDate>{format_datetime(built)}</lastBuildDate>
\t<language>ar</language>
\t<sy:updatePeriod>hourly</sy:updatePeriod>
\t<sy:updateFrequency>1</sy:updateFrequency>
\t<generator>https://wordpress.org/?v=6.6.2</generator>{entries}
\t</channel>
</rss>
"""
        return _Response(200, body.encode("utf-8"), _RSS, built)

    def _news_sitemap(self) -> _Response:
        """A Google News sitemap (as Yoast and Rank Math make it): latest posts with dates and titles."""
        items = self._latest()
        entries = "".join(
            f"""
<url><loc>{_e(self.url(a.path))}</loc><news:news><news:publication><news:name>{_e(self.name)}</news:name>
<news:language>ar</news:language></news:publication>
<news:publication_date>{a.published.isoformat()}</news:publication_date>
<news:title>{_e(a.title)}</news:title></news:news></url>"""
            for a in items
        )
        body = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
 xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{entries}
</urlset>
"""
        built = items[0].published if items else self._opened
        return _Response(200, body.encode("utf-8"), "application/xml; charset=UTF-8", built)

    def _feed_item(self, article: SiteArticle) -> str:
        """One <item>: escaped title, CDATA categories and a plain-text first paragraph."""
        url = self.url(article.path)
        names = (self.categories[article.category], *article.tags)
        categories = "".join(f"\n\t\t<category>{_cdata(name)}</category>" for name in names)
        guid = self.url(f"/?p={self._post_ids[article.slug]}")
        return f"""
\t<item>
\t\t<title>{_e(article.title)}</title>
\t\t<link>{_e(url)}</link>
\t\t<comments>{_e(url)}#respond</comments>
\t\t<dc:creator>{_cdata(article.author)}</dc:creator>
\t\t<pubDate>{format_datetime(article.published)}</pubDate>{categories}
\t\t<guid isPermaLink="false">{_e(guid)}</guid>
\t\t<description>{_cdata(article.paragraphs[0])}</description>
\t\t<slash:comments>0</slash:comments>
\t</item>"""


class _Server(QuietServer):
    """The HTTP server, carrying the site its handlers render."""

    site: SampleNewsSite


class _Handler(BaseHTTPRequestHandler):
    """Turns requests into site responses, with conditional GET and HEAD."""

    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    # Idle keep-alive connections must not pin handler threads forever.
    timeout = 30

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, *, send_body: bool) -> None:
        """Send the site's response, or 304 when the client's validators still match."""
        response = self.server.site._handle(self.path)
        fresh = response.status == 200 and _not_modified(self.headers, response)
        self.send_response(304 if fresh else response.status)
        if response.status == 200:
            self.send_header("ETag", response.etag)
            if response.last_modified is not None:
                self.send_header("Last-Modified", _http_date(response.last_modified))
        if not fresh:
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if send_body and not fresh:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests read site.requests instead of stderr."""
