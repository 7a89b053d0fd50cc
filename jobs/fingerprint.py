"""Recognise the same story twice: SimHash for article text, word diffs for ticker headlines."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import Enum

from jobs.arabic import words

FINGERPRINT_BITS = 64
# Word 3-shingles: single words match across unrelated stories, longer shingles miss light edits.
SHINGLE = 3
# Below this many words a SimHash says little (two short bulletins share most shingles by chance).
MIN_FINGERPRINT_WORDS = 30
# Differing bits between two fingerprints of one story (re-published, lightly edited, another site).
NEAR_BITS = 4
# A headline this similar character by character is a typo fix or a spelling variant.
TYPO_RATIO = 0.9
# Headlines sharing this share of their words are one story told again (revised or re-run).
SAME_STORY_WORDS = 0.5
# How long a story stays in memory for matching; news repeats within days, not weeks.
INDEX_MAX_AGE = 3 * 24 * 3600.0
INDEX_MAX_ENTRIES = 3000


def simhash(text: str) -> int | None:
    """A 64-bit SimHash of normalised word shingles; None when the text is too short to tell."""
    tokens = words(text)
    if len(tokens) < MIN_FINGERPRINT_WORDS:
        return None
    weights = [0] * FINGERPRINT_BITS
    for i in range(len(tokens) - SHINGLE + 1):
        shingle = " ".join(tokens[i : i + SHINGLE]).encode()
        value = int.from_bytes(hashlib.blake2b(shingle, digest_size=8).digest(), "big")
        for bit in range(FINGERPRINT_BITS):
            weights[bit] += 1 if value >> bit & 1 else -1
    return sum(1 << bit for bit, weight in enumerate(weights) if weight > 0)


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


class Change(Enum):
    """How a new headline relates to an earlier one."""

    SAME = "same"  # typo fix, an added or dropped word, tatweel: not news
    REVISED = "revised"  # the same story with different facts: edit what was sent
    UNRELATED = "unrelated"


def compare_headlines(old: str, new: str) -> Change:
    """Classify an edit of a headline; changed numbers are always meaningful (3 dead → 5 dead)."""
    a, b = words(old), words(new)
    if not a or not b:
        return Change.UNRELATED
    shared = len(set(a) & set(b)) / len(set(a) | set(b))
    numbers_changed = {w for w in a if w.isdigit()} != {w for w in b if w.isdigit()}
    if shared < SAME_STORY_WORDS and SequenceMatcher(None, a, b).ratio() < SAME_STORY_WORDS:
        return Change.UNRELATED
    if numbers_changed:
        return Change.REVISED
    if SequenceMatcher(None, " ".join(a), " ".join(b)).ratio() >= TYPO_RATIO or _one_word_edit(a, b):
        return Change.SAME
    return Change.REVISED


def _one_word_edit(a: list[str], b: list[str]) -> bool:
    """True when one headline is the other with a single word added or removed."""
    if abs(len(a) - len(b)) != 1:
        return False
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


@dataclass
class Story:
    """A story already handled: its item key, fingerprint, headline and whether it came from a ticker."""

    key: str
    fingerprint: int | None
    headline: str
    ticker: bool
    at: float


class StoryIndex:
    """Recent stories from every source, for cross-URL and cross-source matching; JSON round-trips."""

    def __init__(self, stories: Iterable[Story] = ()) -> None:
        self.stories = list(stories)

    def add(self, story: Story) -> None:
        self.stories.append(story)
        cutoff = time.time() - INDEX_MAX_AGE
        self.stories = [s for s in self.stories if s.at >= cutoff][-INDEX_MAX_ENTRIES:]

    def same_text(self, fingerprint: int | None) -> Story | None:
        """An earlier story whose text is this one's, give or take light edits."""
        if fingerprint is None:
            return None
        return next(
            (
                s
                for s in reversed(self.stories)
                if s.fingerprint is not None and distance(s.fingerprint, fingerprint) <= NEAR_BITS
            ),
            None,
        )

    def ticker_for(self, headline: str) -> Story | None:
        """The ticker headline an article's title repeats (or revises), if any."""
        return next(
            (
                s
                for s in reversed(self.stories)
                if s.ticker and compare_headlines(s.headline, headline) is not Change.UNRELATED
            ),
            None,
        )

    def to_json(self) -> list[list[object]]:
        return [[s.key, s.fingerprint, s.headline, s.ticker, s.at] for s in self.stories]

    @classmethod
    def from_json(cls, rows: Iterable[list[object]]) -> StoryIndex:
        stories = []
        for row in rows:
            key, fingerprint, headline, ticker, at = row
            stories.append(Story(str(key), fingerprint, str(headline), bool(ticker), float(at)))  # type: ignore[arg-type]
        return cls(stories)
