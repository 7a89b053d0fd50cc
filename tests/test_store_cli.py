"""`nashra export|import` and OPML: an operator can move readers and sources between installations."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.cli import main
from bot.storage import DataLock
from bot.store import Store

CONFIG = """
[storage]
path = "{data}"
[[categories]]
slug = "sport"
ar = "رياضة"
en = "Sport"
[[categories]]
slug = "politics"
ar = "سياسة"
en = "Politics"
[[sources]]
name = "غلوبال نيوز"
kind = "feed"
url = "https://globalsy.net/feed/"
category = "sport"
[[sources]]
name = "ticker"
kind = "ticker"
url = "https://globalsy.net/"
item_selector = "#breaking li"
"""


def config_for(folder: Path, name: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(CONFIG.format(data=folder / name / "nashra.json"), encoding="utf-8")
    return path


def test_subscribers_move_from_one_installation_to_another(tmp_path: Path) -> None:
    old, new = config_for(tmp_path, "old"), config_for(tmp_path, "new")
    store = Store(tmp_path / "old" / "nashra.json")
    store.save_subscriber(42, categories=["sport", "politics"], language="ar")
    store.save_subscriber(43, categories=["sport"], language="en")
    store.commit_now()
    dump = tmp_path / "readers.json"
    assert main(["export", "-c", str(old), "-o", str(dump)]) == 0
    assert main(["import", "-c", str(new), str(dump)]) == 0
    moved = Store(tmp_path / "new" / "nashra.json")
    assert moved.subscriber(42) == {"chat_id": 42, "categories": ["politics", "sport"], "language": "ar"}
    assert moved.subscriber(43)["language"] == "en"


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("{not json", "cannot read it as JSON"),
        ('{"format": "other"}', "not a nashra export"),
        (
            '{"format": "nashra-subscribers", "version": 1, "subscribers": '
            '[{"chat_id": 1, "categories": ["sport"]}, {"chat_id": 2, "categories": ["weather"]}]}',
            r"subscribers\[1\]\.categories: unknown weather",
        ),
    ],
)
def test_a_bad_export_is_refused_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, complaint: str
) -> None:
    config = config_for(tmp_path, "site")
    dump = tmp_path / "readers.json"
    dump.write_text(content)
    assert main(["import", "-c", str(config), str(dump)]) == 2
    assert re.search(complaint, capsys.readouterr().err)
    assert Store(tmp_path / "site" / "nashra.json").subscriber(1) is None


def test_import_refuses_while_the_bot_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = config_for(tmp_path, "site")
    dump = tmp_path / "readers.json"
    dump.write_text(json.dumps({"format": "nashra-subscribers", "version": 1, "subscribers": []}))
    running = DataLock(tmp_path / "site" / "nashra.json")
    try:
        assert main(["import", "-c", str(config), str(dump)]) == 2
    finally:
        running.release()
    assert "in use by another nashra process" in capsys.readouterr().err


def test_opml_round_trip_gives_back_the_feeds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = config_for(tmp_path, "site")
    opml = tmp_path / "sources.opml"
    assert main(["opml-export", "-c", str(config), "-o", str(opml)]) == 0
    assert 'xmlUrl="https://globalsy.net/feed/"' in opml.read_text(encoding="utf-8")
    assert main(["opml-import", "-c", str(config), str(opml)]) == 0
    printed = capsys.readouterr().out
    assert 'name = "غلوبال نيوز"' in printed and 'url = "https://globalsy.net/feed/"' in printed
    assert "ticker" not in printed  # a ticker needs selectors OPML cannot carry


def test_opml_export_lists_a_sitemap_source_as_a_web_page(tmp_path: Path) -> None:
    config = config_for(tmp_path, "site")
    with config.open("a", encoding="utf-8") as toml:
        toml.write(
            '[[sources]]\nname = "map"\nkind = "sitemap"\nurl = "https://globalsy.net/news-sitemap.xml"\n'
        )
    opml = tmp_path / "sources.opml"
    assert main(["opml-export", "-c", str(config), "-o", str(opml)]) == 0
    written = opml.read_text(encoding="utf-8")
    assert 'htmlUrl="https://globalsy.net/news-sitemap.xml"' in written
    assert 'text="map" title="map" type="html"' in written
