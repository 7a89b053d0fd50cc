"""The whole path over real HTTP on loopback: sample site → bot → Telegram stand-in, across a restart."""

from __future__ import annotations

import time
from pathlib import Path

from telegram.ext import Application

from bot.config import Config
from bot.demo import demo_config, sources_seeded, start_bot, stop_bot, wait_until
from bot.standins.news_site import SampleNewsSite
from bot.standins.telegram_api import FakeBotAPI
from bot.store import Store
from jobs.canonical import canonical_url

READER = 5001


def store_of(app: Application) -> Store:
    return app.bot_data["store"]


def seen(app: Application, site: SampleNewsSite, path: str) -> bool:
    return store_of(app).is_seen("url:" + canonical_url(site.url(path)))


async def settle(app: Application) -> None:
    """Wait until the outbox is empty, so every delivery the bot promised has been made."""
    await wait_until(lambda: not store_of(app).pending(), "an empty outbox")


async def polled_since(app: Application, moment: float) -> None:
    """Wait until every source finished a poll that started after `moment`."""
    config: Config = app.bot_data["config"]

    def done() -> bool:
        return all(
            store_of(app).source_state(s.name).get("last_success_at", 0) > moment for s in config.sources
        )

    await wait_until(done, "a fresh poll of every source")


async def test_reader_and_channels_get_what_they_asked_for_once(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path
) -> None:
    config = demo_config(site, api, tmp_path / "nashra.json")
    app = await start_bot(config, api.token)
    try:
        api.user_says(READER, "/subscribe sport")
        (reply,) = await api.wait_for_sent(1, chat_id=READER)
        assert "رياضة" in reply.plain
        await wait_until(lambda: sources_seeded(app), "first polls")
        assert api.sent("@nashra_sport") == [] and api.sent("@nashra_breaking") == []  # no back catalogue

        sport, politics = site.publish_next(), site.publish_next()
        headline = site.add_headline("انقطاع مؤقت للكهرباء في ثلاث محافظات بسبب عطل فني")
        await wait_until(
            lambda: seen(app, site, sport.path) and seen(app, site, politics.path), "both articles"
        )
        await api.wait_for_sent(2, chat_id="@nashra_breaking")
        await settle(app)
    finally:
        await stop_bot(app)

    (to_reader,) = api.sent(READER)[1:]
    assert to_reader.plain.splitlines()[0] == sport.title
    assert sport.paragraphs[0].split("،")[0] in to_reader.plain  # the summary opens with the lead
    assert f'href="{site.url(sport.path)}"' in to_reader.text
    (to_channel,) = api.sent("@nashra_sport")
    assert to_channel.plain == to_reader.plain
    # The ticker headline, and the politics article because the site's feed files it under "خبر عاجل".
    alerts = {m.plain.splitlines()[1]: m for m in api.sent("@nashra_breaking")}
    assert set(alerts) == {headline, politics.title}
    assert all(m.plain.startswith("🔴 عاجل") and not m.disable_notification for m in alerts.values())
    assert to_channel.disable_notification  # ordinary posts arrive silently

    before = len(api.sent())
    restarted = time.time()
    app = await start_bot(config, api.token)
    try:
        await polled_since(app, restarted)
        api.user_says(READER, "/subscriptions")
        await api.wait_for_sent(len(api.sent(READER)) + 1, chat_id=READER)
        await settle(app)
    finally:
        await stop_bot(app)
    after = api.sent()[before:]
    assert len(after) == 1 and "رياضة" in after[0].plain  # only the /subscriptions reply: nothing re-posted


async def test_title_with_markup_characters_arrives_escaped(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path
) -> None:
    config = demo_config(site, api, tmp_path / "nashra.json")
    app = await start_bot(config, api.token)
    try:
        api.user_says(READER, "/subscribe اقتصاد")
        await api.wait_for_sent(1, chat_id=READER)
        await wait_until(lambda: sources_seeded(app), "first polls")
        article = site.publish_next("economy")
        (_, message) = await api.wait_for_sent(2, chat_id=READER)
    finally:
        await stop_bot(app)
    assert "<" in article.title and "&" in article.title
    assert message.plain.splitlines()[0] == article.title
    assert "&lt;" in message.text and "&amp;" in message.text


async def test_a_delivery_pending_at_shutdown_is_sent_after_restart(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path
) -> None:
    config = demo_config(site, api, tmp_path / "nashra.json")
    app = await start_bot(config, api.token)
    try:
        await wait_until(lambda: sources_seeded(app), "first polls")
        # Flood control holds this chat for a minute: the alert is still pending when the bot stops.
        api.fail_next(
            "@nashra_breaking",
            error_code=429,
            description="Too Many Requests: retry after 60",
            retry_after=60,
        )
        headline = site.add_headline("توقف حركة القطارات بين محطتين بسبب أعمال صيانة طارئة")
        await wait_until(lambda: len(api.calls("sendMessage")) >= 1, "the failed attempt")
        assert len(store_of(app).pending()) == 1
    finally:
        await stop_bot(app)
    assert api.sent("@nashra_breaking") == []

    app = await start_bot(config, api.token)
    try:
        (alert,) = await api.wait_for_sent(1, chat_id="@nashra_breaking")
        await settle(app)
    finally:
        await stop_bot(app)
    assert headline in alert.plain


async def test_seen_items_are_forgotten_after_the_configured_retention(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path
) -> None:
    path = tmp_path / "nashra.json"
    five_days_ago = time.time() - 5 * 86_400
    earlier = Store(path, clock=lambda: five_days_ago)
    earlier.mark_seen(["url:https://old.example/1"], "feed")
    earlier.commit_now()
    base = demo_config(site, api, path)
    storage = base.storage.model_copy(update={"retention_days": 2})
    app = await start_bot(base.model_copy(update={"storage": storage, "sources": ()}), api.token)
    try:
        assert store_of(app).is_seen("url:https://old.example/1")
        api.user_says(READER, "/subscribe رياضة")  # a change to commit: the first commit of the day expires
        await api.wait_for_sent(1, chat_id=READER)
        assert not store_of(app).is_seen("url:https://old.example/1")
    finally:
        await stop_bot(app)
    assert not Store(path).is_seen("url:https://old.example/1")
