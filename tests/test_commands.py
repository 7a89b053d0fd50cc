"""Reader commands through the Telegram stand-in: names in either language, odd input, helpful replies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.commands import resolve
from bot.config import Config, load_config
from bot.demo import start_bot, stop_bot
from bot.standins.telegram_api import FakeBotAPI, SentMessage
from bot.store import Store
from jobs.categorise import Categoriser

EXAMPLE = Path(__file__).resolve().parents[1] / "config.example.toml"
READER = 7007


def example_config(tmp_path: Path, api: FakeBotAPI) -> Config:
    """The shipped example's categories, no sources or channels, pointed at the stand-in."""
    base = load_config(EXAMPLE)
    return base.model_copy(
        update={
            "telegram": base.telegram.model_copy(update={"api_base_url": api.base_url}),
            "storage": base.storage.model_copy(update={"path": tmp_path / "nashra.json"}),
            "sources": (),
            "channels": (),
        }
    )


@pytest.fixture
async def bot_api(tmp_path: Path) -> AsyncIterator[FakeBotAPI]:
    with FakeBotAPI() as api:
        app = await start_bot(example_config(tmp_path, api), api.token)
        try:
            yield api
        finally:
            await stop_bot(app)


async def say(api: FakeBotAPI, text: str, *, language: str = "ar", chat: int = READER) -> SentMessage:
    """Send a command as a reader and return the bot's reply."""
    count = len(api.sent(chat))
    if chat == READER:
        api.user_says(READER, text, language_code=language)
    else:
        api.user_says(READER, text, language_code=language, chat_id=chat, chat_type="group")
    return (await api.wait_for_sent(count + 1, chat_id=chat))[-1]


def test_resolve_reads_multi_word_arabic_names_and_aliases() -> None:
    categoriser = Categoriser([c.spec() for c in load_config(EXAMPLE).categories])
    assert resolve(["ثقافة", "وفنون", "sport"], categoriser) == (["culture", "sport"], [])
    assert resolve(["الرياضة", "سبورت"], categoriser) == (["sport"], [])
    assert resolve(["رياضـــة", "كريكيت"], categoriser) == (["sport"], ["كريكيت"])


async def test_subscribe_in_arabic_then_list_then_unsubscribe(bot_api: FakeBotAPI, tmp_path: Path) -> None:
    assert "اشتركت في: سياسة، رياضة" in (await say(bot_api, "/subscribe رياضة سياسة")).plain
    assert Store(tmp_path / "nashra.json").subscriber(READER)["categories"] == ["politics", "sport"]
    assert "سياسة، رياضة" in (await say(bot_api, "/subscriptions")).plain
    assert "إلغاء اشتراكك في: رياضة" in (await say(bot_api, "/unsubscribe sport")).plain
    assert (await say(bot_api, "/subscriptions")).plain.endswith("سياسة")


async def test_english_reader_gets_english_replies(bot_api: FakeBotAPI) -> None:
    assert (await say(bot_api, "/subscribe Sport", language="en")).plain == "✅ Subscribed to: Sport"
    assert "Available sections" in (await say(bot_api, "/categories", language="en")).plain


async def test_no_argument_or_unknown_category_lists_the_valid_ones(bot_api: FakeBotAPI) -> None:
    empty = await say(bot_api, "/subscribe")
    assert "/subscribe رياضة" in empty.plain and "sport" in empty.plain and "رياضة" in empty.plain
    unknown = await say(bot_api, "/subscribe كريكيت")
    assert "لا أعرف القسم: كريكيت" in unknown.plain and "politics" in unknown.plain


async def test_odd_input_gets_a_short_helpful_reply(bot_api: FakeBotAPI) -> None:
    huge = await say(bot_api, "/subscribe " + "<b>" * 2000)
    assert "لا أعرف القسم" in huge.plain and len(huge.plain) < 1500
    assert "/help" in (await say(bot_api, "/nonsense")).plain
    assert "/subscribe" in (await say(bot_api, "/help")).plain
    assert "نشرة" in (await say(bot_api, "/start")).plain


async def test_commands_addressed_to_the_bot_work_in_groups(bot_api: FakeBotAPI) -> None:
    group = bot_api.add_chat(-100777, type="group", title="قرّاء")
    reply = await say(bot_api, "/subscribe@nashra_test_bot رياضة", chat=group)
    assert "اشتركت في: رياضة" in reply.plain


async def test_breaking_on_and_off_is_remembered(bot_api: FakeBotAPI, tmp_path: Path) -> None:
    assert "/breaking on" in (await say(bot_api, "/breaking maybe")).plain
    assert "ستصلك الأخبار العاجلة" in (await say(bot_api, "/breaking on")).plain
    assert Store(tmp_path / "nashra.json").subscriber(READER)["breaking"] is True  # type: ignore[index]
    assert "alerts are off" in (await say(bot_api, "/breaking off", language="en")).plain
    assert Store(tmp_path / "nashra.json").subscriber(READER)["breaking"] is False  # type: ignore[index]
