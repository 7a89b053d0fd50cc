"""Drain the outbox to Telegram at Telegram's limits: a delivery leaves the outbox only once it was settled.

Sends run concurrently (so the overall limit is reached despite the round trip) but each chat has at most
one send in flight and waits its own per-chat gap. A chat's next send also waits until its previous one
is committed as done, so a crash can repeat at most one message per chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import NamedTuple

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from bot import metrics
from bot.config import Channel, Config
from bot.messages import CAPTION_LIMIT, TEXT_LIMIT, render
from bot.pacing import Limits, Pacer, is_private
from bot.store import Delivery, Store
from jobs.records import NewsItem

log = logging.getLogger(__name__)

# Even with nothing signalled, look at the outbox this often (deliveries left by a crash, or added by hand).
IDLE_CHECK_SECONDS = 5.0
# Network failures and 5xx answers back off exponentially between these bounds; outages are usually short.
BACKOFF_FIRST_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 60.0
# After a timed-out send wait this long before the single retry: the first may still land.
TIMEOUT_RETRY_SECONDS = 5.0
# Unexpected Telegram errors are retried this many times, then the delivery is given up and logged.
MAX_UNEXPECTED_ERRORS = 3
# Finished sends are committed in batches at most this often: each commit writes the whole store, and a
# chat's next message waits for its commit, so this stays well under the 1 s private-chat gap.
SETTLE_INTERVAL_SECONDS = 0.2
# How long stopping waits for sends already on the wire, so their outcome is recorded.
STOP_GRACE_SECONDS = 5.0

# Outcomes of one attempt; MOVED means it was re-queued under the chat's new id.
DONE, RETRY, DROP, MOVED = "done", "retry", "drop", "moved"
# What the broadcaster reports it did with a delivery, for /stats and the metrics: sent; retried (kept for
# another try); failed (Telegram refused it for good); dropped (let go with no refusal from Telegram).
SENT, RETRIED, FAILED, DROPPED = "sent", "retried", "failed", "dropped"
# Reasons a DROP is not a refusal: after a second timeout the message may well have arrived, an item
# missing from the store was never sent, and a deactivated chat's queue is let go unsent.
NOT_REFUSED = frozenset({"timeout", "missing", "deactivated"})
# Flag of a delivery whose last attempt flood control refused: nothing was posted.
FLOODED = "flooded"
# Rendered messages kept for reuse: a broadcast renders the same item for thousands of chats.
RENDER_CACHE_SIZE = 64


class Attempt(NamedTuple):
    """How one send went: the outcome, why (a metrics label; empty when sent) and the message's id."""

    outcome: str
    reason: str = ""
    message_id: int | None = None


class Broadcaster:
    """The only sender of news: it owns the order and pace of everything posted to Telegram."""

    def __init__(self, bot: Bot, store: Store, config: Config, *, limits: Limits | None = None) -> None:
        self._bot = bot
        self._store = store
        self.reconfigure(config)
        self._pacer = Pacer(limits or config.delivery.limits())
        self._slots = asyncio.Semaphore(config.delivery.concurrency)
        self._wake = asyncio.Event()
        self._reload = True
        self._known: set[int] = set()
        self._queues: dict[int | str, list[tuple[int, int, Delivery]]] = {}
        self._ready: list[tuple[int, int, int | str]] = []
        self._waiting: list[tuple[float, int, int | str]] = []
        self._busy: set[int | str] = set()  # a send in flight, or a finished one not yet committed
        self._flags: dict[int, set[str]] = {}
        # A revision that overtook its unsent original(s) in a chat: id -> (the original's key, replaced).
        self._replaced: dict[int, tuple[str, list[Delivery]]] = {}
        self._finished: list[tuple[Delivery, int | None]] = []
        self._rendered: dict[tuple[str, str, int, bool], str] = {}
        self._settle_needed = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._paused_until = 0.0
        self._backoff = 0.0
        # For operators (/stats): sent, retried, failed, dropped (see SENT...), edited, deactivated chats.
        self.counters: Counter[str] = Counter()
        self.on_event: Callable[[str, int | str], None] | None = None
        self.stopping = False  # set by a graceful stop: finish the sends in flight, start no other

    @property
    def sent_count(self) -> int:
        return self.counters["sent"]

    def reconfigure(self, config: Config) -> None:
        """Use a reloaded config for rendering and channel settings (the pace keeps its start-up limits)."""
        self._config = config
        self._settings = config.delivery
        self._channels: dict[int | str, Channel] = {c.chat: c for c in config.channels}

    def wake(self) -> None:
        """Tell the broadcaster the outbox has something new."""
        self._reload = True
        self._wake.set()

    def queued(self) -> int:
        """Deliveries waiting in memory (the outbox depth as the broadcaster sees it)."""
        return sum(len(q) for q in self._queues.values()) + len(self._busy)

    # -- the dispatch loop ------------------------------------------------------------------------

    async def run(self) -> None:
        """Dispatch forever, until cancelled; on the way out, record what was already sent."""
        settler = asyncio.create_task(self._settle_forever())
        try:
            while not self.stopping:
                if self._reload:
                    self._load()
                if not self._has_ready():
                    await self._sleep_until_ready()
                    continue
                picked = await self._next_delivery()
                if picked is None:
                    continue
                task = asyncio.create_task(self._deliver(picked))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        finally:
            settler.cancel()
            if self._tasks:
                await asyncio.wait(self._tasks, timeout=STOP_GRACE_SECONDS)
            self._settle_batch()

    async def _next_delivery(self) -> Delivery | None:
        """Take a send slot and the delivery to use it on; a slot left unused is handed back."""
        await self._slots.acquire()
        picked = None
        try:
            await self._pacer.global_slot()
            try:
                if (pause := self._paused_until - time.monotonic()) > 0:
                    await asyncio.sleep(pause)
                picked = self._pick()
            finally:
                if picked is None:
                    self._pacer.landed(counted=False)
        finally:
            if picked is None:
                self._slots.release()
        return picked

    def _load(self) -> None:
        """Take in deliveries the store has and the broadcaster has not seen yet."""
        self._reload = False
        for delivery in self._store.pending():
            if delivery.id not in self._known:
                self._known.add(delivery.id)
                self._queue(delivery)

    def _queue(self, delivery: Delivery, *, first: bool = False) -> None:
        queue = self._queues.setdefault(delivery.chat_id, [])
        # A retry goes back at the head of its chat, ahead of anything queued after it.
        order = -1 if first else delivery.id
        if not first and (root := self._root(delivery.item_key)) is not None:
            delivery, order = self._supersede(queue, delivery, root)
        heapq.heappush(queue, (delivery.priority, order, delivery))
        self._schedule(delivery.chat_id)

    def _root(self, key: str) -> str | None:
        """The key of the item a revision corrects (every revision of a story names the first one)."""
        stored = self._store.item(key)
        return stored.get("revises") if stored else None

    def _supersede(
        self, queue: list[tuple[int, int, Delivery]], revision: Delivery, root: str
    ) -> tuple[Delivery, int]:
        """Unsent earlier versions of the story in this chat give way: one message, with the latest text,
        in the place the earliest held. They are settled together with the revision, so a crash keeps both."""
        kept, replaced = [], []
        for entry in queue:
            key = entry[2].item_key
            (replaced if key == root or self._root(key) == root else kept).append(entry)
        if not replaced:
            return revision, revision.id
        queue[:] = kept
        heapq.heapify(queue)
        earlier = self._replaced.pop(revision.id, (root, []))[1]
        for _, _, old in replaced:
            earlier += [old, *self._replaced.pop(old.id, (root, []))[1]]
        self._replaced[revision.id] = (root, earlier)
        priority = min(revision.priority, *(entry[0] for entry in replaced))
        return replace(revision, priority=priority), min(revision.id, *(entry[1] for entry in replaced))

    def _schedule(self, chat: int | str) -> None:
        """Offer a chat's head to the dispatcher, now or when its pace allows."""
        queue = self._queues.get(chat)
        if not queue or chat in self._busy:
            return
        ready_at = self._pacer.chat_ready_at(chat)
        if ready_at <= time.monotonic():
            heapq.heappush(self._ready, (queue[0][0], queue[0][1], chat))
        else:
            heapq.heappush(self._waiting, (ready_at, queue[0][1], chat))

    def _promote(self) -> None:
        now = time.monotonic()
        while self._waiting and self._waiting[0][0] <= now:
            _, _, chat = heapq.heappop(self._waiting)
            self._schedule(chat)

    def _has_ready(self) -> bool:
        self._promote()
        while self._ready:
            priority, order, chat = self._ready[0]
            queue = self._queues.get(chat)
            if queue and chat not in self._busy and queue[0][:2] == (priority, order):
                return True
            heapq.heappop(self._ready)  # stale: sent, busy, or overtaken by a more urgent delivery
        return False

    def _pick(self) -> Delivery | None:
        """The most urgent delivery whose chat may receive a message now."""
        if not self._has_ready():
            return None
        _, _, chat = heapq.heappop(self._ready)
        _, _, delivery = heapq.heappop(self._queues[chat])
        self._busy.add(chat)
        return delivery

    async def _sleep_until_ready(self) -> None:
        timeout = IDLE_CHECK_SECONDS
        if self._waiting:
            timeout = min(timeout, max(0.0, self._waiting[0][0] - time.monotonic()))
        self._wake.clear()
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that lands as
        # the wake-up does, and the loop would then run on after its task was cancelled.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._wake.wait()
        if timeout == IDLE_CHECK_SECONDS:
            self._reload = True

    # -- one delivery -----------------------------------------------------------------------------

    async def _deliver(self, delivery: Delivery) -> None:
        chat = delivery.chat_id
        flooded = False
        try:
            attempt = await self._attempt(delivery)
            flooded = attempt.outcome == RETRY and FLOODED in self._flags.get(delivery.id, ())
        finally:
            self._slots.release()
            # Only a 429 is certain not to have been posted; anything else may count towards the limit.
            self._pacer.landed(counted=not flooded)
        self._report(_decision(attempt), chat, attempt.reason)
        if attempt.outcome in (RETRY, MOVED):
            self._busy.discard(chat)
            if attempt.outcome == RETRY:
                self._queue(delivery, first=True)
            self._wake.set()
            return
        self._finished.append((delivery, attempt.message_id))
        self._settle_needed.set()

    async def _attempt(self, delivery: Delivery) -> Attempt:
        """Send once and classify the answer; only flood control and the network make it retry as-is."""
        chat = delivery.chat_id
        stored = self._store.item(delivery.item_key)
        if stored is None:
            log.error("outbox entry %s refers to a missing item %s; dropped", delivery.id, delivery.item_key)
            return Attempt(DROP, "missing")
        item = NewsItem.from_json(stored)
        flags = self._flags.setdefault(delivery.id, set())
        flags.discard(FLOODED)
        try:
            message_id = await self._send(chat, item, delivery.language, flags)
        except RetryAfter as exc:
            wait = _retry_after(exc)
            log.warning("flood control for chat %s: retrying in %ss", chat, wait)
            self._pacer.hold(chat, wait)
            flags.add(FLOODED)
            return Attempt(RETRY, "flood")
        except ChatMigrated as exc:
            return Attempt(self._migrated(delivery, exc.new_chat_id), "migrated")
        except Forbidden as exc:
            self._pacer.answered(chat)
            return Attempt(self._forbidden(chat, exc.message), "forbidden")
        except BadRequest as exc:
            self._pacer.answered(chat)
            return Attempt(self._refused(delivery, item, flags, exc.message), "bad_request")
        except TimedOut:
            return Attempt(self._timed_out(delivery), "timeout")
        except NetworkError as exc:
            self._back_off(chat, exc)
            return Attempt(RETRY, "network")
        except TelegramError as exc:
            flags.add(f"error{len(flags)}")
            if sum(f.startswith("error") for f in flags) >= MAX_UNEXPECTED_ERRORS:
                log.error("giving up on item %s for chat %s after: %s", item.key, chat, exc)
                return Attempt(DROP, "telegram")
            log.error("unexpected Telegram error for chat %s: %s; will retry", chat, exc)
            self._pacer.hold(chat, TIMEOUT_RETRY_SECONDS)
            return Attempt(RETRY, "telegram")
        self._pacer.answered(chat)
        self._backoff = 0.0
        return Attempt(DONE, message_id=message_id)

    def _migrated(self, delivery: Delivery, new_chat: int) -> str:
        """The group became a supergroup: move it, and send this delivery there once."""
        old = delivery.chat_id
        log.warning("chat %s moved to %s; its subscription and queued messages follow it", old, new_chat)
        if old in self._channels:
            log.error("channel %s is now chat %s: update [[channels]] chat in the config", old, new_chat)
        self._store.move_chat(old, new_chat)
        for _, _, queued in self._queues.pop(old, []):
            self._queue(replace(queued, chat_id=new_chat))
        if "migrated" in self._flags[delivery.id]:
            return DROP
        self._flags[delivery.id].add("migrated")
        self._queue(replace(delivery, chat_id=new_chat), first=True)
        return MOVED

    def _forbidden(self, chat: int | str, reason: str) -> str:
        """Blocked or kicked: strike the reader, and deactivate only after strikes spread over time."""
        reader = self._store.subscriber(chat) if isinstance(chat, int) else None
        if reader is None:
            log.error("cannot post to %s: %s; check the bot is an admin there", chat, reason)
            return DROP
        now = time.time()
        strikes = [*reader.get("strikes", []), now]
        span = timedelta(seconds=now - strikes[0])
        if len(strikes) >= self._settings.forbidden_strikes and span >= self._settings.strike_span:
            log.warning("chat %s refused %d times in %s (%s): deactivated", chat, len(strikes), span, reason)
            self._store.save_subscriber(chat, active=False, strikes=[])
            for queued in self._queues.pop(chat, []):
                self._finished.append((queued[2], None))
                self._report(DROPPED, chat, "deactivated")
            self._count("deactivated", chat)
        else:
            self._store.save_subscriber(chat, strikes=strikes)
        return DROP

    def _refused(self, delivery: Delivery, item: NewsItem, flags: set[str], reason: str) -> str:
        """A 400: bad markup is re-sent once as plain text, a bad photo once as text; others are dropped."""
        lowered = reason.lower()
        photo_trouble = any(word in lowered for word in ("photo", "file", "url", "image"))
        if item.image and "text" not in flags and photo_trouble:
            log.warning("photo for item %s refused (%s); sending it as text", item.key, reason)
            retry_as = "text"
        elif "parse entities" in lowered and "plain" not in flags:
            log.error("Telegram refused the HTML of item %s (%s); re-sending as plain text", item.key, reason)
            retry_as = "plain"
        else:
            log.error("Telegram refused item %s for chat %s: %s; dropped", item.key, delivery.chat_id, reason)
            return DROP
        flags.add(retry_as)
        return RETRY

    def _timed_out(self, delivery: Delivery) -> str:
        """A timeout may hide a delivered message: retry once, recording that, and never more."""
        note = self._store.delivery_note(delivery.id)
        if note.get("timed_out"):
            log.warning("send to chat %s timed out twice; assuming it arrived", delivery.chat_id)
            return DROP
        log.warning("send to chat %s timed out; it may have arrived; retrying once", delivery.chat_id)
        self._store.note_delivery(delivery.id, timed_out=time.time())
        self._pacer.hold(delivery.chat_id, TIMEOUT_RETRY_SECONDS)
        return RETRY

    def _back_off(self, chat: int | str, exc: NetworkError) -> None:
        """Network trouble or a 5xx concerns every chat: pause all sends, longer each time it repeats."""
        self._backoff = min(BACKOFF_MAX_SECONDS, max(BACKOFF_FIRST_SECONDS, self._backoff * 2))
        self._paused_until = max(self._paused_until, time.monotonic() + self._backoff)
        log.warning("network error sending to chat %s: %s; pausing sends %.1fs", chat, exc, self._backoff)

    # -- sending ----------------------------------------------------------------------------------

    async def _send(self, chat: int | str, item: NewsItem, language: str, flags: set[str]) -> int:
        """Post (or, for a revision, edit) the item; the message id Telegram gave it."""
        channel = self._channels.get(chat)
        html = "plain" not in flags
        if item.revises and (edited := await self._edit(chat, item, language, html)):
            return edited
        common = {
            "parse_mode": ParseMode.HTML if html else None,
            "disable_notification": self._settings.silent_articles and not item.breaking,
            "message_thread_id": channel.topic if channel else None,
        }
        if item.image and "text" not in flags:
            caption = self._render(item, language, CAPTION_LIMIT, html)
            sent = await self._bot.send_photo(chat, item.image, caption=caption, **common)
            return sent.message_id
        preview = channel.link_preview if channel else self._settings.link_previews
        sent = await self._bot.send_message(
            chat,
            self._render(item, language, TEXT_LIMIT, html),
            link_preview_options=LinkPreviewOptions(is_disabled=not preview),
            **common,
        )
        return sent.message_id

    def _render(self, item: NewsItem, language: str, limit: int, html: bool) -> str:
        key = (item.key, language, limit, html)
        if key not in self._rendered:
            if len(self._rendered) >= RENDER_CACHE_SIZE:
                self._rendered.clear()
            self._rendered[key] = render(item, language=language, config=self._config, limit=limit, html=html)
        return self._rendered[key]

    async def _edit(self, chat: int | str, item: NewsItem, language: str, html: bool) -> int | None:
        """Edit the message sent for the item this one revises; None when there is none to edit."""
        assert item.revises is not None
        message_id = self._store.sent_message(item.revises, chat)
        if message_id is None:
            return None
        mode = ParseMode.HTML if html else None
        try:
            if item.image:
                caption = self._render(item, language, CAPTION_LIMIT, html)
                await self._bot.edit_message_caption(chat, message_id, caption=caption, parse_mode=mode)
            else:
                body = self._render(item, language, TEXT_LIMIT, html)
                await self._bot.edit_message_text(body, chat, message_id, parse_mode=mode)
        except BadRequest as exc:
            if "not found" in exc.message:
                return None  # deleted by an admin: post the corrected alert anew
            if "not modified" not in exc.message:
                raise
        self._count("edited", chat)
        return message_id

    # -- settling ---------------------------------------------------------------------------------

    async def _settle_forever(self) -> None:
        """Commit finished deliveries in batches; each chat waits for its own previous commit."""
        while True:
            await self._settle_needed.wait()
            await asyncio.sleep(SETTLE_INTERVAL_SECONDS)
            self._settle_needed.clear()
            chats = self._settle_batch()
            await self._store.commit()
            for chat in chats:
                self._busy.discard(chat)
                if not self._queues.get(chat):
                    self._queues.pop(chat, None)
                    self._pacer.forget(chat)
                else:
                    self._schedule(chat)
            self._wake.set()

    def _settle_batch(self) -> set[int | str]:
        """Move finished deliveries into the store; the caller commits."""
        batch, self._finished = self._finished, []
        sent: dict[str, dict[int | str, int]] = {}
        for delivery, message_id in list(batch):
            self._known.discard(delivery.id)
            self._flags.pop(delivery.id, None)
            root, replaced = self._replaced.pop(delivery.id, (None, []))
            batch += [(old, None) for old in replaced]
            self._known.difference_update(old.id for old in replaced)
            if message_id is not None:
                sent.setdefault(delivery.item_key, {})[delivery.chat_id] = message_id
                if root is not None:
                    # The chat's message for the story is this one: later corrections must edit it.
                    sent.setdefault(root, {})[delivery.chat_id] = message_id
        self._store.done_many(d for d, _ in batch)
        for key, messages in sent.items():
            if self._is_revisable(key):
                self._store.record_sent(key, messages)
            elif posts := {c: m for c, m in messages.items() if c in self._channels}:
                self._store.record_sent(key, posts)  # so another source of the story can be named in them
        return {d.chat_id for d, _ in batch}

    def _is_revisable(self, key: str) -> bool:
        """Only breaking headlines get corrected after the fact; remembering every message would be waste."""
        stored = self._store.item(key)
        return bool(stored and stored.get("breaking"))

    def _report(self, decision: str, chat: int | str, reason: str) -> None:
        """Count what was done with a delivery, the same for /stats and for the metrics."""
        self._count(decision, chat)
        if decision == SENT:
            self.counters["sent_private" if is_private(chat) else "sent_group"] += 1
        metrics.delivery_decided(decision, reason)

    def _count(self, event: str, chat: int | str) -> None:
        self.counters[event] += 1
        if self.on_event is not None:
            self.on_event(event, chat)


def _decision(attempt: Attempt) -> str:
    """Which of sent, retried, failed or dropped an attempt's outcome is."""
    if attempt.outcome == DONE:
        return SENT
    if attempt.outcome in (RETRY, MOVED):
        return RETRIED
    return DROPPED if attempt.reason in NOT_REFUSED else FAILED


def _retry_after(exc: RetryAfter) -> float:
    """Seconds to wait, whichever type this PTB version hands out (it is moving from int to timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
