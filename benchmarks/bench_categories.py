"""Topic classifier quality (macro-F1, in-source and cross-source) against a TF-IDF + LinearSVC baseline.

Run from the repository root: python -m benchmarks.bench_categories [--shared PATH]
In-source: each source's fixed 70/30 split. Cross-source: train on four sources, test on all of the fifth.
Macro-F1 averages over the labels the test documents carry; predicting a label they lack is still an error.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.pipeline import make_pipeline, make_union
from sklearn.svm import LinearSVC

from benchmarks.corpus import Doc, category_docs, jawhara_docs, shared_arg, shared_dir, split
from benchmarks.train_classifier import train
from jobs.classify import MIN_MARGIN, SHARED_MARGIN, Prediction, shipped

# The baseline the issue names: words plus character n-grams, a linear SVM, library defaults otherwise.
CHAR_NGRAMS = (2, 4)
TIMING_REPEATS = 20

Method = Callable[[Sequence[Doc]], Callable[[Doc], Prediction | None]]


def baseline(training: Sequence[Doc]) -> Callable[[Doc], Prediction | None]:
    """TF-IDF (words + char n-grams) + LinearSVC, fitted on training."""
    features = make_union(TfidfVectorizer(), TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS))
    model = make_pipeline(features, LinearSVC()).fit(
        [f"{d.title}\n{d.text}" for d in training], [d.label for d in training]
    )
    return lambda doc: Prediction(str(model.predict([f"{doc.title}\n{doc.text}"])[0]), 1.0)


def nashra(training: Sequence[Doc]) -> Callable[[Doc], Prediction | None]:
    """The shipped method, trained on training and applied in plain Python as at run time."""
    classifier = train(training)
    return lambda doc: classifier.predict(doc.text, doc.title)


def macro_f1(
    method: Method, training: Sequence[Doc], testing: Sequence[Doc]
) -> tuple[float, list[Prediction | None]]:
    """Macro-F1 of method fitted on training over testing, with its predictions."""
    predict = method(training)
    predictions = [predict(doc) for doc in testing]
    labels = [p.label if p else "" for p in predictions]
    # Averaged over the labels the test source uses: a source without a label (alarabia has no
    # middleEast, CNN and skynews no culture) must not count that label's F1 of zero.
    present = sorted({d.label for d in testing})
    f1 = f1_score([d.label for d in testing], labels, labels=present, average="macro")
    return float(f1), predictions


def confidence_report(cross: Sequence[tuple[Doc, Prediction | None]]) -> None:
    """Cross-source: how many items the margin lets through, how good those are, and the two-label rule."""
    covered = [(d, p) for d, p in cross if p and p.confident]
    sources = sorted({d.source for d, _ in cross})

    def mean_f1(pairs: Sequence[tuple[Doc, Prediction | None]]) -> float:
        """Macro-F1 per source (over the labels it uses), then the mean; an abstention counts as wrong."""
        scores = []
        for source in sources:
            own = [(d, p) for d, p in pairs if d.source == source]
            present = sorted({d.label for d, _ in own})
            labels = [p.label if p and p.confident else "" for _, p in own]
            scores.append(f1_score([d.label for d, _ in own], labels, labels=present, average="macro"))
        return statistics.mean(scores)

    right = sum(bool(p) and p.label == d.label for d, p in cross) / len(cross)
    accuracy = sum(p.label == d.label for d, p in covered) / len(covered)
    print(f"\ncross-source, margin ≥ {MIN_MARGIN}: {len(covered) / len(cross):.1%} of items classified, "
          f"{accuracy:.1%} of those right (of all, no abstaining: {right:.1%}); macro-F1 "
          f"{mean_f1(covered):.3f} on the classified items, {mean_f1(cross):.3f} on all with the rest "
          "left to the source default")  # fmt: skip
    kept = [(d, p.labels) for d, p in cross if p]
    two = sum(len(labels) > 1 for _, labels in kept) / len(cross)
    hit = sum(d.label in labels for d, labels in kept) / len(cross)
    # Example-based F1: a second label that is wrong costs precision, a right one recovers recall.
    example_f1 = sum(2 * (d.label in labels) / (len(labels) + 1) for d, labels in kept) / len(cross)
    print(f"two labels when the runner-up is within {SHARED_MARGIN}: {two:.1%} of items get two; the true "
          f"label is among them for {hit:.1%} (top-1 alone {right:.1%}); example-based F1 "
          f"{example_f1:.3f} (top-1 alone {right:.3f})")  # fmt: skip


def jawhara_report(docs: Sequence[Doc], methods: dict[str, Method]) -> None:
    """In-source on JawharaFM: a sixth source with its own nine labels, so outside the ANT tables' means."""
    training, testing = split(docs)
    scores = [f"{macro_f1(method, training, testing)[0]:.3f}" for method in methods.values()]
    print(
        f"\nJawharaFM in-source (9 labels, 70/30 of {len(docs)}): "
        + ", ".join(f"{name} {score}" for name, score in zip(methods, scores, strict=True))
    )


def main() -> None:
    """Print both tables, the confidence and multi-label trade-offs and the model's load and predict times."""
    args = shared_arg(__doc__ or "").parse_args()
    docs = category_docs(shared_dir(args.shared))
    sources = sorted({d.source for d in docs})
    methods: dict[str, Method] = {"TF-IDF + LinearSVC": baseline, "nashra (CNB + centroids)": nashra}
    cross: list[tuple[Doc, Prediction | None]] = []
    for setting in ("in-source (70/30 of the source)", "cross-source (train on the other four)"):
        print(f"\n{setting}\n\n| source | " + " | ".join(methods) + " |\n|---|" + "---|" * len(methods))
        means: dict[str, list[float]] = {name: [] for name in methods}
        for source in sources:
            own = [d for d in docs if d.source == source]
            training, testing = (
                split(own) if setting.startswith("in") else ([d for d in docs if d.source != source], own)
            )
            row = []
            for name, method in methods.items():
                f1, predictions = macro_f1(method, training, testing)
                means[name].append(f1)
                row.append(f"{f1:.3f}")
                if name.startswith("nashra") and setting.startswith("cross"):
                    cross.extend(zip(testing, predictions, strict=True))
            print(f"| {source} | " + " | ".join(row) + " |")
        print("| **mean** | " + " | ".join(f"**{statistics.mean(v):.3f}**" for v in means.values()) + " |")
    confidence_report(cross)
    jawhara_report(jawhara_docs(shared_dir(args.shared)), methods)
    start = time.perf_counter()
    shipped.cache_clear()
    model = shipped()
    load_ms = (time.perf_counter() - start) * 1000
    sample = docs[: TIMING_REPEATS * 5]
    times = []
    for doc in sample:
        start = time.perf_counter()
        model.predict(doc.text, doc.title)
        times.append(time.perf_counter() - start)
    print(f"shipped model: {len(model.labels)} labels, loads in {load_ms:.0f} ms, "
          f"predicts in {statistics.median(times) * 1000:.2f} ms (median)")  # fmt: skip


if __name__ == "__main__":
    main()
