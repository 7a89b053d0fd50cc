"""Property tests: keys are stable under re-keying and no input makes them raise."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from jobs.arabic import normalise, text_key
from jobs.canonical import canonical_url
from jobs.fingerprint import Change, compare_headlines

# Arabic letters, harakat, tatweel and Arabic-Indic digits, mixed with anything else Unicode has.
ARABIC = st.characters(min_codepoint=0x0600, max_codepoint=0x06FF)
TEXT = st.text(st.one_of(ARABIC, st.characters()), max_size=80)
URL_PART = st.text(st.one_of(ARABIC, st.sampled_from("abcXYZ019-._~%/?&=#:@!$'()*+,;[] ")), max_size=30)
URLS = st.builds(
    lambda scheme, host, path, query: f"{scheme}://{host}/{path}?{query}",
    st.sampled_from(["http", "https", "HTTP", "ftp", ""]),
    st.one_of(
        st.sampled_from(["www.Example.com", "xn--mgbh0fb.xn--kgbechtv", "127.0.0.1:8080", "[::1]"]), URL_PART
    ),
    URL_PART,
    URL_PART,
)


@settings(max_examples=300)
@given(st.one_of(URLS, st.text(max_size=60)))
def test_canonical_url_is_idempotent_and_total(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


@settings(max_examples=300)
@given(TEXT)
def test_normalise_is_idempotent_and_total(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert text_key(once) == text_key(text)


@given(TEXT)
def test_a_headline_is_the_same_as_itself(text: str) -> None:
    assert compare_headlines(text, text) in (Change.SAME, Change.UNRELATED)
    if normalise(text):
        assert compare_headlines(text, text) is Change.SAME
