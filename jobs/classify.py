"""Topic of an article from its words, for sources that give no category: a small shipped linear model."""

from __future__ import annotations

import json
import math
from collections import Counter
from functools import cache
from importlib import resources
from typing import NamedTuple

from jobs.stems import stems

# Trained by benchmarks/train_classifier.py from the ANT multisource corpus (all five sources).
MODEL = "classifier.json"
# The headline is the densest statement of the topic; it counts as this many copies of its words.
TITLE_WEIGHT = 3
# Below this gap between the best and second-best topic score the text is ambiguous: on the held-out 30%
# it keeps 89% of items at 88% accuracy (84% for all items); see benchmarks/README.md.
MIN_MARGIN = 0.2


class Prediction(NamedTuple):
    """The best topic label and how far ahead of the runner-up it scored."""

    label: str
    margin: float

    @property
    def confident(self) -> bool:
        """True when the topic is clear enough to file the item under it rather than the source default."""
        return self.margin >= MIN_MARGIN


class Classifier:
    """A linear model over light-stemmed words: sublinear tf-idf, L2-normalised, one weight row per term."""

    def __init__(self, labels: tuple[str, ...], terms: dict[str, list[float]]) -> None:
        """Each term maps to [idf, weight for labels[0], weight for labels[1], ...]."""
        self.labels = labels
        self.terms = terms

    @classmethod
    def from_json(cls, text: str) -> Classifier:
        """Parse a model file written by the training script."""
        data = json.loads(text)
        labels = tuple(data["labels"])
        terms = {term: [float(x) for x in row] for term, row in data["terms"].items()}
        if any(len(row) != len(labels) + 1 for row in terms.values()):
            raise ValueError("classifier model: every term needs an idf and one weight per label")
        return cls(labels, terms)

    def scores(self, text: str, title: str = "") -> list[float]:
        """One score per label; higher is more likely. All zero when no known word occurs."""
        counts = Counter(stems(title) * TITLE_WEIGHT + stems(text))
        weighted = {
            term: (1 + math.log(count)) * self.terms[term][0]
            for term, count in counts.items()
            if term in self.terms
        }
        norm = math.sqrt(sum(value * value for value in weighted.values())) or 1.0
        totals = [0.0] * len(self.labels)
        for term, value in weighted.items():
            row = self.terms[term]
            for i in range(len(totals)):
                totals[i] += value / norm * row[i + 1]
        return totals

    def predict(self, text: str, title: str = "") -> Prediction | None:
        """The best label with its margin, or None when the text has no word the model knows."""
        totals = self.scores(text, title)
        if not any(totals):
            return None
        ranked = sorted(range(len(totals)), key=totals.__getitem__, reverse=True)
        return Prediction(self.labels[ranked[0]], totals[ranked[0]] - totals[ranked[1]])


@cache
def shipped() -> Classifier:
    """The model that ships in jobs/models, loaded once."""
    return Classifier.from_json(resources.files("jobs.models").joinpath(MODEL).read_text(encoding="utf-8"))
