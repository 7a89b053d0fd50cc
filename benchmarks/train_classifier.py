"""Train the topic classifier on ANT corpus documents and write jobs/models/classifier.json.

Run from the repository root: python -m benchmarks.train_classifier [--shared PATH]
The shipped model is trained on the 70% split of every source (the same split the tests hold out).
Needs the test extra (scikit-learn); the model file is read at run time without it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.sparse import spmatrix
from sklearn.feature_extraction.text import TfidfVectorizer

from benchmarks.corpus import Doc, category_docs, shared_arg, shared_dir, split_by_source
from jobs.classify import MODEL, TITLE_WEIGHT, Classifier
from jobs.stems import stems

OUTPUT = Path(__file__).resolve().parents[1] / "jobs" / "models" / MODEL
# A stem seen in fewer documents is a name or a typo: it bloats the file and does not generalise.
MIN_DOCUMENTS = 3
# Complement NB smoothing: lower trusts rare topic words more; 0.3 was best on in-source 70% splits.
ALPHA = 0.3
# Each label's centroid (the mean of its training documents, unit length) is a second vote beside Complement
# NB: it weights a word by how typical it is of the label rather than by how well it separated the labels
# in the training outlets, and carries better to an outlet it never saw. Its share after both are scaled to
# unit spread; 1 (an equal vote) was chosen by leave-one-source-out inside the training sources (README).
CENTROID_SHARE = 1.0
# The two labels outlets split differently: a source without the regional label files the region (Gaza,
# Yemen, Sudan) under world news, so only sources that use both say where the line between them runs.
LINE = ("internationalNews", "middleEast")
# Enough digits that rounding never flips a prediction, few enough to keep the file small.
DIGITS = 4


def tokens(doc: Doc) -> list[str]:
    """The same tokens the run-time classifier counts: title stems weighted, then body stems."""
    return stems(doc.title) * TITLE_WEIGHT + stems(doc.text)


def train(docs: Sequence[Doc], centroid_share: float = CENTROID_SHARE) -> Classifier:
    """Fit sublinear tf-idf, then Complement NB and the label centroids, folded into one linear model."""
    vectoriser = TfidfVectorizer(analyzer=lambda x: x, sublinear_tf=True, min_df=MIN_DOCUMENTS)
    matrix = vectoriser.fit_transform([tokens(doc) for doc in docs])
    labels = sorted({doc.label for doc in docs})
    every, drawn = _label_totals(matrix, docs, labels)
    bayes = _complement_bayes(every, drawn, labels)
    centroids = drawn / np.linalg.norm(drawn, axis=1, keepdims=True)
    # Each model's scores are scaled by their spread over the training documents, so the blend is still one
    # weight row per term: per-document scaling would cost a second weight table at run time.
    weights = bayes / _spread(matrix @ bayes.T) + centroid_share * centroids / _spread(matrix @ centroids.T)
    terms = {
        term: [round(float(vectoriser.idf_[j]), DIGITS)] + [round(float(w), DIGITS) for w in weights[:, j]]
        for term, j in vectoriser.vocabulary_.items()
    }
    return Classifier(tuple(labels), terms)


def _label_totals(
    matrix: spmatrix, docs: Sequence[Doc], labels: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Summed document vectors per label: of every document, and of those that draw the LINE labels' line."""
    tags = np.array([doc.label for doc in docs])
    sources = np.array([doc.source for doc in docs])
    drawing = [source for source in set(sources) if set(LINE) <= set(tags[sources == source])]
    on_line = np.isin(sources, drawing) if drawing else np.ones(len(docs), dtype=bool)
    every, drawn = [], []
    for label in labels:
        own = tags == label
        every.append(np.asarray(matrix[own].sum(axis=0)).ravel())
        drawn.append(np.asarray(matrix[own & on_line].sum(axis=0)).ravel() if label in LINE else every[-1])
    return np.vstack(every), np.vstack(drawn)


def _complement_bayes(every: np.ndarray, drawn: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """Complement NB log weights; a LINE label's complement counts its partner only as the line is drawn."""
    rows = []
    for i, label in enumerate(labels):
        totals = drawn if label in LINE else every
        complement = totals.sum(axis=0) - totals[i] + ALPHA
        rows.append(-np.log(complement / complement.sum()))
    return np.vstack(rows)


def _spread(scores: np.ndarray) -> float:
    """Standard deviation of scores around each document's own mean: the offset per document is irrelevant."""
    scores = np.asarray(scores)
    return float((scores - scores.mean(axis=1, keepdims=True)).std())


def to_json(classifier: Classifier) -> str:
    """The model file's text."""
    return json.dumps(
        {"labels": list(classifier.labels), "terms": classifier.terms},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def main() -> None:
    """Train on every source's 70% split and write the model file."""
    args = shared_arg(__doc__ or "").parse_args()
    docs = category_docs(shared_dir(args.shared))
    training, _ = split_by_source(docs)
    OUTPUT.write_text(to_json(train(training)) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes) from {len(training)} documents")


if __name__ == "__main__":
    main()
