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

from benchmarks.corpus import Doc, category_docs, shared_arg, shared_dir, split
from benchmarks.train_classifier import train
from jobs.classify import MIN_MARGIN, Prediction, shipped

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


def main() -> None:
    """Print both tables, the confidence trade-off and the model's load and predict times."""
    args = shared_arg(__doc__ or "").parse_args()
    docs = category_docs(shared_dir(args.shared))
    sources = sorted({d.source for d in docs})
    methods: dict[str, Method] = {"TF-IDF + LinearSVC": baseline, "nashra (stems, Complement NB)": nashra}
    accepted = correct = total = right = 0
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
                    for doc, p in zip(testing, predictions, strict=True):
                        total += 1
                        right += bool(p) and p.label == doc.label
                        if p and p.confident:
                            accepted += 1
                            correct += p.label == doc.label
            print(f"| {source} | " + " | ".join(row) + " |")
        print("| **mean** | " + " | ".join(f"**{statistics.mean(v):.3f}**" for v in means.values()) + " |")
    print(f"\ncross-source, margin ≥ {MIN_MARGIN}: {accepted / total:.1%} of items classified, "
          f"{correct / accepted:.1%} of those right (of all: {right / total:.1%}); "
          "the rest get the source default")  # fmt: skip
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
