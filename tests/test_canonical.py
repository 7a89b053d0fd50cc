"""The seen-key of an article URL: every spelling of one article gives one key, different articles differ."""

from __future__ import annotations

import pytest

from jobs.canonical import canonical_url

SLUG = "%D9%82%D9%85%D8%A9-%D8%B3%D9%88%D8%B1%D9%8A%D8%A9"  # "قمة-سورية"

TRICKY = [
    "https://globalsy.net/archives/12345",
    "  HTTP://WWW.Globalsy.NET:80//archives//12345/?utm_source=fb&fbclid=x#comments ",
    f"https://globalsy.net/{SLUG}/",
    "https://globalsy.net/قمة-سورية",
    "https://globalsy.net/%d9%82%d9%85%d8%a9-%d8%b3%d9%88%d8%b1%d9%8a%d8%a9",
    "https://globalsy.net/?p=123&utm_medium=social",
    "https://globalsy.net/index.php?p=123",
    "https://example.com/a/./b/../c/index.html",
    "https://example.com/%7Euser/%41%42%2F%zz",
    "https://xn--mgbh0fb.xn--kgbechtv/خبر",
    "https://مثال.إختبار/خبر",
    "https://user:secret@example.com:8443/x?b=2&a=1&a=0",
    "http://example.com:443/",
    "https://[2001:DB8::1]:8080/x",
    "https://example.com/news/slug/amp/?amp=1",
    "https://example.com/a b/ج د?q=س ع",
    "https://example.com/?",
    "https://example.com",
    "http://[::1",
    "http://example.com:99999/",
    "mailto:desk@example.com",
    "not a url at all",
    "",
]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.COM/News", "https://example.com/News"),  # the path keeps its case
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://www.example.com/a", "https://example.com/a"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com//news///2021//x", "https://example.com/news/2021/x"),
        ("https://example.com/news/", "https://example.com/news"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/", "https://example.com/"),
        ("https://example.com/a/./b/../c", "https://example.com/a/c"),
        ("https://example.com/news/index.html", "https://example.com/news"),
        ("https://example.com/index.php?p=123", "https://example.com/?p=123"),
        ("https://globalsy.net/?p=123", "https://globalsy.net/?p=123"),
        ("https://example.com/?b=2&a=1", "https://example.com/?a=1&b=2"),
        ("https://example.com/?a=2&b=1&a=1", "https://example.com/?a=2&a=1&b=1"),  # repeats keep order
        ("https://example.com/?id=7&", "https://example.com/?id=7"),
        ("https://user:pw@example.com/a", "https://example.com/a"),
        ("https://[2001:DB8::1]:443/x", "https://[2001:db8::1]/x"),
        ("https://example.com/%7euser/%2f", "https://example.com/~user/%2F"),  # %2F stays a data byte
        ("https://example.com/a b", "https://example.com/a%20b"),
        ("https://example.com/100%", "https://example.com/100%25"),
    ],
)
def test_canonical_form(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    "param",
    [
        "utm_source=facebook",
        "utm_medium=social",
        "UTM_Campaign=x",
        "utm_id=1",
        "fbclid=IwAR0abc",
        "gclid=abc",
        "dclid=abc",
        "msclkid=abc",
        "mc_cid=abc",
        "mc_eid=abc",
        "yclid=1",
        "_ga=2.1",
        "igshid=abc",
        "ref_src=twsrc%5Etfw",
        "at_medium=rss",
        "at_campaign=rss",
        "amp",
        "amp=1",
    ],
)
def test_tracking_and_amp_parameters_are_dropped(param: str) -> None:
    plain = "https://example.com/news/1?id=5"
    assert canonical_url(f"https://example.com/news/1?{param}&id=5") == canonical_url(plain)


def test_amp_path_segment_is_the_same_article() -> None:
    assert canonical_url("https://example.com/2021/09/slug/amp/") == "https://example.com/2021/09/slug"
    assert canonical_url("https://example.com/amp") == "https://example.com/amp"  # a lone segment is a page


def test_raw_arabic_slug_and_its_escaped_forms_share_a_key() -> None:
    keys = {
        canonical_url("https://globalsy.net/قمة-سورية/"),
        canonical_url(f"https://globalsy.net/{SLUG}"),
        canonical_url(f"https://globalsy.net/{SLUG.lower()}"),
    }
    assert keys == {f"https://globalsy.net/{SLUG}"}


def test_arabic_query_values_are_escaped_too() -> None:
    assert canonical_url("https://example.com/search?q=رياضة") == canonical_url(
        "https://example.com/search?q=%D8%B1%D9%8A%D8%A7%D8%B6%D8%A9"
    )


def test_idn_host_matches_its_punycode_spelling() -> None:
    assert canonical_url("https://XN--MGBH0FB.xn--kgbechtv/a") == canonical_url("https://مثال.إختبار/a")


def test_different_articles_keep_different_keys() -> None:
    assert canonical_url("https://globalsy.net/?p=123") != canonical_url("https://globalsy.net/?p=124")
    assert canonical_url("https://example.com/a/b") != canonical_url("https://example.com/a%2Fb")
    assert canonical_url("https://a.example.com/x") != canonical_url("https://b.example.com/x")


@pytest.mark.parametrize(
    "raw", ["mailto:desk@example.com", "ftp://example.com/x", "not a url", "//example.com/x", "https://"]
)
def test_non_http_input_comes_back_stripped(raw: str) -> None:
    assert canonical_url(f"  {raw}\n") == raw


@pytest.mark.parametrize("raw", ["http://[::1", "http://example.com:99999/", "http://example.com:port/"])
def test_malformed_urls_do_not_raise(raw: str) -> None:
    assert canonical_url(raw) == raw


@pytest.mark.parametrize("raw", TRICKY)
def test_canonical_url_is_idempotent(raw: str) -> None:
    once = canonical_url(raw)
    assert canonical_url(once) == once
