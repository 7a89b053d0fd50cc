"""Reloading the TOML file changes sources, categories and channels while keeping readers and seen items."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config
from bot.demo import DEMO_CATEGORIES, sources_seeded, start_bot, stop_bot, wait_until
from bot.reload import reload_config
from bot.standins.news_site import SampleNewsSite
from bot.standins.telegram_api import FakeBotAPI
from tests.opshelp import write_config

READER = 7001


def job_names(app: object) -> set[str]:
    return {job.name for job in app.job_queue.jobs()}  # type: ignore[attr-defined]


async def test_reload_adds_and_removes_sources_and_keeps_readers(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path
) -> None:
    path = write_config(tmp_path / "c.toml", site, api, tmp_path / "d.json")
    app = await start_bot(load_config(path), api.token)
    try:
        api.user_says(READER, "/subscribe sport")
        await api.wait_for_sent(1, chat_id=READER)
        await wait_until(lambda: sources_seeded(app), "first polls")
        # The main feed goes; the sport category feed, a new category and a sport channel arrive.
        # (Two sources listing the same article at once can race in the poller, so they do not overlap here.)
        sources = [
            {
                "name": "ticker",
                "kind": "ticker",
                "url": site.url("/"),
                "interval": "1s",
                "item_selector": "#breaking-news-in-header li",
            },
            {
                "name": "sport feed",
                "kind": "feed",
                "url": site.url("/category/sport/feed/"),
                "interval": "1s",
            },
        ]
        science = {"slug": "science", "ar": "علوم", "en": "Science"}
        write_config(
            path,
            site,
            api,
            tmp_path / "d.json",
            sources=sources,
            categories=[*DEMO_CATEGORIES, science],
            channels=[{"chat": "@nashra_sport", "categories": ["sport"]}],
        )
        assert await reload_config(app, path)
        await wait_until(lambda: job_names(app) == {"poll:ticker", "poll:sport feed"}, "the jobs to match")
        await wait_until(lambda: sources_seeded(app), "the new source's first poll")

        assert app.bot_data["store"].subscriber(READER)["categories"] == ["sport"]  # the reader stayed
        api.user_says(READER, "/subscribe علوم")  # a category that did not exist before the reload
        await api.wait_for_sent(2, chat_id=READER)
        assert app.bot_data["store"].subscriber(READER)["categories"] == ["science", "sport"]

        sport = site.publish_next("sport")
        await api.wait_for_sent(3, chat_id=READER)
        await api.wait_for_sent(1, chat_id="@nashra_sport")
        await wait_until(lambda: not app.bot_data["store"].pending(), "an empty outbox")
    finally:
        await stop_bot(app)
    assert [m.plain.splitlines()[0] for m in api.sent(READER)[2:]] == [sport.title]
    assert [m.plain.splitlines()[0] for m in api.sent("@nashra_sport")] == [sport.title]


async def test_an_invalid_file_keeps_the_running_config(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_config(tmp_path / "c.toml", site, api, tmp_path / "d.json")
    app = await start_bot(load_config(path), api.token)
    try:
        running = app.bot_data["config"]
        jobs = job_names(app)
        text = path.read_text().replace('interval = "1s"', 'interval = "soon"', 1)
        path.write_text(text)
        with pytest.raises(ConfigError) as at_start_up:
            load_config(path)
        with caplog.at_level(logging.ERROR, logger="bot.reload"):
            assert not await reload_config(app, path)
        assert app.bot_data["config"] is running
        assert job_names(app) == jobs
    finally:
        await stop_bot(app)
    logged = [r.getMessage() for r in caplog.records]
    assert f"reload rejected: {at_start_up.value}" in logged  # the same words as at start-up
    assert "sources[0].interval" in str(at_start_up.value)


async def test_restart_only_settings_are_kept_and_named(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_config(tmp_path / "c.toml", site, api, tmp_path / "d.json")
    app = await start_bot(load_config(path), api.token)
    try:
        write_config(path, site, api, tmp_path / "elsewhere.json")
        with caplog.at_level(logging.WARNING, logger="bot.reload"):
            assert await reload_config(app, path)
        assert app.bot_data["config"].storage.path == tmp_path / "d.json"
    finally:
        await stop_bot(app)
    assert "reload: [storage] changed; it takes effect at the next restart" in caplog.messages
