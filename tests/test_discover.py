"""discover: feed entries, listing links and ticker headlines as Candidates."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from jobs.discover import DiscoverError, parse_feed, parse_listing, parse_ticker
from jobs.records import Candidate

RESOURCES = Path(__file__).parent / "resources"
SITE = "https://sada-alwadi.example"


def resource_bytes(name: str) -> bytes:
    """One of our fixture files, as fetched bytes."""
    return (RESOURCES / name).read_bytes()


def resource_text(name: str) -> str:
    """One of our fixture files, decoded."""
    return (RESOURCES / name).read_text(encoding="utf-8")


# --- feeds ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wordpress_feed() -> list[Candidate]:
    return parse_feed(resource_bytes("discover_wordpress_rss2.xml"), f"{SITE}/feed/", "صدى الوادي")


def test_wordpress_rss2_entries(wordpress_feed: list[Candidate]) -> None:
    assert [c.url for c in wordpress_feed] == [
        f"{SITE}/2024/03/water-network/",
        f"{SITE}/2024/03/gold-prices/",  # relative <link>, resolved against the feed URL
        f"{SITE}/2024/03/park/",
    ]
    assert all(c.source == "صدى الوادي" and not c.is_ticker for c in wordpress_feed)


def test_wordpress_rss2_titles_are_plain_text(wordpress_feed: list[Candidate]) -> None:
    assert wordpress_feed[0].title == "البلدية تعلن خطة لتوسعة شبكة المياه – المرحلة الأولى"
    # "&lt;" is a character, "&amp;amp;" a WordPress double escape.
    assert wordpress_feed[1].title == "أسعار الذهب < 100 دينار للغرام & الفضة مستقرة"
    assert wordpress_feed[2].title == "افتتاح حديقة عامة جديدة في حي الزيتون"


def test_wordpress_rss2_categories_and_dates(wordpress_feed: list[Candidate]) -> None:
    assert wordpress_feed[0].categories == ("خبر عاجل", "سياسة", "المياه")
    assert wordpress_feed[1].categories == ("اقتصاد",)  # listed twice in the feed
    assert wordpress_feed[2].categories == ()
    # pubDate +0300, as aware UTC.
    assert wordpress_feed[0].published == datetime(2024, 3, 5, 11, 30, tzinfo=UTC)
    assert wordpress_feed[2].published == datetime(2024, 3, 4, 20, 15, tzinfo=UTC)
    assert wordpress_feed[0].published.tzinfo is UTC


def test_wordpress_rss2_summaries(wordpress_feed: list[Candidate]) -> None:
    # HTML to text, whitespace collapsed, and WordPress's "appeared first on" footer dropped.
    assert wordpress_feed[0].summary == (
        "أعلنت بلدية الوادي صباح اليوم خطة لتوسعة شبكة مياه الشرب في الأحياء الشرقية، تشمل مد أنابيب جديدة …"
    )
    assert wordpress_feed[1].summary == "استقرت أسعار الذهب في السوق المحلية وسط ترقب لقرار البنك المركزي."
    assert wordpress_feed[2].summary == ""


def test_atom_feed() -> None:
    entries = parse_feed(
        resource_bytes("discover_atom.xml"), "https://www.valley-echo.example/feeds/all.atom", "echo"
    )
    assert entries == [
        Candidate(
            source="echo",
            title="Harbour ferry service resumes after storm repairs",
            url="https://www.valley-echo.example/world/harbour-ferry-resumes",
            summary="The harbour ferry returned to its full timetable on Sunday. Engineers replaced two"
            " pontoons.",
            categories=("World", "Transport"),
            published=datetime(2024, 2, 11, 7, 5, tzinfo=UTC),
        ),
        Candidate(
            source="echo",
            title="Council extends late-night bus routes",
            url="https://www.valley-echo.example/local/night-buses",
            summary="The council voted to keep late buses running.",  # from <content>, no <summary>
            published=datetime(2024, 2, 10, 18, 0, tzinfo=UTC),  # <updated>, no <published>
        ),
    ]


def test_rss1_feed() -> None:
    entries = parse_feed(resource_bytes("discover_rss1.rdf"), "https://news.example.org/rss", "morning")
    assert [(c.title, c.url, c.categories, c.published) for c in entries] == [
        (
            "وزارة الزراعة تطلق برنامجاً لدعم صغار المزارعين",
            "https://news.example.org/a/101",
            ("اقتصاد",),
            datetime(2024, 5, 1, 7, 0, tzinfo=UTC),
        ),
        (
            "هطول أمطار غزيرة على المرتفعات",
            "https://news.example.org/a/102",
            (),
            datetime(2024, 5, 1, 6, 30, tzinfo=UTC),
        ),
    ]
    assert entries[0].summary == "برنامج جديد يشمل قروضاً ميسرة وبذوراً محسنة."


def test_feed_in_windows_1256_is_read_by_its_xml_declaration() -> None:
    feed = (
        '<?xml version="1.0" encoding="windows-1256"?><rss version="2.0"><channel><title>نشرة</title>'
        "<item><title>عاجل: إغلاق الطريق الصحراوي</title><link>https://e.example/1</link></item>"
        "</channel></rss>"
    ).encode("cp1256")
    assert [c.title for c in parse_feed(feed, "https://e.example/rss", "e")] == [
        "عاجل: إغلاق الطريق الصحراوي"
    ]


def test_entry_without_title_takes_its_summary() -> None:
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<item><description>" + "كلمة " * 60 + "</description><link>https://e.example/2</link></item>"
        "<item><description></description></item>"
        "</channel></rss>"
    ).encode()
    entries = parse_feed(feed, "https://e.example/rss", "e")
    assert len(entries) == 1
    assert entries[0].title.endswith("…") and len(entries[0].title) <= 121


def test_well_formed_empty_feeds_give_nothing() -> None:
    rss = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
    atom = b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>'
    assert parse_feed(rss, "https://e.example/rss", "e") == []
    assert parse_feed(atom, "https://e.example/atom", "e") == []


@pytest.mark.parametrize(
    "body",
    [
        resource_bytes("discover_listing.html"),
        b"<!DOCTYPE html><html><head><title>Site</title></head><body><p>hi</p></body></html>",
        b'{"items": [{"title": "not a feed"}]}',
        b"\x00\x01\xff\xfe garbage }{",
        b"",
    ],
)
def test_not_a_feed_raises(body: bytes) -> None:
    with pytest.raises(DiscoverError, match="not an RSS/Atom feed"):
        parse_feed(body, "https://e.example/feed", "e")


# --- listings -------------------------------------------------------------------------------

LISTING_URLS = [
    f"{SITE}/2024/03/water-network/",
    f"{SITE}/local/2024/03/park/",  # relative to the listing page
    "https://cdn.sada-alwadi.example/2024/03/roads/",  # scheme-relative
]


@pytest.mark.parametrize(
    ("link_selector", "title_selector"),
    [
        ("h3.post-title a", None),
        ("h3.post-title", None),
        ("article.post-card", None),  # a thumbnail link comes first; the headline link wins
        ("article.post-card", "h3.post-title"),
    ],
)
def test_listing_links(link_selector: str, title_selector: str | None) -> None:
    found = parse_listing(
        resource_text("discover_listing.html"), f"{SITE}/local/", "l", link_selector, title_selector
    )
    # javascript:, mailto:, "#top", a link without text and a repeat (with #comments) are skipped.
    assert [c.url for c in found] == LISTING_URLS
    assert [c.title for c in found] == [
        "البلدية تعلن خطة لتوسعة شبكة المياه",  # whitespace collapsed
        "افتتاح حديقة عامة جديدة",
        "البلدية تبدأ صيانة الطرق",
    ]
    assert all(c.source == "l" and c.summary == "" and c.published is None and not c.is_ticker for c in found)


def test_listing_title_selector_picks_the_title_text() -> None:
    found = parse_listing(
        resource_text("discover_listing.html"), f"{SITE}/local/", "l", "article.post-card", "p.excerpt"
    )
    assert found[0].title == "أعلنت بلدية الوادي خطة لتوسعة شبكة المياه."
    assert found[1].title == "افتتاح حديقة عامة جديدة"  # no excerpt: the link text


def test_listing_thumbnail_links_fall_back_to_alt_text() -> None:
    found = parse_listing(resource_text("discover_listing.html"), f"{SITE}/local/", "l", "a.thumb")
    assert [c.title for c in found] == ["صورة توضيحية", "حديقة"]


def test_listing_broad_selector_ignores_scripts() -> None:
    found = parse_listing(resource_text("discover_listing.html"), f"{SITE}/local/", "l", "a")
    assert f"{SITE}/ad" not in [c.url for c in found]  # an <a> inside a <script> string
    assert [c.url for c in found][-3:] == LISTING_URLS
    # The thumbnail link's alt text came first, then gave way to the headline link's text.
    assert found[-3].title == "البلدية تعلن خطة لتوسعة شبكة المياه"


def test_listing_honours_base_href() -> None:
    html = '<html><head><base href="https://mirror.example/news/"></head><body><a href="a/1">خبر</a></body>'
    assert [c.url for c in parse_listing(html, "https://e.example/", "l", "a")] == [
        "https://mirror.example/news/a/1"
    ]


@pytest.mark.parametrize(
    "html", ["", "   ", "\x00\x01", "<<<>>>", "<html><body><p>لا روابط</p></body></html>"]
)
def test_listing_of_garbage_is_empty(html: str) -> None:
    assert parse_listing(html, "https://e.example/", "l", "a") == []


# --- tickers --------------------------------------------------------------------------------


def test_jannah_ticker() -> None:
    found = parse_ticker(
        resource_text("discover_ticker.html"), f"{SITE}/", "صدى الوادي", "#breaking-news-in-header li"
    )
    assert found == [
        Candidate(
            source="صدى الوادي",
            title="إغلاق جسر المدينة القديم أمام الشاحنات حتى إشعار آخر",
            url=f"{SITE}/2024/03/bridge-closed/",
            is_ticker=True,
        ),
        Candidate(
            source="صدى الوادي",
            title="تمديد عطلة المدارس يومين بسبب الأمطار الغزيرة",
            url=f"{SITE}/2024/03/school-holiday/",
            is_ticker=True,
        ),
        Candidate(source="صدى الوادي", title="انقطاع الكهرباء عن ثلاثة أحياء مساء اليوم", is_ticker=True),
        Candidate(source="صدى الوادي", title="الدفاع المدني يحذر من السيول في الأودية", is_ticker=True),
    ]


def test_ticker_selector_on_the_links_themselves() -> None:
    found = parse_ticker(resource_text("discover_ticker.html"), f"{SITE}/", "s", "div.breaking li > a")
    assert [c.url for c in found] == [
        f"{SITE}/2024/03/bridge-closed/",
        f"{SITE}/2024/03/school-holiday/",
        None,
    ]


def test_ticker_text_leaves_out_scripts_and_styles() -> None:
    html = (
        '<ul id="t"><li><script>var label = "عاجل";</script><a href="/1">خبر أول</a></li>'
        "<li><style>li { color: red }</style>خبر ثان</li></ul>"
    )
    assert [c.title for c in parse_ticker(html, SITE, "s", "#t li")] == ["خبر أول", "خبر ثان"]


def test_ticker_on_a_page_without_one_is_empty() -> None:
    assert (
        parse_ticker(resource_text("discover_listing.html"), f"{SITE}/", "s", "#breaking-news-in-header li")
        == []
    )


# --- selectors ------------------------------------------------------------------------------


@pytest.mark.parametrize("selector", ["ul > > li", "li::before", "a[href", "div:nonsense(1)", "{}"])
def test_invalid_selector_raises_naming_it(selector: str) -> None:
    html = resource_text("discover_ticker.html")
    for parse in (
        lambda: parse_ticker(html, SITE, "s", selector),
        lambda: parse_listing(html, SITE, "s", selector),
        lambda: parse_listing(html, SITE, "s", "li", selector),
    ):
        with pytest.raises(DiscoverError, match="invalid CSS selector") as error:
            parse()
        assert repr(selector) in str(error.value)


def test_invalid_selector_raises_even_on_an_empty_page() -> None:
    with pytest.raises(DiscoverError, match="invalid CSS selector"):
        parse_listing("", SITE, "s", "a[href")
    with pytest.raises(DiscoverError, match="invalid CSS selector"):
        parse_ticker("", SITE, "s", "li::after")


def test_empty_selectors() -> None:
    html = resource_text("discover_ticker.html")
    with pytest.raises(DiscoverError, match="invalid CSS selector ''"):
        parse_ticker(html, SITE, "s", "")
    # An empty title selector is no title selector.
    assert parse_listing(html, SITE, "s", "#breaking-news-in-header a", "") == parse_listing(
        html, SITE, "s", "#breaking-news-in-header a"
    )
