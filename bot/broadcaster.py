"""Drain the outbox to Telegram: a delivery leaves the outbox only once Telegram accepted it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.config import Config
from bot.messages import render
from bot.store import Delivery, Store
from jobs.records import NewsItem

log = logging.getLogger(__name__)

# Even with nothing signalled, look at the outbox this often (deliveries left by a crash or a pause).
IDLE_CHECK_SECONDS = 5.0
# After a network failure wait before the next attempt; Telegram outages are usually short.
NETWORK_BACKOFF_SECONDS = 3.0


class Broadcaster:
    """The only sender: it owns the order and pace of everything posted to Telegram."""

    def __init__(self, bot: Bot, store: Store, config: Config) -> None:
        self._bot = bot
        self._store = store
        self._config = config
        self._wake = asyncio.Event()
        self._paused_until: dict[int | str, float] = {}
        self.sent_count = 0
        self.stopping = False  # set by a graceful stop: finish the send in progress, start no other

    def wake(self) -> None:
        """Tell the broadcaster the outbox has something new."""
        self._wake.set()

    async def run(self) -> None:
        """Drain, then sleep until woken or the idle check is due; forever, until cancelled."""
        while not self.stopping:
            self._wake.clear()
            await self.drain()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._next_check())

    def _next_check(self) -> float:
        pauses = [until - time.monotonic() for until in self._paused_until.values()]
        return max(0.1, min([IDLE_CHECK_SECONDS, *pauses]))

    async def drain(self) -> None:
        """Send every pending delivery whose chat is not paused, highest priority first."""
        for delivery in self._store.pending():
            if self.stopping:
                return
            if self._paused_until.get(delivery.chat_id, 0.0) > time.monotonic():
                continue
            if not await self._deliver(delivery):
                return

    async def _deliver(self, delivery: Delivery) -> bool:
        """Send one delivery; False means stop this round (Telegram or the network is unhappy)."""
        stored = self._store.item(delivery.item_key)
        if stored is None:
            log.error("outbox entry %s refers to a missing item %s; dropped", delivery.id, delivery.item_key)
            return await self._finish(delivery)
        item = NewsItem.from_json(stored)
        try:
            await self._send(delivery.chat_id, item, delivery.language)
        except RetryAfter as exc:
            wait = exc.retry_after if isinstance(exc.retry_after, int | float) else exc.retry_after.seconds
            log.warning("flood control for chat %s: waiting %ss", delivery.chat_id, wait)
            self._paused_until[delivery.chat_id] = time.monotonic() + float(wait)
            return True
        except ChatMigrated as exc:
            log.warning("chat %s moved to %s; sending there", delivery.chat_id, exc.new_chat_id)
            await self._send(exc.new_chat_id, item, delivery.language)
        except Forbidden as exc:
            log.warning("cannot post to chat %s (%s); delivery dropped", delivery.chat_id, exc.message)
        except BadRequest as exc:
            log.error("Telegram refused item %s for chat %s: %s", item.key, delivery.chat_id, exc.message)
        except NetworkError as exc:
            # A timeout may hide a delivered message; keeping it pending risks one duplicate, never a loss.
            log.warning("network error sending to chat %s: %s; will retry", delivery.chat_id, exc)
            await asyncio.sleep(NETWORK_BACKOFF_SECONDS)
            return False
        except TelegramError as exc:
            log.error("unexpected Telegram error for chat %s: %s; will retry", delivery.chat_id, exc)
            return False
        return await self._finish(delivery)

    async def _finish(self, delivery: Delivery) -> bool:
        self._store.done(delivery)
        await self._store.commit()
        return True

    async def _send(self, chat_id: int | str, item: NewsItem, language: str) -> None:
        await self._bot.send_message(
            chat_id,
            render(item, language=language, config=self._config),
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=not item.image),
            disable_notification=self._config.delivery.silent_articles and not item.breaking,
        )
        self.sent_count += 1
