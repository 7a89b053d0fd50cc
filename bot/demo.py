"""`nashra demo`: the real bot, offline, against a sample Arabic site and a local Telegram stand-in."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.app import build_application
from bot.config import Config, parse_config
from bot.standins.news_site import SampleNewsSite
from bot.standins.telegram_api import FakeBotAPI, SentMessage
from bot.store import Store

READER_ID = 1001
# The demo must finish by itself well within a minute, even on a loaded machine.
STEP_TIMEOUT = 20.0

DEMO_CATEGORIES: list[dict[str, Any]] = [
    {"slug": "breaking", "ar": "عاجل", "en": "Breaking", "aliases": ["خبر عاجل"], "breaking": True},
    {"slug": "politics", "ar": "سياسة", "en": "Politics", "aliases": ["/category/politics/"]},
    {"slug": "economy", "ar": "اقتصاد", "en": "Economy", "aliases": ["/category/economy/"]},
    {"slug": "local", "ar": "محليات", "en": "Local", "aliases": ["/category/local/"]},
    {"slug": "sport", "ar": "رياضة", "en": "Sport", "aliases": ["سبورت", "/category/sport/"]},
    {"slug": "culture", "ar": "ثقافة وفنون", "en": "Arts & Culture", "aliases": ["/category/culture/"]},
    {"slug": "world", "ar": "عربي ودولي", "en": "World", "aliases": ["/category/world/"]},
    {"slug": "health", "ar": "صحة", "en": "Health", "aliases": ["/category/health/"]},
    {"slug": "tech", "ar": "تكنولوجيا", "en": "Technology", "aliases": ["/category/tech/"]},
]


def demo_config(site: SampleNewsSite, api: FakeBotAPI, data_file: Path, *, interval: str = "1s") -> Config:
    """The embedded configuration: the sample site's feed and ticker, a sport and a breaking channel."""
    return parse_config(
        {
            "telegram": {"api_base_url": api.base_url},
            "storage": {"path": str(data_file)},
            # Every demo source is the one local site: no need to space requests out politely.
            "fetch": {"host_delay": "0s"},
            "categories": DEMO_CATEGORIES,
            "sources": [
                {"name": site.name, "kind": "feed", "url": site.url("/feed/"), "interval": interval},
                {
                    "name": f"{site.name} — عاجل",
                    "kind": "ticker",
                    "url": site.url("/"),
                    "interval": interval,
                    "item_selector": "#breaking-news-in-header li",
                },
            ],
            "channels": [
                {"chat": "@nashra_breaking", "breaking": True},
                {"chat": "@nashra_sport", "categories": ["sport"]},
            ],
        },
        origin="demo",
    )


async def start_bot(config: Config, token: str) -> Application:
    """Start the application the way `run_polling` would (hooks included), but under our control."""
    store = Store(config.storage.path, retention_days=config.storage.retention_days)
    app = build_application(config, token, store)
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    return app


async def stop_bot(app: Application) -> None:
    """Stop polling, the jobs and the broadcaster, then release everything."""
    assert app.updater is not None
    await app.updater.stop()
    await app.stop()
    if app.post_stop:
        await app.post_stop(app)
    await app.shutdown()


async def wait_until(condition: Callable[[], bool], what: str, timeout: float = STEP_TIMEOUT) -> None:
    """Poll a condition; fail loudly with what we were waiting for."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        await asyncio.sleep(0.05)


def sources_seeded(app: Application) -> bool:
    """True once every source had its first (silent) poll."""
    store: Store = app.bot_data["store"]
    config: Config = app.bot_data["config"]
    return all(store.source_state(s.name).get("seeded") for s in config.sources)


def transcript(title: str, messages: list[SentMessage]) -> list[str]:
    """Messages as a reader sees them, indented under the chat's name."""
    lines = [f"── {title} ({len(messages)} messages) ──"]
    for message in messages:
        lines += ["  " + line for line in message.plain.splitlines()] + [""]
    return lines


async def run_demo(out: Callable[[str], None] = print) -> int:
    """Subscribe a reader, publish news on the sample site, print what Telegram received."""
    with tempfile.TemporaryDirectory() as tmp, SampleNewsSite() as site, FakeBotAPI() as api:
        for channel in ("@nashra_breaking", "@nashra_sport"):
            api.add_chat(channel, type="channel", title=channel)
        config = demo_config(site, api, Path(tmp) / "nashra.json")
        app = await start_bot(config, api.token)
        try:
            out(f"sample site on {site.base_url}, Telegram stand-in on {api.base_url.rsplit('/', 1)[0]}")
            api.user_says(READER_ID, "/subscribe رياضة")
            await api.wait_for_sent(1, chat_id=READER_ID, timeout=STEP_TIMEOUT)
            await wait_until(lambda: sources_seeded(app), "the first poll of every source")
            out("first poll done: existing articles remembered, nothing sent")
            sport, politics = site.publish_next(), site.publish_next()
            headline = site.add_headline()
            out(f"published: «{sport.title}» ({sport.category}), «{politics.title}» ({politics.category})")
            out(f"breaking headline: «{headline}»")
            await api.wait_for_sent(2, chat_id=READER_ID, timeout=STEP_TIMEOUT)
            await api.wait_for_sent(1, chat_id="@nashra_sport", timeout=STEP_TIMEOUT)
            # The headline, and the politics article: its feed files it under «خبر عاجل».
            await api.wait_for_sent(2, chat_id="@nashra_breaking", timeout=STEP_TIMEOUT)
        finally:
            await stop_bot(app)
        out("")
        for line in (
            transcript(f"reader {READER_ID} (subscribed to sport)", api.sent(READER_ID))
            + transcript("channel @nashra_sport", api.sent("@nashra_sport"))
            + transcript("channel @nashra_breaking", api.sent("@nashra_breaking"))
        ):
            out(line)
    return 0
