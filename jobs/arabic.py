"""Arabic-aware text normalisation for matching and keys; never use its output for display."""

from __future__ import annotations

import re
import unicodedata

# Harakat, superscript alef and Quranic annotation marks vary between copies of the same text.
_STRIPPED_RANGES = ((0x064B, 0x065F), (0x0670, 0x0670), (0x06D6, 0x06ED))
_TATWEEL = "\u0640"

# Spelling variants that writers and keyboards mix freely; the right-hand form is the key form.
_LETTER_FOLDS = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ي",
    "ة": "ه",
    # Persian-keyboard kaf and yeh show up in Arabic text typed on Persian layouts.
    "ک": "ك",
    "ی": "ي",
}

# The Arabic decimal separator, so "٣٫٥" and "3.5" give the same key.
_ARABIC_DECIMAL = "\u066b"

# A dot survives only between digits, where it is a decimal point rather than punctuation.
_NON_DECIMAL_DOT = re.compile(r"(?<!\d)\.|\.(?!\d)")

# Prefixes of a definite article, longest first so "وال" wins over "ال".
_ARTICLE_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال")
# A shorter remainder is more likely part of the word itself ("والد", "الي").
_MIN_STEM_LETTERS = 2


class _FoldTable(dict[int, str | None]):
    """Per-character mapping for str.translate, filled lazily so any code point costs one lookup."""

    def __missing__(self, code: int) -> str | None:
        folded = _fold_char(chr(code))
        self[code] = folded
        return folded


def _fold_char(ch: str) -> str | None:
    """Map one NFKC character to its key form: None drops it, " " makes it a separator."""
    code = ord(ch)
    if ch == _TATWEEL or any(lo <= code <= hi for lo, hi in _STRIPPED_RANGES):
        return None
    if ch in _LETTER_FOLDS:
        return _LETTER_FOLDS[ch]
    if ch in (".", _ARABIC_DECIMAL):
        return "."
    category = unicodedata.category(ch)
    if category == "Nd":
        return str(unicodedata.decimal(ch))
    # Format characters (bidi marks, isolates, zero-width joiners, BOM) are invisible and often
    # land inside words when text is copied, so they are dropped rather than spaced.
    if category == "Cf":
        return None
    if category[0] in "PSZ" or category in ("Cc", "Cs"):
        return " "
    return ch.casefold()


_FOLD = _FoldTable()


def normalise(text: str) -> str:
    """Fold spelling, digit, case and punctuation variants so equal-looking texts share one key."""
    if not isinstance(text, str):
        return ""
    folded = unicodedata.normalize("NFKC", text).translate(_FOLD)
    # Casefolding can emit decomposed sequences; recompose so a second pass changes nothing.
    folded = unicodedata.normalize("NFKC", folded).translate(_FOLD)
    return " ".join(_NON_DECIMAL_DOT.sub(" ", folded).split())


def words(text: str) -> list[str]:
    """Normalised words, the unit that names and headlines are compared by."""
    return normalise(text).split()


def strip_article(word: str) -> str:
    """Drop a leading definite article so "الرياضة" and "رياضة" compare equal."""
    for prefix in _ARTICLE_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= _MIN_STEM_LETTERS:
            return word[len(prefix) :]
    return word


def text_key(text: str) -> str:
    """The dedupe key for a ticker headline: the same headline re-typed or re-marked gives one key."""
    return " ".join(words(text))
