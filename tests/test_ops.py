"""The operator's endpoint: /healthz tells the truth, /metrics moves with what the bot does."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application, ApplicationBuilder

from bot import app as app_module
from bot import broadcaster as broadcaster_module
from bot.config import load_config
from bot.demo import sources_seeded, start_bot, stop_bot, wait_until
from bot.routing import targets
from bot.standins.news_site import SampleNewsSite
from bot.standins.telegram_api import FakeBotAPI
from bot.transport import AiohttpRequest
from jobs.records import NewsItem
from tests.opshelp import get, scrape, value, write_config

READER = 6001
OPS_ON = {"http": True, "port": 0}


class QuickBuilder(ApplicationBuilder):
    """The bot's builder with a short read timeout for command replies, so a stalled one times out soon."""

    def __init__(self) -> None:
        super().__init__()
        self.read_timeout(0.5)


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


async def test_metrics_and_stats_count_what_the_broadcaster_decided(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A send answered after 0.6 s times out at 0.3 s, though Telegram posted it.
    monkeypatch.setattr(app_module, "AiohttpRequest", functools.partial(AiohttpRequest, read_timeout=0.3))
    monkeypatch.setattr(broadcaster_module, "TIMEOUT_RETRY_SECONDS", 0.1)
    admin, flooded, slow, blocked, picky = 6100, 6101, 6102, 6103, 6104
    config = load_config(
        write_config(
            tmp_path / "c.toml",
            site,
            api,
            tmp_path / "d.json",
            sources=[],
            ops=OPS_ON,
            telegram={"admins": [admin]},
            # The first refusal deactivates a reader: what is still queued for them is let go.
            extra='[delivery]\nforbidden_strikes = 1\nstrike_span = "0s"\n',
        )
    )
    app = await start_bot(config, api.token)
    try:
        store = app.bot_data["store"]
        for reader in (flooded, slow, blocked, picky):
            api.add_chat(reader, type="private")
            store.save_subscriber(reader, categories=["sport"], language="ar")
        api.fail_next(flooded, error_code=429, description="Too Many Requests: retry after 1", retry_after=1)
        api.stall_next(slow, 0.6)
        api.block(blocked)
        bad_html = 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 3'
        api.fail_next(picky, error_code=400, description=bad_html)
        before = await scrape(app)
        for n in (1, 2):
            item = NewsItem(f"k{n}", "src", f"خبر {n}", f"https://a.example/{n}", "", ("sport",), False)
            store.put_item(item.key, item.to_json())
            store.enqueue(targets(item, config, store))
        await store.commit()
        app.bot_data["broadcaster"].wake()
        await api.wait_for_sent(1, chat_id=slow)
        api.stall_next(slow, 0.6)  # the one retry times out too: it may have arrived, so no third try
        await wait_until(lambda: not store.pending(), "an empty outbox")
        after = await scrape(app)
        api.user_says(admin, "/stats", language_code="en")
        (stats,) = await api.wait_for_sent(1, chat_id=admin)
    finally:
        await stop_bot(app)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    # flooded: 429 then both sent; slow: timed out, retried, timed out again, then the second sent;
    # blocked: refused, deactivated, its second item let go; picky: HTML refused, re-sent as text, both sent.
    assert [len(api.sent(chat)) for chat in (flooded, slow, blocked, picky)] == [2, 3, 0, 2]
    assert delta("nashra_messages_retried_total", kind="flood") == 1
    assert delta("nashra_flood_pauses_total") == 1
    assert delta("nashra_messages_retried_total", kind="timeout") == 1
    assert delta("nashra_messages_dropped_total", kind="timeout") == 1
    assert delta("nashra_messages_retried_total", kind="bad_request") == 1
    assert delta("nashra_messages_failed_total", kind="bad_request") == 0
    assert delta("nashra_messages_failed_total", kind="forbidden") == 1
    assert delta("nashra_messages_dropped_total", kind="deactivated") == 1
    assert delta("nashra_messages_retried_total", kind="network") == 0
    assert "Since start: 5 sent, 3 dropped, 3 retried" in stats.plain


async def test_metrics_say_what_became_of_a_command_reply_telegram_did_not_accept(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A reply answered after 1 s times out at 0.5 s, though Telegram posted it.
    monkeypatch.setattr(app_module, "ApplicationBuilder", QuickBuilder)
    config = load_config(
        write_config(tmp_path / "c.toml", site, api, tmp_path / "d.json", sources=[], ops=OPS_ON)
    )
    app = await start_bot(config, api.token)
    try:
        api.add_chat(READER, type="private")
        before = await scrape(app)
        api.fail_next(READER, error_code=429, description="Too Many Requests: retry after 1", retry_after=1)
        api.user_says(READER, "/help")
        api.stall_next(READER, 1.0)
        api.user_says(READER, "/categories")
        api.user_says(READER, "/help")
        # Commands are handled in order: once the last is answered, the bot gave up on the stalled reply.
        await api.wait_for_sent(2, chat_id=READER)
        after = await scrape(app)
    finally:
        await stop_bot(app)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("nashra_flood_pauses_total") == 1  # the over-sending signal sees replies too
    assert delta("nashra_messages_failed_total", kind="reply_flood") == 1
    assert delta("nashra_messages_dropped_total", kind="reply_timeout") == 1  # it may have arrived
    failed = [key for key in after if key[0] == "nashra_messages_failed_total"]
    assert sum(after[key] - before.get(key, 0.0) for key in failed) == 1  # the 429 only, not the timeout


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
