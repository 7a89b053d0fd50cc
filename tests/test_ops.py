"""The operator's endpoint: /healthz tells the truth, /metrics moves with what the bot does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.config import load_config
from bot.demo import sources_seeded, start_bot, stop_bot, wait_until
from bot.standins.news_site import SampleNewsSite
from bot.standins.telegram_api import FakeBotAPI
from tests.opshelp import get, scrape, value, write_config

READER = 6001
OPS_ON = {"http": True, "port": 0}


@pytest.fixture
async def app(site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path) -> AsyncIterator[Application]:
    """The bot with its operator endpoint on, started for one test and stopped after it."""
    config = load_config(write_config(tmp_path / "c.toml", site, api, tmp_path / "d.json", ops=OPS_ON))
    running = await start_bot(config, api.token)
    yield running
    await stop_bot(running)


async def test_endpoint_is_off_unless_asked_for(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path
) -> None:
    config = load_config(write_config(tmp_path / "c.toml", site, api, tmp_path / "d.json"))
    assert config.ops.host == "127.0.0.1"  # loopback when it is switched on
    app = await start_bot(config, api.token)
    try:
        assert "ops_server" not in app.bot_data
    finally:
        await stop_bot(app)


async def test_health_flips_to_503_when_the_scheduler_stops(app: Application) -> None:
    await wait_until(lambda: sources_seeded(app), "first polls")
    ok = await get(app, "/healthz")
    assert (ok.status_code, ok.json()) == (200, {"status": "ok"})
    assert app.job_queue is not None
    await app.job_queue.stop()
    down = await get(app, "/healthz")
    assert down.status_code == 503
    assert down.json() == {"status": "unhealthy", "reasons": ["scheduler is not running"]}


async def test_health_reports_a_dead_broadcaster(app: Application) -> None:
    await wait_until(lambda: sources_seeded(app), "first polls")
    app.bot_data["broadcast_task"].cancel()
    await wait_until(lambda: app.bot_data["broadcast_task"].done(), "the task to end")
    down = await get(app, "/healthz")
    assert down.status_code == 503 and down.json()["reasons"] == ["broadcaster is not running"]


async def test_metrics_move_with_publishing_and_with_telegram_answers(
    site: SampleNewsSite, api: FakeBotAPI, app: Application
) -> None:
    api.user_says(READER, "/subscribe sport economy tech")
    await api.wait_for_sent(1, chat_id=READER)
    await wait_until(lambda: sources_seeded(app), "first polls")
    before = await scrape(app)
    assert value(before, "nashra_subscribers", category="sport") == 1
    assert value(before, "nashra_subscribers", category="politics") == 0
    assert value(before, "nashra_last_successful_poll_timestamp_seconds", source="feed") > 0
    assert value(before, "nashra_fetch_responses_total", source="feed", code="200") >= 1
    assert value(before, "nashra_fetch_duration_seconds_count", source="feed") >= 1

    # Telegram accepts the first article, refuses the second for good, and rate-limits the third once.
    site.publish_next("sport")
    await api.wait_for_sent(2, chat_id=READER)
    api.fail_next(READER, error_code=400, description="Bad Request: message is too long")
    site.publish_next("economy")
    # Articles with a lead image go out with sendPhoto: count both kinds of send.
    await wait_until(
        lambda: len(api.calls("sendMessage")) + len(api.calls("sendPhoto")) >= 3, "the refused send"
    )
    api.fail_next(READER, error_code=429, description="Too Many Requests: retry after 1", retry_after=1)
    site.publish_next("tech")
    await api.wait_for_sent(3, chat_id=READER)
    await wait_until(lambda: not app.bot_data["store"].pending(), "an empty outbox")
    after = await scrape(app)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("nashra_items_new_total", source="feed") == 3
    assert delta("nashra_items_discovered_total", source="feed") >= 3
    assert delta("nashra_items_duplicate_total", source="feed") > 0  # every later poll lists them again
    assert delta("nashra_messages_sent_total") == 2
    assert delta("nashra_messages_failed_total", kind="bad_request") == 1
    assert delta("nashra_messages_retried_total", kind="flood") == 1
    assert delta("nashra_flood_pauses_total") == 1
    assert value(after, "nashra_outbox_depth", priority="3") == 0


async def test_metrics_count_a_source_that_answers_with_an_error(
    site: SampleNewsSite, app: Application
) -> None:
    await wait_until(lambda: sources_seeded(app), "first polls")
    before = await scrape(app)
    site.fail("/feed/", 503)
    await wait_until(
        lambda: (
            "last_error" in app.bot_data["store"].source_state("feed")
            and app.bot_data["store"].source_state("feed")["last_error"] is not None
        ),
        "a failed poll",
    )
    after = await scrape(app)
    status = await get(app, "/status")
    assert value(after, "nashra_fetch_responses_total", source="feed", code="503") > value(
        before, "nashra_fetch_responses_total", source="feed", code="503"
    )
    assert value(after, "nashra_poll_failures_total", source="feed") > value(
        before, "nashra_poll_failures_total", source="feed"
    )
    assert "failing" in status.text


async def test_unknown_page_is_a_404_naming_the_real_ones(app: Application) -> None:
    missing = await get(app, "/admin")
    assert missing.status_code == 404 and "/healthz" in missing.text
