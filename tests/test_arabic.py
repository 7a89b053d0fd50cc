"""The matching normaliser: every variant a news site produces must fold to one key."""

from __future__ import annotations

import pytest

from jobs.arabic import normalise, strip_article, text_key, words

BIDI_AND_ZERO_WIDTH = (
    "\u200e\u200f\u061c"  # LRM, RLM, ALM
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings, pop, overrides
    "\u2066\u2067\u2068\u2069"  # isolates
    "\u200b\u200c\u200d\u2060\ufeff"  # zero-width space/non-joiner/joiner, word joiner, BOM
)

TRICKY = [
    "",
    "   ",
    "عُقِدت في موسكو قمةٌ سوريةٌ روسيةٌ",
    "عاجـــل | الرئيس يصل إلى موسكو",
    "\u200fعاجل:\u200e «الرياضة» ؛ أخبار؟",
    "ﻻ ﷲ ﻷ",  # presentation forms
    "٣٫٥٪ و۱۲۳ و 1.8 مليون و 3..5",
    "هٰذا ذٰلك ٱلْكِتَٰبُ لَا رَيْبَۛ فِيهِۛ",
    "Straße İstanbul ΐ ẞ́ İ̤",
    "U.S. e.g. Mr. Smith — “quoted” (brackets) [x] {y}",
    "tabs\tand\nnewlines\u00a0and\u2003em spaces",
    "emoji 🔴 عاجل 🚨 #سوريا @user https://example.com/a?b=c",
    "\ud800 lone surrogate \x00 nul \x1b escape",
    "ک ی فارسی",
    "\u0627\u0654 decomposed hamza",
]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("عُقِدت", "عقدت"),  # harakat
        ("قمةٌ", "قمه"),  # tanween and ta marbuta
        ("هٰذا", "هذا"),  # superscript alef
        ("رَيْبَۛ", "ريب"),  # Quranic mark
        ("عاجـــل", "عاجل"),  # tatweel
        ("أحمد إبراهيم آمال ٱلله", "احمد ابراهيم امال الله"),
        ("على مستشفى", "علي مستشفي"),
        ("مدرسة", "مدرسه"),
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),
        ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),
        ("BREAKING News", "breaking news"),
        ("Straße", "strasse"),
        ("ﻻ", "لا"),  # lam-alef ligature
        ("ﷲ", "الله"),
        ("أخبار، رياضة؛ لماذا؟ «عاجل»", "اخبار رياضه لماذا عاجل"),
        ("  كلمة\t\tو\nكلمة  ", "كلمه و كلمه"),
        ("٣٫٥٪", "3.5"),  # Arabic decimal separator and percent sign
        ("3.5%", "3.5"),
        ("U.S.", "u s"),  # a dot between letters is punctuation
        ("1.8 مليون", "1.8 مليون"),
    ],
)
def test_normalise_folds(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize("mark", list(BIDI_AND_ZERO_WIDTH))
def test_invisible_marks_vanish_even_inside_words(mark: str) -> None:
    assert normalise(f"{mark}عا{mark}جل{mark} خبر") == "عاجل خبر"


def test_rtl_marked_and_plain_headlines_share_a_key() -> None:
    marked = "\u202bعاجل:\u202c الرئيس \u200fالأسد\u200f يصل إلى موسكو ٢٠٢١"
    plain = "عاجل الرئيس الاسد يصل الى موسكو 2021"
    assert normalise(marked) == normalise(plain)


@pytest.mark.parametrize("raw", TRICKY)
def test_normalise_is_idempotent(raw: str) -> None:
    once = normalise(raw)
    assert normalise(once) == once


def test_normalise_never_raises_on_odd_input() -> None:
    assert normalise("\ud800\udfff\x00") == ""
    assert normalise(None) == ""  # type: ignore[arg-type]


def test_words_are_normalised() -> None:
    assert words("«الرياضةُ» و الثقافة، ٢٠٢١") == ["الرياضه", "و", "الثقافه", "2021"]
    assert words("") == []


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("الرياضة", "رياضة"),
        ("والرياضة", "رياضة"),
        ("بالرياضة", "رياضة"),
        ("للرياضة", "رياضة"),
        ("فالرياضة", "رياضة"),
        ("كالرياضة", "رياضة"),
        ("رياضة", "رياضة"),
        ("الم", "الم"),  # one letter would be left: not an article
        ("والد", "والد"),
        ("", ""),
    ],
)
def test_strip_article(word: str, expected: str) -> None:
    assert strip_article(word) == expected


def test_text_key_joins_normalised_words() -> None:
    first = "عاجـل | الرئيس الأسد يصل إلى موسكو…"
    again = "\u200fعاجل: الرئيس  الاسد يصلُ الى موسكو"
    assert text_key(first) == text_key(again) == "عاجل الرئيس الاسد يصل الي موسكو"
