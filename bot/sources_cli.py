"""Operator commands for sources: `nashra discover URL`, `nashra check -c FILE`, `nashra preview SOURCE`."""

from __future__ import annotations

import argparse
import asyncio
import html
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin

from lxml.cssselect import CSSSelector
from lxml.html import document_fromstring

from bot.config import Config, Source, load_config
from bot.messages import render
from bot.poller import Poller, PollResult
from bot.store import Store, journal_folder
from jobs.decode import decode_html
from jobs.discover import DiscoverError, parse_feed, parse_sitemap
from jobs.fetch import Fetcher, FetchError, FetchPolicy, new_client
from jobs.records import Candidate

# Where WordPress and most news CMSs put their feeds and news sitemaps when the page does not say.
COMMON_FEED_PATHS = ("/feed/", "/rss/", "/rss.xml", "/feed/atom/", "/index.xml")
COMMON_SITEMAP_PATHS = ("/news-sitemap.xml", "/sitemap-news.xml", "/sitemap_news.xml")
# Ticker markup of common Arabic news themes (Jannah, JNews, Newspaper) and generic names.
TICKER_SELECTORS = (
    "#breaking-news-in-header li",
    ".breaking-news li",
    ".breaking li",
    ".news-ticker li",
    ".ticker li",
    ".breaking-news-ticker li",
    "marquee a",
)
LISTING_SELECTORS = ("h2.post-title a", "h3.post-title a", ".entry-title a", "article h2 a", "article h3 a")
# A listing selector must find at least this many links to be worth suggesting.
MIN_LISTING_LINKS = 3
PREVIEW_ITEMS = 3
_TAG = re.compile(r"<[^>]+>")
# `check` and `preview` are for a person waiting at a terminal: no in-poll retries, no politeness pause.
INTERACTIVE = {"retries": 0}


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add discover, check and preview to the `nashra` command line."""
    discover = commands.add_parser("discover", help="find feeds, sitemaps, tickers and listings on a site")
    discover.add_argument("url")
    discover.set_defaults(handler=lambda a: asyncio.run(discover_site(a.url)))
    check = commands.add_parser("check", help="validate the config and poll every source once")
    check.add_argument("-c", "--config", type=Path, default=Path("config.toml"))
    check.set_defaults(handler=lambda a: asyncio.run(check_sources(load_config(a.config))))
    preview = commands.add_parser("preview", help="show the messages a source's newest items would make")
    preview.add_argument("source", help="the source's name in the config")
    preview.add_argument("-c", "--config", type=Path, default=Path("config.toml"))
    preview.set_defaults(handler=lambda a: asyncio.run(preview_source(load_config(a.config), a.source)))


async def discover_site(url: str, out: Callable[[str], None] = print) -> int:
    """Print ready-to-paste [[sources]] for what the homepage offers."""
    policy = FetchPolicy(retries=0, host_delay=0.2)
    async with new_client(policy) as client:
        fetcher = Fetcher(client, policy)
        try:
            page = await fetcher.get(url)
        except FetchError as exc:
            out(f"# cannot read {url}: {exc}")
            return 1
        text = decode_html(page.body, page.content_type)
        tree = document_fromstring(text) if text.strip() else None
        found = [*(await _feeds(fetcher, page.url, tree)), *(await _sitemaps(fetcher, page.url))]
        if tree is not None:
            found += _selectors(tree, page.url)
    if not found:
        out(f"# nothing found on {url}: no feed, news sitemap, ticker or listing markup we know")
        return 1
    for block in found:
        out(block)
    return 0


async def _feeds(fetcher: Fetcher, base: str, tree: object) -> list[str]:
    declared: list[str] = []
    if tree is not None:
        links = CSSSelector('link[rel~="alternate"][href]')(tree)
        declared = [
            link.get("href")
            for link in links
            if "rss" in (link.get("type") or "") or "atom" in (link.get("type") or "")
        ]
    blocks = []
    notes = {_absolute(base, href): "common path" for href in COMMON_FEED_PATHS}
    notes |= {_absolute(base, href): "declared by the page" for href in declared}
    for feed_url, note in notes.items():
        entries = await _probe(fetcher, feed_url, parse_feed)
        if entries is not None:
            blocks.append(_toml(feed_url, "feed", f"{len(entries)} entries; {note}"))
    return _unique(blocks)


async def _sitemaps(fetcher: Fetcher, base: str) -> list[str]:
    blocks = []
    for path in COMMON_SITEMAP_PATHS:
        sitemap_url = _absolute(base, path)
        entries = await _probe(fetcher, sitemap_url, parse_sitemap)
        if entries is not None:
            blocks.append(_toml(sitemap_url, "sitemap", f"{len(entries)} news entries"))
    return blocks


async def _probe(
    fetcher: Fetcher, url: str, parse: Callable[[bytes, str, str], list[Candidate]]
) -> list[Candidate] | None:
    """The entries at a guessed address, or None when nothing readable is there (a guess may miss)."""
    try:
        page = await fetcher.get(url)
        return parse(page.body, page.url, "discover")
    except (FetchError, DiscoverError):
        return None


def _selectors(tree: object, url: str) -> list[str]:
    blocks = []
    for css in TICKER_SELECTORS:
        items = [e for e in CSSSelector(css)(tree) if e.text_content().strip()]
        if items:
            example = " ".join(items[0].text_content().split())[:60]
            blocks.append(
                _toml(url, "ticker", f"{len(items)} headlines, e.g. «{example}»", item_selector=css)
            )
            break
    for css in LISTING_SELECTORS:
        links = CSSSelector(css)(tree)
        if len(links) >= MIN_LISTING_LINKS:
            blocks.append(_toml(url, "html", f"{len(links)} article links", link_selector=css))
            break
    return blocks


def _toml(url: str, kind: str, note: str, **selectors: str) -> str:
    lines = [f"# {kind}: {note}", "[[sources]]", f'name = "{kind} of {url}"', f'kind = "{kind}"']
    lines.append(f'url = "{url}"')
    lines += [f'{key} = "{value}"' for key, value in selectors.items()]
    return "\n".join(lines) + "\n"


def _absolute(base: str, href: str) -> str:
    return urljoin(base, href)


def _unique(blocks: list[str]) -> list[str]:
    return list(dict.fromkeys(blocks))


async def check_sources(config: Config, out: Callable[[str], None] = print) -> int:
    """Poll every source once against a copy of the store, so nothing is sent or remembered."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "check.json"
        if config.storage.path.exists():
            shutil.copyfile(config.storage.path, copy)
        # Seen marks and source state live in the journal beside the settings file, not in it.
        if journal_folder(config.storage.path).is_dir():
            shutil.copytree(journal_folder(config.storage.path), journal_folder(copy))
        store = Store(copy, retention_days=config.storage.retention_days)
        # The running bot's view of each source, read before this check's polls change the copy.
        health = {source.name: store.source_state(source.name) for source in config.sources}
        fast = config.model_copy(update={"fetch": config.fetch.model_copy(update=INTERACTIVE)})
        async with new_client(fast.fetch.policy()) as client:
            poller = Poller(fast, store, client, lambda: None)
            results = await asyncio.gather(*(poller.poll(s, force=True) for s in config.sources))
    pairs = zip(config.sources, results, strict=True)
    rows = [_row(source, result, health[source.name]) for source, result in pairs]
    header = ("source", "kind", "HTTP", "found", "new", "time", "problems")
    for line in _table([header, *rows]):
        out(line)
    return 1 if any(r.error for r in results) else 0


def _row(source: Source, result: PollResult, health: dict[str, object]) -> tuple[str, ...]:
    problems = [result.error] if result.error else []
    if result.seeded:
        problems.append("first poll: items would be remembered, not sent")
    if health.get("held"):
        problems.append("paused by an admin (/resume in Telegram)")
    elif health.get("paused"):
        problems.append("paused by the running bot")
    elif health.get("consecutive_failures"):
        problems.append(f"{health['consecutive_failures']} failures in a row in the running bot")
    status = str(result.status) if result.status else "-"
    return (
        source.name,
        source.kind,
        status,
        str(result.found),
        str(result.new),
        f"{result.seconds:.1f}s",
        "; ".join(p for p in problems if p) or "ok",
    )


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]]) for row in rows
    ]


async def preview_source(config: Config, name: str, out: Callable[[str], None] = print) -> int:
    """Render the messages the source's newest items would produce, as plain text."""
    source = next((s for s in config.sources if s.name == name), None)
    if source is None:
        out(f"nashra: no source named {name!r}; the config has: {', '.join(s.name for s in config.sources)}")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        fast = config.model_copy(update={"fetch": config.fetch.model_copy(update=INTERACTIVE)})
        async with new_client(fast.fetch.policy()) as client:
            poller = Poller(fast, Store(Path(tmp) / "preview.json"), client, lambda: None)
            try:
                items = await poller.preview(source, PREVIEW_ITEMS)
            except (FetchError, DiscoverError) as exc:
                out(f"nashra: {name!r}: {exc}")
                return 1
    if not items:
        out(f"{name}: no items found")
    for item in items:
        message = render(item, language="ar", config=config)
        out(html.unescape(_TAG.sub("", message.replace("<br>", "\n"))))
        out("─" * 40)
    return 0
