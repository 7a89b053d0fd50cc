"""Light Arabic/English stemming and stop-words: the token unit for sentence centrality and classification."""

from __future__ import annotations

from functools import lru_cache

from jobs.arabic import words

# Clitics and articles that attach to the front of an Arabic word, longest first so "وال" beats "و".
_PREFIXES = ("وبال", "وكال", "وال", "بال", "فال", "كال", "لل", "ال", "و", "ف", "ب", "ل")
# Pronoun, plural and feminine endings, longest first so "هما" beats "ها".
_SUFFIXES = ("هما", "كما", "تها", "ات", "ون", "ين", "ان", "ها", "هم", "كم", "نا", "يه", "ه", "ي")
# Stems shorter than this are more likely the word itself ("بلد", "وزن") than a stripped form.
_MIN_STEM = 3
# English plurals and verb forms, stripped only from longer words.
_ENGLISH_SUFFIXES = ("ing", "es", "ed", "s")
_MIN_ENGLISH_STEM = 4

# Function words carry no topic; listed in normalise()d spelling (ا for أ/إ/آ, ي for ى, ه for ة).
STOP_WORDS = frozenset({
    "في", "من", "الي", "علي", "عن", "مع", "هذا", "هذه", "ذلك", "تلك", "الذي", "التي", "الذين", "اللذين",
    "اللتين", "ان", "او", "ثم", "لا", "لم", "لن", "ما", "قد", "كان", "كانت", "يكون", "تكون", "هو", "هي",
    "هم", "هما", "نحن", "انا", "انت", "كل", "بعض", "غير", "بين", "حتي", "اذا", "لكن", "بل", "عند",
    "عندما", "منذ", "خلال", "بعد", "قبل", "حيث", "ايضا", "فقط", "كما", "لقد", "وقد", "وكان", "وكانت",
    "وهو", "وهي", "وفي", "ومن", "وان", "اي", "وذلك", "هناك", "هنا", "به", "بها", "له", "لها", "عليه",
    "عليها", "منه", "منها", "فيه", "فيها", "اليه", "اليها", "الا", "سوف", "ليس", "ليست", "اكثر", "اقل",
    "دون", "ضد", "نحو", "لدي", "لدى", "قال", "وقال", "واضاف", "وتابع", "واوضح", "واشار", "وذكر", "يذكر",
    "الان", "اليوم", "امس", "عام", "العام",
    "the", "a", "an", "of", "to", "in", "on", "for", "and", "or", "but", "is", "are", "was", "were",
    "be", "been", "being", "by", "with", "at", "from", "as", "that", "this", "these", "those", "it",
    "its", "he", "she", "they", "we", "you", "his", "her", "their", "our", "not", "no", "said", "says",
    "will", "would", "has", "have", "had",
})  # fmt: skip


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A normalised word without one prefix chain and one suffix, kept at least _MIN_STEM letters long."""
    if word.isascii():
        for suffix in _ENGLISH_SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_ENGLISH_STEM:
                return word[: -len(suffix)]
        return word
    for prefix in _PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= _MIN_STEM:
            word = word[len(prefix) :]
            break
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            return word[: -len(suffix)]
    return word


def stems(text: str) -> list[str]:
    """Content stems of text in order: normalised, stop-words and bare numbers dropped, then stemmed."""
    return [stem(word) for word in words(text) if word not in STOP_WORDS and not word.isdigit()]
