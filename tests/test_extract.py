"""extract_article: body text without site furniture, and the metadata a news post needs."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import html as lxml_html

from jobs.decode import decode_html
from jobs.extract import extract_article
from jobs.records import Article

RESOURCES = Path(__file__).parent / "resources"
ARTICLES = "corpus/articles_html"

# Our own filler paragraphs for small inline pages (trafilatura needs a real-looking body).
PARAGRAPHS = (
    "أعلنت وزارة الزراعة اليوم عن برنامج جديد لدعم صغار المزارعين في المناطق الجبلية، يشمل توزيع بذور"
    " محسنة وتقديم قروض ميسرة بلا فوائد لمدة ثلاث سنوات.",
    "وقال المتحدث باسم الوزارة إن البرنامج يستهدف في مرحلته الأولى نحو خمسة آلاف مزارع، على أن يتوسع"
    " لاحقاً ليشمل المحافظات الجنوبية بعد تقييم النتائج.",
    "وأضاف أن الوزارة ستفتح باب التسجيل عبر موقعها الإلكتروني ومكاتبها في المحافظات ابتداء من الأسبوع"
    " المقبل، داعياً المزارعين إلى تحديث بياناتهم.",
)


def make_page(head: str = "", body: str = "", h1: str = "برنامج جديد لدعم صغار المزارعين") -> str:
    """A small article page of our own, with extra markup in the head and before the article."""
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        f'<html dir="rtl"><head><meta charset="utf-8">{head}</head><body>{body}'
        f"<article><h1>{h1}</h1>{paragraphs}</article></body></html>"
    )


def word_f1(got: str, gold: str) -> float:
    """Bag-of-words F1 between extracted and gold text."""
    got_words, gold_words = Counter(re.findall(r"\w+", got)), Counter(re.findall(r"\w+", gold))
    common = sum((got_words & gold_words).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got_words.values()), common / sum(gold_words.values())
    return 2 * precision * recall / (precision + recall)


def squash(text: str) -> str:
    """Whitespace collapsed, as the extractor does."""
    return " ".join(text.split())


# --- our own fixtures (no corpus needed) ----------------------------------------------------


@pytest.fixture(scope="module")
def wordpress() -> Article:
    """Our Jannah-like WordPress article: ticker, menus, breadcrumbs, share bars, related posts, comments."""
    html = (RESOURCES / "extract_wordpress_breaking.html").read_text(encoding="utf-8")
    article = extract_article(html, "https://sada-alwadi.example/2024/03/water-network/?utm_source=rss")
    assert article is not None
    return article


def test_wordpress_text_is_the_four_paragraphs(wordpress: Article) -> None:
    lines = wordpress.text.split("\n")
    assert len(lines) == 4
    assert lines[0].startswith("أعلنت بلدية الوادي صباح اليوم الثلاثاء")
    assert lines[-1].endswith("قبل أسبوع من بدئها.")


@pytest.mark.parametrize(
    "furniture",
    [
        "إغلاق جسر المدينة القديم",  # ticker link
        "انقطاع الكهرباء عن ثلاثة أحياء",  # ticker item without a link
        "أخبار عاجلة",
        "اقتصاد",  # menu
        "فيسبوك",  # share bar
        "شارك",
        "مقالات ذات صلة",  # related posts
        "حفر ثلاث آبار",
        "افتتاح حديقة عامة",
        "اقرأ أيضاً",
        "اترك تعليقاً",  # WordPress comment form
        "لن يتم نشر عنوان بريدك الإلكتروني",
        "الحقول الإلزامية",
        "احفظ اسمي",
        "جميع الحقوق محفوظة",  # footer
        "منذ ساعتين",
    ],
)
def test_wordpress_furniture_never_reaches_the_text(wordpress: Article, furniture: str) -> None:
    assert furniture not in wordpress.text


def test_wordpress_metadata(wordpress: Article) -> None:
    assert wordpress.url == "https://sada-alwadi.example/2024/03/water-network/?utm_source=rss"
    assert wordpress.title == "البلدية تعلن خطة لتوسعة شبكة المياه في الأحياء الشرقية"
    assert wordpress.published == datetime(2024, 3, 5, 14, 30, tzinfo=timezone(timedelta(hours=3)))
    assert wordpress.published.utcoffset() == timedelta(hours=3)
    assert wordpress.image == "https://sada-alwadi.example/wp-content/uploads/2024/03/water-pipes.jpg"
    assert wordpress.canonical == "https://sada-alwadi.example/2024/03/water-network/"


def test_wordpress_categories_come_from_the_breadcrumbs(wordpress: Article) -> None:
    # "الرئيسية" (home) and the headline itself are dropped; article:section "سياسة" is a duplicate.
    assert wordpress.categories == ("خبر عاجل", "سياسة", "نيوز")


def test_furniture_inside_the_content_block_is_cut() -> None:
    html = (RESOURCES / "extract_inline_furniture.html").read_text(encoding="utf-8")
    article = extract_article(html, "https://www.almadina-news.example/article/77")
    assert article is not None
    assert article.title == "ارتفاع أسعار الخضار في الأسواق المركزية مع بداية الشتاء"
    assert article.text.startswith("شهدت الأسواق المركزية")
    assert len(article.text.split("\n")) == 3
    for furniture in ("عاجل", "الدفاع المدني", "شارك", "مواضيع ذات علاقة", "اترك تعليقاً", "لن يتم نشر"):
        assert furniture not in article.text
    # A time without a zone is read as UTC.
    assert article.published == datetime(2023, 11, 20, 8, 45, tzinfo=UTC)


def test_a_header_block_named_after_the_ticker_keeps_its_lead() -> None:
    # Sputnik-style: the article header carries "breakingnews" while a breaking bar is shown.
    lead = "قالت مصادر رسمية إن الحكومة ستعلن اليوم حزمة إجراءات جديدة لمواجهة ارتفاع الأسعار في الأسواق."
    header = f'<div class="l-header breakingnews"><h1>حزمة إجراءات جديدة</h1><p>{lead}</p></div>'
    html = make_page().replace("<article><h1>برنامج جديد لدعم صغار المزارعين</h1>", f"<article>{header}")
    article = extract_article(html, "https://example.com/a")
    assert article is not None
    assert article.text.startswith(lead)


def test_english_article() -> None:
    html = (RESOURCES / "extract_english_article.html").read_text(encoding="utf-8")
    article = extract_article(html, "https://www.valley-echo.example/world/harbour-ferry-resumes")
    assert article is not None
    assert article.title == "Harbour ferry service resumes after storm repairs"
    assert article.text.startswith("The harbour ferry returned to its full timetable")
    assert len(article.text.split("\n")) == 3
    furniture = ("Leave a Reply", "email address", "Save my name", "Read more", "Share", "late-night bus")
    for snippet in furniture:
        assert snippet not in article.text
    # The zoned <time> beats the JSON-LD stamp that has no zone.
    assert article.published == datetime(2024, 2, 11, 9, 5, tzinfo=timezone(timedelta(hours=2)))
    assert article.categories == ("World", "Transport", "Local")
    assert article.canonical == "https://www.valley-echo.example/world/harbour-ferry-resumes"


def test_front_page_of_teasers_is_not_an_article() -> None:
    html = (RESOURCES / "extract_front_page.html").read_text(encoding="utf-8")
    assert extract_article(html, "https://sada-alwadi.example/") is None


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   ",
        "<html></html>",
        "<html><body><p>قصير جداً</p></body></html>",
        "<html><body><nav><a href='/'>الرئيسية</a><a href='/s'>رياضة</a></nav></body></html>",
        "\x00\x01\x02 not html at all \ufffd",
        "<<<<>>>>",
    ],
)
def test_no_usable_text_gives_none(html: str) -> None:
    assert extract_article(html, "https://example.com/x") is None


def test_xml_declaration_with_encoding_is_ignored_for_decoded_text() -> None:
    html = '<?xml version="1.0" encoding="windows-1256"?>\n' + make_page()
    article = extract_article(html, "https://example.com/a")
    assert article is not None
    assert article.text.startswith("أعلنت وزارة الزراعة")


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "body", "expected"),
    [
        # A zoned JSON-LD stamp beats an unzoned article:published_time.
        (
            '<meta property="article:published_time" content="2024-05-01 10:00:00">'
            '<script type="application/ld+json">{"@type": "NewsArticle",'
            ' "datePublished": "2024-05-01T10:00:00+03:00"}</script>',
            "",
            datetime(2024, 5, 1, 7, 0, tzinfo=UTC),
        ),
        (
            "",
            '<time datetime="2024-05-02T08:15:00+02:00">مايو</time>',
            datetime(2024, 5, 2, 6, 15, tzinfo=UTC),
        ),
        # A date without a time is midnight UTC.
        (
            '<meta property="article:published_time" content="2024-05-03">',
            "",
            datetime(2024, 5, 3, tzinfo=UTC),
        ),
        (
            '<meta name="pubdate" content="Fri, 03 May 2024 22:10:00 +0000">',
            "",
            datetime(2024, 5, 3, 22, 10, tzinfo=UTC),
        ),
        # Egyptian CMSs write the stamp out in Arabic, with a 12-hour clock.
        (
            '<meta property="article:published_time" content="الأربعاء، 08 مايو 2024 - 03:20 م">',
            "",
            datetime(2024, 5, 8, 15, 20, tzinfo=UTC),
        ),
        (
            '<meta itemprop="datePublished" content="٩ أيار ٢٠٢٤ ١٠:٠٥ صباحاً">',
            "",
            datetime(2024, 5, 9, 10, 5, tzinfo=UTC),
        ),
    ],
)
def test_published_date_policy(head: str, body: str, expected: datetime) -> None:
    article = extract_article(make_page(head, body), "https://example.com/a")
    assert article is not None
    assert article.published == expected
    assert article.published is not None and article.published.tzinfo is not None


def test_related_post_times_do_not_become_the_date() -> None:
    related = '<div class="related-posts"><time datetime="2019-01-01T00:00:00+00:00">old</time></div>'
    own = '<p class="meta"><time datetime="2024-05-04T09:00:00+03:00">4 مايو</time></p>'
    article = extract_article(make_page(body=related + own), "https://example.com/a")
    assert article is not None
    assert article.published == datetime(2024, 5, 4, 6, 0, tzinfo=UTC)


# --- titles ---------------------------------------------------------------------------------


HEADLINE = "برنامج لدعم المزارعين"


@pytest.mark.parametrize(
    ("og_title", "head", "expected"),
    [
        (f"{HEADLINE} - اليوم الجديد", '<meta property="og:site_name" content="اليوم الجديد">', HEADLINE),
        (
            "Farm support scheme launched | The Daily Example",
            '<meta property="og:site_name" content="The Daily Example">',
            "Farm support scheme launched",
        ),
        # No og:site_name: <title> against og:title shows which part is the site.
        (HEADLINE, f"<title>المدينة نيوز - {HEADLINE}</title>", HEADLINE),
        (f"المدينة نيوز - {HEADLINE}", f"<title>{HEADLINE} - المدينة نيوز</title>", HEADLINE),
        (f"{HEADLINE} - عبر الإمارات - البيان", f"<title>{HEADLINE}</title>", HEADLINE),
        # Abbreviated in the title, full name in og:site_name; Latin name only in the host name.
        (f"{HEADLINE} - CNNArabic.com", '<meta property="og:site_name" content="CNNArabic">', HEADLINE),
        (f"{HEADLINE} – Example Observer", "", HEADLINE),
        # A label that is not the site stays; so does a dash inside a headline.
        (f"عاجل | {HEADLINE}", "", f"عاجل | {HEADLINE}"),
        ("أسعار &amp;amp; أرقام", "", "أسعار & أرقام"),
    ],
)
def test_site_name_is_cut_from_the_title(og_title: str, head: str, expected: str) -> None:
    og = f'<meta property="og:title" content="{og_title}">'
    article = extract_article(
        make_page(og + head, h1=og_title), "https://www.example-observer.com/2024/01/a/"
    )
    assert article is not None
    assert article.title == expected


@pytest.mark.parametrize(
    ("title", "sidebar", "expected"),
    [
        # The page's own headline shows what the rest of the title is: section path and site.
        (f"{HEADLINE} - زراعة - نشرة الوادي", "", HEADLINE),
        (f"نشرة الوادي | {HEADLINE}", "", HEADLINE),
        # A sidebar heading that matches the short end of a headline does not cut it.
        ("مصر - السودان: جولة محادثات جديدة", "<h2>مصر</h2>", "مصر - السودان: جولة محادثات جديدة"),
    ],
)
def test_title_cut_at_the_pages_headline(title: str, sidebar: str, expected: str) -> None:
    og = f'<meta property="og:title" content="{title}">'
    article = extract_article(make_page(og, body=sidebar, h1=expected), "https://example.com/a")
    assert article is not None
    assert article.title == expected


# --- categories -----------------------------------------------------------------------------


def test_yoast_breadcrumbs() -> None:
    crumbs = (
        '<p id="breadcrumbs"><span><a href="/">الرئيسية</a> » <a href="/c/">اقتصاد</a> » '
        '<a href="/c/agri/">زراعة</a> » <span class="breadcrumb_last">برنامج جديد لدعم صغار المزارعين</span>'
        "</span></p>"
    )
    article = extract_article(make_page(body=crumbs), "https://example.com/a")
    assert article is not None
    assert article.categories == ("اقتصاد", "زراعة")
    assert "الرئيسية" not in article.text


def test_microdata_breadcrumbs_and_section() -> None:
    item = '<li itemprop="itemListElement"><a itemprop="item" href="/"><b itemprop="name">{}</b></a></li>'
    crumbs = (
        '<ol itemscope itemtype="https://schema.org/BreadcrumbList">'
        + item.format("Home")
        + item.format("عربي ودولي")
        + "</ol>"
    )
    head = '<meta property="article:section" content="سياسة">'
    article = extract_article(make_page(head, crumbs), "https://example.com/a")
    assert article is not None
    assert article.categories == ("عربي ودولي", "سياسة")


def test_keywords_that_are_just_the_title_words_are_not_categories() -> None:
    head = '<meta name="keywords" content="برنامج,جديد,لدعم,صغار,المزارعين">'
    article = extract_article(make_page(head), "https://example.com/a")
    assert article is not None
    assert article.categories == ()


# --- the shared corpus ----------------------------------------------------------------------

# Measured: every page's stamp, to the second; the gold dates are the sites' local dates.
CORPUS_PUBLISHED = {
    "1550981615.html": "2020-03-17T17:27:41+00:00",
    "1588107198.html": "2020-04-24T00:00:00+00:00",  # no stamp in the markup: htmldate's date
    "1623715966.html": "2020-06-03T03:01:00+04:00",
    "1691196862.html": "2020-08-24T09:23:13+00:00",
    "1731695567.html": "2020-10-07T12:09:00+00:00",  # written in Arabic, no zone: read as UTC
    "1764731404.html": "2020-11-09T18:34:47+00:00",
    "1784190729.html": "2020-12-01T02:00:00+03:00",  # JSON-LD, over an unzoned article:published_time
    "1806793639.html": "2020-12-24T23:59:50+00:00",
}

# Furniture on the corpus pages, found at test time so no third-party text is copied here.
CORPUS_FURNITURE = {
    "1550981615.html": "li.b-breakingnews-double__message, #commentsGeneral",
    "1588107198.html": "div.related-news a, div.shareBox",
    "1691196862.html": "div.ticker a, #addCommentBlock",
    "1731695567.html": "div.newsticker a, #Related h4",
    "1806793639.html": ".jnews_inline_related_post a, #respond, .jeg_sharelist a",
}

# Site names that must not survive in titles.
CORPUS_SITE_NAMES = ("اليوم السابع", "المدينة نيوز", "صدى البلد", "Beirut Observer", "البيان", "CNNArabic")


Mediacloud = dict[str, tuple[str, str, Article | None]]


def corpus_json(shared_dir: Path, relative: str) -> dict:
    """A JSON gold file from the corpus."""
    return json.loads((shared_dir / ARTICLES / relative).read_text(encoding="utf-8"))


def load_corpus_page(shared_dir: Path, relative: str) -> str:
    """A corpus page decoded the way the fetcher will decode it."""
    body = (shared_dir / ARTICLES / relative).read_bytes()
    return decode_html(gzip.decompress(body) if relative.endswith(".gz") else body)


@pytest.fixture(scope="module")
def mediacloud(shared_dir: Path) -> Mediacloud:
    """The htmldate Media Cloud pages: file name -> (page, gold date, extracted article)."""
    pages = {}
    gold = corpus_json(shared_dir, "htmldate_mediacloud/eval_mediacloud_2020.arabic_subset.json")
    for url, entry in gold.items():
        html = load_corpus_page(shared_dir, f"htmldate_mediacloud/{entry['file']}")
        pages[entry["file"]] = (html, entry["date"], extract_article(html, url))
    return pages


@pytest.mark.parametrize("name", sorted(CORPUS_PUBLISHED))
def test_corpus_published_dates(mediacloud: Mediacloud, name: str) -> None:
    _, gold_date, article = mediacloud[name]
    assert article is not None
    assert article.published == datetime.fromisoformat(CORPUS_PUBLISHED[name])
    # The gold is the local date; these sites sit at UTC+2..+4.
    assert article.published.astimezone(timezone(timedelta(hours=2))).date().isoformat() == gold_date


@pytest.mark.parametrize("name", sorted(CORPUS_PUBLISHED))
def test_corpus_titles_are_the_headline(mediacloud: Mediacloud, name: str) -> None:
    html, _, article = mediacloud[name]
    assert article is not None
    headline = squash(next(lxml_html.fromstring(html).iter("h1")).text_content())
    assert article.title == headline
    assert not any(site in article.title for site in CORPUS_SITE_NAMES)


@pytest.mark.parametrize("name", sorted(CORPUS_PUBLISHED))
def test_corpus_text_has_no_breaking_label_or_comment_form(mediacloud: Mediacloud, name: str) -> None:
    _, _, article = mediacloud[name]
    assert article is not None
    assert len(article.text) > 400
    for furniture in ("عاجل", "اترك تعليق", "لن يتم نشر", "الحقول الإلزامية", "إقرأ أيضاً", "اضف تعليق"):
        assert furniture not in article.text


@pytest.mark.parametrize("name", sorted(CORPUS_FURNITURE))
def test_corpus_tickers_related_boxes_and_forms_are_absent(mediacloud: Mediacloud, name: str) -> None:
    html, _, article = mediacloud[name]
    assert article is not None
    items = [squash(e.text_content()) for e in lxml_html.fromstring(html).cssselect(CORPUS_FURNITURE[name])]
    items = [i for i in items if len(i) >= 15 and i != article.title]
    assert items, "the selector should still find the furniture"
    for item in items:
        assert item not in article.text


def test_corpus_wordpress_comment_form_page(mediacloud: Mediacloud) -> None:
    _, _, article = mediacloud["1806793639.html"]
    assert article is not None
    assert article.categories[0] == "featured"  # #breadcrumbs, with "الرئيسية" dropped
    assert "الرئيسية" not in article.categories
    assert "Share on" not in article.text
    assert article.image and article.image.startswith("https://elbaladtv.net/wp-content/uploads/")


def test_corpus_breadcrumb_and_section_categories(mediacloud: Mediacloud) -> None:
    assert mediacloud["1623715966.html"][2].categories == ("عبر الإمارات", "أخبار وتقارير")
    assert mediacloud["1691196862.html"][2].categories[0] == "تقارير مصرية"
    # Keywords that only repeat the title's words are not categories.
    assert mediacloud["1784190729.html"][2].categories == ("القارات السبع",)


def test_corpus_newspaper4k_cnn_arabic(shared_dir: Path) -> None:
    meta = corpus_json(shared_dir, "newspaper4k/arabic_article.expected_metadata.json")
    gold = (shared_dir / ARTICLES / "newspaper4k/arabic_article.expected.txt").read_text(encoding="utf-8")
    article = extract_article(load_corpus_page(shared_dir, "newspaper4k/arabic_article.html"), meta["url"])
    assert article is not None
    assert word_f1(article.text, gold) >= 0.90  # measured 0.914: a comment-policy note stays in
    assert article.title == meta["title"]
    assert article.image == meta["meta_img"]
    assert article.canonical == meta["canonical_link"]


def test_corpus_goose3_cnn_arabic(shared_dir: Path) -> None:
    expected = corpus_json(shared_dir, "goose3/test_cnn_arabic.expected.json")
    html = load_corpus_page(shared_dir, "goose3/test_cnn_arabic.html")
    article = extract_article(html, expected["url"])
    assert article is not None
    assert article.text.startswith(expected["expected"]["cleaned_text"])


def test_corpus_fundus_lbc(shared_dir: Path) -> None:
    gold = corpus_json(shared_dir, "fundus/LBCGroup.json")["V1"]
    url = corpus_json(shared_dir, "fundus/meta.info")["LBCGroup_2026_01_08.html.gz"]["url"]
    article = extract_article(load_corpus_page(shared_dir, "fundus/LBCGroup_2026_01_08.html.gz"), url)
    assert article is not None
    paragraphs = [p for section in gold["body"]["sections"] for p in section["paragraphs"]]
    assert word_f1(article.text, "\n".join(paragraphs)) >= 0.98  # measured 1.0
    assert article.text.split("\n") == paragraphs
    assert "عاجل" not in article.text  # the page carries 22 of them
    assert article.title == gold["title"]
    assert article.published == datetime.fromisoformat(gold["publishing_date"])
    assert article.canonical == url


def test_corpus_trafilatura_eval_assabah(shared_dir: Path) -> None:
    url, gold = next(iter(corpus_json(shared_dir, "trafilatura_eval/evaldata.assabah_entry.json").items()))
    html = load_corpus_page(shared_dir, "trafilatura_eval/assabah.com.tn.article.html")
    article = extract_article(html, url)
    assert article is not None
    for snippet in gold["with"]:
        assert snippet in article.text
    for snippet in gold["without"]:
        assert snippet not in article.text
    assert article.title == squash(gold["title"])
    assert squash(article.text).startswith(squash(gold["description"])[:60])


def test_corpus_jannah_front_page_is_not_an_article(shared_dir: Path) -> None:
    html = load_corpus_page(shared_dir, "jannah_theme_demo/jannah_rtl_demo_homepage_2022-12-09.html")
    assert extract_article(html, "https://jannah.tielabs.com/rtl/") is None
