"""ROUGE-1/2/L F1 on words normalised as issue 4 specifies, so scores compare across methods and runs."""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

from jobs.arabic import normalise

# One leading article or clitic is stripped per word, the two-letter article tried first.
_PREFIXES = ("ال", "و", "ب", "ل", "ف")
# A shorter remainder is part of the word ("بل", "لم"), not a prefixed word.
_MIN_REST = 2


class Scores(NamedTuple):
    """F1 of ROUGE-1, ROUGE-2 and ROUGE-L."""

    r1: float
    r2: float
    rl: float


def tokens(text: str) -> list[str]:
    """Words without diacritics, tatweel, punctuation or alef/yeh/teh-marbuta variants, one prefix off."""
    out = []
    for word in normalise(text).split():
        for prefix in _PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= _MIN_REST:
                word = word[len(prefix) :]
                break
        out.append(word)
    return out


def _f1(overlap: int, candidate: int, reference: int) -> float:
    if not overlap:
        return 0.0
    precision, recall = overlap / candidate, overlap / reference
    return 2 * precision * recall / (precision + recall)


def rouge_n(candidate: list[str], reference: list[str], n: int) -> float:
    """ROUGE-N F1 over token lists."""
    cand = Counter(zip(*(candidate[i:] for i in range(n)), strict=False))
    ref = Counter(zip(*(reference[i:] for i in range(n)), strict=False))
    return _f1(sum((cand & ref).values()), sum(cand.values()), sum(ref.values()))


def _lcs(a: list[str], b: list[str]) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def score(candidate: str, reference: str) -> Scores:
    """ROUGE-1, -2 and -L F1 of a candidate summary against one reference."""
    cand, ref = tokens(candidate), tokens(reference)
    return Scores(rouge_n(cand, ref, 1), rouge_n(cand, ref, 2), _f1(_lcs(cand, ref), len(cand), len(ref)))
