"""Category hints from feeds, breadcrumbs and URLs reach the configured slugs, and nothing else does."""

from __future__ import annotations

import pytest

from jobs.categorise import Categoriser
from jobs.records import CategorySpec

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


@pytest.mark.parametrize("term", ["ثقافة", "فنون", "عربي", "دولي", "نيوز", "", "   ", "Sport news"])
def test_parts_and_unknown_terms_reach_nothing(categoriser: Categoriser, term: str) -> None:
    assert categoriser.match(term) is None


def test_path_aliases_are_not_free_text_names(categoriser: Categoriser) -> None:
    assert categoriser.match("/category/sport/") is None
    assert categoriser.match("category sport") is None


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
    ],
)
def test_breaking_by_title(categoriser: Categoriser, title: str) -> None:
    assert categoriser.is_breaking([], title)


@pytest.mark.parametrize(
    "title",
    ["قرار عاجل من الحكومة", "Breaking Bad star dies", "Ice-breaking ship leaves port", "", "عاجلا أم آجلا"],
)
def test_not_breaking(categoriser: Categoriser, title: str) -> None:
    assert not categoriser.is_breaking(["politics"], title)
