"""Category hints from feeds, breadcrumbs and URLs reach the configured slugs, and nothing else does."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from bot.config import load_config
from jobs.categorise import Categoriser
from jobs.decode import decode_html
from jobs.extract import extract_article
from jobs.records import CategorySpec

EXAMPLE = Path(__file__).resolve().parents[1] / "config.example.toml"

SPECS = (
    CategorySpec("breaking", ("عاجل", "خبر عاجل", "Breaking News"), breaking=True),
    CategorySpec("politics", ("سياسة", "Politics", "/category/news/politics/")),
    CategorySpec("sport", ("رياضة", "Sport", "Sports", "سبورت", "/category/sport/", "/cat/17/")),
    CategorySpec("culture", ("ثقافة وفنون", "Arts & Culture")),
    CategorySpec("world", ("عربي ودولي", "World")),
    CategorySpec("arab-world", ()),
    CategorySpec("economy", ("اقتصاد", "Economy", "Business")),
)
# "قمة-سورية-روسية", as a WordPress permalink escapes it.
ARABIC_ARTICLE_SLUG = "%D9%82%D9%85%D8%A9-%D8%B3%D9%88%D8%B1%D9%8A%D8%A9-%D8%B1%D9%88%D8%B3%D9%8A%D8%A9"


@pytest.fixture(scope="module")
def categoriser() -> Categoriser:
    return Categoriser(SPECS)


@pytest.mark.parametrize(
    "term",
    ["رياضة", "الرياضة", "رياضـــة", "الرِّياضة", "SPORT", "Sport", "sports", "سبورت", " «الرياضة» ", "sport"],
)
def test_spellings_of_a_name_reach_its_slug(categoriser: Categoriser, term: str) -> None:
    assert categoriser.match(term) == "sport"


@pytest.mark.parametrize(
    ("term", "slug"),
    [
        ("ثقافة وفنون", "culture"),
        ("الثقافة والفنون", "culture"),
        ("ثقافة و فنون", "culture"),
        ("Arts and Culture", "culture"),
        ("عربي ودولي", "world"),
        ("العربي والدولي", "world"),
        ("Arab World", "arab-world"),  # the slug itself is a name
        ("arab-world", "arab-world"),
        ("خبر عاجل", "breaking"),
    ],
)
def test_multi_word_names_match_whole(categoriser: Categoriser, term: str, slug: str) -> None:
    assert categoriser.match(term) == slug


@pytest.mark.parametrize(
    "term",
    ["ثقافة", "فنون", "عربي", "دولي", "نيوز", "", "   ", "أخبار", "News", "أخبار وتقارير", "عاجلا", "مالي"],
)
def test_parts_and_unknown_terms_reach_nothing(categoriser: Categoriser, term: str) -> None:
    assert categoriser.match(term) is None
    assert categoriser.matches(term) == []


@pytest.mark.parametrize(
    ("term", "slugs"),
    [
        # A "news" word around the section's name.
        ("أخبار الرياضة", ["sport"]),
        ("Sport news", ["sport"]),
        ("Sports News", ["sport"]),
        ("World News", ["world"]),
        # The nisba adjective of the section's name.
        ("الرياضية", ["sport"]),
        ("أخبار رياضية", ["sport"]),
        ("سياسيه", ["politics"]),
        ("الاقتصادية", ["economy"]),
        # A qualifier after an Arabic noun, before an English one.
        ("رياضة عربية", ["sport"]),
        ("رياضة عالمية", ["sport"]),
        ("World Sport", ["sport"]),
        # Two sections joined by "and": both, in the order written; a part no section names is ignored.
        ("الاقتصاد والأعمال", ["economy"]),
        ("السياسة والاقتصاد", ["politics", "economy"]),
        ("Politics & Economy", ["politics", "economy"]),
        ("رياضة و منوعات", ["sport"]),
    ],
)
def test_names_as_sites_write_them(categoriser: Categoriser, term: str, slugs: list[str]) -> None:
    assert categoriser.matches(term) == slugs


def test_hamza_seats_vary_by_country() -> None:
    local = Categoriser((CategorySpec("local", ("شؤون محلية",)),))
    assert local.match("الشئون المحلية") == "local"
    assert local.matches("أخبار الشئون المحلية") == ["local"]


def test_a_name_given_whole_is_read_strictly(categoriser: Categoriser) -> None:
    """A reader's "/subscribe رياضة اقتصاد" is two names; only a site's term is read loosely."""
    assert categoriser.match("رياضة اقتصاد") is None
    assert categoriser.match("Sport news") is None
    assert categoriser.matches("Sport news") == ["sport"]


@pytest.mark.parametrize(
    ("term", "slug"), [("Sports", "sport"), ("Arts", "culture"), ("world", "international")]
)
def test_english_names_in_either_number(term: str, slug: str) -> None:
    specs = (
        CategorySpec("sport", ("Sport",)),
        CategorySpec("culture", ("Art",)),
        CategorySpec("international", ("Worlds",)),
    )
    assert Categoriser(specs).matches(term) == [slug]


@pytest.mark.parametrize("term", ["Record Breaking", "Ice-breaking", "عاجل ومهم", "أخبار عاجل"])
def test_only_a_whole_name_files_an_item_as_breaking(categoriser: Categoriser, term: str) -> None:
    assert categoriser.matches(term) == []
    assert categoriser.from_url(f"https://example.com/{term}/12345") == []


def test_a_long_term_must_match_whole(categoriser: Categoriser) -> None:
    """A tag sentence or headline that merely mentions a section is not filed under it."""
    assert categoriser.matches("وزير الرياضة يلتقي رئيس الحكومة ووزير الاقتصاد") == []


def test_path_aliases_are_not_free_text_names(categoriser: Categoriser) -> None:
    assert categoriser.match("/cat/17/") is None
    assert categoriser.match("cat 17") is None


@pytest.mark.parametrize(
    ("url", "slugs"),
    [
        ("https://globalsy.net/category/sport/", ["sport"]),
        (f"https://globalsy.net/category/sport/2021/09/{ARABIC_ARTICLE_SLUG}/", ["sport"]),
        ("https://example.com/cat/17/12345.html", ["sport"]),
        ("https://example.com/category/news/politics/some-long-headline-slug", ["politics"]),
        ("https://example.com/category/%D8%B1%D9%8A%D8%A7%D8%B6%D8%A9/123", ["sport"]),
        ("https://example.com/الرياضة/123", ["sport"]),
        ("https://example.com/Economy/Sport", ["economy", "sport"]),
        ("https://example.com/arab-world/2021/x", ["arab-world"]),
        ("https://example.com/sports-news/12345", ["sport"]),
        ("https://example.com/world-sport/12345", ["sport"]),
        ("https://example.com/show-business/12345", []),  # an alias does not head a longer name
        ("https://example.com/%D8%A7%D9%84%D8%B1%D9%8A%D8%A7%D8%B6%D9%8A%D8%A9/12345", ["sport"]),  # الرياضية
        ("https://example.com/رياضة-عربية/12345", ["sport"]),
        ("https://www.bbc.co.uk/arabic/sports-43101640", ["sport"]),  # a section, then the article's number
        ("https://www.bbc.co.uk/arabic/art-and-culture-45429235", ["culture"]),
        ("https://example.com/news/2021-09-14-12345", []),
        ("https://example.com/2021/09/الاقتصاد-يتعافى-والرياضة-تنتظر/", []),  # a headline slug
        ("/category/sport/x", ["sport"]),
        ("https://example.com/2021/09/14/12345", []),
        ("https://example.com/", []),
        ("http://[::1", []),
    ],
)
def test_from_url(categoriser: Categoriser, url: str, slugs: list[str]) -> None:
    assert categoriser.from_url(url) == slugs


def test_article_slug_is_not_a_section(categoriser: Categoriser) -> None:
    assert categoriser.from_url("https://example.com/politics/sport-minister-resigns") == ["politics"]
    assert categoriser.from_url("https://example.com/politics/sport-minister-resigns/") == ["politics"]


def test_short_last_segment_still_counts(categoriser: Categoriser) -> None:
    assert categoriser.from_url("https://example.com/news/sport") == ["sport"]


def test_categorise_orders_by_trust_and_dedupes(categoriser: Categoriser) -> None:
    slugs = categoriser.categorise(
        ["خبر عاجل", "سياسة", "نيوز", "Politics"],
        url="https://globalsy.net/category/sport/politics/some-article-slug",
    )
    assert slugs == ("breaking", "politics", "sport")


def test_categorise_falls_back_to_default_only_when_nothing_matched(categoriser: Categoriser) -> None:
    assert categoriser.categorise(["نيوز"], url="https://example.com/2021/x", default="news") == ("news",)
    assert categoriser.categorise([], default="news") == ("news",)
    assert categoriser.categorise(["الرياضة"], default="news") == ("sport",)
    assert categoriser.categorise(["نيوز"]) == ()


def test_a_breaking_category_does_not_hide_the_topic(categoriser: Categoriser) -> None:
    """A sport item also filed under "خبر عاجل" still reaches the sport channel through its source."""
    slugs = categoriser.categorise(
        ["خبر عاجل", "نيوز"], url="https://globalsy.net/2021/09/x/", default="sport"
    )
    assert slugs == ("breaking", "sport")
    assert categoriser.categorise(["خبر عاجل", "سياسة"], default="sport") == ("breaking", "politics")


def test_categorise_accepts_any_iterable(categoriser: Categoriser) -> None:
    assert categoriser.categorise(term for term in ("Economy", "Business")) == ("economy",)


def test_earlier_spec_keeps_a_shared_name() -> None:
    shared = Categoriser((CategorySpec("local", ("محليات",)), CategorySpec("other", ("محليات",))))
    assert shared.match("المحليات") == "local"


def test_breaking_by_slug(categoriser: Categoriser) -> None:
    assert categoriser.is_breaking(["politics", "breaking"], "قمة سورية روسية في موسكو")
    assert not categoriser.is_breaking(["politics", "sport"], "قمة سورية روسية في موسكو")


@pytest.mark.parametrize(
    "title",
    [
        "عاجل | الرئيس الأسد يصل إلى موسكو",
        "عاجل: انفجار في المرفأ",
        "عاجـــل الرئيس يصل",
        "\u200fعاجل\u200f - زلزال",
        "🔴 عاجل: زلزال",
        "خبر عاجل: زلزال",
        "BREAKING: Earthquake hits",
        "Breaking: earthquake",
        "Breaking News - earthquake",
        "BREAKING earthquake hits",
        "⚡️عاجل | زلزال",  # the emoji's variation selector must not cling to the word
        "‼️عاجل: زلزال",
        "#عاجل زلزال",
        "(عاجل) زلزال",
        "[عاجل] زلزال",
        "«عاجل» زلزال",
        "عاجل.. زلزال",
        "عَاجِل: زلزال",
        "عاجل",
    ],
)
def test_breaking_by_title(categoriser: Categoriser, title: str) -> None:
    assert categoriser.is_breaking([], title)


@pytest.mark.parametrize(
    "title",
    [
        "قرار عاجل من الحكومة",
        "Breaking Bad star dies",
        "Ice-breaking ship leaves port",
        "",
        "عاجلا أم آجلا",
        "تقرير: العاجل من الأنباء",
        "Breaking the ice in Gaza talks",
    ],
)
def test_not_breaking(categoriser: Categoriser, title: str) -> None:
    assert not categoriser.is_breaking(["politics"], title)


@pytest.fixture(scope="module")
def example() -> Categoriser:
    return Categoriser([category.spec() for category in load_config(EXAMPLE).categories])


@pytest.mark.parametrize(
    ("term", "slug"),
    [
        ("أخبار الفن", "culture"),
        ("فن و متفرقات", "culture"),
        ("الاقتصاد والأعمال", "economy"),
        ("عربي ودولي", "world"),
        ("الشرق الأوسط", "world"),
        ("منوعات", "culture"),
        ("كرة قدم", "sport"),
        ("خبر عاجل", "breaking"),
        # A category's own name, qualified: "Arab sport", "Syrian economy", "information technology".
        ("رياضة عربية", "sport"),
        ("اقتصاد سوري", "economy"),
        ("الصحة النفسية", "health"),
        ("سياسة خارجية", "politics"),
        ("تكنولوجيا المعلومات", "tech"),
        ("المحلية", "local"),
        ("الرياضية", "sport"),
        ("World Sport", "sport"),
        ("Local Sports", "sport"),
    ],
)
def test_the_example_configuration_knows_common_section_names(
    example: Categoriser, term: str, slug: str
) -> None:
    assert example.matches(term) == [slug]


@pytest.mark.parametrize(
    "term",
    [
        "أعمال عنف",  # "أعمال" (business) is an alias: it heads no longer name
        "أعمال فنية",
        "المجتمع الدولي",  # the international community is not local news
        "العربية",  # the channel or the language, not world news
        "فنون قتالية",
        "Show Business",
        "Political Science",
        "Martial Arts",
        "Gun Culture",
    ],
)
def test_a_tag_that_only_contains_a_section_word_is_not_that_section(example: Categoriser, term: str) -> None:
    """WordPress feeds send tags as categories: a tag naming no section must leave the topic to the words."""
    assert example.matches(term) == []


def _corpus_urls(articles: Path) -> dict[str, str]:
    """Each corpus page's address, as its upstream test data records it."""
    urls = {
        v["file"]: url
        for url, v in json.loads(
            (articles / "htmldate_mediacloud/eval_mediacloud_2020.arabic_subset.json").read_text()
        ).items()
    }
    urls |= {f: v["url"] for f, v in json.loads((articles / "fundus/meta.info").read_text()).items()}
    urls["arabic_article.html"] = json.loads(
        (articles / "newspaper4k/arabic_article.expected_metadata.json").read_text()
    )["url"]
    return urls


@pytest.mark.parametrize(
    ("page", "slug"),
    [
        ("htmldate_mediacloud/1731695567.html", "culture"),  # breadcrumb "أخبار الفن"
        ("htmldate_mediacloud/1764731404.html", "culture"),  # article:section "فن و متفرقات"
        ("htmldate_mediacloud/1550981615.html", "world"),  # Sputnik's /arab_world/
        ("newspaper4k/arabic_article.html", "world"),  # CNN Arabic's /middle_east/
        ("fundus/LBCGroup_2026_01_08.html.gz", "culture"),  # LBC's /news/lifestyle/
    ],
)
def test_real_pages_reach_their_section(shared_dir: Path, example: Categoriser, page: str, slug: str) -> None:
    """The site's own section names it, with no help from the text classifier."""
    articles = shared_dir / "corpus" / "articles_html"
    body = (articles / page).read_bytes()
    if page.endswith(".gz"):
        body = gzip.decompress(body)
    article = extract_article(decode_html(body), _corpus_urls(articles)[Path(page).name])
    assert article is not None
    assert example.categorise(article.categories, article.canonical or article.url) == (slug,)
