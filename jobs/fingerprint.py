"""Recognise the same story twice: MinHash sketches for article text, word diffs for ticker headlines."""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import Enum
from itertools import islice
from typing import Any

from jobs.arabic import words

# Word 3-shingles: single words match across unrelated stories, longer shingles miss light edits.
SHINGLE = 3
# Below this many words the text says too little (two short bulletins share phrasing by chance).
MIN_FINGERPRINT_WORDS = 30
# Bottom-k MinHash: the k smallest shingle hashes estimate resemblance within about ±0.1.
SKETCH_SIZE = 32
# Estimated shingle resemblance above which two texts are one story (re-published, lightly edited).
# SimHash was tried first: on a 60-word story one changed word flips 8 of 64 bits, too close to noise.
SAME_TEXT = 0.5
# A headline this similar character by character is a typo fix or a spelling variant.
TYPO_RATIO = 0.9
# Headlines sharing this share of their words are one story told again (revised or re-run).
SAME_STORY_WORDS = 0.5
# How long a story stays in memory for matching; news repeats within days, not weeks.
INDEX_MAX_AGE = 3 * 24 * 3600.0
INDEX_MAX_ENTRIES = 3000

Fingerprint = tuple[int, ...]


def fingerprint(text: str) -> Fingerprint | None:
    """A MinHash sketch of normalised word shingles; None when the text is too short to tell."""
    tokens = words(text)
    if len(tokens) < MIN_FINGERPRINT_WORDS:
        return None
    hashes = {
        int.from_bytes(hashlib.blake2b(" ".join(tokens[i : i + SHINGLE]).encode(), digest_size=6).digest())
        for i in range(len(tokens) - SHINGLE + 1)
    }
    return tuple(heapq.nsmallest(SKETCH_SIZE, hashes))


def resemblance(a: Fingerprint, b: Fingerprint) -> float:
    """Estimated Jaccard resemblance of the two texts' shingle sets (bottom-k estimator)."""
    sa = set(a)
    both = sa.intersection(b)
    if not both:
        return 0.0  # nearly every pair: no shared hash, nothing to rank
    union = heapq.nsmallest(SKETCH_SIZE, sa.union(b))
    return sum(1 for h in union if h in both) / len(union)


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


@dataclass(slots=True)
class Story:
    """A story already handled: its item key, fingerprint, headline and whether it came from a ticker."""

    key: str
    fingerprint: Fingerprint | None
    headline: str
    ticker: bool
    at: float

    def to_json(self) -> list[object]:
        """The story as one small journal record: its key first, the time it was found last."""
        sketch = list(self.fingerprint) if self.fingerprint is not None else None
        return [self.key, sketch, self.headline, self.ticker, self.at]

    @classmethod
    def from_json(cls, row: Sequence[Any]) -> Story:
        """A story from its journal record (JSON gave the sketch back as a list)."""
        key, sketch, headline, ticker, at = row
        sketch = tuple(sketch) if isinstance(sketch, list) else None
        return cls(str(key), sketch, str(headline), bool(ticker), float(at))


def stale(ats: Iterable[float], count: int, now: float) -> int:
    """How many of the oldest of `count` stories (found at `ats`, oldest first) the index lets go.

    Those past INDEX_MAX_AGE, then the oldest beyond INDEX_MAX_ENTRIES.
    """
    cutoff = now - INDEX_MAX_AGE
    for oldest, at in enumerate(ats):
        if at >= cutoff and count - oldest <= INDEX_MAX_ENTRIES:
            return oldest
    return count


class StoryIndex:
    """Recent stories of every source, one per key, oldest first, for cross-URL and cross-source matching."""

    def __init__(self, stories: Iterable[Story] = ()) -> None:
        self._stories = {story.key: story for story in stories}

    def __iter__(self) -> Iterator[Story]:
        return iter(self._stories.values())

    def __contains__(self, story: object) -> bool:
        return isinstance(story, Story) and self._stories.get(story.key) is story

    def add(self, story: Story) -> None:
        """Index a story found now; one with a key indexed before replaces it, last (as a journal replay)."""
        self._stories.pop(story.key, None)
        self._stories[story.key] = story

    def forget(self, stories: Iterable[Story]) -> None:
        """Drop these stories, not others indexed since under the same key."""
        for story in stories:
            if story in self:
                del self._stories[story.key]

    def trim(self, now: float) -> None:
        """Let go of the stories the index no longer keeps (see stale)."""
        ats = (story.at for story in self._stories.values())
        # The keys first, then the deletes: a dict keeps deleted slots until it grows, so scanning from the
        # front after each delete would be quadratic.
        for key in list(islice(self._stories, stale(ats, len(self._stories), now))):
            del self._stories[key]

    def same_text(self, sketch: Fingerprint | None) -> Story | None:
        """An earlier story whose text is this one's, give or take light edits."""
        if sketch is None:
            return None
        return next(
            (
                s
                for s in reversed(self._stories.values())
                if s.fingerprint is not None and resemblance(s.fingerprint, sketch) >= SAME_TEXT
            ),
            None,
        )

    def ticker_for(self, headline: str) -> Story | None:
        """The ticker headline an article's title repeats (or revises), if any."""
        return next(
            (
                s
                for s in reversed(self._stories.values())
                if s.ticker and compare_headlines(s.headline, headline) is not Change.UNRELATED
            ),
            None,
        )
