"""Read the shared evaluation corpora and split them once, by a fixed seed, for training and reporting."""

from __future__ import annotations

import argparse
import os
import random
import re
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple, TypeVar

T = TypeVar("T")

# The shared folder sits beside the checkout; NASHRA_SHARED points elsewhere (a worktree, CI).
DEFAULT_SHARED = Path(__file__).resolve().parents[2] / "shared"
SUMMARIES = Path("corpus/summaries/ant_multisource_v2.1_bbc_middleEast/BBC/middleEast")
CATEGORIES = Path("corpus/categories/ant_multisource_v2.1_sample")
JAWHARA = Path("corpus/categories/ant_v1.1_jawharafm_sample")
# One seed and one ratio for every script and test, so "the 30%" always means the same documents.
SEED = 20180218
TRAIN_SHARE = 0.7

# The fields inside <DOC>; the DOC element itself would swallow them all.
_FIELD = re.compile(r"<(?P<tag>DOCNO|SRC|CAT|TITLE|ABSTRACT|TEXT)>\s*(?P<value>.*?)\s*</(?P=tag)>", re.DOTALL)


class Doc(NamedTuple):
    """One ANT corpus document."""

    docno: str
    source: str
    label: str
    title: str
    abstract: str
    text: str


def shared_dir(given: str | None = None) -> Path:
    """The shared folder: the argument, else $NASHRA_SHARED, else ../shared beside the checkout."""
    path = Path(given or os.environ.get("NASHRA_SHARED") or DEFAULT_SHARED)
    if not (path / "corpus").is_dir():
        raise SystemExit(f"no corpus under {path}: pass --shared or set NASHRA_SHARED")
    return path


def shared_arg(description: str) -> argparse.ArgumentParser:
    """An argument parser that knows where the corpus is."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--shared", help="the shared folder (default: $NASHRA_SHARED or ../shared)")
    return parser


def read_doc(path: Path) -> Doc:
    """Parse one TREC-like <DOC> file."""
    fields = {m["tag"]: m["value"] for m in _FIELD.finditer(path.read_text(encoding="utf-8"))}
    return Doc(
        fields.get("DOCNO", path.stem),
        fields.get("SRC", ""),
        fields.get("CAT", ""),
        fields.get("TITLE", ""),
        fields.get("ABSTRACT", ""),
        fields.get("TEXT", ""),
    )


def summary_docs(shared: Path) -> list[Doc]:
    """The 1,100 BBC Arabic documents with a journalist-written standfirst, in file-name order."""
    return [read_doc(path) for path in sorted((shared / SUMMARIES).glob("*.txt"))]


def category_docs(shared: Path) -> list[Doc]:
    """The ANT multisource sample: five sources, six labels, in path order."""
    return [read_doc(path) for path in sorted((shared / CATEGORIES).glob("*/*/*.txt"))]


def jawhara_docs(shared: Path) -> list[Doc]:
    """The JawharaFM sample: one Tunisian source, nine labels of its own, in path order."""
    return [read_doc(path) for path in sorted((shared / JAWHARA).glob("*/*.txt"))]


def split(items: Sequence[T], seed: int = SEED) -> tuple[list[T], list[T]]:
    """The fixed 70/30 split: a seeded shuffle of the given order, first 70% to train."""
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    cut = round(len(order) * TRAIN_SHARE)
    return [items[i] for i in order[:cut]], [items[i] for i in order[cut:]]


def split_by_source(docs: Sequence[Doc], seed: int = SEED) -> tuple[list[Doc], list[Doc]]:
    """Every source's fixed 70/30 split, sources in name order: (the training 70%s, the held-out 30%s)."""
    training: list[Doc] = []
    held_out: list[Doc] = []
    for source in sorted({d.source for d in docs}):
        train, test = split([d for d in docs if d.source == source], seed)
        training += train
        held_out += test
    return training, held_out
