"""Summary quality (ROUGE vs BBC Arabic standfirsts) and speed, on the 30% reporting split.

Run from the repository root: python -m benchmarks.bench_summaries [--shared PATH]
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from benchmarks.corpus import Doc, shared_arg, shared_dir, split, summary_docs
from benchmarks.rouge import Scores, score
from jobs.summarise import (
    CAPTION_BUDGET,
    CAPTION_SENTENCES,
    first_words,
    news_sentences,
    split_sentences,
    summarise,
)

# The standfirst's size: a one-sentence summary is held to it.
ONE_SENTENCE_WORDS = 35
# Large enough that only the word limit binds at the one-sentence budget.
NO_CHAR_LIMIT = 10_000
ORACLE_SENTENCES = 3
ARTICLE_WORDS = 1000
TIMING_ARTICLES = 50
TIMING_REPEATS = 5


def lead(doc: Doc, count: int) -> str:
    """The first count sentences as the corpus gives them: the issue's baseline."""
    return " ".join(split_sentences(doc.text)[:count])


def lead_within(doc: Doc, count: int, budget: int, max_words: int | None = None) -> str:
    """The first sentences that fit the same budget the summariser gets (the old lead summary)."""
    chosen: list[str] = []
    for sentence in news_sentences(doc.text)[:count]:
        candidate = " ".join([*chosen, sentence])
        if len(candidate) > budget or (max_words is not None and len(candidate.split()) > max_words):
            break
        chosen.append(sentence)
    return " ".join(chosen)


def lead_cut(doc: Doc, max_words: int) -> str:
    """The first sentence cut to max_words: lead-1 held to the one-sentence budget."""
    return first_words(news_sentences(doc.text)[0], max_words)


def oracle(doc: Doc) -> str:
    """Greedy extractive oracle: add the sentence that most raises ROUGE-2, up to three."""
    sentences, chosen, best = split_sentences(doc.text), [], 0.0
    for _ in range(ORACLE_SENTENCES):
        gains = [
            (score(" ".join(sentences[j] for j in sorted([*chosen, i])), doc.abstract).r2, i)
            for i in range(len(sentences))
            if i not in chosen
        ]
        if not gains or max(gains)[0] <= best:
            break
        best, index = max(gains)
        chosen.append(index)
    return " ".join(sentences[i] for i in sorted(chosen))


def best_single(doc: Doc, among: int | None = None) -> str:
    """The one sentence (cut to 35 words) that scores best: what sentence choice alone could reach."""
    sentences = [first_words(s, ONE_SENTENCE_WORDS) for s in news_sentences(doc.text)[:among]]
    return max(sentences, key=lambda sentence: score(sentence, doc.abstract).r2)


METHODS: dict[str, Callable[[Doc], str]] = {
    "lead-1 (whole first sentence)": lambda d: lead(d, 1),
    "lead-1 cut to 35 words": lambda d: lead_cut(d, ONE_SENTENCE_WORDS),
    "nashra, 1 sentence ≤ 35 words": lambda d: summarise(
        d.text, NO_CHAR_LIMIT, title=d.title, max_sentences=1, max_words=ONE_SENTENCE_WORDS
    ),
    "lead-2": lambda d: lead(d, 2),
    "lead-3 (whole)": lambda d: lead(d, 3),
    "lead-3 within 600 chars": lambda d: lead_within(d, CAPTION_SENTENCES, CAPTION_BUDGET),
    "nashra, caption (≤ 3 sentences, ≤ 600 chars)": lambda d: summarise(
        d.text, CAPTION_BUDGET, title=d.title
    ),
    "oracle, best 1 of the first 3 sentences ≤ 35 words": lambda d: best_single(d, CAPTION_SENTENCES),
    "oracle, best 1 sentence ≤ 35 words": best_single,
    "greedy oracle (≤ 3 sentences)": oracle,
}


def quality(docs: list[Doc]) -> dict[str, Scores]:
    """Mean ROUGE-1/2/L F1 of each method."""
    results = {}
    for name, method in METHODS.items():
        scores = [score(method(doc), doc.abstract) for doc in docs]
        results[name] = Scores(*(statistics.mean(column) for column in zip(*scores, strict=True)))
    return results


def articles_of(docs: list[Doc], words: int) -> list[tuple[str, str]]:
    """(title, text) pairs of about `words` words each, by appending the following documents' text."""
    articles = []
    for start in range(min(TIMING_ARTICLES, len(docs))):
        lines: list[str] = []
        index = start
        while sum(len(line.split()) for line in lines) < words:
            lines.extend(docs[index % len(docs)].text.splitlines())
            index += 1
        text = "\n".join(lines)
        articles.append((docs[start].title, " ".join(text.split(" ")[:words])))
    return articles


def median_ms(function: Callable[[str, str], str], articles: list[tuple[str, str]]) -> float:
    """Median wall time of one call, best of TIMING_REPEATS per article to damp a noisy machine."""
    times = []
    for title, text in articles:
        runs = []
        for _ in range(TIMING_REPEATS):
            start = time.perf_counter()
            function(title, text)
            runs.append(time.perf_counter() - start)
        times.append(min(runs))
    return statistics.median(times) * 1000


def main() -> None:
    """Print the quality table and the timings as markdown."""
    args = shared_arg(__doc__ or "").parse_args()
    docs = summary_docs(shared_dir(args.shared))
    train, test = split(docs)
    every = statistics.mean(score(lead(doc, 1), doc.abstract).r2 for doc in docs)
    print(f"lead-1 ROUGE-2 on all {len(docs)} documents: {every:.3f} (issue 4 measured 0.429)")
    print(f"{len(test)} reporting documents (30% split); {len(train)} were used for training\n")
    print("| method | ROUGE-1 | ROUGE-2 | ROUGE-L |\n|---|---|---|---|")
    for name, result in quality(test).items():
        print(f"| {name} | {result.r1:.3f} | {result.r2:.3f} | {result.rl:.3f} |")
    articles = articles_of(test, ARTICLE_WORDS)
    ours = median_ms(lambda title, text: summarise(text, CAPTION_BUDGET, title=title), articles)
    base = median_ms(lambda title, text: " ".join(split_sentences(text)[:CAPTION_SENTENCES]), articles)
    print(f"\n{ARTICLE_WORDS}-word articles, median of {len(articles)}: summarise {ours:.2f} ms, "
          f"lead-3 (segmentation only) {base:.2f} ms, ratio {ours / base:.1f}×")  # fmt: skip


if __name__ == "__main__":
    main()
