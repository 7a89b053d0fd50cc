"""The operator's source commands against the sample site: discover, check, preview, and the sitemap kind."""

from __future__ import annotations

import time
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import parse_config
from bot.demo import DEMO_CATEGORIES
from bot.poller import Poller
from bot.sources_cli import check_sources, discover_site, preview_source
from bot.standins.news_site import SampleNewsSite
from bot.store import Store
from jobs.fetch import new_client


async def test_discover_prints_toml_that_validates(site: SampleNewsSite) -> None:
    lines: list[str] = []
    assert await discover_site(site.url("/"), lines.append) == 0
    document = tomllib.loads("\n".join(lines))
    kinds = {s["kind"]: s for s in document["sources"]}
    assert kinds["feed"]["url"] == site.url("/feed/")
    assert kinds["sitemap"]["url"] == site.url("/news-sitemap.xml")
    assert kinds["ticker"]["item_selector"] == "#breaking-news-in-header li"
    assert kinds["html"]["link_selector"] == "h2.post-title a"
    assert len(document["sources"]) == 4  # the feed is offered once though found twice
    parse_config({"categories": DEMO_CATEGORIES, "sources": document["sources"]})


def _config(site: SampleNewsSite, tmp_path: Path, *extra: dict[str, str]) -> object:
    return parse_config(
        {
            "storage": {"path": str(tmp_path / "nashra.json")},
            "fetch": {"host_delay": "0s"},
            "categories": DEMO_CATEGORIES,
            "sources": [
                {"name": "feed", "kind": "feed", "url": site.url("/feed/")},
                {"name": "sitemap", "kind": "sitemap", "url": site.url("/news-sitemap.xml")},
                *extra,
            ],
        }
    )


async def test_check_prints_one_row_per_source_and_changes_nothing(
    site: SampleNewsSite, tmp_path: Path
) -> None:
    config = _config(site, tmp_path, {"name": "broken", "kind": "feed", "url": site.url("/nowhere/")})
    lines: list[str] = []
    assert await check_sources(config, lines.append) == 1  # one source is broken
    header, *rows = lines
    assert header.split()[:6] == ["source", "kind", "HTTP", "found", "new", "time"]
    by_name = {row.split()[0]: row for row in rows}
    assert by_name["feed"].split()[1:4] == ["feed", "200", "6"]
    assert by_name["sitemap"].split()[1:4] == ["sitemap", "200", "6"]
    assert "HTTP 404" in by_name["broken"]
    assert not Path(config.storage.path).exists()  # the real store was not touched
    assert Store(config.storage.path).source_state("feed") == {}


async def test_preview_renders_the_newest_items_as_text(site: SampleNewsSite, tmp_path: Path) -> None:
    config = _config(site, tmp_path)
    lines: list[str] = []
    assert await preview_source(config, "sitemap", lines.append) == 0
    newest = site.published[-1]
    assert lines[0].splitlines()[0] == newest.title
    assert "<" not in lines[0]
    assert await preview_source(config, "nope", lines.append) == 2


def test_cli_registers_the_commands(
    site: SampleNewsSite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["discover", site.url("/")]) == 0
    assert "[[sources]]" in capsys.readouterr().out
    assert main(["check", "-c", str(tmp_path / "missing.toml")]) == 2
    assert "no such file" in capsys.readouterr().err


async def test_check_reads_the_journal_so_a_polled_source_is_not_a_first_poll(
    site: SampleNewsSite, tmp_path: Path
) -> None:
    config = _config(site, tmp_path)
    real = Store(config.storage.path)
    lines: list[str] = []
    async with new_client(config.fetch.policy()) as client:
        await Poller(config, real, client, lambda: None).poll(config.sources[0], force=True)
    real.commit_now()
    assert await check_sources(config, lines.append) == 0
    by_name = {row.split()[0]: row for row in lines[1:]}
    assert by_name["feed"].split()[4] == "0"  # the running bot has seen them all
    assert "first poll" not in by_name["feed"]
    assert "first poll" in by_name["sitemap"]


async def test_check_keeps_seen_marks_the_configured_retention_keeps(
    site: SampleNewsSite, tmp_path: Path
) -> None:
    config = _config(site, tmp_path)
    config = config.model_copy(update={"storage": config.storage.model_copy(update={"retention_days": 90})})
    weeks_ago = time.time() - 40 * 86400  # past the default 30 days, well inside the configured 90
    real = Store(config.storage.path, retention_days=90, clock=lambda: weeks_ago)
    async with new_client(config.fetch.policy()) as client:
        poller = Poller(config, real, client, lambda: None)
        for source in config.sources:
            await poller.poll(source, force=True)
    real.commit_now()
    site.publish_next()  # one story since: the pages change, so the check reads them whole
    # A broken source polled first commits the check's copy before the feed is read; the site's request
    # spacing makes that order certain.
    broken = config.sources[0].model_copy(update={"name": "broken", "url": site.url("/nowhere/")})
    spaced = config.fetch.model_copy(update={"host_delay": timedelta(seconds=0.3)})
    config = config.model_copy(update={"sources": (broken, *config.sources), "fetch": spaced})
    lines: list[str] = []
    assert await check_sources(config, lines.append) == 1
    by_name = {row.split()[0]: row for row in lines[1:]}
    assert by_name["feed"].split()[4] == "1"  # the new story only: the six seen weeks ago are not news
