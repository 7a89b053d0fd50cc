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
# Below this lead over the next label the text is ambiguous: across sources it keeps 85% of items at 86%
# accuracy (82% for all items); 0.8 would keep 74% at 90%. See benchmarks/README.md.
MIN_MARGIN = 0.5


# A runner-up this close to the best label is as plausible a filing: the item goes under both (a story on
# a Gulf summit in Washington is regional and world news). Across sources 5.3% of items get two labels.
SHARED_MARGIN = 0.15


class Prediction(NamedTuple):
    """The best topic label, how far ahead of the runner-up it scored, and that runner-up."""

    label: str
    margin: float
    runner_up: str = ""
    # How far the runner-up scored ahead of the third label: the pair's own margin when both are kept.
    runner_up_lead: float = 0.0

    @property
    def confident(self) -> bool:
        """True when the topic (or the pair of topics) is clear enough to beat the source default."""
        lead = self.runner_up_lead if len(self.labels) > 1 else self.margin
        return lead >= MIN_MARGIN

    @property
    def labels(self) -> tuple[str, ...]:
        """The best label, and the runner-up too when it scored almost as well."""
        if self.runner_up and self.margin < SHARED_MARGIN:
            return (self.label, self.runner_up)
        return (self.label,)


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
        if not weighted:
            return [0.0] * len(self.labels)
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
        best, second, third = ranked[0], ranked[1], ranked[2] if len(ranked) > 2 else ranked[1]
        return Prediction(
            self.labels[best],
            totals[best] - totals[second],
            self.labels[second],
            totals[second] - totals[third],
        )


@cache
def shipped() -> Classifier:
    """The model that ships in jobs/models, loaded once."""
    return Classifier.from_json(resources.files("jobs.models").joinpath(MODEL).read_text(encoding="utf-8"))
