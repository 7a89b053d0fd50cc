"""Admin commands through the Bot API stand-in: only the configured ids get them; they do what they say."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot.admin import AdminCommands
from bot.config import Config
from bot.demo import demo_config, sources_seeded, start_bot, stop_bot, wait_until
from bot.metrics import Activity
from bot.standins.news_site import SampleNewsSite
from bot.standins.telegram_api import FakeBotAPI, SentMessage
from bot.status import render_status
from bot.store import Store

ADMIN = 4242
STRANGER = 4343
READER = 4444


def config_for(site: SampleNewsSite, api: FakeBotAPI, data: Path, **changes: Any) -> Config:
    """The demo configuration with an admin, plus any top-level changes (channels, telegram, ...)."""
    base = demo_config(site, api, data)
    telegram = base.telegram.model_copy(update={"admins": (ADMIN,)})
    return base.model_copy(update={"telegram": telegram, **changes})


@pytest.fixture
async def app(site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path) -> AsyncIterator[Application]:
    running = await start_bot(config_for(site, api, tmp_path / "nashra.json"), api.token)
    yield running
    await stop_bot(running)


async def say(api: FakeBotAPI, user: int, command: str, *, language: str = "en") -> list[SentMessage]:
    """Send a command and return the replies that came with its first."""
    before = len(api.sent(user))
    api.user_says(user, command, language_code=language)
    return (await api.wait_for_sent(before + 1, chat_id=user))[before:]


async def test_others_get_the_unknown_command_reply_word_for_word(api: FakeBotAPI, app: Application) -> None:
    (unknown,) = await say(api, STRANGER, "/nosuchthing")
    for name in AdminCommands.NAMES:
        (reply,) = await say(api, STRANGER, f"/{name} feed")
        assert reply.text == unknown.text, name
    for language in ("ar", "en"):
        (reply,) = await say(api, STRANGER, "/stats", language=language)
        (expected,) = await say(api, STRANGER, "/nosuchthing", language=language)
        assert reply.text == expected.text
    (stats,) = await say(api, ADMIN, "/stats")
    assert stats.text != unknown.text and "Nashra statistics" in stats.plain
    # In a group even an admin gets the unknown-command reply: the answer would show every member.
    group = api.add_chat(-4000000777, type="group", title="newsroom")
    api.user_says(ADMIN, "/stats@nashra_test_bot", language_code="en", chat_id=group, chat_type="group")
    (in_group,) = await api.wait_for_sent(1, chat_id=group)
    assert in_group.text == unknown.text
    # The public command menus never list admin commands; the admin's own chat menu does.
    menus = [(p.get("scope"), p["commands"]) for _, p in api.calls("setMyCommands")]
    assert len(menus) == 4  # everyone and the admin, each in Arabic and English
    for scope, commands in menus:
        listed = {c["command"] for c in commands}
        if scope == {"type": "chat", "chat_id": ADMIN}:
            assert set(AdminCommands.NAMES) <= listed
        else:
            assert not listed & set(AdminCommands.NAMES), scope


async def test_stats_counts_readers_items_outbox_and_deliveries(
    site: SampleNewsSite, api: FakeBotAPI, app: Application
) -> None:
    api.user_says(READER, "/subscribe sport economy")
    api.user_says(READER + 1, "/subscribe sport")
    api.user_says(READER + 1, "/breaking on")
    await api.wait_for_sent(1, chat_id=READER)
    await api.wait_for_sent(2, chat_id=READER + 1)
    await wait_until(lambda: sources_seeded(app), "first polls")
    (before,) = await say(api, ADMIN, "/stats")
    assert "Active readers: 2 (breaking alerts: 1)" in before.plain
    assert "• Sport: 2" in before.plain and "• Economy: 1" in before.plain and "• Politics: 0" in before.plain
    assert "Items today" in before.plain and "Outbox: 0 (breaking: 0)" in before.plain

    site.publish_next("sport")
    await api.wait_for_sent(2, chat_id=READER)
    await api.wait_for_sent(3, chat_id=READER + 1)
    await api.wait_for_sent(1, chat_id="@nashra_sport")
    await wait_until(lambda: not app.bot_data["store"].pending(), "an empty outbox")
    (after,) = await say(api, ADMIN, "/stats", language="ar")
    assert "القرّاء النشطون: 2 (العاجل: 1)" in after.plain
    # Three deliveries: two readers and the sport channel, in the last minute.
    assert "التسليم: 3 في الدقيقة الأخيرة، 3 في الساعة الأخيرة" in after.plain
    assert "منذ التشغيل: أُرسلت 3" in after.plain
    items_line = next(line for line in after.plain.splitlines() if line.startswith("أخبار اليوم"))
    assert items_line.endswith(": 1")


async def test_sources_shows_health_and_next_poll(
    api: FakeBotAPI, app: Application, site: SampleNewsSite
) -> None:
    await wait_until(lambda: sources_seeded(app), "first polls")
    replies = await say(api, ADMIN, "/sources")
    plain = "\n".join(r.plain for r in replies)
    assert "Sources (2) — times in Asia/Damascus" in plain
    for source in app.bot_data["config"].sources:
        assert f"{source.name} — ✅ ok" in plain
    assert plain.count("Last success: 20") == 2 and plain.count("Next poll: 20") == 2
    assert "Last error: —" in plain


async def test_admin_replies_follow_the_language_the_chat_chose(api: FakeBotAPI, app: Application) -> None:
    (english,) = await say(api, ADMIN, "/stats")
    assert "Nashra statistics" in english.plain
    await say(api, ADMIN, "/lang ar")
    (arabic,) = await say(api, ADMIN, "/stats")
    assert "القرّاء النشطون" in arabic.plain and "Nashra statistics" not in arabic.plain


async def test_pause_is_persisted_and_honoured_until_resume(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path
) -> None:
    config = config_for(site, api, tmp_path / "nashra.json")
    feed = config.sources[0].name
    app = await start_bot(config, api.token)
    try:
        await wait_until(lambda: sources_seeded(app), "first polls")
        (usage,) = await say(api, ADMIN, "/pause")
        assert feed in usage.plain  # the usage lists the sources to choose from
        (unknown,) = await say(api, ADMIN, "/pause no such source")
        assert "No source by that name: no such source" in unknown.plain
        # Names match however they are spelled: tatweel, diacritics, case and punctuation aside.
        (paused,) = await say(api, ADMIN, f"/pause {feed.replace('ح', 'حـــ')}")
        assert paused.plain.startswith("⏸ Stopped polling") and feed in paused.plain
        (again,) = await say(api, ADMIN, f"/pause {feed}")
        assert "already paused" in again.plain
        polls = site.requests.count("/feed/")
        article = site.publish_next("sport")
        await wait_until(lambda: site.requests.count("/") >= 3, "the ticker to keep polling", timeout=20)
        assert site.requests.count("/feed/") == polls
        replies = await say(api, ADMIN, "/sources")
        assert "⏸ paused by an admin" in replies[0].plain and "Next poll: when resumed" in replies[0].plain
    finally:
        await stop_bot(app)

    assert Store(config.storage.path).source_state(feed)["held"] is True  # survives a restart
    app = await start_bot(config, api.token)
    try:
        api.user_says(READER, "/subscribe sport")
        await api.wait_for_sent(1, chat_id=READER)
        await wait_until(lambda: site.requests.count("/") >= 6, "the ticker to keep polling", timeout=20)
        assert site.requests.count("/feed/") == polls
        (resumed,) = await say(api, ADMIN, f"/resume {feed}")
        assert resumed.plain.startswith("▶️") and "will be polled again" in resumed.plain
        (delivered,) = (await api.wait_for_sent(2, chat_id=READER, timeout=20))[1:]
        assert delivered.plain.splitlines()[0] == article.title
        (not_paused,) = await say(api, ADMIN, f"/resume {feed}")
        assert "is not paused" in not_paused.plain
    finally:
        await stop_bot(app)


async def test_test_posts_to_a_channel_or_reports_telegrams_refusal(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path
) -> None:
    api.add_chat("@nashra_forum", type="supergroup", title="forum", topics=(7,))
    api.add_chat("@nashra_closed", type="channel", title="closed")
    api.set_bot_member("@nashra_closed", "administrator", can_post_messages=False)
    channels = demo_config(site, api, tmp_path / "x.json").channels
    extra = (
        channels[0].model_copy(update={"chat": "@nashra_forum", "topic": 7, "language": "en"}),
        channels[0].model_copy(update={"chat": "@nashra_closed"}),
    )
    config = config_for(site, api, tmp_path / "nashra.json", channels=(*channels, *extra))
    app = await start_bot(config, api.token)
    try:
        (ok,) = await say(api, ADMIN, "/test @NASHRA_SPORT")
        (post,) = api.sent("@nashra_sport")
        assert ok.plain == f"✅ Posted a test message to @nashra_sport (message {post.message_id})."
        assert post.plain.startswith("🧪 رسالة تجريبية")
        (in_topic,) = await say(api, ADMIN, "/test nashra_forum")
        (post,) = api.sent("@nashra_forum")
        assert in_topic.plain.startswith("✅") and post.params["message_thread_id"] == 7
        assert post.plain.startswith("🧪 Test message")
        (refused,) = await say(api, ADMIN, "/test @nashra_closed", language="ar")
        assert refused.plain == (
            "❌ رفض تيليغرام النشر في @nashra_closed: Need administrator rights in the channel chat"
        )
        (unknown,) = await say(api, ADMIN, "/test @elsewhere")
        assert "not in the config: @elsewhere" in unknown.plain and "@nashra_breaking" in unknown.plain
    finally:
        await stop_bot(app)


async def test_start_up_check_names_each_channel_the_bot_cannot_post_to(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    api.add_chat("@nashra_member", type="channel", title="not admin")
    api.set_bot_member("@nashra_member", "left")
    api.add_chat("@nashra_readonly", type="channel", title="no posting")
    api.set_bot_member("@nashra_readonly", "administrator", can_post_messages=False)
    api.add_chat(-1009876543210, type="supergroup", title="no topics")
    template = demo_config(site, api, tmp_path / "x.json").channels[1]  # the sport channel
    broken = ("@nashra_gone", "@nashra_member", "@nashra_readonly")
    channels = (
        template,
        *(template.model_copy(update={"chat": chat}) for chat in broken),
        template.model_copy(update={"chat": -1009876543210, "topic": 3}),
    )
    config = config_for(site, api, tmp_path / "nashra.json", channels=channels)
    caplog.set_level(logging.INFO, logger="bot.admin")
    app = await start_bot(config, api.token)
    try:
        errors = [
            r.getMessage() for r in caplog.records if r.levelno == logging.ERROR and r.name == "bot.admin"
        ]
        assert len(errors) == 4
        gone, member, readonly, no_topics = errors
        assert gone.startswith("channel @nashra_gone: Telegram cannot find it (Chat not found)")
        assert member.startswith("channel @nashra_member: the bot is not an administrator")
        assert readonly.startswith("channel @nashra_readonly: the bot is an administrator without the right")
        assert no_topics.startswith("channel -1009876543210: topic = 3 is set but the chat has no topics")
        assert "channel check: 1 of 5 channels ready" in caplog.text
        assert set(app.bot_data["channel_problems"]) == {*broken, -1009876543210}

        # The bot runs on for the channel it can post to.
        await wait_until(lambda: sources_seeded(app), "first polls")
        article = site.publish_next("sport")
        (post,) = await api.wait_for_sent(1, chat_id="@nashra_sport", timeout=20)
        assert post.plain.splitlines()[0] == article.title
    finally:
        await stop_bot(app)


async def test_a_channel_with_a_topic_gets_its_posts_in_that_topic(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path
) -> None:
    forum = api.add_chat(-1005550001111, type="supergroup", title="forum", topics=(11, 12))
    template = demo_config(site, api, tmp_path / "x.json").channels[1]
    channels = (template.model_copy(update={"chat": forum, "topic": 12}),)
    app = await start_bot(config_for(site, api, tmp_path / "nashra.json", channels=channels), api.token)
    try:
        assert app.bot_data["channel_problems"] == {}
        await wait_until(lambda: sources_seeded(app), "first polls")
        site.publish_next("sport")
        (post,) = await api.wait_for_sent(1, chat_id=forum, timeout=20)
    finally:
        await stop_bot(app)
    assert post.params["message_thread_id"] == 12
    message = api.message(forum, post.message_id)
    assert message["message_thread_id"] == 12 and message["is_topic_message"] is True


def test_the_status_page_tells_an_admins_pause_from_a_failing_pause(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path
) -> None:
    config = config_for(site, api, tmp_path / "nashra.json")
    feed, ticker = (s.name for s in config.sources)
    store = Store(config.storage.path)
    store.update_source_state(feed, held=True, last_success_at=1.0)
    store.update_source_state(ticker, paused=True, last_error="HTTP 503", last_error_at=2.0)
    page = render_status(config, store, Activity(), healthy=True, reasons=[])
    rows = {name: row for name in (feed, ticker) for row in page.split("<tr>") if f">{name}<" in row}
    assert "⏸ paused by an admin" in rows[feed]
    assert "⏸ paused: failing too long" in rows[ticker]


async def test_a_long_source_list_is_split_into_messages_telegram_accepts(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path
) -> None:
    template = demo_config(site, api, tmp_path / "x.json").sources[0]
    names = [f"مصدر رقم {n} — أخبار محلية وعربية ودولية" for n in range(60)]
    # Nothing listens on port 9: every poll fails fast and each entry carries its last error.
    sources = tuple(template.model_copy(update={"name": n, "url": "http://127.0.0.1:9/feed/"}) for n in names)
    app = await start_bot(config_for(site, api, tmp_path / "nashra.json", sources=sources), api.token)
    try:
        store = app.bot_data["store"]
        await wait_until(lambda: all(store.source_state(n).get("last_error") for n in names), "failed polls")
        api.user_says(ADMIN, "/sources", language_code="ar")
        await wait_until(lambda: sum(m.plain.count("آخر خطأ") for m in api.sent(ADMIN)) == 60, "every entry")
    finally:
        await stop_bot(app)
    replies = api.sent(ADMIN)
    assert len(replies) >= 2  # Telegram accepted each one, so each is within its 4096-character limit
    listed = "\n".join(r.plain for r in replies)
    assert all(f"{name} — ⚠️ يفشل (1 مرة متتالية)" in listed for name in names)
