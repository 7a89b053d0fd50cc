"""Prometheus metrics: named counters the poller and broadcaster bump, and gauges read from the store.

Counters live in prometheus_client's default registry (beside its process and GC metrics) and count since
the process started. Whatever the store already knows (outbox depth, subscribers, last successful poll) is
read at scrape time by `StoreCollector` instead of being mirrored in a second place that could drift.
"""

from __future__ import annotations

import contextvars
import time
from collections import Counter as Tally
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from telegram._utils.types import JSONDict
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import AIORateLimiter, BaseRateLimiter

from bot.config import Config
from bot.store import Store
from jobs.records import NewsItem

# The source whose poll is running in this task, so HTTP hooks can label fetches without extra plumbing.
CURRENT_SOURCE: contextvars.ContextVar[str] = contextvars.ContextVar("nashra_source", default="")
# The status page shows this many of the latest items, and a day of hourly counts for its chart.
RECENT_ITEMS = 20
HISTORY_HOURS = 24
# Sends are counted per second over this window, for /status and the admins' /stats.
RATE_WINDOW_SECONDS = 3600

ITEMS_DISCOVERED = Counter("nashra_items_discovered", "Items listed by a source's page", ["source"])
ITEMS_NEW = Counter("nashra_items_new", "Items not seen before, queued for delivery", ["source"])
ITEMS_DUPLICATE = Counter("nashra_items_duplicate", "Listed items already seen", ["source"])
POLL_FAILURES = Counter("nashra_poll_failures", "Polls that could not read the source", ["source"])
EXTRACTION_FAILURES = Counter(
    "nashra_extraction_failures",
    "Articles whose page could not be read; the listing's text was used",
    ["source"],
)
FETCH_SECONDS = Histogram(
    "nashra_fetch_duration_seconds",
    "Time to the response headers of each request made while polling a source",
    ["source"],
    # News sites answer in tens of milliseconds to tens of seconds; the fetch timeout caps the top.
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
FETCH_RESPONSES = Counter(
    "nashra_fetch_responses", "HTTP answers while polling, by status", ["source", "code"]
)
# Counted where the request is made, so it covers every message, not only the broadcaster's deliveries.
MESSAGES_SENT = Counter(
    "nashra_messages_sent",
    "Messages Telegram accepted: news, command replies, /test posts and notices (edits are not counted)",
)
# The next three count what became of a message Telegram did not accept at once: the broadcaster's
# deliveries by its reason (flood, timeout, forbidden...), and messages outside the outbox (command replies,
# /test posts, notices), which are never sent again, by what happened, as "reply_<reason>".
MESSAGES_FAILED = Counter(
    "nashra_messages_failed", "Messages Telegram refused and that are not sent again, by reason", ["kind"]
)
MESSAGES_RETRIED = Counter("nashra_messages_retried", "Deliveries kept for another try, by reason", ["kind"])
MESSAGES_DROPPED = Counter(
    "nashra_messages_dropped",
    "Messages let go without a refusal (after a timeout it may have arrived), by reason",
    ["kind"],
)
FLOOD_PAUSES = Counter(
    "nashra_flood_pauses", "Times Telegram answered 429: the bot sends faster than Telegram allows"
)
_DECISIONS = {"failed": MESSAGES_FAILED, "retried": MESSAGES_RETRIED, "dropped": MESSAGES_DROPPED}


@dataclass(frozen=True)
class Found:
    """A new item as the status page lists it."""

    at: float
    source: str
    title: str
    url: str | None


class SendRate:
    """Messages sent over the last hour, one bucket a second: bounded however many go out."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._buckets: deque[list[int]] = deque()  # [second, count], oldest first

    def add(self) -> None:
        second = int(self._clock())
        if self._buckets and self._buckets[-1][0] == second:
            self._buckets[-1][1] += 1
        else:
            self._buckets.append([second, 1])
        while self._buckets and self._buckets[0][0] <= second - RATE_WINDOW_SECONDS:
            self._buckets.popleft()

    def on_broadcast(self, event: str, chat: int | str) -> None:
        """The broadcaster's on_event hook: count each accepted send."""
        if event == "sent":
            self.add()

    def since(self, seconds: float) -> int:
        """Sends in the last `seconds` (at most RATE_WINDOW_SECONDS)."""
        start = self._clock() - seconds
        return sum(count for second, count in self._buckets if second > start)


class Activity:
    """In-memory history for /status and /healthz: recent items, items per hour, finished polls, sends."""

    def __init__(self) -> None:
        self.started = time.time()
        self.recent: deque[Found] = deque(maxlen=RECENT_ITEMS)
        self.per_hour: Tally[int] = Tally()
        self.poll_finished: dict[str, float] = {}
        self.sends = SendRate()

    def items_per_hour(self, now: float) -> list[int]:
        """Counts for the last HISTORY_HOURS hours, oldest first; the last bucket is the current hour."""
        this_hour = int(now // 3600)
        return [self.per_hour.get(h, 0) for h in range(this_hour - HISTORY_HOURS + 1, this_hour + 1)]


ACTIVITY = Activity()


def poll_started(source: str) -> None:
    """Label this task's HTTP requests with the source until the poll ends."""
    CURRENT_SOURCE.set(source)


def poll_finished(
    source: str, found: int, new: int, *, seeded: bool = False, error: str | None = None
) -> None:
    """Count one finished poll (the argument names match bot.poller.PollResult)."""
    ACTIVITY.poll_finished[source] = time.time()
    if error is not None:
        POLL_FAILURES.labels(source).inc()
        return
    ITEMS_DISCOVERED.labels(source).inc(found)
    ITEMS_NEW.labels(source).inc(new)
    if not seeded:
        ITEMS_DUPLICATE.labels(source).inc(found - new)


def items_found(items: Sequence[NewsItem]) -> None:
    """Remember new items for the status page's list and chart."""
    now = time.time()
    for item in items:
        ACTIVITY.recent.appendleft(Found(now, item.source, item.title, item.url))
        ACTIVITY.per_hour[int(now // 3600)] += 1
    oldest = int(now // 3600) - HISTORY_HOURS
    for hour in [h for h in ACTIVITY.per_hour if h <= oldest]:
        del ACTIVITY.per_hour[hour]


def extraction_failed(source: str) -> None:
    EXTRACTION_FAILURES.labels(source).inc()


def delivery_decided(decision: str, reason: str) -> None:
    """Count what the broadcaster did with one delivery; a sent one was counted by the transport already."""
    if decision in _DECISIONS:
        _DECISIONS[decision].labels(reason).inc()
    if decision == "retried" and reason == "flood":
        FLOOD_PAUSES.inc()  # the broadcaster holds the chat for Telegram's retry_after


def _reply_lost(error: TelegramError) -> None:
    """Count a message outside the outbox that Telegram did not accept, by the broadcaster's reason names."""
    if isinstance(error, RetryAfter):
        FLOOD_PAUSES.inc()
        MESSAGES_FAILED.labels("reply_flood").inc()
    elif isinstance(error, TimedOut):
        MESSAGES_DROPPED.labels("reply_timeout").inc()  # Telegram may well have posted it
    elif isinstance(error, BadRequest):  # a NetworkError subclass in PTB, but a refusal
        MESSAGES_FAILED.labels("reply_bad_request").inc()
    elif isinstance(error, NetworkError):
        MESSAGES_DROPPED.labels("reply_network").inc()  # the connection broke, perhaps after posting
    elif isinstance(error, Forbidden):
        MESSAGES_FAILED.labels("reply_forbidden").inc()
    else:
        MESSAGES_FAILED.labels("reply_telegram").inc()


async def _counted(endpoint: str, call: Awaitable[Any]) -> Any:
    """Await one Bot API call, counting the sends Telegram accepted."""
    result = await call
    if endpoint.startswith("send"):
        MESSAGES_SENT.inc()
        ACTIVITY.sends.add()
    return result


class CountingRateLimiter(AIORateLimiter):
    """PTB's rate limiter for command replies, counting every send and what became of the failed ones."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        call = super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        try:
            return await _counted(endpoint, call)
        except TelegramError as error:
            if endpoint.startswith("send"):
                _reply_lost(error)
            raise


class SendCounter(BaseRateLimiter[None]):
    """Counts the broadcaster's accepted sends, without pacing; the broadcaster paces and reports the rest."""

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | JSONDict | list[JSONDict]:
        return await _counted(endpoint, callback(*args, **kwargs))


def instrument(client: httpx.AsyncClient) -> None:
    """Time every request of the shared client and count its status, labelled by the polling source."""
    started: dict[int, float] = {}

    async def on_request(request: httpx.Request) -> None:
        started[id(request)] = time.perf_counter()

    async def on_response(response: httpx.Response) -> None:
        began = started.pop(id(response.request), None)
        source = CURRENT_SOURCE.get()
        if not source:
            return
        if began is not None:
            FETCH_SECONDS.labels(source).observe(time.perf_counter() - began)
        FETCH_RESPONSES.labels(source, str(response.status_code)).inc()

    client.event_hooks["request"].append(on_request)
    client.event_hooks["response"].append(on_response)


class StoreCollector(Collector):
    """Gauges computed from the store when Prometheus scrapes; call `collect` on the event loop's thread."""

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily("nashra_outbox_depth", "Deliveries waiting to be sent", labels=["priority"])
        for priority, count in sorted(Tally(d.priority for d in self.store.pending()).items()):
            depth.add_metric([str(priority)], count)
        yield depth
        readers = GaugeMetricFamily(
            "nashra_subscribers", "Readers subscribed, by category", labels=["category"]
        )
        tally = Tally(slug for reader in self.store.subscribers() for slug in reader.get("categories", ()))
        for category in self.config.categories:
            readers.add_metric([category.slug], tally.get(category.slug, 0))
        yield readers
        last = GaugeMetricFamily(
            "nashra_last_successful_poll_timestamp_seconds",
            "Unix time of the source's last poll that read its page",
            labels=["source"],
        )
        for source in self.config.sources:
            when = self.store.source_state(source.name).get("last_success_at")
            if when is not None:
                last.add_metric([source.name], when)
        yield last
