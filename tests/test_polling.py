"""Scheduling and bad sources: a broken or slow source is logged and retried while the others go on."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bot import poller as poller_module
from bot.config import parse_config
from bot.demo import DEMO_CATEGORIES, sources_seeded, start_bot, stop_bot, wait_until
from bot.poller import Poller, listing_of
from bot.standins.news_site import SampleNewsSite
from bot.standins.telegram_api import FakeBotAPI
from bot.store import LEGACY_STORY_STATE, Store
from jobs.canonical import canonical_url
from jobs.fetch import new_client
from jobs.records import Article, Candidate
from tests.opshelp import fail_on_call, poll_config

READER = 3003


class SlowServer(ThreadingHTTPServer):
    """Answers every request after a delay and remembers the most requests it had in flight at once."""

    def __init__(self, delay: float) -> None:
        super().__init__(("127.0.0.1", 0), _SlowHandler)
        self.delay = delay
        self.in_flight = 0
        self.most_in_flight = 0
        self.served = 0
        self.lock = threading.Lock()


class _SlowHandler(BaseHTTPRequestHandler):
    server: SlowServer

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.in_flight += 1
            self.server.most_in_flight = max(self.server.most_in_flight, self.server.in_flight)
        time.sleep(self.server.delay)
        body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>slow</title></channel></rss>'
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        with self.server.lock:
            self.server.in_flight -= 1
            self.server.served += 1

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def slow_server() -> Iterator[SlowServer]:
    server = SlowServer(delay=2.5)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    """A loopback port nobody listens on: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def feed(name: str, url: str) -> dict[str, str]:
    return {"name": name, "kind": "feed", "url": url, "interval": "1s"}


async def test_broken_sources_are_logged_by_name_and_others_go_on(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site.fail("/category/economy/feed/", 500)
    sources = [
        feed("good", site.url("/category/sport/feed/")),
        feed("down", f"http://127.0.0.1:{closed_port()}/feed/"),
        feed("erroring", site.url("/category/economy/feed/")),
        feed("not-a-feed", site.url("/")),
        {
            "name": "image",
            "kind": "ticker",
            "url": site.url("/wp-content/uploads/stadium.png"),
            "interval": "1s",
            "item_selector": "li",
        },
    ]
    config = parse_config(
        {
            "telegram": {"api_base_url": api.base_url},
            "storage": {"path": str(tmp_path / "nashra.json")},
            # No in-poll retries: the 500 must be logged before the test lets the site recover.
            "fetch": {"retries": 0, "host_delay": "0s"},
            "categories": DEMO_CATEGORIES,
            "sources": sources,
        }
    )
    caplog.set_level(logging.WARNING, logger="bot")
    app = await start_bot(config, api.token)
    try:
        api.user_says(READER, "/subscribe رياضة اقتصاد")
        await api.wait_for_sent(1, chat_id=READER)
        store = app.bot_data["store"]
        await wait_until(lambda: store.source_state("good").get("seeded"), "the good source's first poll")
        sport = site.publish_next("sport")
        (_, message) = await api.wait_for_sent(2, chat_id=READER)
        assert message.plain.splitlines()[0] == sport.title

        site.fail("/category/economy/feed/", None)  # the site recovers: its source starts working
        await wait_until(lambda: store.source_state("erroring").get("seeded"), "the recovered source")
        economy = site.publish_next("economy")
        (*_, later) = await api.wait_for_sent(3, chat_id=READER)
        assert later.plain.splitlines()[0] == economy.title
    finally:
        await stop_bot(app)

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    failures = [
        ("down", "ConnectError"),
        ("erroring", "HTTP 500"),
        ("not-a-feed", ""),
        ("image", "image/png"),
    ]
    for name, reason in failures:
        assert any(f"source '{name}' failed" in w and reason in w for w in warnings), name
    assert not sources_seeded(app)  # the dead ones never pretended to have polled


async def test_a_slow_source_neither_overlaps_itself_nor_delays_others(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path, slow_server: SlowServer
) -> None:
    slow_url = f"http://127.0.0.1:{slow_server.server_address[1]}/feed/"
    config = parse_config(
        {
            "telegram": {"api_base_url": api.base_url},
            "storage": {"path": str(tmp_path / "nashra.json")},
            "categories": DEMO_CATEGORIES,
            "sources": [feed("slow", slow_url), feed("fast", site.url("/feed/"))],
        }
    )
    app = await start_bot(config, api.token)
    try:
        await wait_until(lambda: slow_server.served >= 2, "two slow polls", timeout=15)
    finally:
        await stop_bot(app)
    fast_polls = site.requests.count("/feed/")
    assert slow_server.most_in_flight == 1  # a 1 s interval and a 2.5 s answer never overlap
    assert fast_polls >= 4  # the fast source kept its 1 s rhythm during the slow answers


async def test_admins_are_told_once_when_a_dead_source_is_paused(api: FakeBotAPI, tmp_path: Path) -> None:
    admin = api.add_chat(9001, type="private", title="admin")
    config = parse_config(
        {
            "telegram": {"api_base_url": api.base_url, "admins": [admin]},
            "storage": {"path": str(tmp_path / "nashra.json")},
            "fetch": {"pause_after": "1s", "retries": 0},
            "categories": DEMO_CATEGORIES,
            "sources": [feed("down", f"http://127.0.0.1:{closed_port()}/feed/")],
        }
    )
    app = await start_bot(config, api.token)
    try:
        (notice,) = await api.wait_for_sent(1, chat_id=admin, timeout=20)
        await asyncio.sleep(2.5)  # further failures of the paused source tell nobody again
    finally:
        await stop_bot(app)
    assert "'down' paused" in notice.plain
    assert len(api.sent(admin)) == 1


async def test_the_classifier_fallback_reads_the_title(tmp_path: Path) -> None:
    """The classifier was trained with the title weighted: a listing whose only topical word is in its title
    gets the title's category, not the source's default."""
    config = parse_config(
        {
            "storage": {"path": str(tmp_path / "nashra.json")},
            "categories": DEMO_CATEGORIES,
            "sources": [
                {"name": "wire", "kind": "feed", "url": "http://127.0.0.1:9/feed", "category": "local"}
            ],
        }
    )
    candidate = Candidate(
        source="wire",
        title="المنتخب الوطني لكرة القدم يفوز ببطولة كأس آسيا بعد الفوز على اليابان في المباراة النهائية",
        summary="قال مسؤولون اليوم إن التفاصيل ستعلن لاحقا.",
    )
    async with new_client() as client:
        poller = Poller(config, Store(config.storage.path), client, lambda: None)
        item = poller._item(config.sources[0], candidate, None)
    assert item.categories == ("sport",)


async def test_a_sections_listing_files_every_item_under_its_section_and_what_the_page_adds(
    tmp_path: Path,
) -> None:
    """An operator who points a source at the site's sport listing wants all of it in sport, as the issue
    trusts the source's own category first; a politics breadcrumb on one of its pages adds politics."""
    config = parse_config(
        {
            "storage": {"path": str(tmp_path / "nashra.json")},
            "categories": DEMO_CATEGORIES,
            "sources": [
                {"name": "sport", "kind": "feed", "url": "http://127.0.0.1:9/sport/", "categories": ["sport"]}
            ],
        }
    )
    minister = Candidate(source="sport", title="استقالة وزير الشباب بعد جلسة برلمانية عاصفة")
    page = Article(
        "http://127.0.0.1:9/a/1", minister.title, "ناقش البرلمان اليوم الاستقالة.", categories=("سياسة",)
    )
    async with new_client() as client:
        poller = Poller(config, Store(config.storage.path), client, lambda: None)
        assert poller._item(config.sources[0], minister, page).categories == ("sport", "politics")
        assert poller._item(config.sources[0], minister, None).categories == ("sport",)


async def test_a_new_story_journals_one_record_with_the_polls_seen_marks(
    site: SampleNewsSite, tmp_path: Path
) -> None:
    """A busy newsroom adds hundreds of stories a day: each must cost its own record, not the whole index."""
    config = poll_config(tmp_path / "nashra.json", [feed("site", site.url("/feed/"))])
    older = Store(config.storage.path)
    rows = []
    for n in range(2_000):  # a full day's index from other sources, as an older nashra kept it: whole
        sketch = [(n * 7919 + i * 104_729) * 2_654_435_761 % 2**48 for i in range(32)]
        rows.append([f"url:https://other.example/{n}", sketch, f"خبر رقم {n}", False, time.time()])
    older.update_source_state(LEGACY_STORY_STATE, stories=rows)
    await older.commit()
    store = Store(config.storage.path)
    journal = next((tmp_path / "nashra.json.d").glob("*.jsonl"))
    async with new_client() as client:
        poller = Poller(config, store, client, lambda: None)
        await poller.poll(config.sources[0])  # the first poll only remembers what is there
        article = site.publish_next("sport")
        before = journal.read_bytes()
        assert (await poller.poll(config.sources[0])).new == 1
    written = journal.read_bytes()[len(before) :]
    assert len(written) < 16_000  # the item, its seen marks and one story; the index alone is ~1.2 MB
    batch = json.loads(written)  # one commit: after kill -9 the story is known exactly when the item is
    key = "url:" + canonical_url(site.url(article.path))
    assert [story[0] for story in batch["stories"]] == [key]
    assert key in batch["items"] and key in batch["seen"]["site"]
    assert [story[0] for story in Store(config.storage.path).stories()] == [*(r[0] for r in rows), key]


async def test_a_poll_that_fails_half_way_loses_none_of_its_stories(
    site: SampleNewsSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A poll that dies after building some items (an extractor bug on one page) records nothing; the next
    poll must post those items, not take them for repeats of the stories the failed poll had noted."""
    config = poll_config(tmp_path / "nashra.json", [feed("site", site.url("/feed/"))])
    store = Store(config.storage.path)
    async with new_client() as client:
        poller = Poller(config, store, client, lambda: None)
        await poller.poll(config.sources[0])
        published = [site.publish_next(), site.publish_next()]
        fail_on_call(monkeypatch, poller_module, "extract_article", 2)  # an extractor bug on one page
        with pytest.raises(RuntimeError):
            await poller.poll(config.sources[0])
        result = await poller.poll(config.sources[0])
    assert result.new == 2
    for article in published:
        assert store.item("url:" + canonical_url(site.url(article.path)))["title"] == article.title


async def test_a_source_given_a_new_address_posts_none_of_what_was_already_there(
    site: SampleNewsSite, tmp_path: Path
) -> None:
    """A source pointed at another feed must not flood readers with that feed's back catalogue."""
    data = tmp_path / "nashra.json"
    sport = poll_config(data, [feed("site", site.url("/category/sport/feed/"))])
    moved = poll_config(data, [feed("site", site.url("/feed/"))])
    async with new_client() as client:
        poller = Poller(sport, Store(data), client, lambda: None)
        assert (await poller.poll(sport.sources[0])).seeded
        site.publish_next("economy")  # listed by the whole-site feed, never by the sport feed
        poller.reconfigure(moved)
        first = await poller.poll(moved.sources[0])
        assert first.seeded and first.new == 0 and first.found > 1
        site.publish_next("sport")
        assert (await poller.poll(moved.sources[0])).new == 1


async def test_a_ticker_poll_that_fails_half_way_loses_none_of_its_headlines(
    site: SampleNewsSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed ticker poll records nothing: the next alerts its headlines instead of calling them repeats."""
    ticker = {
        "name": "ticker",
        "kind": "ticker",
        "url": site.url("/"),
        "interval": "1s",
        "item_selector": "#breaking-news-in-header li",
    }
    config = poll_config(tmp_path / "nashra.json", [ticker])
    async with new_client() as client:
        poller = Poller(config, Store(config.storage.path), client, lambda: None)
        await poller.poll(config.sources[0])
        site.add_headline("عاجل: زلزال بقوة 5 درجات يضرب شمال البلاد")
        site.add_headline("عاجل: وزير المالية يعلن خفض الضرائب على الوقود")
        fail_on_call(monkeypatch, poller, "_item", 2)  # a categoriser bug on the second headline
        with pytest.raises(RuntimeError):
            await poller.poll(config.sources[0])
        assert (await poller.poll(config.sources[0])).new == 2


async def test_a_source_given_new_selectors_posts_none_of_what_was_already_there(
    site: SampleNewsSite, tmp_path: Path
) -> None:
    """An operator widening a listing's selector must not flood readers with what it now also finds."""
    data = tmp_path / "nashra.json"
    listing = {"name": "front", "kind": "html", "url": site.url("/"), "interval": "1s"}
    sport = poll_config(data, [listing | {"link_selector": ".category-sport h2 a"}])
    every = poll_config(data, [listing | {"link_selector": "h2.post-title a"}])
    async with new_client() as client:
        poller = Poller(sport, Store(data), client, lambda: None)
        assert (await poller.poll(sport.sources[0])).seeded
        poller.reconfigure(every)
        widened = await poller.poll(every.sources[0])
        assert widened.seeded and widened.new == 0 and widened.found > 1


async def test_a_failing_source_given_a_new_address_is_polled_there_at_once(
    site: SampleNewsSite, tmp_path: Path
) -> None:
    """The usual reason to change an address is that the old one died: its back-off must not delay the new."""
    data = tmp_path / "nashra.json"
    dead = poll_config(data, [feed("site", f"http://127.0.0.1:{closed_port()}/feed/")], retries=0)
    fixed = poll_config(data, [feed("site", site.url("/feed/"))], retries=0)
    store = Store(data)
    store.update_source_state("site", seeded=True, listing=listing_of(dead.sources[0]))  # it worked once
    async with new_client() as client:
        poller = Poller(dead, store, client, lambda: None)
        for _ in range(2):
            assert (await poller.poll(dead.sources[0], force=True)).error
        assert (await poller.poll(dead.sources[0])).skipped  # backing off
        poller.reconfigure(fixed)
        moved = await poller.poll(fixed.sources[0])
    assert not moved.skipped and moved.seeded and moved.new == 0
