"""One poll of one source: discover → dedupe → extract → categorise/summarise → outbox, then commit.

Per-source health lives in the store's source state: consecutive failures, the last error, when the
next attempt is due (exponential backoff with jitter), and whether the source is paused. A source
failing for `fetch.pause_after` is paused (tried once per `fetch.max_backoff`) and the admins are told
once through the `on_notice` hook, and once more when it recovers.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from bot import metrics
from bot.config import Config, Source
from bot.routing import ARTICLE_CHANNEL, Target, targets
from bot.store import Store
from jobs.arabic import text_key
from jobs.canonical import canonical_url
from jobs.categorise import Categoriser
from jobs.decode import decode_html
from jobs.discover import (
    DiscoverError,
    parse_feed,
    parse_listing,
    parse_sitemap,
    parse_ticker,
    require_html,
    trim_feed,
)
from jobs.extract import extract_article
from jobs.fetch import Fetched, Fetcher, FetchError, Validators
from jobs.fingerprint import Change, Story, compare_headlines, fingerprint
from jobs.records import Article, Candidate, NewsItem
from jobs.summarise import CAPTION_BUDGET, TEXT_BUDGET, TEXT_SENTENCES, rank, summarise

log = logging.getLogger(__name__)

# Ticker headlines remembered per source for edit detection; a ticker shows about ten at a time.
RECENT_HEADLINES = 100
# A source whose listing changed starts as if new: a silent first poll, no validators, no back-off.
AFRESH: dict[str, Any] = {
    "seeded": False,
    "etag": None,
    "last_modified": None,
    "consecutive_failures": 0,
    "failing_since": None,
    "next_attempt_at": None,
    "paused": False,
}
# Backoff is jittered so sources that failed together (one host down) do not come back in lockstep.
BACKOFF_JITTER = 0.2


@dataclass
class _Draft:
    """What a poll learns while building its items; recorded only with their seen marks, in one commit."""

    headlines: list[list[str]]  # the ticker's recent headlines, this poll's appended
    stories: list[Story] = field(default_factory=list)  # stories this poll adds to the index


@dataclass(frozen=True)
class PollResult:
    """What one poll found, for logs and `nashra check`."""

    source: str
    found: int
    new: int
    seeded: bool = False
    error: str | None = None
    status: int | None = None
    seconds: float = 0.0
    skipped: bool = False


def listing_of(source: Source) -> str:
    """What decides which items a source's polls find and how they are keyed."""
    parts = (source.kind, source.url, source.item_selector, source.link_selector, source.title_selector)
    return "\n".join(part or "" for part in parts)


def candidate_key(candidate: Candidate) -> str:
    """Ticker headlines are known by their normalised text, everything else by its canonical URL."""
    if candidate.is_ticker or not candidate.url:
        return "text:" + text_key(candidate.title)
    return "url:" + canonical_url(candidate.url)


class Poller:
    """Runs polls for the scheduler; borrows the shared client and store, lives as long as the process.

    A reload reconfigures it rather than replacing it: the per-host gates, the robots.txt cache and the
    per-source poll locks are the process's. The story index is the store's, shared by every poll.
    """

    def __init__(
        self,
        config: Config,
        store: Store,
        client: httpx.AsyncClient,
        on_new: Callable[[], None],
        *,
        on_notice: Callable[[str], None] | None = None,
    ) -> None:
        self._store = store
        self._fetcher = Fetcher(client, config.fetch.policy())
        self._on_new = on_new
        # Admin notices (a source paused or resumed); the bot wires this to its admins.
        self.on_notice = on_notice
        # One poll per source at a time, across reloads too: a changed source's new job starts at once,
        # and must not fetch and record the same page as the old job's poll still in flight.
        self._polling: dict[str, asyncio.Lock] = {}
        self._use(config)

    def reconfigure(self, config: Config) -> None:
        """Use a reloaded config from each poll's next step on; fetch gates and caches stay."""
        self._use(config)
        waiting = self._fetcher.reconfigure(config.fetch.policy())
        if waiting:
            names = ", ".join(f"fetch.{name}" for name in waiting)
            log.warning(
                "reload: %s take effect after a restart (per_host: for sites fetched from now)", names
            )

    def _use(self, config: Config) -> None:
        self._config = config
        self._categoriser = Categoriser([c.spec() for c in config.categories])

    async def poll(self, source: Source, *, force: bool = False) -> PollResult:
        """Poll once unless backing off, never alongside another poll of the same source."""
        async with self._polling.setdefault(source.name, asyncio.Lock()):
            return await self._poll(source, force=force)

    async def _poll(self, source: Source, *, force: bool) -> PollResult:
        """One poll; a failure is one log line naming the source."""
        started = time.monotonic()
        state = self._state(source)
        if not force and (state.get("next_attempt_at") or 0) > time.time():
            return PollResult(source.name, 0, 0, skipped=True)
        try:
            page = await self._fetch_listing(source, state)
            # Parsing a big feed or page takes a while: off the event loop, so other polls keep time.
            candidates = [] if page.not_modified else await asyncio.to_thread(self._discover, source, page)
        except (FetchError, DiscoverError) as exc:
            return await self._failed(source, state, exc, started)
        if page.not_modified:
            self._recovered(source, state, page)
            await self._store.commit()
            return PollResult(source.name, 0, 0, status=304, seconds=time.monotonic() - started)
        if state.get("seeded"):
            items = await self._take_new(source, candidates)
        else:
            self._seed(source, candidates)
            items = []
        # No await since the writes above: the seen marks, the outbox and the validators that say "this page
        # was read" reach the disk in one commit, whichever task commits first. Recording the validators
        # earlier would let another task's commit persist them alone, and a crash would then lose the items.
        self._recovered(source, state, page)
        await self._store.commit()
        self._report(source, candidates, items, seeded=not state.get("seeded"))
        return PollResult(
            source.name,
            len(candidates),
            len(items),
            seeded=not state.get("seeded"),
            status=page.status,
            seconds=time.monotonic() - started,
        )

    def _state(self, source: Source) -> dict[str, Any]:
        """The source's state; a source given a new address or selectors starts afresh with a silent poll."""
        state = self._store.source_state(source.name)
        listing = listing_of(source)
        if state.get("listing") == listing:
            return state
        fields: dict[str, Any] = {"listing": listing}
        if "listing" in state:
            # What the old listing showed says nothing of the new one: its back catalogue must not go out,
            # the old page's validators must not be sent, and the old address's failures are not this one's.
            log.warning("source %r: new address or selectors; its next poll remembers silently", source.name)
            fields |= AFRESH
        self._store.update_source_state(source.name, **fields)
        return self._store.source_state(source.name)

    async def preview(self, source: Source, limit: int) -> list[NewsItem]:
        """The items the source's newest candidates would become, seen or not; nothing is stored."""
        page = await self._fetcher.get(
            source.url, max_bytes=self._config.fetch.max_feed_bytes, robots=source.respect_robots
        )
        candidates = await asyncio.to_thread(self._discover, source, page)
        items = []
        for candidate in candidates[:limit]:
            article = None
            if candidate.url and not candidate.is_ticker:
                article = await self._article(source, candidate)
            items.append(self._item(source, candidate, article))
        return items

    # --- fetching and health ---------------------------------------------------------------

    async def _fetch_listing(self, source: Source, state: dict[str, Any]) -> Fetched:
        """The source's page, conditionally once we have validators (a 304 means nothing changed)."""
        validators = None
        if state.get("seeded") and (state.get("etag") or state.get("last_modified")):
            validators = Validators(state.get("etag"), state.get("last_modified"))
        listing_cap = self._config.fetch.max_page_bytes
        if source.kind in ("feed", "sitemap"):
            listing_cap = self._config.fetch.max_feed_bytes
        return await self._fetcher.get(
            source.url, validators=validators, max_bytes=listing_cap, robots=source.respect_robots
        )

    def _recovered(self, source: Source, state: dict[str, Any], page: Fetched) -> None:
        """Reset health after a good answer, keeping the validators for the next conditional GET."""
        if state.get("paused"):
            message = f"source {source.name!r} works again after {state.get('consecutive_failures')} failures"
            log.warning("%s; polling it every %s again", message, source.interval)
            self._notify(message)
        fields: dict[str, Any] = {
            "consecutive_failures": 0,
            "failing_since": None,
            "next_attempt_at": None,
            "paused": False,
            "last_error": None,
            "last_status": page.status,
            "last_success_at": time.time(),
        }
        if not page.not_modified:
            fields |= {"etag": page.validators.etag, "last_modified": page.validators.last_modified}
        self._store.update_source_state(source.name, **fields)

    async def _failed(
        self, source: Source, state: dict[str, Any], exc: Exception, started: float
    ) -> PollResult:
        """Record the failure, back off exponentially (or as Retry-After says), pause a long-dead source."""
        now = time.time()
        settings = self._config.fetch
        failures = int(state.get("consecutive_failures") or 0) + 1
        failing_since = state.get("failing_since") or now
        cap = settings.max_backoff.total_seconds()
        delay = min(cap, source.interval.total_seconds() * 2 ** (failures - 1))
        delay *= random.uniform(1 - BACKOFF_JITTER, 1 + BACKOFF_JITTER)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            delay = max(delay, retry_after)
        paused = bool(state.get("paused")) or now - failing_since >= settings.pause_after.total_seconds()
        if paused:
            delay = max(delay, cap)
        status = getattr(exc, "status", None)
        log.warning(
            "source %r failed: %s (failure %d in a row, next try in %.0fs)", source.name, exc, failures, delay
        )
        if paused and not state.get("paused"):
            message = (
                f"source {source.name!r} paused: failing since {time.ctime(failing_since)} "
                f"({failures} failures, last: {exc}); trying it once every {settings.max_backoff}"
            )
            log.warning("%s", message)
            self._notify(message)
        self._store.update_source_state(
            source.name,
            consecutive_failures=failures,
            failing_since=failing_since,
            last_error=str(exc),
            last_error_at=now,
            last_status=status,
            next_attempt_at=now + delay,
            paused=paused,
        )
        await self._store.commit()
        elapsed = time.monotonic() - started
        return PollResult(source.name, 0, 0, error=str(exc), status=status, seconds=elapsed)

    def _notify(self, message: str) -> None:
        if self.on_notice is not None:
            self.on_notice(message)

    def _discover(self, source: Source, page: Fetched) -> list[Candidate]:
        if source.kind == "feed":
            cap = self._config.fetch.max_feed_entries
            body = trim_feed(page.body, cap)
            if len(body) < len(page.body):
                log.info(
                    "source %r lists more than %d entries; only the first %d are read", source.name, cap, cap
                )
            return parse_feed(body, page.url, source.name)
        if source.kind == "sitemap":
            return parse_sitemap(page.body, page.url, source.name)[: self._config.fetch.max_feed_entries]
        require_html(page.content_type, page.url)
        html = decode_html(page.body, page.content_type)
        if source.kind == "ticker":
            assert source.item_selector is not None
            return parse_ticker(html, page.url, source.name, source.item_selector)
        assert source.link_selector is not None
        return parse_listing(html, page.url, source.name, source.link_selector, source.title_selector)

    # --- new items -------------------------------------------------------------------------

    async def _take_new(self, source: Source, candidates: list[Candidate]) -> list[NewsItem]:
        """Build the unseen candidates' items, then record them all without awaiting in between."""
        fresh = self._unseen(candidates)
        headlines = self._store.source_state(source.name).get("headlines") or []
        draft = _Draft(list(headlines))
        try:
            built = [(c, await self._build(source, c, draft)) for c in reversed(fresh)]  # oldest first
        except BaseException:
            # It recorded nothing: another source's copy, or this source's next poll, must not match them.
            self._store.forget_stories(draft.stories)
            raise
        items: list[NewsItem] = []
        for candidate, built_item in built:
            keys = {candidate_key(candidate)}
            item = built_item
            if item is not None and item.also:
                keys.add(item.key)
                item = self._note_source(item)
            # Another source may have listed the same story while this one was fetching its pages.
            if item is not None and not self._store.is_seen(item.key):
                keys.add(item.key)
                self._store.put_item(item.key, item.to_json())
                self._store.enqueue(self._targets(item))
                items.append(item)
            self._store.mark_seen(keys, source.name)
        self._store.journal_stories(draft.stories)
        if draft.headlines != headlines:
            self._store.update_source_state(source.name, headlines=draft.headlines[-RECENT_HEADLINES:])
        return items

    def _note_source(self, repeat: NewsItem) -> NewsItem | None:
        """The first message of a story, edited to name another source that told it; None if nothing to add.

        The first item keeps the names too, so chats it has not reached yet get them in the message itself.
        """
        assert repeat.revises is not None
        stored = self._store.item(repeat.revises)
        if stored is None or self._store.is_seen(repeat.key):
            return None  # the first item is past retention, or this telling was noted already
        first = NewsItem.from_json(stored)
        if repeat.source in {first.source, *(name for name, _ in first.also)}:
            return None  # the same site twice (another URL for it) is not news of any kind
        also = (*first.also, *repeat.also)
        self._store.put_item(first.key, stored | {"also": [list(pair) for pair in also]})
        return replace(first, key=repeat.key, revises=first.key, also=also)

    def _targets(self, item: NewsItem) -> list[Target]:
        """Who gets an item; a note of another source goes only to the channels holding the first message.

        Only channel posts are edited: they are few, while editing every reader's copy would spend the
        bot's sending budget (edits count against Telegram's limits) on a line of attribution.
        """
        if not item.also:
            return targets(item, self._config, self._store)
        assert item.revises is not None
        holding = self._store.item(item.revises) or {}
        sent = holding.get("messages", {})
        return [
            (channel.chat, item.key, ARTICLE_CHANNEL, channel.language)
            for channel in self._config.channels
            if str(channel.chat) in sent
        ]

    def _report(
        self, source: Source, candidates: list[Candidate], items: list[NewsItem], *, seeded: bool
    ) -> None:
        """Log and count what a poll found, and wake the broadcaster when there is something to send."""
        if seeded:
            log.info(
                "source %r: first poll, %d existing items remembered silently", source.name, len(candidates)
            )
            return
        metrics.items_found(items)
        if items:
            log.info("source %r: %d new of %d", source.name, len(items), len(candidates))
            self._on_new()

    def _unseen(self, candidates: list[Candidate]) -> list[Candidate]:
        """Candidates not seen before, each once even if the page lists it twice."""
        fresh: dict[str, Candidate] = {}
        for candidate in candidates:
            key = candidate_key(candidate)
            if key not in fresh and not self._store.is_seen(key):
                fresh[key] = candidate
        return list(fresh.values())

    def _seed(self, source: Source, candidates: list[Candidate]) -> None:
        """First poll of a source: remember what is already there so readers never get its back catalogue."""
        self._store.mark_seen((candidate_key(c) for c in candidates), source.name)
        headlines = [[c.title, candidate_key(c)] for c in candidates if c.is_ticker]
        self._store.update_source_state(source.name, seeded=True, headlines=headlines[-RECENT_HEADLINES:])

    async def _build(self, source: Source, candidate: Candidate, draft: _Draft) -> NewsItem | None:
        """A news item for a candidate, or None when it is a story already told (other URL, source, edit).

        A new story joins the index at once, so the poll's next candidates match it, and the draft, so the
        poll journals it with its seen marks: another task's commit in between must not persist it alone.
        """
        if candidate.is_ticker:
            return self._ticker_item(source, candidate, draft)
        article = await self._article(source, candidate) if candidate.url else None
        item = self._item(source, candidate, article)
        if item.key != candidate_key(candidate) and self._store.is_seen(item.key):
            log.info("source %r: %s is %s, already seen", source.name, candidate.url, item.key)
            return None
        # The body alone: two sites title one story differently but copy the agency text.
        sketch = fingerprint(article.text if article else candidate.summary)
        earlier = self._store.story_index.same_text(sketch)
        if earlier is not None:
            log.info("source %r: %s repeats %s; not posted again", source.name, item.key, earlier.key)
            # Marked for _note_source, which names this source in the first message if it is another one.
            return replace(item, revises=earlier.key, also=((source.name, item.url),))
        ticker = self._store.story_index.ticker_for(item.title)
        self._draft_story(draft, Story(item.key, sketch, item.title, False, time.time()))
        if ticker is not None:
            # The breaking headline we alerted is now a full article: the alert is edited to link it.
            return replace(item, revises=ticker.key)
        return item

    def _ticker_item(self, source: Source, candidate: Candidate, draft: _Draft) -> NewsItem | None:
        """A ticker headline: new, an edit of one already sent (revises it), or a trivial re-spelling."""
        headlines = draft.headlines
        item = self._item(source, candidate, None)
        for old_title, root_key in reversed(headlines):
            change = compare_headlines(old_title, candidate.title)
            if change is Change.SAME:
                log.info("source %r: %r only re-spells %r", source.name, candidate.title, old_title)
                return None
            if change is Change.REVISED:
                item = replace(item, revises=root_key)
                headlines.append([candidate.title, root_key])
                break
        else:
            headlines.append([candidate.title, item.key])
            self._draft_story(draft, Story(item.key, None, item.title, True, time.time()))
        return item

    def _draft_story(self, draft: _Draft, story: Story) -> None:
        """Index a story at once, so the poll's next candidates match it; it is journalled with the draft."""
        draft.stories.append(story)
        self._store.add_story(story, journal=False)

    def _item(self, source: Source, candidate: Candidate, article: Article | None) -> NewsItem:
        """Turn a candidate into a news item, falling back to what the listing said if the page fails."""
        terms = candidate.categories + (article.categories if article else ())
        url = (article.canonical or article.url) if article else candidate.url
        body = article.text if article else candidate.summary
        title = (article.title if article else "") or candidate.title
        # The classifier's input when nothing else says; it was trained with the title weighted.
        categories = self._categoriser.categorise(
            terms, url, source.category, text=body, title=title, given=source.categories
        )
        if candidate.is_ticker:
            categories = (*self._breaking_slugs(), *categories)
        ranked = rank(body, title)  # segmented and scored once, selected for each budget
        return NewsItem(
            key=candidate_key(candidate) if not article else "url:" + canonical_url(url or ""),
            source=source.name,
            title=title,
            url=url,
            summary=summarise(body, TEXT_BUDGET, title=title, max_sentences=TEXT_SENTENCES, ranked=ranked),
            caption=summarise(body, CAPTION_BUDGET, title=title, ranked=ranked),
            categories=tuple(dict.fromkeys(categories)),
            breaking=candidate.is_ticker or self._categoriser.is_breaking(categories, title),
            published=candidate.published or (article.published if article else None),
            image=article.image if article else None,
        )

    async def _article(self, source: Source, candidate: Candidate) -> Article | None:
        assert candidate.url is not None
        try:
            page = await self._fetcher.get(candidate.url, robots=source.respect_robots)
        except FetchError as exc:
            metrics.extraction_failed(source.name)
            log.warning("source %r: article unavailable, using the listing's text: %s", source.name, exc)
            return None
        html = decode_html(page.body, page.content_type)
        return await asyncio.to_thread(extract_article, html, page.url)

    def _breaking_slugs(self) -> tuple[str, ...]:
        return tuple(c.slug for c in self._config.categories if c.breaking)
