"""The Bot API stand-in, driven by a real telegram.Bot, so PTB's own parsing and errors are tested."""

# PTB drops "Bad Request: " from descriptions and capitalize()s the rest, hence the case-blind matches.

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import threading
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.error import BadRequest, ChatMigrated, EndPointNotFound, Forbidden, InvalidToken, RetryAfter

from bot.standins.telegram_api import FakeBotAPI, HtmlParseError, html_to_plain

CHANNEL = "@nashra_sport"
READER = 4242


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    """A fresh server per test, so queued failures and updates never leak between tests."""
    with FakeBotAPI() as server:
        server.add_chat(CHANNEL, title="نشرة الرياضة")
        yield server


@pytest.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    """A real PTB Bot pointed at the stand-in."""
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as real_bot:
        yield real_bot


def keyboard(*data: str) -> InlineKeyboardMarkup:
    """One row of callback buttons."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(item, callback_data=item) for item in data]])


async def test_get_me_describes_the_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot, me.can_join_groups) == (123456, "nashra_test_bot", True, True)


async def test_send_message_is_recorded_with_what_the_reader_sees(api: FakeBotAPI, bot: Bot) -> None:
    message = await bot.send_message(
        CHANNEL,
        "<b>عاجل</b>: الأهلي &amp; الزمالك &#1633;",
        parse_mode="HTML",
        disable_notification=True,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    [sent] = api.sent(CHANNEL)
    assert sent.plain == "عاجل: الأهلي & الزمالك ١"
    assert sent.text == "<b>عاجل</b>: الأهلي &amp; الزمالك &#1633;"
    assert (sent.parse_mode, sent.disable_notification, sent.edited) == ("HTML", True, False)
    assert sent.params["link_preview_options"] == {"is_disabled": True}
    assert message.text == sent.plain and message.chat.username == "nashra_sport"
    assert message.sender_chat is not None and message.sender_chat.id == sent.chat_id < 0


async def test_params_keep_their_types(api: FakeBotAPI, bot: Bot) -> None:
    """Strings stay verbatim (even "123"), while ints, bools and dicts come back typed."""
    chat_id = api.add_chat(-1001234567890, type="supergroup", title="نقاش")
    await bot.send_message(chat_id, "123", message_thread_id=7, reply_markup=keyboard("sport"))
    [sent] = api.sent(chat_id)
    assert sent.params["text"] == "123"
    assert sent.params["message_thread_id"] == 7
    assert sent.params["reply_markup"] == {"inline_keyboard": [[{"text": "sport", "callback_data": "sport"}]]}


async def test_multipart_upload_keeps_the_caption_exact(api: FakeBotAPI, bot: Bot) -> None:
    caption = "123\nسطر <i>ثان</i>"
    message = await bot.send_photo(CHANNEL, photo=b"\x89PNG\r\n\x1a\n", caption=caption, parse_mode="HTML")
    [sent] = api.sent(CHANNEL)
    assert (sent.method, sent.text, sent.plain) == ("sendPhoto", caption, "123\nسطر ثان")
    assert sent.params["photo"] == b"\x89PNG\r\n\x1a\n"
    assert message.caption == "123\nسطر ثان" and message.photo


async def test_photo_by_url_and_caption_limit(api: FakeBotAPI, bot: Bot) -> None:
    await bot.send_photo(
        CHANNEL, photo="https://example.org/a.jpg", caption="<b>" + "ص" * 1024 + "</b>", parse_mode="HTML"
    )
    assert api.sent(CHANNEL)[0].params["photo"] == "https://example.org/a.jpg"
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_photo(CHANNEL, photo="https://example.org/a.jpg", caption="ص" * 1025)
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_photo(CHANNEL, photo="not-a-file-id")


async def test_invalid_html_raises_bad_request(api: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities: unsupported start tag \"br\""):
        await bot.send_message(CHANNEL, "سطر<br>سطر", parse_mode="HTML")
    assert api.sent(CHANNEL) == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("سطر<br>سطر", 'Unsupported start tag "br" at byte offset 6'),
        ("<b>عاجل", 'end tag corresponding to start tag "b"'),
        ("<b>عاجل</i>", 'expected "</b>", found "</i>"'),
        ("عاجل</b>", "Unexpected end tag"),
        ("الهدف < 5", 'Unsupported start tag ""'),
        ("سعر <b", "Unclosed start tag"),
        ("AT&T", 'Character "&"'),
        ("a&nbsp;b", 'Character "&"'),
        ("&#0;", 'Character "&"'),
        ('<span class="x">سر</span>', 'must have class "tg-spoiler"'),
    ],
)
def test_html_that_telegram_rejects(text: str, reason: str) -> None:
    """Checked on the parser alone: each Bot costs PTB ~0.15 s of httpx/SSL set-up."""
    with pytest.raises(HtmlParseError) as raised:
        html_to_plain(text)
    assert reason in str(raised.value)


async def test_escaped_html_passes(api: FakeBotAPI, bot: Bot) -> None:
    title = 'AT&T < "Orange" > 5'
    text = (
        f'<a href="https://x.org/?a=1&amp;b=2">{html.escape(title)}</a> <tg-spoiler>سر</tg-spoiler> '
        '<span class="tg-spoiler">s</span> <blockquote expandable>اقتباس</blockquote> '
        '<pre><code class="language-python">x = 1</code></pre> <STRONG>B</STRONG>'
    )
    await bot.send_message(CHANNEL, text, parse_mode="HTML")
    assert api.sent(CHANNEL)[0].plain == f"{title} سر s اقتباس x = 1 B"


async def test_blocked_chat_raises_forbidden(api: FakeBotAPI, bot: Bot) -> None:
    api.user_says(READER, "/start")
    api.block(READER)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(READER, "خبر")
    assert api.sent(READER) == []


async def test_fail_next_429_raises_retry_after_once(
    api: FakeBotAPI, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB 22 warns when retry_after is read as an int
    api.fail_next(CHANNEL, error_code=429, description="Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(CHANNEL, "خبر")
    assert raised.value.retry_after == dtm.timedelta(seconds=7)
    await bot.send_message(CHANNEL, "خبر")
    assert [sent.plain for sent in api.sent(CHANNEL)] == ["خبر"]


async def test_migrated_group_raises_chat_migrated_and_new_id_works(api: FakeBotAPI, bot: Bot) -> None:
    group = api.add_chat(-4000000777, type="group", title="مجموعة")
    upgraded = "Bad Request: group chat was upgraded to a supergroup chat"
    api.fail_next(group, error_code=400, description=upgraded, migrate_to_chat_id=-1009990000777)
    with pytest.raises(ChatMigrated) as raised:
        await bot.send_message(group, "خبر")
    assert raised.value.new_chat_id == -1009990000777
    await bot.send_message(raised.value.new_chat_id, "خبر")
    assert len(api.sent(-1009990000777)) == 1


async def test_length_limits_count_utf16_after_parsing(api: FakeBotAPI, bot: Bot) -> None:
    await bot.send_message(CHANNEL, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    await bot.send_message(CHANNEL, "😀" * 2048)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(CHANNEL, "😀" * 2048 + "x")
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(CHANNEL, "<b> </b>", parse_mode="HTML")
    assert len(api.sent(CHANNEL)) == 2


async def test_unknown_chat_and_unknown_method(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message("@nowhere", "خبر")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(999, "خبر")
    with pytest.raises(EndPointNotFound):  # how PTB reports the stand-in's 404 for an unknown method
        await bot.do_api_request("noSuchMethod")


async def test_wrong_token_raises_invalid_token(api: FakeBotAPI) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG-token", base_url=api.base_url):
            pass
    assert api.calls("getMe")


async def test_injected_command_reaches_get_updates(api: FakeBotAPI, bot: Bot) -> None:
    api.user_says(READER, "/subscribe sport", language_code="en")
    api.user_says(READER, "/start@nashra_test_bot", chat_id=-4000000001, chat_type="group")
    first, second = await bot.get_updates()
    assert first.message is not None and first.message.text == "/subscribe sport"
    assert first.message.from_user is not None and first.message.from_user.language_code == "en"
    assert first.message.chat.id == READER
    assert first.message.parse_entities() == {first.message.entities[0]: "/subscribe"}
    assert second.message is not None and second.message.chat.type == "group"
    assert second.message.entities[0].length == len("/start@nashra_test_bot")
    assert await bot.get_updates(offset=second.update_id + 1) == ()


async def test_long_poll_returns_once_an_update_arrives(api: FakeBotAPI, bot: Bot) -> None:
    reader = threading.Timer(0.2, api.user_says, args=(READER, "/start"))
    reader.start()
    started = time.monotonic()
    updates = await bot.get_updates(timeout=5)
    reader.join()
    assert len(updates) == 1 and 0.15 < time.monotonic() - started < 2


async def test_long_poll_honours_its_timeout(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=dtm.timedelta(seconds=0.3)) == ()
    assert 0.25 < time.monotonic() - started < 1.5


async def test_stop_wakes_a_blocked_long_poll(api: FakeBotAPI, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.sleep(0.2)
    started = time.monotonic()
    await asyncio.to_thread(api.stop)
    assert await asyncio.wait_for(poll, 2) == ()
    assert time.monotonic() - started < 2


async def test_edit_message_text_edits_a_sent_message(api: FakeBotAPI, bot: Bot) -> None:
    message = await bot.send_message(CHANNEL, "<b>قديم</b>", parse_mode="HTML", reply_markup=keyboard("more"))
    edited = await bot.edit_message_text("<i>جديد</i>", CHANNEL, message.message_id, parse_mode="HTML")
    assert isinstance(edited, type(message)) and edited.text == "جديد" and edited.edit_date is not None
    [sent] = api.sent(CHANNEL)
    assert (sent.text, sent.plain, sent.edited) == ("<i>جديد</i>", "جديد", True)
    assert "reply_markup" not in sent.params  # an edit without a keyboard removes it, as in Telegram
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("<i>جديد</i>", CHANNEL, message.message_id, parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", CHANNEL, 999)


async def test_button_press_reaches_the_bot_and_is_answered(api: FakeBotAPI, bot: Bot) -> None:
    api.user_says(READER, "/topics")
    message = await bot.send_message(READER, "اختر", reply_markup=keyboard("sport", "economy"))
    with pytest.raises(ValueError, match=r"(?i)no button"):
        api.press_button(READER, message.message_id, "weather")
    api.press_button(READER, message.message_id, "economy")
    *_, update = await bot.get_updates()
    query = update.callback_query
    assert query is not None and query.data == "economy" and query.from_user.id == READER
    assert await bot.answer_callback_query(query.id, text="تم")
    with pytest.raises(BadRequest, match=r"(?i)query ID is invalid"):
        await bot.answer_callback_query(query.id)
    await bot.edit_message_reply_markup(READER, message.message_id, reply_markup=keyboard("sport"))
    assert api.sent(READER)[0].params["reply_markup"] == keyboard("sport").to_dict()


async def test_commands_are_stored_per_language(api: FakeBotAPI, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("subscribe", "اشترك")], language_code="ar")
    assert [c.command for c in await bot.get_my_commands(language_code="ar")] == ["subscribe"]
    assert await bot.get_my_commands() == ()
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])
    assert api.calls("setMyCommands")[0][1]["commands"] == [{"command": "subscribe", "description": "اشترك"}]


async def test_members_and_administrators(api: FakeBotAPI, bot: Bot) -> None:
    group = api.add_chat("@nashra_group", type="supergroup")
    api.add_admin(group, READER)
    assert (await bot.get_chat_member(CHANNEL, bot.id)).status == "administrator"
    assert (await bot.get_chat_member(group, READER)).status == "administrator"
    assert (await bot.get_chat_member(group, 777)).status == "member"
    admins = await bot.get_chat_administrators(group)
    assert [admin.user.id for admin in admins] == [bot.id, READER]
    chat = await bot.get_chat(CHANNEL)
    assert (chat.type, chat.title) == ("channel", "نشرة الرياضة")


async def test_wait_for_sent_explains_a_shortfall(api: FakeBotAPI, bot: Bot) -> None:
    await bot.send_message(CHANNEL, "وصل")
    with pytest.raises(BadRequest):
        await bot.send_message(CHANNEL, "<b>لم يصل", parse_mode="HTML")
    assert len(await api.wait_for_sent(1, chat_id=CHANNEL, timeout=1)) == 1
    with pytest.raises(AssertionError, match=r"(?s)expected 2 .*وصل.*can't parse entities"):
        await api.wait_for_sent(2, chat_id=CHANNEL, timeout=0.1)
