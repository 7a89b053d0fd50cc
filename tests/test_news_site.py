"""The sample news site: feeds, pages and ticker react to publish_next/add_headline as a real site would."""

from __future__ import annotations

import calendar
import html
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from urllib.robotparser import RobotFileParser

import feedparser
import httpx
import lxml.html
import pytest

from bot.standins.news_site import SITE_TZ, SampleNewsSite, SiteArticle

START = datetime(2026, 11, 29, 9, 0, tzinfo=SITE_TZ)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class Clock:
    """A hand-driven clock, so publish dates and paths are predictable."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def site(clock: Clock) -> Iterator[SampleNewsSite]:
    with SampleNewsSite(now=clock) as running:
        yield running


@pytest.fixture
def client(site: SampleNewsSite) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.base_url, timeout=5) as http:
        yield http


def parse_page(client: httpx.Client, path: str) -> lxml.html.HtmlElement:
    """Fetch an HTML page that must exist and parse it."""
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.headers["content-type"] == "text/html; charset=UTF-8"
    return lxml.html.fromstring(response.text)


def texts(tree: lxml.html.HtmlElement, selector: str) -> list[str]:
    """Stripped text of every element a CSS selector matches."""
    return [element.text_content().strip() for element in tree.cssselect(selector)]


def fetch_feed(client: httpx.Client, path: str = "/feed/") -> feedparser.FeedParserDict:
    """Fetch and parse a feed that must be well-formed."""
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/rss+xml; charset=UTF-8"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def publish_all(site: SampleNewsSite) -> list[SiteArticle]:
    """Drain the pending articles in their shipped order."""
    articles = []
    while True:
        try:
            articles.append(site.publish_next())
        except LookupError:
            return articles


def test_shipped_content_has_the_promised_shape(site: SampleNewsSite) -> None:
    initial = list(site.published)
    pending = publish_all(site)
    assert len(initial) == 6
    assert len(pending) == 6
    assert [a.category for a in pending[:2]] == ["sport", "politics"]
    for article in initial + pending:
        assert re.fullmatch(r"[a-z0-9-]+", article.slug)
        assert article.category in site.categories
        assert 3 <= len(article.paragraphs) <= 6
        assert 60 <= sum(len(p.split()) for p in article.paragraphs) <= 200
    assert sum("<" in a.title and "&" in a.title for a in initial + pending) == 1
    assert len({a.slug for a in initial + pending}) == 12


def test_headlines_start_with_three_and_four_are_pending(site: SampleNewsSite) -> None:
    assert len(site.headlines) == 3
    added = [site.add_headline() for _ in range(4)]
    with pytest.raises(LookupError):
        site.add_headline()
    assert [text for text, _ in site.headlines[:4]] == added[::-1]
    assert any(link for _, link in site.headlines[:4])
    assert any(link is None for _, link in site.headlines[:4])


def test_feed_parses_with_arabic_categories_and_dates(site: SampleNewsSite, client: httpx.Client) -> None:
    feed = fetch_feed(client)
    newest_first = site.published[::-1]
    assert [e.title for e in feed.entries] == [a.title for a in newest_first]
    assert [e.link for e in feed.entries] == [site.url(a.path) for a in newest_first]
    for entry, article in zip(feed.entries, newest_first, strict=True):
        assert calendar.timegm(entry.published_parsed) == int(article.published.timestamp())
        assert entry.tags[0].term == site.categories[article.category]
        assert entry.summary == article.paragraphs[0]
        assert re.fullmatch(re.escape(site.url("/?p=")) + r"\d+", entry.id)
        assert entry.author
    drought = next(e for e in feed.entries if "الجفاف" in e.title)
    assert [t.term for t in drought.tags] == ["عربي ودولي", "خبر عاجل"]
    assert "+0300</pubDate>" in client.get("/feed/").text


def test_published_article_appears_everywhere(
    site: SampleNewsSite, client: httpx.Client, clock: Clock
) -> None:
    missing = client.get("/2026/11/29/youth-team-qualifies-asian-finals/")
    assert missing.status_code == 404
    clock.advance(minutes=42)
    article = site.publish_next()
    assert article.category == "sport"
    assert article.published == clock.now
    assert article.path == "/2026/11/29/youth-team-qualifies-asian-finals/"
    url = site.url(article.path)

    assert fetch_feed(client).entries[0].link == url
    category_feed = fetch_feed(client, "/category/sport/feed/")
    assert [e.title for e in category_feed.entries] == [article.title]
    home = parse_page(client, "/")
    assert home.cssselect("article.post h2.post-title a")[0].get("href") == url
    category = parse_page(client, "/category/sport/")
    assert texts(category, "article.post h2.post-title a") == [article.title]


def test_article_page_has_theme_furniture(site: SampleNewsSite, client: httpx.Client) -> None:
    article = site.publish_next()
    page = parse_page(client, article.path)
    assert page.get("lang") == "ar"
    assert page.get("dir") == "rtl"
    assert texts(page, "h1.entry-title") == [article.title]
    assert texts(page, "div.entry-content p") == list(article.paragraphs)
    assert texts(page, "nav#breadcrumbs a") == ["الرئيسية", "رياضة"]
    assert texts(page, "nav#breadcrumbs span.current") == [article.title]
    assert texts(page, "div.breaking span.breaking-title-text") == ["خبر عاجل"]
    assert len(page.cssselect("ul#breaking-news-in-header > li")) == 3
    assert texts(page, "div#respond h3#reply-title")[0].startswith("اترك تعليقاً")
    assert page.cssselect("div#respond textarea")
    assert "لن يتم نشر عنوان بريدك الإلكتروني" in page.cssselect("div#respond")[0].text_content()
    assert page.cssselect("div.share-buttons a")
    assert len(page.cssselect("div#related-posts h3.post-title a")) == 3

    def meta(key: str) -> str:
        return page.cssselect(f'meta[property="{key}"]')[0].get("content")

    assert page.cssselect('link[rel="canonical"]')[0].get("href") == site.url(article.path)
    assert meta("og:title") == article.title
    assert meta("og:site_name") == site.name
    assert meta("article:section") == "رياضة"
    assert meta("article:published_time") == "2026-11-29T09:00:00+03:00"
    image = client.get(meta("og:image"))
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert image.content.startswith(PNG_SIGNATURE)


def test_publish_next_can_pick_a_category(site: SampleNewsSite) -> None:
    assert site.publish_next("culture").slug == "book-fair-closes"
    assert site.publish_next().category == "sport"
    with pytest.raises(LookupError):
        site.publish_next("sport")


def test_listings_and_feeds_keep_the_latest_ten(site: SampleNewsSite, client: httpx.Client) -> None:
    publish_all(site)
    latest = [a.title for a in site.published[::-1][:10]]
    assert [e.title for e in fetch_feed(client).entries] == latest
    assert texts(parse_page(client, "/"), "article.post h2.post-title a") == latest


def test_added_headlines_top_the_ticker(site: SampleNewsSite, client: httpx.Client) -> None:
    plain = site.add_headline()
    assert texts(parse_page(client, "/"), "ul#breaking-news-in-header > li")[0] == plain
    linked = site.add_headline()
    link = parse_page(client, "/").cssselect("ul#breaking-news-in-header > li > a")[0]
    assert link.text_content() == linked
    assert link.get("href") == site.url(site.headlines[0][1] or "")
    site.add_headline("عاجل: اختبار شريط الأخبار", link="https://example.org/x")
    first = parse_page(client, "/").cssselect("ul#breaking-news-in-header > li > a")[0]
    assert (first.text_content(), first.get("href")) == ("عاجل: اختبار شريط الأخبار", "https://example.org/x")


def test_fail_makes_a_path_answer_an_error_until_restored(site: SampleNewsSite, client: httpx.Client) -> None:
    site.fail("/feed/", 500)
    assert client.get("/feed/").status_code == 500
    assert client.get("/").status_code == 200
    site.fail("/feed/", None)
    assert client.get("/feed/").status_code == 200


def test_feed_answers_conditional_gets(site: SampleNewsSite, client: httpx.Client, clock: Clock) -> None:
    first = client.get("/feed/")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert modified == "Sun, 29 Nov 2026 05:25:00 GMT"
    by_etag = client.get("/feed/", headers={"If-None-Match": etag})
    assert (by_etag.status_code, by_etag.content) == (304, b"")
    assert by_etag.headers["etag"] == etag
    assert client.get("/feed/", headers={"If-Modified-Since": modified}).status_code == 304
    clock.advance(minutes=5)
    site.publish_next()
    changed = client.get("/feed/", headers={"If-None-Match": etag, "If-Modified-Since": modified})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert client.get("/feed/", headers={"If-Modified-Since": modified}).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/nope/",
        "/feed",
        "/category/unknown/",
        "/category/unknown/feed/",
        "/2026/11/29/not-an-article/",
        "/wp-content/uploads/missing.png",
        "/wp-content/uploads/articles.json",
    ],
)
def test_unknown_paths_are_404(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/html; charset=UTF-8"


def test_title_with_markup_characters_round_trips(site: SampleNewsSite, client: httpx.Client) -> None:
    article = site.publish_next("economy")
    assert "<" in article.title
    assert "&" in article.title
    raw = client.get("/feed/").text
    assert f"<title>{html.escape(article.title)}</title>" in raw
    assert fetch_feed(client).entries[0].title == article.title
    page = parse_page(client, article.path)
    assert texts(page, "h1.entry-title") == [article.title]
    assert texts(page, "title") == [f"{article.title} - {site.name}"]
    assert page.cssselect('meta[property="og:title"]')[0].get("content") == article.title
    assert texts(parse_page(client, "/"), "article.post h2.post-title a")[0] == article.title


def test_robots_allows_crawling(site: SampleNewsSite, client: httpx.Client) -> None:
    response = client.get("/robots.txt")
    assert response.headers["content-type"] == "text/plain; charset=UTF-8"
    robots = RobotFileParser()
    robots.parse(response.text.splitlines())
    assert robots.can_fetch("Nashra", site.url("/feed/"))
    assert robots.can_fetch("Nashra", site.url(site.published[0].path))


def test_requests_and_head_are_served(site: SampleNewsSite, client: httpx.Client) -> None:
    head = client.head("/feed/")
    assert head.status_code == 200
    assert int(head.headers["content-length"]) > 0
    assert head.content == b""
    client.get("/?utm_source=test")
    assert site.requests[-2:] == ["/feed/", "/"]


def test_base_url_needs_a_running_site() -> None:
    idle = SampleNewsSite()
    with pytest.raises(RuntimeError):
        idle.base_url  # noqa: B018 - the property access is what raises
    with idle:
        assert idle.base_url.startswith("http://127.0.0.1:")
    with pytest.raises(RuntimeError):
        idle.url("/")


def test_naive_clock_is_rejected() -> None:
    with pytest.raises(ValueError):
        SampleNewsSite(now=lambda: datetime(2026, 11, 29, 9, 0))
