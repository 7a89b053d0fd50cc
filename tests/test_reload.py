"""Reloading the TOML file changes sources, categories and channels while keeping readers and seen items."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot.config import ConfigError, load_config
from bot.demo import DEMO_CATEGORIES, sources_seeded, start_bot, stop_bot, wait_until
from bot.poller import Poller
from bot.reload import poll_job_name, reload_config
from bot.standins.news_site import SampleNewsSite
from bot.standins.telegram_api import FakeBotAPI
from bot.store import Store
from jobs.canonical import canonical_url
from jobs.fetch import new_client
from tests.opshelp import fail_on_call, poll_config, write_config

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
        fetch = "[fetch]\nmax_redirects = 3\nretries = 1\n"
        write_config(path, site, api, tmp_path / "elsewhere.json", extra=fetch)
        with caplog.at_level(logging.WARNING):
            assert await reload_config(app, path)
        assert app.bot_data["config"].storage.path == tmp_path / "d.json"
    finally:
        await stop_bot(app)
    assert "reload: [storage] changed; it takes effect at the next restart" in caplog.messages
    named = [m for m in caplog.messages if m.startswith("reload: fetch.")]
    assert named == [
        "reload: fetch.max_redirects take effect after a restart (per_host: for sites fetched from now)"
    ]


# Written for this test: long enough (over 30 words) for the story fingerprint that spots a copied story.
STORY_TITLE = "المنتخب الوطني يتأهل إلى نهائي البطولة القارية"
STORY_TEXT = (
    "تأهل المنتخب الوطني لكرة القدم مساء أمس إلى المباراة النهائية للبطولة القارية بعد فوزه على منافسه "
    "بهدفين مقابل هدف واحد في مباراة مثيرة أقيمت على الملعب الرئيسي في العاصمة أمام جمهور كبير. وسجل "
    "المهاجم الشاب الهدف الأول في الدقيقة العشرين قبل أن يعادل الفريق المنافس النتيجة مطلع الشوط الثاني، "
    "ثم أضاف قائد المنتخب هدف الفوز من ركلة جزاء قبل نهاية المباراة بعشر دقائق. وقال المدرب بعد المباراة "
    "إن اللاعبين قدموا أداء كبيرا وإن الفريق سيستعد جيدا للمباراة النهائية الأسبوع المقبل."
)


class WireServer(ThreadingHTTPServer):
    """Two agencies' feeds on one loopback host; articles under /a/ wait for `gate` while it is clear."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _WireHandler)
        self.entries: dict[str, list[str]] = {"a": [], "b": []}
        self.requests: list[str] = []
        self.gate = threading.Event()
        self.gate.set()
        self.lock = threading.Lock()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    def count(self, path: str) -> int:
        with self.lock:
            return self.requests.count(path)


class _WireHandler(BaseHTTPRequestHandler):
    server: WireServer

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.requests.append(self.path)
        agency, _, rest = self.path.strip("/").partition("/")
        if self.path == "/robots.txt":
            self._send("text/plain", "User-agent: *\nAllow: /\n")
        elif rest == "feed" and agency in self.server.entries:
            self._send("application/rss+xml", self._feed(agency))
        elif rest and agency in self.server.entries:
            if agency == "a":
                self.server.gate.wait(timeout=30)
            page = f"""<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>{STORY_TITLE}</title><link rel="canonical" href="{self.server.url(self.path)}"></head>
<body><article><h1>{STORY_TITLE}</h1><p>{STORY_TEXT}</p></article></body></html>"""
            self._send("text/html; charset=utf-8", page)
        else:
            self.send_error(404)

    def _feed(self, agency: str) -> str:
        items = "".join(
            f"<item><title>{STORY_TITLE}</title><link>{self.server.url(path)}</link><guid>{path}</guid>"
            f"<category>رياضة</category><description>{STORY_TEXT[:80]}</description></item>"
            for path in self.server.entries[agency]
        )
        return (
            f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{agency}</title>'
            f"<link>{self.server.url('/')}</link>{items}</channel></rss>"
        )

    def _send(self, content_type: str, text: str) -> None:
        body = text.encode()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def wire() -> Iterator[WireServer]:
    server = WireServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.gate.set()
    server.shutdown()
    server.server_close()


# Both agencies are one loopback host: no politeness gap between their requests.
NO_GAP = '[fetch]\nhost_delay = "0s"\n'


def wire_sources(wire: WireServer, a_interval: str = "1s") -> list[dict[str, Any]]:
    return [
        {"name": "agency a", "kind": "feed", "url": wire.url("/a/feed"), "interval": a_interval},
        {"name": "agency b", "kind": "feed", "url": wire.url("/b/feed"), "interval": "1s"},
    ]


async def start_wire_bot(
    site: SampleNewsSite, api: FakeBotAPI, wire: WireServer, path: Path
) -> tuple[Application, str]:
    """The bot on both agencies with a sport reader; then agency a's story, its poll held in flight."""
    write_config(path, site, api, path.with_name("d.json"), sources=wire_sources(wire), extra=NO_GAP)
    app = await start_bot(load_config(path), api.token)
    api.user_says(READER, "/subscribe sport")
    await api.wait_for_sent(1, chat_id=READER)
    await wait_until(lambda: sources_seeded(app), "first polls")
    wire.gate.clear()
    wire.entries["a"].append("/a/final")
    await wait_until(lambda: wire.count("/a/final") == 1, "agency a's poll to fetch the article")
    return app, "/a/final"


def next_poll(app: Application, source: str) -> datetime | None:
    """When a source's poll job runs next; it moves on when the job starts a poll."""
    return app.job_queue.get_jobs_by_name(poll_job_name(source))[0].next_t  # type: ignore[union-attr]


async def test_a_poll_in_flight_across_a_reload_shares_the_story_index_and_the_fetcher(
    site: SampleNewsSite, api: FakeBotAPI, wire: WireServer, tmp_path: Path
) -> None:
    path = tmp_path / "c.toml"
    app, article = await start_wire_bot(site, api, wire, path)
    try:
        poller = app.bot_data["poller"]
        science = {"slug": "science", "ar": "علوم", "en": "Science"}
        write_config(
            path,
            site,
            api,
            tmp_path / "d.json",
            sources=wire_sources(wire),
            categories=[*DEMO_CATEGORIES, science],
            extra=NO_GAP,
        )
        assert await reload_config(app, path)  # while agency a's poll waits for its article
        assert app.bot_data["poller"] is poller
        wire.gate.set()
        await api.wait_for_sent(2, chat_id=READER)  # the story, from the poll begun before the reload

        wire.entries["b"].append("/b/copy")  # agency b runs the same text under its own address
        store = app.bot_data["store"]
        copy = "url:" + canonical_url(wire.url("/b/copy"))
        await wait_until(lambda: store.is_seen(copy) and not store.pending(), "agency b's poll")
    finally:
        await stop_bot(app)
    assert [m.plain.splitlines()[0] for m in api.sent(READER)[1:]] == [STORY_TITLE]  # told once
    assert wire.count("/robots.txt") == 1  # the robots.txt rules read before the reload were kept
    stories = [row[0] for row in Store(tmp_path / "d.json").stories()]
    assert stories == ["url:" + canonical_url(wire.url(article))]


async def test_a_changed_source_polls_again_only_after_its_poll_in_flight(
    site: SampleNewsSite, api: FakeBotAPI, wire: WireServer, tmp_path: Path
) -> None:
    path = tmp_path / "c.toml"
    app, article = await start_wire_bot(site, api, wire, path)
    try:
        sources = wire_sources(wire, a_interval="2s")  # agency a's job is replaced by a new one
        write_config(path, site, api, tmp_path / "d.json", sources=sources, extra=NO_GAP)
        assert await reload_config(app, path)
        scheduled = next_poll(app, "agency a")
        await wait_until(lambda: next_poll(app, "agency a") != scheduled, "the new job's first poll")
        await asyncio.sleep(0.3)  # time for it to fetch the feed and the article, had it not waited
        wire.gate.set()
        await api.wait_for_sent(2, chat_id=READER)
        polls = wire.count("/a/feed")
        await wait_until(lambda: wire.count("/a/feed") > polls, "agency a's next poll")
        await wait_until(lambda: not app.bot_data["store"].pending(), "an empty outbox")
    finally:
        await stop_bot(app)
    assert wire.count(article) == 1  # the new config's first poll waited, then found the story seen
    assert [m.plain.splitlines()[0] for m in api.sent(READER)[1:]] == [STORY_TITLE]


async def test_a_source_is_first_polled_at_once_at_start_and_when_a_reload_adds_it(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path
) -> None:
    hourly = {"kind": "feed", "url": site.url("/feed/"), "interval": "1h"}
    path = write_config(
        tmp_path / "c.toml", site, api, tmp_path / "d.json", sources=[{"name": "main", **hourly}]
    )
    app = await start_bot(load_config(path), api.token)
    try:
        await wait_until(lambda: sources_seeded(app), "the first poll after the start, not an hour later")
        sport = {"name": "sport", **hourly, "url": site.url("/category/sport/feed/")}
        write_config(path, site, api, tmp_path / "d.json", sources=[{"name": "main", **hourly}, sport])
        assert await reload_config(app, path)
        await wait_until(lambda: sources_seeded(app), "the added source's first poll")
    finally:
        await stop_bot(app)


async def test_a_failed_poll_does_not_hide_another_agencys_copy_of_its_story(
    wire: WireServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Agency a fails after reading the story; agency b's copy is then the first telling and must go out."""
    config = poll_config(tmp_path / "nashra.json", wire_sources(wire))
    store = Store(config.storage.path)
    async with new_client() as client:
        poller = Poller(config, store, client, lambda: None)
        a, b = config.sources
        await poller.poll(a)
        await poller.poll(b)
        wire.entries["a"] += ["/a/final", "/a/other"]
        fail_on_call(monkeypatch, poller, "_item", 2)  # a bug on agency a's second page
        with pytest.raises(RuntimeError):
            await poller.poll(a)
        wire.entries["b"].append("/b/copy")
        assert (await poller.poll(b)).new == 1
