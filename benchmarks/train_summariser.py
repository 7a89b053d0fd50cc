"""Train the summariser's sentence scorer on the 70% split and write jobs/models/summariser.json.

Run from the repository root: python -m benchmarks.train_summariser [--shared PATH]
Needs the test extra (numpy, scikit-learn); the shipped model is plain JSON read without them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import Ridge

from benchmarks.corpus import Doc, shared_arg, shared_dir, split, summary_docs
from benchmarks.rouge import score
from jobs.summarise import FEATURES, MODEL, news_sentences, sentence_features

OUTPUT = Path(__file__).resolve().parents[1] / "jobs" / "models" / MODEL
# The standfirst's size: each sentence is judged by what the one-sentence summary would show of it.
TARGET_WORDS = 35
# Ridge keeps the many correlated position and overlap features from trading wild weights.
ALPHA = 1.0


def training_rows(docs: list[Doc]) -> tuple[np.ndarray, np.ndarray]:
    """Features of every sentence and its ROUGE-2 against the standfirst, cut to TARGET_WORDS."""
    rows, targets = [], []
    for doc in docs:
        sentences = news_sentences(doc.text)
        rows.extend(sentence_features(sentences, doc.title))
        targets.extend(score(" ".join(s.split()[:TARGET_WORDS]), doc.abstract).r2 for s in sentences)
    return np.array(rows), np.array(targets)


def write(weights: list[float]) -> None:
    """Write the model file the summariser loads."""
    data = {"features": list(FEATURES), "weights": [round(w, 6) for w in weights]}
    OUTPUT.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    """Fit the scorer on the training split and write the model file."""
    args = shared_arg(__doc__ or "").parse_args()
    train, _ = split(summary_docs(shared_dir(args.shared)))
    x, y = training_rows(train)
    model = Ridge(alpha=ALPHA).fit(x, y)
    weights = [float(w) for w in model.coef_]
    weights[FEATURES.index("bias")] += float(model.intercept_)
    write(weights)
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes) from {len(train)} documents")


if __name__ == "__main__":
    main()
