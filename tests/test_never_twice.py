"""Never twice: one story is one post, whatever URL, source, re-spelling or feed churn it comes back with."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.config import parse_config
from bot.demo import DEMO_CATEGORIES, sources_seeded, start_bot, stop_bot, wait_until
from bot.poller import Poller
from bot.standins.news_site import SampleNewsSite
from bot.standins.telegram_api import FakeBotAPI
from bot.store import Store
from jobs.fetch import new_client
from jobs.records import NewsItem
from tests.webserver import Handler, ScriptedServer, static

READER = 7007

STORY = (
    "أعلنت وزارة النقل اليوم افتتاح الطريق الدولي الجديد بين دمشق وحمص بعد أعمال صيانة استمرت ستة أشهر "
    "وقال الوزير في مؤتمر صحفي إن الطريق سيخفف الازدحام ويختصر زمن الرحلة إلى النصف وأضاف أن الوزارة "
    "ستبدأ الشهر المقبل بتأهيل طرق ريفية في محافظات عدة ضمن خطة تمتد ثلاث سنوات بكلفة تقديرية كبيرة"
)


def article_page(title: str, text: str, canonical: str | None = None) -> bytes:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    paragraphs = "".join(f"<p>{s}.</p>" for s in text.split(" وأضاف "))
    return (
        f"<html lang='ar'><head><meta charset='utf-8'><title>{title}</title>{link}</head><body>"
        f"<article><h1>{title}</h1>{paragraphs}</article></body></html>"
    ).encode()


def feed(*links: tuple[str, str]) -> bytes:
    items = "".join(f"<item><title>{t}</title><link>{u}</link></item>" for t, u in links)
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>f</title>{items}</channel></rss>'.encode()
    )


def ticker(*headlines: str) -> bytes:
    items = "".join(f"<li>{h}</li>" for h in headlines)
    return f"<html><body><ul id='breaking'>{items}</ul></body></html>".encode()


@dataclass
class Rig:
    server: ScriptedServer
    poller: Poller
    store: Store
    config: Any

    def set(self, path: str, body: bytes, content_type: str = "text/html; charset=utf-8") -> None:
        self.server.routes[path] = static(body, content_type)

    async def poll(self, name: str) -> list[NewsItem]:
        """Poll a source now and return the items it produced."""
        source = next(s for s in self.config.sources if s.name == name)
        before = {d.item_key for d in self.store.pending()}
        result = await self.poller.poll(source, force=True)
        assert result.error is None, result.error
        keys = list(dict.fromkeys(d.item_key for d in self.store.pending() if d.item_key not in before))
        return [NewsItem.from_json(self.store.item(k)) for k in keys]  # type: ignore[arg-type]


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as running:
        yield running


@pytest.fixture
async def rig(server: ScriptedServer, tmp_path: Path) -> AsyncIterator[Rig]:
    config = parse_config(
        {
            "storage": {"path": str(tmp_path / "nashra.json")},
            "fetch": {"host_delay": "0s", "retries": 0},
            "categories": DEMO_CATEGORIES,
            # A reader of everything, so every new item lands in the outbox where the test can see it.
            "channels": [
                {"chat": "@everything", "categories": [c["slug"] for c in DEMO_CATEGORIES], "breaking": True}
            ],
            "sources": [
                {"name": "feed", "kind": "feed", "url": server.url("/feed"), "category": "local"},
                {"name": "other", "kind": "feed", "url": server.url("/other-feed"), "category": "local"},
                {
                    "name": "list",
                    "kind": "html",
                    "url": server.url("/list"),
                    "link_selector": "a",
                    "category": "local",
                },
                {"name": "ticker", "kind": "ticker", "url": server.url("/ticker"), "item_selector": "li"},
            ],
        }
    )
    store = Store(config.storage.path)
    async with new_client() as client:
        rig = Rig(server, Poller(config, store, client, lambda: None), store, config)
        rig.set("/feed", feed(), "application/rss+xml")
        rig.set("/other-feed", feed(), "application/rss+xml")
        rig.set("/list", b"<html><body></body></html>")
        rig.set("/ticker", ticker())
        for source in config.sources:
            assert await rig.poll(source.name) == []  # first polls: remembered silently
        yield rig


async def test_wordpress_short_link_is_the_permalink_it_names(rig: Rig) -> None:
    permalink = rig.server.url("/2024/05/01/road/")
    rig.set("/2024/05/01/road/", article_page("افتتاح الطريق", STORY, canonical=permalink))
    rig.set("/feed", feed(("افتتاح الطريق", permalink)), "application/rss+xml")
    assert [i.url for i in await rig.poll("feed")] == [permalink]

    def short_link(handler: Handler) -> None:  # WordPress serves the post itself at /?p=123
        handler.reply(200, article_page("افتتاح الطريق", STORY, canonical=permalink), "text/html")

    rig.server.routes["/"] = short_link
    rig.set("/list", "<html><body><a href='/?p=123'>افتتاح الطريق</a></body></html>".encode())
    assert await rig.poll("list") == []
    assert rig.server.hits("/") == 1  # it was fetched: the page's canonical is what matched


async def test_the_same_story_at_another_url_or_source_is_posted_once(rig: Rig) -> None:
    first, second = rig.server.url("/a/road"), rig.server.url("/b/road-again")
    rig.set("/a/road", article_page("افتتاح الطريق الدولي", STORY))
    rig.set("/b/road-again", article_page("وزارة النقل تفتتح الطريق", STORY.replace("اليوم", "صباح اليوم")))
    rig.set("/feed", feed(("افتتاح الطريق الدولي", first)), "application/rss+xml")
    (posted,) = await rig.poll("feed")
    rig.set("/other-feed", feed(("وزارة النقل تفتتح الطريق", second)), "application/rss+xml")
    assert await rig.poll("other") == []  # nothing was sent yet, so there is no message to edit either
    # Chats the first item has still to reach get the second source named in it.
    assert NewsItem.from_json(rig.store.item(posted.key)).also == (("other", second),)  # type: ignore[arg-type]
    third = rig.server.url("/c/road-third")
    rig.set("/c/road-third", article_page("الطريق الدولي", STORY.replace("اليوم", "أمس")))
    rig.set("/list", f"<html><body><a href='{third}'>الطريق</a></body></html>".encode())
    assert await rig.poll("list") == []
    also = NewsItem.from_json(rig.store.item(posted.key)).also  # type: ignore[arg-type]
    assert also == (("other", second), ("list", third))


async def test_a_different_story_is_not_mistaken_for_a_repeat(rig: Rig) -> None:
    rig.set("/a/road", article_page("افتتاح الطريق الدولي", STORY))
    other = "قال المصرف المركزي إنه رفع سعر الفائدة نصف نقطة مئوية في اجتماعه الدوري " * 4
    rig.set("/b/bank", article_page("المصرف المركزي يرفع الفائدة", other))
    rig.set("/feed", feed(("افتتاح الطريق الدولي", rig.server.url("/a/road"))), "application/rss+xml")
    rig.set("/other-feed", feed(("المصرف يرفع الفائدة", rig.server.url("/b/bank"))), "application/rss+xml")
    assert len(await rig.poll("feed")) == 1
    assert len(await rig.poll("other")) == 1


async def test_ticker_re_spellings_are_quiet_and_real_edits_revise_the_alert(rig: Rig) -> None:
    rig.set("/ticker", ticker("مقتل 3 أشخاص في انفجار بمرفأ اللاذقية"))
    (alert,) = await rig.poll("ticker")
    assert alert.breaking and alert.revises is None

    for respelt in (
        "مقتـــل 3 أشخاص في انفجار بمرفأ اللاذقيه",  # tatweel and a ة/ه typo fix
        "مقتل 3 أشخاص في انفجار عنيف بمرفأ اللاذقية",  # one added word
    ):
        rig.set("/ticker", ticker(respelt))
        assert await rig.poll("ticker") == [], respelt

    rig.set("/ticker", ticker("ارتفاع عدد القتلى إلى 5 أشخاص في انفجار بمرفأ اللاذقية"))
    (revision,) = await rig.poll("ticker")
    assert revision.revises == alert.key

    rig.set("/ticker", ticker("ارتفاع عدد القتلى إلى 7 أشخاص في انفجار بمرفأ اللاذقية"))
    (again,) = await rig.poll("ticker")
    assert again.revises == alert.key  # every edit points at the message readers actually got

    rig.set("/ticker", ticker("الرئيس يستقبل وفدا من رجال الأعمال"))
    (unrelated,) = await rig.poll("ticker")
    assert unrelated.revises is None


async def test_a_ticker_headline_that_becomes_an_article_is_linked_not_alerted_again(rig: Rig) -> None:
    headline = "افتتاح الطريق الدولي بين دمشق وحمص"
    rig.set("/ticker", ticker(headline))
    (alert,) = await rig.poll("ticker")
    rig.set("/a/road", article_page(headline, STORY))
    rig.set("/feed", feed((headline, rig.server.url("/a/road"))), "application/rss+xml")
    (article,) = await rig.poll("feed")
    assert article.revises == alert.key and article.url == rig.server.url("/a/road")


async def test_an_item_that_leaves_the_feed_and_returns_is_not_new(rig: Rig) -> None:
    rig.set("/a/road", article_page("الطريق", STORY))
    entry = ("الطريق", rig.server.url("/a/road"))
    rig.set("/feed", feed(entry), "application/rss+xml")
    assert len(await rig.poll("feed")) == 1
    rig.set("/feed", feed(), "application/rss+xml")
    assert await rig.poll("feed") == []
    rig.set("/feed", feed(entry), "application/rss+xml")
    assert await rig.poll("feed") == []


async def test_conditional_get_turns_an_unchanged_feed_into_a_304(tmp_path: Path) -> None:
    with SampleNewsSite() as site:
        config = parse_config(
            {
                "storage": {"path": str(tmp_path / "nashra.json")},
                "fetch": {"host_delay": "0s"},
                "categories": DEMO_CATEGORIES,
                "sources": [{"name": "site", "kind": "feed", "url": site.url("/feed/")}],
            }
        )
        store = Store(config.storage.path)
        async with new_client() as client:
            poller = Poller(config, store, client, lambda: None)
            first = await poller.poll(config.sources[0], force=True)
            unchanged = await poller.poll(config.sources[0], force=True)
            site.publish_next()
            changed = await poller.poll(config.sources[0], force=True)
    assert first.status == 200 and first.seeded
    assert unchanged.status == 304 and unchanged.new == 0 and unchanged.error is None
    assert changed.status == 200 and changed.new == 1
    assert store.source_state("site")["etag"] or store.source_state("site")["last_modified"]


async def test_a_long_failing_source_is_paused_with_one_notice(tmp_path: Path) -> None:
    notices: list[str] = []
    with ScriptedServer({"/feed": static(b"down", "text/plain", status=503)}) as server:
        config = parse_config(
            {
                "storage": {"path": str(tmp_path / "nashra.json")},
                "fetch": {"host_delay": "0s", "retries": 0, "pause_after": "1s", "max_backoff": "10m"},
                "categories": DEMO_CATEGORIES,
                "sources": [{"name": "flaky", "kind": "feed", "url": server.url("/feed")}],
            }
        )
        store = Store(config.storage.path)
        async with new_client() as client:
            poller = Poller(config, store, client, lambda: None, on_notice=notices.append)
            source = config.sources[0]
            await poller.poll(source, force=True)
            assert notices == [] and not store.source_state("flaky")["paused"]
            await asyncio.sleep(1.1)
            for _ in range(3):
                await poller.poll(source, force=True)
            state = store.source_state("flaky")
            assert state["paused"] and state["consecutive_failures"] == 4
            assert state["next_attempt_at"] - state["last_error_at"] >= 0.8 * 600
            assert len(notices) == 1 and "flaky" in notices[0] and "paused" in notices[0]
            assert (await poller.poll(source)).skipped  # paused: not polled before its next attempt

            server.routes["/feed"] = static(feed(), "application/rss+xml")
            await poller.poll(source, force=True)
    assert len(notices) == 2 and "works again" in notices[1]
    assert not store.source_state("flaky")["paused"]


async def test_a_second_source_of_a_story_is_named_in_the_message_already_sent(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path
) -> None:
    # A second site carrying the same agency story at its own address (another host, another slug).
    with SampleNewsSite() as mirror:
        config = parse_config(
            {
                "telegram": {"api_base_url": api.base_url},
                "storage": {"path": str(tmp_path / "nashra.json")},
                "fetch": {"host_delay": "0s"},
                "categories": DEMO_CATEGORIES,
                "sources": [
                    {"name": "النشرة الأولى", "kind": "feed", "url": site.url("/feed/"), "interval": "1s"},
                    {"name": "B&B <نيوز>", "kind": "feed", "url": mirror.url("/feed/"), "interval": "1s"},
                ],
                "channels": [{"chat": "@nashra_sport", "categories": ["sport"]}],
            }
        )
        app = await start_bot(config, api.token)
        try:
            api.user_says(READER, "/subscribe sport")
            await api.wait_for_sent(1, chat_id=READER)
            await wait_until(lambda: sources_seeded(app), "first polls")
            story = site.publish_next("sport")
            await api.wait_for_sent(1, chat_id="@nashra_sport")
            await api.wait_for_sent(2, chat_id=READER)
            store: Store = app.bot_data["store"]
            await wait_until(lambda: not store.pending(), "the first post settled")

            told_again = mirror.publish_next("sport")
            mirror_link = mirror.url(told_again.path)
            assert told_again.title == story.title and mirror_link != site.url(story.path)
            await wait_until(
                lambda: bool(api.calls("editMessageCaption") or api.calls("editMessageText")), "an edit"
            )
            await wait_until(lambda: not store.pending(), "the edit settled")
        finally:
            await stop_bot(app)

    (post,) = api.sent("@nashra_sport")  # one message, edited in place: nothing posted twice
    assert post.edited and post.plain.splitlines()[0] == story.title
    assert "وأيضاً في: B&B <نيوز>" in post.plain
    assert f'<a href="{mirror_link}">B&amp;B &lt;نيوز&gt;</a>' in post.text  # escaped, linked to B
    assert "النشرة الأولى" in post.plain  # the first source still signs it
    # Readers' copies are left as they are: one message each, never a second post of the story.
    assert len(api.sent(READER)) == 2
