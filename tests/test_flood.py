"""Per-user command flood limit: a burst gets a bounded number of replies and one notice, then service."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.demo import demo_config, start_bot, stop_bot, wait_until
from bot.flood import PRUNE_AT, CommandFlood, Verdict
from bot.standins.news_site import SampleNewsSite
from bot.standins.telegram_api import FakeBotAPI

FLOODER = 3131
NEIGHBOUR = 3232
LIMIT = 5
WINDOW_SECONDS = 4.0  # long enough that a loaded machine handles the burst inside it


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_window_slides_and_the_notice_comes_once_per_burst() -> None:
    clock = Clock()
    flood = CommandFlood(limit=3, window=10.0, clock=clock)
    verdicts = []
    for _ in range(6):
        verdicts.append(flood.judge(1))
        clock.now += 1
    assert verdicts == [Verdict.SERVE] * 3 + [Verdict.WARN, Verdict.IGNORE, Verdict.IGNORE]
    assert flood.judge(2) is Verdict.SERVE  # other users are not affected
    assert flood.wait(1) == 4.0  # the first command (at 1000) leaves the window at 1010; now is 1006
    clock.now = 1010.0
    assert flood.judge(1) is Verdict.SERVE  # one slot freed as the oldest command left the window
    assert flood.judge(1) is Verdict.WARN  # a new burst over the limit: a new notice


def test_idle_users_are_forgotten_so_memory_stays_flat() -> None:
    clock = Clock()
    flood = CommandFlood(limit=2, window=5.0, clock=clock)
    for user in range(PRUNE_AT):
        flood.judge(user)
    clock.now += 6
    flood.judge(-1)
    assert flood.tracked == 1


@pytest.fixture
async def limited_bot(site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path) -> AsyncIterator[Application]:
    """The demo bot without sources, with a small command limit and window."""
    config = demo_config(site, api, tmp_path / "nashra.json")
    telegram = config.telegram.model_copy(
        update={"command_limit": LIMIT, "command_window": timedelta(seconds=WINDOW_SECONDS)}
    )
    app = await start_bot(config.model_copy(update={"telegram": telegram, "sources": ()}), api.token)
    yield app
    await stop_bot(app)


async def test_a_burst_of_fifty_commands_gets_a_bounded_answer(
    api: FakeBotAPI, limited_bot: Application
) -> None:
    for _ in range(50):
        api.user_says(FLOODER, "/help", language_code="en")
    api.user_says(NEIGHBOUR, "/help", language_code="en")
    # Updates are handled in order: once the neighbour is answered, the whole burst was handled.
    (neighbour,) = await api.wait_for_sent(1, chat_id=NEIGHBOUR)
    replies = api.sent(FLOODER)
    assert len(replies) == LIMIT + 1
    assert all(r.plain == neighbour.plain for r in replies[:LIMIT])
    notice = replies[-1].plain
    assert notice.startswith("⏳ Too many commands at once. Wait ") and notice.endswith(
        " seconds and try again."
    )

    api.user_says(FLOODER, "/help", language_code="en")  # still inside the window: ignored, silently
    api.user_says(NEIGHBOUR, "/help", language_code="en")
    await api.wait_for_sent(2, chat_id=NEIGHBOUR)
    assert len(api.sent(FLOODER)) == LIMIT + 1

    await asyncio.sleep(WINDOW_SECONDS + 0.2)
    api.user_says(FLOODER, "/help", language_code="en")
    (served,) = (await api.wait_for_sent(LIMIT + 2, chat_id=FLOODER))[LIMIT + 1 :]
    assert served.plain == neighbour.plain


async def test_button_mashing_is_limited_and_every_press_still_answered(
    api: FakeBotAPI, limited_bot: Application
) -> None:
    api.user_says(FLOODER, "/subscribe", language_code="en")  # one command: the menu
    (menu,) = await api.wait_for_sent(1, chat_id=FLOODER)
    presses = 12
    for _ in range(presses):
        api.press_button(FLOODER, menu.message_id, "sub:sport")
    await wait_until(lambda: len(api.calls("answerCallbackQuery")) == presses, "every press answered")
    answers = [params.get("text", "") for _, params in api.calls("answerCallbackQuery")]
    slowed = [a for a in answers if a.startswith("⏳ Too many commands at once.")]
    assert len(slowed) == presses - (LIMIT - 1)  # the menu command used one of the user's slots
    toggles = len(api.calls("editMessageReplyMarkup"))
    assert toggles == LIMIT - 1  # only the served presses changed anything


async def test_the_notice_speaks_the_language_the_reader_chose(
    api: FakeBotAPI, limited_bot: Application
) -> None:
    api.user_says(FLOODER, "/lang ar", language_code="en")  # an English client, reading in Arabic
    (chosen,) = await api.wait_for_sent(1, chat_id=FLOODER)
    assert chosen.plain == "سأكتب لك بالعربية من الآن."
    for _ in range(LIMIT):
        api.user_says(FLOODER, "/subscribe", language_code="en")
    *menus, notice = await api.wait_for_sent(LIMIT + 1, chat_id=FLOODER)
    assert notice.plain.startswith("⏳ أوامر كثيرة في وقت قصير. انتظر ")
    api.press_button(FLOODER, menus[-1].message_id, "sub:sport")
    await wait_until(lambda: api.calls("answerCallbackQuery"), "the press to be answered")
    assert api.calls("answerCallbackQuery")[0][1]["text"].startswith("⏳ أوامر كثيرة")
