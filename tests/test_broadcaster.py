"""Delivery over real HTTP against the Bot API stand-in enforcing Telegram's limits (scaled up for speed)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot

from bot import broadcaster as broadcaster_module
from bot.broadcaster import Broadcaster
from bot.config import Config, parse_config
from bot.pacing import Limits
from bot.routing import targets
from bot.standins.telegram_api import FakeBotAPI
from bot.store import Store
from bot.transport import AiohttpRequest
from jobs.records import NewsItem

# Ten times Telegram's limits: the shape of the pacing is tested, in a fraction of the time.
LIMITS = Limits().scaled(10)
READERS = [7001, 7002, 7003]
CATEGORIES = [
    {"slug": "breaking", "ar": "عاجل", "en": "Breaking", "breaking": True},
    {"slug": "sport", "ar": "رياضة", "en": "Sport"},
]


def make_config(tmp_path: Path, **delivery: Any) -> Config:
    return parse_config(
        {
            "storage": {"path": str(tmp_path / "nashra.json")},
            "delivery": {
                "global_per_second": LIMITS.global_per_second,
                "private_per_second": LIMITS.private_per_second,
                "group_per_minute": LIMITS.group_per_minute,
                "concurrency": 8,
                **delivery,
            },
            "categories": CATEGORIES,
            "channels": [
                {"chat": "@nashra_breaking", "breaking": True},
                {"chat": "@nashra_sport", "categories": ["sport"]},
            ],
        }
    )


def news(n: int, *, breaking: bool = False, **fields: Any) -> NewsItem:
    values: dict[str, Any] = {
        "key": f"url:https://a.example/{n}",
        "source": "غلوبال نيوز",
        "title": f"خبر رقم {n}",
        "url": f"https://a.example/{n}",
        "summary": "ملخص الخبر.",
        "categories": ("breaking",) if breaking else ("sport",),
        "breaking": breaking,
    }
    return NewsItem(**(values | fields))


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI(limits=LIMITS) as running:
        running.add_chat("@nashra_breaking")
        running.add_chat("@nashra_sport")
        for reader in READERS:
            running.add_chat(reader, type="private")
        yield running


class Harness:
    """A store with subscribers, and a broadcaster running against the stand-in."""

    def __init__(self, api: FakeBotAPI, config: Config, read_timeout: float = 5.0) -> None:
        self.api = api
        self.config = config
        self.store = Store(config.storage.path)
        self.bot = Bot(api.token, base_url=api.base_url, request=AiohttpRequest(read_timeout=read_timeout))
        self.broadcaster: Broadcaster | None = None
        self.task: asyncio.Task[None] | None = None

    def subscribe(self, chat: int, **fields: Any) -> None:
        self.store.save_subscriber(chat, **({"categories": ["sport"], "language": "ar"} | fields))

    async def publish(self, *items: NewsItem) -> None:
        for item in items:
            self.store.put_item(item.key, item.to_json())
            self.store.enqueue(targets(item, self.config, self.store))
        await self.store.commit()
        if self.broadcaster:
            self.broadcaster.wake()

    async def start(self) -> Broadcaster:
        await self.bot.initialize()
        self.broadcaster = Broadcaster(self.bot, self.store, self.config)
        self.task = asyncio.create_task(self.broadcaster.run())
        return self.broadcaster

    async def settled(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.store.pending():
            assert time.monotonic() < deadline, f"still pending: {self.store.pending()}"
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        await self.bot.shutdown()


@pytest.fixture
async def harness(api: FakeBotAPI, tmp_path: Path) -> AsyncIterator[Harness]:
    running = Harness(api, make_config(tmp_path))
    for reader in READERS:
        running.subscribe(reader, breaking=True)
    yield running
    await running.stop()


async def test_everything_arrives_in_priority_order_within_every_limit(harness: Harness) -> None:
    await harness.publish(*(news(n) for n in range(4)), news(99, breaking=True))
    await harness.start()
    await harness.settled()
    api = harness.api
    assert api.violations == []
    for reader in READERS:
        titles = [m.plain.splitlines()[0 if "عاجل" not in m.plain else 1] for m in api.sent(reader)]
        assert titles == ["خبر رقم 99", "خبر رقم 0", "خبر رقم 1", "خبر رقم 2", "خبر رقم 3"]
    order = [m.chat_id for m in api.sent()]
    # Channels get the breaking alert before any reader gets anything.
    assert order[0] == api.add_chat("@nashra_breaking")
    assert len(api.sent("@nashra_sport")) == 4 and len(api.sent("@nashra_breaking")) == 1


async def test_private_chat_pace_holds_even_with_many_sends_in_flight(harness: Harness) -> None:
    await harness.publish(*(news(n) for n in range(5)))
    await harness.start()
    await harness.settled()
    sends = [c for c in harness.api.calls("sendMessage") if c[1]["chat_id"] == READERS[0]]
    assert len(sends) == 5 and harness.api.violations == []


async def test_flood_control_pauses_only_that_chat_and_loses_nothing(harness: Harness) -> None:
    harness.api.fail_next(
        READERS[0], error_code=429, description="Too Many Requests: retry after 1", retry_after=1
    )
    await harness.publish(news(1))
    started = time.monotonic()
    await harness.start()
    await harness.api.wait_for_sent(1, chat_id=READERS[1])
    assert time.monotonic() - started < 0.9  # the others did not wait for the flooded chat
    (late,) = await harness.api.wait_for_sent(1, chat_id=READERS[0], timeout=5)
    assert time.monotonic() - started >= 1.0
    assert "خبر رقم 1" in late.plain


async def test_blocked_reader_is_deactivated_after_strikes_over_time(api: FakeBotAPI, tmp_path: Path) -> None:
    harness = Harness(api, make_config(tmp_path, forbidden_strikes=2, strike_span="1s"))
    harness.subscribe(READERS[0])
    api.block(READERS[0])
    try:
        await harness.start()
        await harness.publish(news(1), news(2))
        await harness.settled()
        # Two refusals within a second are not enough: the block may be brief.
        reader = harness.store.subscriber(READERS[0])
        assert reader is not None and reader.get("active", True) and len(reader["strikes"]) == 2
        await asyncio.sleep(1.1)
        await harness.publish(news(3))
        await harness.settled()
        assert harness.store.subscriber(READERS[0])["active"] is False  # type: ignore[index]
        assert targets(news(4), harness.config, harness.store) == [
            ("@nashra_sport", "url:https://a.example/4", 2, "ar")
        ]
    finally:
        await harness.stop()


async def test_migrated_group_is_followed_and_the_message_sent_there_once(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    group = api.add_chat(-4001, type="group")
    harness = Harness(api, make_config(tmp_path))
    harness.subscribe(group)
    api.fail_next(
        group, error_code=400, description="Bad Request: group chat was upgraded", migrate_to_chat_id=-100777
    )
    try:
        await harness.start()
        await harness.publish(news(1))
        await harness.settled()
        (moved,) = api.sent(-100777)
        assert "خبر رقم 1" in moved.plain and api.sent(group) == []
        assert harness.store.subscriber(-100777) is not None and harness.store.subscriber(group) is None
    finally:
        await harness.stop()


async def test_bad_html_is_resent_once_as_plain_text(harness: Harness) -> None:
    error = 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 3'
    harness.api.fail_next(READERS[0], error_code=400, description=error)
    await harness.publish(news(1))
    await harness.start()
    await harness.settled()
    (message,) = harness.api.sent(READERS[0])
    assert message.parse_mode is None and "https://a.example/1" in message.text and "<b>" not in message.text


async def test_a_refused_photo_falls_back_to_text(harness: Harness) -> None:
    harness.api.fail_next(
        READERS[0], error_code=400, description="Bad Request: failed to get HTTP URL content"
    )
    await harness.publish(news(1, image="https://a.example/1.png"))
    await harness.start()
    await harness.settled()
    assert [m.method for m in harness.api.sent(READERS[0])] == ["sendMessage"]
    assert [m.method for m in harness.api.sent(READERS[1])] == ["sendPhoto"]


async def test_server_errors_back_off_and_deliver_once(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(broadcaster_module, "BACKOFF_FIRST_SECONDS", 0.2)
    for _ in range(2):
        harness.api.fail_next(READERS[0], error_code=502, description="Bad Gateway")
    await harness.publish(news(1))
    await harness.start()
    await harness.settled()
    assert len(harness.api.sent(READERS[0])) == 1
    assert harness.broadcaster is not None and harness.broadcaster.counters["retried"] == 2


async def test_a_timed_out_send_is_retried_once_and_never_more(
    api: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(broadcaster_module, "TIMEOUT_RETRY_SECONDS", 0.1)
    harness = Harness(api, make_config(tmp_path), read_timeout=0.3)
    harness.subscribe(READERS[0])
    api.stall_next(READERS[0], 0.6)
    try:
        await harness.start()
        await harness.publish(news(1))
        await api.wait_for_sent(1, chat_id=READERS[0])
        api.stall_next(READERS[0], 0.6)  # the retry times out as well
        await harness.settled()
        await asyncio.sleep(0.3)
        # Both attempts reached the chat, but a second ambiguity does not lead to a third message.
        assert len(api.sent(READERS[0])) == 2
    finally:
        await harness.stop()


async def test_a_crash_repeats_at_most_one_message_per_chat(api: FakeBotAPI, tmp_path: Path) -> None:
    config = make_config(tmp_path)
    first = Harness(api, config)
    for reader in READERS:
        first.subscribe(reader)
    await first.publish(*(news(n) for n in range(6)))
    await first.start()
    await api.wait_for_sent(8)
    # A crash: the process dies with whatever the file holds; nothing after the last commit survives.
    assert first.task is not None
    first.task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await first.task
    await first.bot.shutdown()

    second = Harness(api, config)
    await second.start()
    try:
        await second.settled()
    finally:
        await second.stop()
    for chat in [*READERS, "@nashra_sport"]:
        titles = [m.plain for m in api.sent(chat)]
        assert len(set(titles)) == 6  # nothing lost
        assert len(titles) - len(set(titles)) <= 1  # at most one repeat


async def test_an_edited_headline_edits_the_sent_alert(api: FakeBotAPI, tmp_path: Path) -> None:
    harness = Harness(api, make_config(tmp_path))
    harness.subscribe(READERS[0], breaking=True)
    try:
        await harness.start()
        await harness.publish(news(1, breaking=True, title="انفجار في حي المزة"))
        await harness.settled()
        corrected = news(
            2, breaking=True, title="انفجار في حي المزة يوقع إصابات", revises="url:https://a.example/1"
        )
        await harness.publish(corrected)
        await harness.settled()
        for chat in (READERS[0], "@nashra_breaking"):
            (alert,) = api.sent(chat)
            assert alert.edited and "يوقع إصابات" in alert.plain
        assert api.calls("editMessageText")
    finally:
        await harness.stop()


async def test_an_article_that_revises_an_alert_reaches_its_category_and_edits_every_sent_alert(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    both, sport_only, breaking_only = READERS
    harness = Harness(api, make_config(tmp_path))
    harness.subscribe(both, breaking=True)
    harness.subscribe(sport_only, breaking=False)
    harness.subscribe(breaking_only, categories=[], breaking=True)
    try:
        await harness.start()
        await harness.publish(news(1, breaking=True, title="افتتاح الطريق الدولي"))
        await harness.settled()
        article = news(2, title="افتتاح الطريق الدولي بين دمشق وحمص", revises="url:https://a.example/1")
        await harness.publish(article)
        await harness.settled()
        # Those who had the alert see it become the article; the sport-only reader and channel get it anew.
        for chat in (both, breaking_only, "@nashra_breaking"):
            (alert,) = api.sent(chat)
            assert alert.edited and "بين دمشق وحمص" in alert.plain, chat
        for chat in (sport_only, "@nashra_sport"):
            (fresh,) = api.sent(chat)
            assert not fresh.edited and "بين دمشق وحمص" in fresh.plain, chat
    finally:
        await harness.stop()


async def test_a_revision_queued_before_its_original_went_out_sends_one_message_with_the_latest_text(
    api: FakeBotAPI, harness: Harness
) -> None:
    alert = news(1, breaking=True, title="مقتل 3 أشخاص في انفجار بمرفأ اللاذقية")
    first = news(2, breaking=True, title="ارتفاع عدد القتلى إلى 5", revises=alert.key)
    latest = news(3, breaking=True, title="ارتفاع عدد القتلى إلى 7", revises=alert.key)
    await harness.publish(alert, first, latest)
    await harness.start()
    await harness.settled()
    for chat in (*READERS, "@nashra_breaking"):
        (message,) = api.sent(chat)
        assert "إلى 7" in message.plain and not message.edited, chat
    assert api.calls("editMessageText") == []  # nobody saw the stale headline first
    # A later correction still finds the message each chat got.
    await harness.publish(news(4, breaking=True, title="ارتفاع عدد القتلى إلى 9", revises=alert.key))
    await harness.settled()
    for chat in (*READERS, "@nashra_breaking"):
        (message,) = api.sent(chat)
        assert "إلى 9" in message.plain and message.edited, chat


async def test_a_dropped_connection_backs_off_and_delivers_once(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(broadcaster_module, "BACKOFF_FIRST_SECONDS", 0.2)
    harness.api.hang_up_next(READERS[0])
    await harness.publish(news(1))
    await harness.start()
    await harness.settled()
    assert len(harness.api.sent(READERS[0])) == 1
    assert harness.broadcaster is not None and harness.broadcaster.counters["retried"] == 1


async def test_repeated_flood_control_keeps_the_message_and_holds_only_that_chat(harness: Harness) -> None:
    for _ in range(2):
        harness.api.fail_next(
            READERS[0], error_code=429, description="Too Many Requests: retry after 1", retry_after=1
        )
    await harness.publish(news(1), news(2))
    started = time.monotonic()
    await harness.start()
    await harness.api.wait_for_sent(2, chat_id=READERS[1])
    assert time.monotonic() - started < 1.0  # another reader got both while the first one waited
    late = await harness.api.wait_for_sent(2, chat_id=READERS[0], timeout=6)
    assert time.monotonic() - started >= 2.0  # each retry_after was honoured
    assert ["خبر رقم 1" in late[0].plain, "خبر رقم 2" in late[1].plain] == [True, True]
    await harness.settled()
    assert len(harness.api.sent(READERS[0])) == 2 and harness.api.violations == []


async def test_html_refused_twice_is_sent_as_plain_text_only_once(harness: Harness) -> None:
    error = 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 3'
    for _ in range(2):
        harness.api.fail_next(READERS[0], error_code=400, description=error)
    await harness.publish(news(1), news(2))
    await harness.start()
    await harness.settled()
    # The plain-text retry of the first item was refused too: it is given up, and the next item still goes.
    sends = [params for _, params in harness.api.calls("sendMessage") if params["chat_id"] == READERS[0]]
    assert [params.get("parse_mode") for params in sends] == ["HTML", None, "HTML"]
    (delivered,) = harness.api.sent(READERS[0])
    assert "خبر رقم 2" in delivered.plain


async def test_a_migrated_group_refusing_again_gets_no_third_attempt(api: FakeBotAPI, tmp_path: Path) -> None:
    group = api.add_chat(-4002, type="group")
    harness = Harness(api, make_config(tmp_path))
    harness.subscribe(group)
    api.fail_next(
        group, error_code=400, description="Bad Request: group chat was upgraded", migrate_to_chat_id=-100778
    )
    api.fail_next(
        -100778,
        error_code=400,
        description="Bad Request: group chat was upgraded",
        migrate_to_chat_id=-100779,
    )
    try:
        await harness.start()
        await harness.publish(news(1))
        await harness.settled()
        targets_tried = [p["chat_id"] for _, p in api.calls("sendMessage") if p["chat_id"] != "@nashra_sport"]
        assert targets_tried == [group, -100778]  # re-sent once under the new id, then given up
        assert api.sent(-100779) == []
    finally:
        await harness.stop()
