"""Per-user flood limit on commands and button presses: a burst gets bounded answers and one notice.

It runs as a TypeHandler in group -1, before every command handler, and ends the update's handling with
ApplicationHandlerStop when the user is over the limit: the bot then neither answers nor does any work.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable
from enum import Enum
from functools import partial

from telegram import Update, User
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler, filters

from bot.commands import chat_language
from bot.store import Store
from bot.texts import text

log = logging.getLogger(__name__)

# Runs before the command handlers (group 0) so a flooding user costs no store or Telegram work.
FLOOD_GROUP = -1
# Users tracked before idle ones are forgotten; keeps memory flat however many people write once.
PRUNE_AT = 10_000


class Verdict(Enum):
    SERVE = "serve"
    WARN = "warn"  # over the limit for the first time in this burst: one notice
    IGNORE = "ignore"


class CommandFlood:
    """At most `limit` commands per user within a sliding `window` of seconds."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._recent: dict[int, deque[float]] = {}
        self._warned: set[int] = set()
        self._pruned_at = -math.inf

    def judge(self, user_id: int) -> Verdict:
        """Count a command from this user and say whether to serve it."""
        now = self._clock()
        # At most one O(n) prune per window: users active within it would survive a second one anyway.
        if len(self._recent) >= PRUNE_AT and now - self._pruned_at >= self.window:
            self._prune(now)
        times = self._recent.setdefault(user_id, deque(maxlen=self.limit))
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) < self.limit:
            times.append(now)
            self._warned.discard(user_id)
            return Verdict.SERVE
        if user_id in self._warned:
            return Verdict.IGNORE
        self._warned.add(user_id)
        return Verdict.WARN

    @property
    def tracked(self) -> int:
        """Users whose recent commands are remembered (bounded by pruning idle ones)."""
        return len(self._recent)

    def wait(self, user_id: int) -> float:
        """Seconds until this user's next command would be served."""
        times = self._recent.get(user_id)
        if not times or len(times) < self.limit:
            return 0.0
        return max(0.0, times[0] + self.window - self._clock())

    def _prune(self, now: float) -> None:
        self._pruned_at = now
        for user_id in [
            u for u, times in self._recent.items() if not times or times[-1] <= now - self.window
        ]:
            del self._recent[user_id]
            self._warned.discard(user_id)

    async def handle(self, update: Update, context: ContextTypes.DEFAULT_TYPE, *, store: Store) -> None:
        """TypeHandler callback: let a command or button press through, or stop it (with a notice)."""
        user = update.effective_user
        query = update.callback_query
        if user is None or not (query or filters.COMMAND.check_update(update)):
            return
        verdict = self.judge(user.id)
        if verdict is Verdict.SERVE:
            return
        if query is not None:
            # Every press must be answered or the client spins; the answer is a toast, not a message.
            try:
                await query.answer(self._notice(update, user, store))
            except TelegramError as exc:
                log.warning("could not tell user %s to slow down: %s", user.id, exc)
        elif verdict is Verdict.WARN:
            await self._warn(update, user, self._notice(update, user, store))
        raise ApplicationHandlerStop

    def _notice(self, update: Update, user: User, store: Store) -> str:
        """The slow-down notice in the language the chat chose with /lang, like every other reply."""
        lang = chat_language(store, update)
        return text(lang, "slow_down", seconds=str(math.ceil(self.wait(user.id))))

    async def _warn(self, update: Update, user: User, notice: str) -> None:
        """One notice per burst; if Telegram refuses it, the command is still stopped."""
        seconds = math.ceil(self.wait(user.id))
        log.warning(
            "user %s sent over %d commands in %gs; ignoring them for %ds",
            user.id,
            self.limit,
            self.window,
            seconds,
        )
        if update.effective_message is None:
            return
        try:
            await update.effective_message.reply_text(notice)
        except TelegramError as exc:
            log.warning("could not tell user %s to slow down: %s", user.id, exc)


def install(app: Application, store: Store, limit: int, window: float) -> CommandFlood:
    """Put the limiter in front of every handler of the application; its notices read the chat's language."""
    flood = CommandFlood(limit, window)
    app.add_handler(TypeHandler(Update, partial(flood.handle, store=store)), group=FLOOD_GROUP)
    return flood
