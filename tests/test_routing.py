"""Who gets an item: keyword filters match words, with Arabic clitics, never the inside of another word."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Config, parse_config
from bot.routing import targets
from bot.store import Store
from jobs.arabic import normalise
from jobs.records import NewsItem

NO_FOOTBALL, DAMASCUS_ONLY, EVERYTHING = 8001, 8002, 8003


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return parse_config(
        {
            "storage": {"path": str(tmp_path / "nashra.json")},
            "categories": [{"slug": "sport", "ar": "رياضة", "en": "Sport"}],
        }
    )


@pytest.fixture
def store(config: Config) -> Store:
    store = Store(config.storage.path)
    for chat, include, exclude in (
        (NO_FOOTBALL, [], ["كرة"]),
        (DAMASCUS_ONLY, ["دمشق"], []),
        (EVERYTHING, [], []),
    ):
        filters = {"include": [normalise(w) for w in include], "exclude": [normalise(w) for w in exclude]}
        store.save_subscriber(chat, categories=["sport"], language="ar", filters=filters)
    return store


def readers(title: str, config: Config, store: Store) -> set[int | str]:
    item = NewsItem(f"url:{title}", "s", title, "https://a.example/", "", ("sport",), breaking=False)
    return {chat for chat, *_ in targets(item, config, store)}


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("فوز الاتحاد في نهائي الكأس", {NO_FOOTBALL, EVERYTHING}),
        ("نادي الوحدة يخسر أمام الاتحاد لكرة القدم", {EVERYTHING}),  # "لكرة": the word with a clitic
        ("نتائج الكُرة الطائرة في دمشق", {DAMASCUS_ONLY, EVERYTHING}),  # diacritics do not hide it
        ("توقيع مذكرة تفاهم رياضية", {NO_FOOTBALL, EVERYTHING}),  # "مذكرة" is not "كرة"
        ("Damascus derby: كرة القدم تعود", {EVERYTHING}),
        ("افتتاح ملعب في ريف دمشق", {NO_FOOTBALL, DAMASCUS_ONLY, EVERYTHING}),
    ],
)
def test_keyword_filters_match_whole_words(
    title: str, expected: set[int], config: Config, store: Store
) -> None:
    assert readers(title, config, store) == expected
