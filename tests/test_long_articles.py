"""The longest real articles in the corpus, served by a local site, reach Telegram within its limits."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.corpus import Doc, category_docs, summary_docs
from bot.config import parse_config
from bot.demo import sources_seeded, start_bot, stop_bot, wait_until
from bot.messages import CAPTION_LIMIT, TEXT_LIMIT, utf16_len
from bot.standins.telegram_api import FakeBotAPI
from bot.store import Store
from jobs.summarise import CAPTION_BUDGET, CAPTION_SENTENCES, split_sentences
from tests.webserver import Handler, ScriptedServer, static

READER = 6101
# Sentence ends a summary may stop on (the message adds no ellipsis when it ends on one of these).
SENTENCE_ENDS = (".", "!", "?", "؟", "…", "»", '"')


def longest(shared: Path, count: int) -> list[Doc]:
    """The longest bodies of both corpora: the hardest texts to fit a caption or a message."""
    docs = summary_docs(shared) + category_docs(shared)
    return sorted(docs, key=lambda d: len(d.text), reverse=True)[:count]


def page(doc: Doc, image: str | None) -> bytes:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in doc.text.split("\n") if p.strip())
    og = f'<meta property="og:image" content="{image}">' if image else ""
    title = html.escape(doc.title)
    head = f'<meta charset="utf-8"><title>{title}</title>{og}'
    body = f"<article><h1>{title}</h1>{paragraphs}</article>"
    return f'<!doctype html><html lang="ar" dir="rtl"><head>{head}</head><body>{body}</body></html>'.encode()


def feed(server: ScriptedServer, docs: list[Doc]) -> bytes:
    items = "".join(
        f"<item><title>{html.escape(d.title)}</title><link>{server.url(f'/a/{i}')}</link>"
        f"<category>sport</category><description>{html.escape(d.text)}</description></item>"
        for i, d in enumerate(docs)
    )
    channel = f"<channel><title>t</title>{items}</channel>"
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0">{channel}</rss>'.encode()


class LongSite:
    """A feed that is empty until `publish`, then lists the long articles; one article has a lead image."""

    def __init__(self, docs: list[Doc]) -> None:
        self.docs = docs
        self.published: list[Doc] = []
        self.server = ScriptedServer()
        self.server.routes["/feed/"] = self._feed
        self.server.routes["/robots.txt"] = static(b"", "text/plain", status=404)
        for i, doc in enumerate(docs):
            image = self.server.url("/lead.jpg") if i == 0 else None
            body = page(doc, image)
            self.server.routes[f"/a/{i}"] = static(body)

    def _feed(self, handler: Handler) -> None:
        handler.reply(200, feed(self.server, self.published), "application/rss+xml")

    def publish(self) -> None:
        self.published = list(self.docs)


@pytest.fixture
def long_site(shared_dir: Path) -> Iterator[LongSite]:
    site = LongSite(longest(shared_dir, 3))
    with site.server:
        yield site


async def test_the_longest_articles_fit_a_caption_and_a_message_ending_on_a_sentence(
    long_site: LongSite, api: FakeBotAPI, tmp_path: Path
) -> None:
    api.add_chat(READER, type="private")
    config = parse_config(
        {
            "telegram": {"api_base_url": api.base_url},
            "storage": {"path": str(tmp_path / "nashra.json")},
            "fetch": {"host_delay": "0s"},
            "categories": [{"slug": "sport", "ar": "رياضة", "en": "Sport"}],
            "sources": [
                {"name": "طويل", "kind": "feed", "url": long_site.server.url("/feed/"), "interval": "1s"}
            ],
        }
    )
    store = Store(config.storage.path)
    store.save_subscriber(READER, categories=["sport"], language="ar")
    store.commit_now()
    del store
    app = await start_bot(config, api.token)
    try:
        await wait_until(lambda: sources_seeded(app), "the first poll")
        long_site.publish()
        sent = await api.wait_for_sent(3, chat_id=READER, timeout=30)
    finally:
        await stop_bot(app)
    assert api.violations == []
    photos = [m for m in sent if m.method == "sendPhoto"]
    texts = [m for m in sent if m.method == "sendMessage"]
    assert len(photos) == 1 and len(texts) == 2  # the photo was not refused into a text fallback
    assert utf16_len(photos[0].plain.strip()) <= CAPTION_LIMIT
    # Under a photo the caption-sized summary; a text message carries the longer one.
    assert len(photos[0].plain.split("\n\n")[1]) <= CAPTION_BUDGET
    assert all(len(split_sentences(m.plain.split("\n\n")[1])) > CAPTION_SENTENCES for m in texts)
    for message in sent:
        assert utf16_len(message.plain.strip()) <= TEXT_LIMIT
        title, summary = message.plain.split("\n\n")[:2]
        assert title.strip() in {d.title.strip() for d in long_site.docs}
        assert len(summary) > 100 and summary.rstrip().endswith(SENTENCE_ENDS), summary
        assert "<" not in message.plain  # markup became entities, none leaked as text
