"""One poll of one source: discover → dedupe → extract → categorise/summarise → outbox, then commit."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from bot import metrics
from bot.config import Config, Source
from bot.routing import targets
from bot.store import Store
from jobs.arabic import text_key
from jobs.canonical import canonical_url
from jobs.categorise import Categoriser
from jobs.decode import decode_html
from jobs.discover import DiscoverError, parse_feed, parse_listing, parse_ticker, require_html
from jobs.extract import extract_article
from jobs.fetch import FetchError, fetch
from jobs.records import Article, Candidate, NewsItem
from jobs.summarise import summarise

log = logging.getLogger(__name__)

# Two or three sentences of Arabic news: enough to stand in for the article, short enough to scan.
SUMMARY_BUDGET = 400


@dataclass(frozen=True)
class PollResult:
    """What one poll found, for logs and `nashra check`-style reports."""

    source: str
    found: int
    new: int
    seeded: bool = False
    error: str | None = None


def candidate_key(candidate: Candidate) -> str:
    """Ticker headlines are known by their normalised text, everything else by its canonical URL."""
    if candidate.is_ticker or not candidate.url:
        return "text:" + text_key(candidate.title)
    return "url:" + canonical_url(candidate.url)


class Poller:
    """Runs polls for the scheduler; owns nothing but borrows the shared client and store."""

    def __init__(
        self, config: Config, store: Store, client: httpx.AsyncClient, on_new: Callable[[], None]
    ) -> None:
        self._config = config
        self._store = store
        self._client = client
        self._on_new = on_new
        self._categoriser = Categoriser([c.spec() for c in config.categories])

    async def poll(self, source: Source) -> PollResult:
        """Poll once; a failure is logged on one line naming the source and retried next interval."""
        try:
            candidates = await self._discover(source)
        except (FetchError, DiscoverError) as exc:
            log.warning("source %r failed: %s (next try in %s)", source.name, exc, source.interval)
            self._store.update_source_state(source.name, last_error=str(exc), last_error_at=time.time())
            await self._store.commit()
            return PollResult(source.name, 0, 0, error=str(exc))
        fresh = self._unseen(candidates)
        if not self._store.source_state(source.name).get("seeded"):
            return await self._seed(source, candidates)
        items = [await self._build(source, c) for c in reversed(fresh)]  # oldest first, as published
        for item, candidate in zip(items, reversed(fresh), strict=True):
            self._store.put_item(item.key, item.to_json())
            self._store.enqueue(targets(item, self._config, self._store))
            self._store.mark_seen({candidate_key(candidate), item.key}, source.name)
        self._store.update_source_state(source.name, last_success_at=time.time(), last_error=None)
        await self._store.commit()
        metrics.items_found(items)
        if items:
            log.info("source %r: %d new of %d", source.name, len(items), len(candidates))
            self._on_new()
        return PollResult(source.name, len(candidates), len(items))

    def _unseen(self, candidates: list[Candidate]) -> list[Candidate]:
        """Candidates not seen before, each once even if the page lists it twice."""
        fresh: dict[str, Candidate] = {}
        for candidate in candidates:
            key = candidate_key(candidate)
            if key not in fresh and not self._store.is_seen(key):
                fresh[key] = candidate
        return list(fresh.values())

    async def _seed(self, source: Source, candidates: list[Candidate]) -> PollResult:
        """First poll of a source: remember what is already there so readers never get its back catalogue."""
        self._store.mark_seen((candidate_key(c) for c in candidates), source.name)
        self._store.update_source_state(source.name, seeded=True, last_success_at=time.time())
        await self._store.commit()
        log.info("source %r: first poll, %d existing items remembered silently", source.name, len(candidates))
        return PollResult(source.name, len(candidates), 0, seeded=True)

    async def _discover(self, source: Source) -> list[Candidate]:
        page = await fetch(self._client, source.url)
        if source.kind == "feed":
            return parse_feed(page.body, page.url, source.name)
        require_html(page.content_type, page.url)
        html = decode_html(page.body, page.content_type)
        if source.kind == "ticker":
            assert source.item_selector is not None
            return parse_ticker(html, page.url, source.name, source.item_selector)
        assert source.link_selector is not None
        return parse_listing(html, page.url, source.name, source.link_selector, source.title_selector)

    async def _build(self, source: Source, candidate: Candidate) -> NewsItem:
        """Turn a candidate into a news item, falling back to what the listing said if the page fails."""
        article = None if candidate.is_ticker or not candidate.url else await self._article(source, candidate)
        terms = candidate.categories + (article.categories if article else ())
        url = (article.canonical or article.url) if article else candidate.url
        text = article.text if article else candidate.summary  # the classifier's input when nothing else says
        categories = self._categoriser.categorise(terms, url, source.category, text=text)
        if candidate.is_ticker:
            categories = (*self._breaking_slugs(), *categories)
        title = (article.title if article else "") or candidate.title
        body = article.text if article else candidate.summary
        return NewsItem(
            key=candidate_key(candidate) if not article else "url:" + canonical_url(url or ""),
            source=source.name,
            title=title,
            url=url,
            summary=summarise(body, SUMMARY_BUDGET, title=title),
            categories=tuple(dict.fromkeys(categories)),
            breaking=candidate.is_ticker or self._categoriser.is_breaking(categories, title),
            published=candidate.published or (article.published if article else None),
            image=article.image if article else None,
        )

    async def _article(self, source: Source, candidate: Candidate) -> Article | None:
        assert candidate.url is not None
        try:
            page = await fetch(self._client, candidate.url)
        except FetchError as exc:
            metrics.extraction_failed(source.name)
            log.warning("source %r: article unavailable, using the listing's text: %s", source.name, exc)
            return None
        html = decode_html(page.body, page.content_type)
        return await asyncio.to_thread(extract_article, html, page.url)

    def _breaking_slugs(self) -> tuple[str, ...]:
        return tuple(c.slug for c in self._config.categories if c.breaking)
