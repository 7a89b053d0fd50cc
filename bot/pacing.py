"""Pace sends at Telegram's broadcast limits: overall, per private chat, and per group or channel."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass

# The even spacing of sends runs this much faster than the overall limit, so slots lost to 429s are made
# up; the one-second window of sends in flight or recently answered (Pacer.global_slot) keeps the limit.
GLOBAL_HEADROOM = 1.02
# The window is one second, as Telegram's "30 messages per second" is.
WINDOW_SECONDS = 1.0
# Per-chat spacing is measured from Telegram's answer, so it only needs a sliver of margin for clock jitter.
CHAT_HEADROOM = 1.02


@dataclass(frozen=True)
class Limits:
    """Telegram's documented limits; tests and benchmarks scale them, the bot uses the defaults."""

    global_per_second: float = 30.0
    private_per_second: float = 1.0
    group_per_minute: float = 20.0

    def scaled(self, factor: float) -> Limits:
        """The same shape of limits, `factor` times faster, so a benchmark finishes in under a minute."""
        return Limits(
            self.global_per_second * factor,
            self.private_per_second * factor,
            self.group_per_minute * factor,
        )


def is_private(chat_id: int | str) -> bool:
    """Telegram gives people positive ids and groups, supergroups and channels negative ids or @names."""
    return isinstance(chat_id, int) and chat_id > 0


class Pacer:
    """Hands out send slots: evenly spaced overall, and per chat never sooner than its limit allows."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._global_gap = 1.0 / (limits.global_per_second * GLOBAL_HEADROOM)
        self._private_gap = CHAT_HEADROOM / limits.private_per_second
        # Spacing group posts evenly keeps any 60-second window within the per-minute limit.
        self._group_gap = CHAT_HEADROOM * 60.0 / limits.group_per_minute
        self._next_slot = 0.0
        self._chat_ready: dict[int | str, float] = {}
        self._in_flight = 0
        self._answered: deque[float] = deque()
        self._landed = asyncio.Event()

    async def global_slot(self) -> None:
        """Wait for the next overall slot; slots missed while idle are not saved up into a burst.

        Evenly spaced departures can still arrive bunched (a busy machine, a jittery network), so a send
        also waits until fewer than the limit are in flight or were answered within the last second.
        Telegram counts a message at some moment between its request and its answer, so this bound holds
        whatever the delays: of any messages Telegram counts within one second, the last one sent saw all
        the others in flight or answered less than a second earlier.
        """
        now = time.monotonic()
        slot = max(self._next_slot, now)
        self._next_slot = slot + self._global_gap
        if slot > now:
            await asyncio.sleep(slot - now)
        limit = self.limits.global_per_second
        while True:
            now = time.monotonic()
            while self._answered and self._answered[0] <= now - WINDOW_SECONDS:
                self._answered.popleft()
            if self._in_flight + len(self._answered) < limit:
                break
            if self._answered:
                await asyncio.sleep(self._answered[0] + WINDOW_SECONDS - now)
            else:
                self._landed.clear()
                await self._landed.wait()
        self._in_flight += 1

    def landed(self, *, counted: bool = True) -> None:
        """A send given a slot has its answer; counted=False when Telegram refused it with a 429."""
        self._in_flight -= 1
        if counted:
            self._answered.append(time.monotonic())
        self._landed.set()

    def chat_ready_at(self, chat_id: int | str) -> float:
        """The monotonic time from which this chat may receive its next message."""
        return self._chat_ready.get(chat_id, 0.0)

    def answered(self, chat_id: int | str) -> None:
        """Telegram answered a send to this chat: its next one waits a full per-chat gap from now."""
        gap = self._private_gap if is_private(chat_id) else self._group_gap
        self._chat_ready[chat_id] = time.monotonic() + gap

    def hold(self, chat_id: int | str, seconds: float) -> None:
        """Keep this chat waiting at least this long (flood control's retry_after)."""
        until = time.monotonic() + seconds
        self._chat_ready[chat_id] = max(self._chat_ready.get(chat_id, 0.0), until)

    def forget(self, chat_id: int | str) -> None:
        """Drop the memory of a chat with nothing more to send, so a big broadcast does not pile up state."""
        if self._chat_ready.get(chat_id, 0.0) <= time.monotonic():
            self._chat_ready.pop(chat_id, None)
