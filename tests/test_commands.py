"""Reader commands through the Telegram stand-in: names in either language, odd input, helpful replies."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot
from telegram.ext import Application

from bot.cli import main
from bot.commands import MAX_TITLE_CHARS, MENU_COMMANDS, fit_title, resolve
from bot.config import Config, load_config
from bot.demo import demo_config, sources_seeded, start_bot, stop_bot, wait_until
from bot.reload import apply_config
from bot.standins.news_site import SampleNewsSite
from bot.standins.telegram_api import FakeBotAPI, SentMessage
from bot.store import Store
from jobs.categorise import Categoriser
from jobs.records import NewsItem

EXAMPLE = Path(__file__).resolve().parents[1] / "config.example.toml"
READER = 7007
ADMIN, OWNER, MEMBER = 9001, 9002, 9003
ADMINS_ONLY = "المشرفون وحدهم"
STALE = "هذا الزر لم يعد يعمل. أرسل /help."


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
async def running(tmp_path: Path) -> AsyncIterator[tuple[FakeBotAPI, Application]]:
    """The bot with the example's categories, against the stand-in, and its application."""
    with FakeBotAPI() as api:
        app = await start_bot(example_config(tmp_path, api), api.token)
        try:
            yield api, app
        finally:
            await stop_bot(app)


@pytest.fixture
def bot_api(running: tuple[FakeBotAPI, Application]) -> FakeBotAPI:
    return running[0]


async def say(
    api: FakeBotAPI,
    text: str,
    *,
    language: str = "ar",
    chat: int = READER,
    user: int = READER,
    anonymous: bool = False,
) -> SentMessage:
    """Send a command as a person (in a group when chat is not theirs) and return the bot's reply."""
    count = len(api.sent(chat))
    if chat == user:
        api.user_says(user, text, language_code=language)
    else:
        api.user_says(
            user, text, language_code=language, chat_id=chat, chat_type="group", anonymous=anonymous
        )
    return (await api.wait_for_sent(count + 1, chat_id=chat))[-1]


async def press(
    api: FakeBotAPI, message: SentMessage, data: str, *, user: int = READER, forged: bool = False
) -> dict[str, Any]:
    """Press a button on a message the bot sent; returns how the bot answered the callback query."""
    before = len(api.calls("answerCallbackQuery"))
    api.press_button(user, message.message_id, data, chat_id=message.chat_id, forged=forged)
    await wait_until(lambda: len(api.calls("answerCallbackQuery")) > before, "the press to be answered")
    return api.calls("answerCallbackQuery")[before][1]


def buttons(message: SentMessage) -> dict[str, str]:
    """callback_data → label of the message's inline keyboard, as it is now."""
    keyboard = message.params.get("reply_markup", {}).get("inline_keyboard", [])
    return {button["callback_data"]: button["text"] for row in keyboard for button in row}


def now_shown(api: FakeBotAPI, message: SentMessage) -> SentMessage:
    """The message as last edited."""
    return next(m for m in api.sent(message.chat_id) if m.message_id == message.message_id)


def store_of(app: Application) -> Store:
    return app.bot_data["store"]


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
    empty = await say(bot_api, "/unsubscribe")
    assert "/unsubscribe رياضة" in empty.plain and "sport" in empty.plain and "رياضة" in empty.plain
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
    bot_api.add_admin(group, READER)
    reply = await say(bot_api, "/subscribe@nashra_test_bot رياضة", chat=group)
    assert "اشتركت في: رياضة" in reply.plain


async def test_breaking_on_and_off_is_remembered(bot_api: FakeBotAPI, tmp_path: Path) -> None:
    assert "/breaking on" in (await say(bot_api, "/breaking maybe")).plain
    assert "ستصلك الأخبار العاجلة" in (await say(bot_api, "/breaking on")).plain
    assert Store(tmp_path / "nashra.json").subscriber(READER)["breaking"] is True  # type: ignore[index]
    assert "alerts are off" in (await say(bot_api, "/breaking off", language="en")).plain
    assert Store(tmp_path / "nashra.json").subscriber(READER)["breaking"] is False  # type: ignore[index]


async def test_every_command_in_the_menu_is_registered_in_both_languages_and_answered(
    bot_api: FakeBotAPI,
) -> None:
    async with Bot(bot_api.token, base_url=bot_api.base_url) as bot:
        arabic = {c.command: c.description for c in await bot.get_my_commands()}
        english = {c.command: c.description for c in await bot.get_my_commands(language_code="en")}
    assert list(arabic) == list(english) == list(MENU_COMMANDS)
    assert arabic["filter"] == "مرشّح كلمات: +كلمة -كلمة" and english["stop"] == "Stop all subscriptions"
    for command in MENU_COMMANDS:
        assert "لا أعرف هذا الأمر" not in (await say(bot_api, f"/{command}")).plain, command


async def test_lang_beats_the_client_language_and_survives_a_restart(tmp_path: Path) -> None:
    with FakeBotAPI() as api:
        config = example_config(tmp_path, api)
        app = await start_bot(config, api.token)
        try:
            assert "/lang en" in (await say(api, "/lang klingon")).plain
            assert (await say(api, "/lang en")).plain == "I will write to you in English from now on."
            assert "Commands" in (await say(api, "/help")).plain  # the client still says Arabic
        finally:
            await stop_bot(app)
        reader = Store(tmp_path / "nashra.json").subscriber(READER)
        assert reader is not None and reader["language"] == "en"  # news to this chat comes in English too

        app = await start_bot(config, api.token)
        try:
            assert (await say(api, "/subscribe رياضة")).plain == "✅ Subscribed to: Sport"
            assert (await say(api, "/lang ar", language="en")).plain == "سأكتب لك بالعربية من الآن."
            assert "اشتراكاتك" in (await say(api, "/subscriptions", language="en")).plain
        finally:
            await stop_bot(app)


async def test_subscription_menu_toggles_in_place(running: tuple[FakeBotAPI, Application]) -> None:
    api, app = running
    await say(api, "/subscribe sport")
    menu = await say(api, "/subscribe")
    assert buttons(menu)["sub:sport"] == "✅ رياضة" and buttons(menu)["sub:politics"] == "سياسة"
    sent = len(api.sent(READER))

    assert (await press(api, menu, "sub:politics"))["text"] == "✅ اشتركت في سياسة"
    assert store_of(app).subscriber(READER)["categories"] == ["politics", "sport"]  # type: ignore[index]
    shown = now_shown(api, menu)
    assert shown.edited and buttons(shown)["sub:politics"] == "✅ سياسة"

    assert (await press(api, menu, "sub:sport"))["text"] == "ألغيت الاشتراك في رياضة"
    assert store_of(app).subscriber(READER)["categories"] == ["politics"]  # type: ignore[index]
    assert buttons(now_shown(api, menu))["sub:sport"] == "رياضة"

    assert "text" not in await press(api, menu, "sub:.")  # nothing to say: the message says it
    closed = now_shown(api, menu)
    assert closed.plain == "اشتراكاتك: سياسة" and not buttons(closed)
    assert len(api.sent(READER)) == sent  # every change was an edit, never a new message
    assert len(api.calls("answerCallbackQuery")) == 3


async def test_menu_in_english(bot_api: FakeBotAPI) -> None:
    menu = await say(bot_api, "/subscribe", language="en")
    assert "Tap a section" in menu.plain and buttons(menu)["sub:culture"] == "Arts & Culture"
    assert (await press(bot_api, menu, "sub:culture"))["text"] == "✅ Subscribed to Arts & Culture"


async def test_stale_or_forged_buttons_get_a_polite_answer(
    running: tuple[FakeBotAPI, Application], caplog: pytest.LogCaptureFixture
) -> None:
    api, app = running
    menu = await say(api, "/subscribe")
    for data in ("sub:cricket", "sub:", "nonsense", "stop:maybe", "x" * 64):
        assert (await press(api, menu, data, forged=True))["text"] == STALE
    config: Config = app.bot_data["config"]
    apply_config(  # a reload drops a section while this menu still offers it
        app, config.model_copy(update={"categories": tuple(c for c in config.categories if c.slug != "tech")})
    )
    assert (await press(api, menu, "sub:tech"))["text"] == STALE
    assert store_of(app).subscriber(READER) is None
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_stop_asks_first_and_cancel_changes_nothing(running: tuple[FakeBotAPI, Application]) -> None:
    api, app = running
    assert "لست مشتركاً في شيء" in (await say(api, "/stop")).plain
    await say(api, "/subscribe رياضة سياسة")
    await say(api, "/breaking on")
    ask = await say(api, "/stop")
    assert "سياسة، رياضة" in ask.plain and set(buttons(ask)) == {"stop:yes", "stop:no"}
    await press(api, ask, "stop:no")
    assert now_shown(api, ask).plain == "لم يتغيّر شيء." and not buttons(now_shown(api, ask))
    assert store_of(app).subscriber(READER)["categories"] == ["politics", "sport"]  # type: ignore[index]

    ask = await say(api, "/stop")
    await press(api, ask, "stop:yes")
    assert now_shown(api, ask).plain.startswith("أوقفت كل اشتراكاتك")
    reader = Store(store_of(app).path).subscriber(READER)  # durable, not just in memory
    assert reader is not None and reader["categories"] == [] and reader["breaking"] is False
    assert "لست مشتركاً في شيء" in (await say(api, "/stop")).plain


async def test_filters_are_plain_words_listed_capped_and_cleared(
    running: tuple[FakeBotAPI, Application],
) -> None:
    api, app = running

    def stored() -> dict[str, Any]:
        return store_of(app).reader_filters(READER)

    assert "/filter +دمشق" in (await say(api, "/filter")).plain
    listed = await say(api, "/filter +دمشق -كرة")
    assert listed.plain == "مرشّحاتك\nفقط ما فيه: دمشق\nبدون: كرة"
    assert (stored()["include"], stored()["exclude"]) == (["دمشق"], ["كره"])  # normalised, as routing matches
    assert (await say(api, "/filters")).plain == listed.plain

    for bad, why in (
        ("+.*", "لا تعابير نمطية"),
        ("+(دمشق|حلب)", "لا تعابير نمطية"),
        ("-" + "ك" * 5000, "أطول من 32 حرفاً"),
        ("-⚽", "لا حروف ولا أرقام"),
        (" ".join(f"+كلمة{n}" for n in range(19)), "يكفي 20 كلمة"),
    ):
        refused = await say(api, f"/filter {bad}")
        assert why in refused.plain and len(refused.plain) < 300, bad
    assert (stored()["include"], stored()["exclude"]) == (["دمشق"], ["كره"])  # refusals change nothing

    moved = await say(api, "/filter +كُرة")  # diacritics do not make a new word: it changes sides
    assert moved.plain == "مرشّحاتك\nفقط ما فيه: دمشق، كُرة"
    english = await say(api, "/filter Damascus", language="en")  # a bare word includes
    assert english.plain == "Your filters\nOnly with: دمشق, كُرة, Damascus"
    assert "مسحت مرشّحاتك" in (await say(api, "/filter clear")).plain
    assert store_of(app).subscriber(READER)["filters"] is None  # type: ignore[index]
    assert "لا مرشّحات" in (await say(api, "/filters")).plain


async def test_a_reader_excluding_a_word_does_not_get_news_with_it(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path
) -> None:
    picky, everything = 8001, 8002
    app = await start_bot(demo_config(site, api, tmp_path / "nashra.json"), api.token)
    try:
        for reader in (picky, everything):
            await say(api, "/breaking on", chat=reader, user=reader)
        await say(api, "/filter -كرة", chat=picky, user=picky)
        await wait_until(lambda: sources_seeded(app), "first polls")
        football = site.add_headline("تأجيل مباريات الدوري لكُرة القدم بسبب الأمطار")
        (*_, alert) = await api.wait_for_sent(2, chat_id=everything)
        assert football in alert.plain
        power = site.add_headline("انقطاع مؤقت للكهرباء في ثلاث محافظات بسبب عطل فني")
        await api.wait_for_sent(3, chat_id=picky)
    finally:
        await stop_bot(app)
    to_picky = [m.plain for m in api.sent(picky)]
    assert any(power in plain for plain in to_picky)
    assert not any(football in plain for plain in to_picky)


async def test_latest_lists_the_five_newest_escaped_and_linked(
    running: tuple[FakeBotAPI, Application],
) -> None:
    api, app = running
    assert "لا أخبار محفوظة" in (await say(api, "/latest")).plain
    store = store_of(app)
    for n in range(6):
        category = "sport" if n % 2 else "politics"
        url = f"https://example.com/{n}?a=1&b=2"
        store.put_item(f"k{n}", NewsItem(f"k{n}", "src", f"خبر {n}", url, "", (category,), False).to_json())
    ticker = NewsItem("t1", "src", "<b>عاجل & هام", None, "", ("breaking",), True)
    store.put_item("t1", ticker.to_json())
    fixed = NewsItem("t2", "src", "<b>عاجل & هام جداً", None, "", ("breaking",), True, revises="t1")
    store.put_item("t2", fixed.to_json())

    latest = await say(api, "/latest")
    assert latest.plain.splitlines() == [
        "آخر الأخبار",
        "\u200f• <b>عاجل & هام جداً",  # the revised headline, once; its literal "<b>" would turn it LTR
        "• خبر 5",
        "• خبر 4",
        "• خبر 3",
        "• خبر 2",
    ]
    assert '<a href="https://example.com/5?a=1&amp;b=2">خبر 5</a>' in latest.text
    assert latest.params["link_preview_options"] == {"is_disabled": True}
    sport = await say(api, "/latest رياضة")
    assert sport.plain.splitlines() == ["آخر أخبار رياضة", "• خبر 5", "• خبر 3", "• خبر 1"]
    unknown = await say(api, "/latest كريكيت")
    assert "لا أعرف القسم: كريكيت" in unknown.plain and "sport" in unknown.plain


async def test_latest_cuts_long_titles_between_words_then_escapes(
    running: tuple[FakeBotAPI, Application],
) -> None:
    api, app = running
    arabic = "مجلس النواب يناقش " + "الموازنة العامة للدولة وتعديلات قانون الاستثمار " * 6
    english = "Parliament & <Senate> debate " + "the budget, tax reform and investment law " * 6
    store = store_of(app)
    for key, title in (("ar", arabic), ("en", english)):
        store.put_item(
            key, NewsItem(key, "src", title, f"https://example.com/{key}", "", ("politics",), False).to_json()
        )

    lines = (await say(api, "/latest")).plain.splitlines()[1:]
    assert len(lines) == 2
    for line, title in zip(lines, (english, arabic), strict=True):
        shown = line.removeprefix("• ")
        assert shown.endswith("…") and len(shown) <= MAX_TITLE_CHARS
        words = shown.removesuffix("…").split()
        assert words == title.split()[: len(words)]  # whole words only, the last one too
        assert len(words) > len(title.split()) / 2
    sent = api.sent(READER)[-1].text
    assert "Parliament &amp; &lt;Senate&gt; debate" in sent


async def test_latest_lines_read_right_to_left_when_an_arabic_title_opens_with_latin(
    running: tuple[FakeBotAPI, Application],
) -> None:
    api, app = running
    titles = {
        "latin": "iPhone 17 يصل إلى الأسواق العربية الأسبوع المقبل",
        "english": "Apple launches iPhone 17 in Dubai",
        "override": "\u202eخبر مقلوب الاتجاه",
    }
    store = store_of(app)
    for key, title in titles.items():
        store.put_item(key, NewsItem(key, "src", title, None, "", ("tech",), False).to_json())

    lines = (await say(api, "/latest")).plain.splitlines()[1:]
    # Telegram lays a line out from its first strong letter; the bullet has none.
    assert lines == [
        "• خبر مقلوب الاتجاه",  # a scraped override cannot reorder the line
        "• Apple launches iPhone 17 in Dubai",  # English keeps its own direction
        "\u200f• iPhone 17 يصل إلى الأسواق العربية الأسبوع المقبل",
    ]


def test_a_title_without_spaces_is_cut_between_whole_characters() -> None:
    family, marked = "👨\u200d👩\u200d👧", "بَّ"  # a letter with a vowel and a shadda
    for whole in (family, marked):
        title = "x" * (MAX_TITLE_CHARS - 3) + whole + "y" * 50
        cut = fit_title(title)
        assert cut == "x" * (MAX_TITLE_CHARS - 3) + "…", whole
        assert fit_title("x" * (MAX_TITLE_CHARS - 10) + whole + "y" * 50).startswith("x" * 190 + whole)
    assert fit_title("قصير جداً") == "قصير جداً"
    # Titles are plain text (the extractor already decoded entities, twice-escaped ones too): one that
    # really says "&amp;" is cut like any other text, and escaped after the cut.
    assert fit_title("x" * (MAX_TITLE_CHARS - 3) + "&amp;") == "x" * (MAX_TITLE_CHARS - 3) + "&a…"


def test_a_short_first_word_does_not_swallow_the_title() -> None:
    for first in ("A", "-", "في"):
        title = first + " " + "x" * 300
        assert fit_title(title) == title[: MAX_TITLE_CHARS - 1] + "…", first


async def test_only_group_admins_change_a_groups_settings(running: tuple[FakeBotAPI, Application]) -> None:
    api, app = running
    group = api.add_chat(-100777, type="group", title="قرّاء")
    api.add_admin(group, ADMIN)
    api.add_admin(group, OWNER, owner=True)
    for command in (
        "/subscribe@nashra_test_bot رياضة",
        "/subscribe",
        "/unsubscribe رياضة",
        "/filter -كرة",
        "/filter clear",
        "/lang en",
        "/breaking on",
        "/stop",
    ):
        assert ADMINS_ONLY in (await say(api, command, chat=group, user=MEMBER)).plain, command
    assert store_of(app).subscriber(group) is None

    assert (
        "اشتركت في: رياضة"
        in (await say(api, "/subscribe@nashra_test_bot رياضة", chat=group, user=ADMIN)).plain
    )
    assert "اشتركت في: سياسة" in (await say(api, "/subscribe سياسة", chat=group, user=OWNER)).plain
    posted_as_group = await say(api, "/subscribe صحة", chat=group, user=MEMBER, anonymous=True)
    assert "اشتركت في: صحة" in posted_as_group.plain
    assert store_of(app).subscriber(group)["categories"] == ["health", "politics", "sport"]  # type: ignore[index]
    assert "رياضة" in (await say(api, "/subscriptions", chat=group, user=MEMBER)).plain  # reading is open

    menu = await say(api, "/subscribe", chat=group, user=ADMIN)
    assert ADMINS_ONLY in (await press(api, menu, "sub:tech", user=MEMBER))["text"]
    assert "tech" not in store_of(app).subscriber(group)["categories"]  # type: ignore[index]
    assert (await press(api, menu, "sub:tech", user=ADMIN))["text"] == "✅ اشتركت في تكنولوجيا"


async def test_in_groups_only_commands_for_this_bot_are_answered(bot_api: FakeBotAPI) -> None:
    group = bot_api.add_chat(-100778, type="group", title="قرّاء")
    before = len(bot_api.sent(group))
    bot_api.user_says(MEMBER, "/weather@other_bot", chat_id=group, chat_type="group")
    bot_api.user_says(MEMBER, "/weather", chat_id=group, chat_type="group")  # may be another bot's
    assert (
        "لا أعرف هذا الأمر" in (await say(bot_api, "/weather@nashra_test_bot", chat=group, user=MEMBER)).plain
    )
    assert "/subscribe" in (await say(bot_api, "/help@nashra_test_bot", chat=group, user=MEMBER)).plain
    assert len(bot_api.sent(group)) == before + 2


async def test_odd_arguments_get_short_replies_and_never_an_error(
    running: tuple[FakeBotAPI, Application], caplog: pytest.LogCaptureFixture
) -> None:
    api, app = running
    huge = "ب" * 5000
    for command in (*MENU_COMMANDS, "start"):
        reply = await say(api, f"/{command} {huge}")
        assert len(reply.plain) < 1500 and huge not in reply.plain, command
    assert "كثير" in (await say(api, "/subscribe " + " ".join(["رياضة"] * 100))).plain
    assert "اشتركت في: رياضة" in (await say(api, "/subscribe \u202eرياضة\u202c")).plain
    assert "ستصلك الأخبار العاجلة" in (await say(api, "/breaking \u2067on\u2069")).plain
    echoed = await say(api, "/subscribe \u202eكريكيت ⚽🔥")
    assert "لا أعرف القسم: كريكيت ⚽🔥" in echoed.plain and "\u202e" not in echoed.text
    assert "لا حروف" in (await say(api, "/filter 🔥")).plain
    assert store_of(app).subscriber(READER)["categories"] == ["sport"]  # type: ignore[index]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_language_and_filters_travel_with_export_and_import(tmp_path: Path) -> None:
    configs = {}
    for name in ("old", "new"):
        configs[name] = tmp_path / f"{name}.toml"
        configs[name].write_text(
            f'[storage]\npath = "{tmp_path / name / "nashra.json"}"\n'
            '[[categories]]\nslug = "sport"\nar = "رياضة"\nen = "Sport"\n',
            encoding="utf-8",
        )
    store = Store(tmp_path / "old" / "nashra.json")
    store.save_subscriber(READER, categories=["sport"], language="ar")
    store.set_language(READER, "en")
    store.set_filters(READER, ["دمشق"], ["كره"], {"كره": "كرة"})
    store.commit_now()
    dump = tmp_path / "readers.json"
    assert main(["export", "-c", str(configs["old"]), "-o", str(dump)]) == 0
    assert main(["import", "-c", str(configs["new"]), str(dump)]) == 0
    moved = Store(tmp_path / "new" / "nashra.json")
    assert moved.chosen_language(READER) == "en"
    assert moved.reader_filters(READER) == {
        "include": ["دمشق"],
        "exclude": ["كره"],
        "labels": {"دمشق": "دمشق", "كره": "كرة"},
    }
