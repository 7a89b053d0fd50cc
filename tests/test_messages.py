"""Rendering: scraped text is escaped, and the message carries title, summary, source, time, tags, link."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from telegram import Bot
from telegram.constants import ParseMode

from benchmarks.corpus import summary_docs
from bot.config import load_config
from bot.messages import CAPTION_LIMIT, LRM, RLM, TEXT_LIMIT, hashtags, render, utf16_len, visible_length
from bot.standins.telegram_api import FakeBotAPI, html_to_plain
from jobs.records import NewsItem
from jobs.summarise import CAPTION_BUDGET, TEXT_BUDGET, TEXT_SENTENCES, rank, split_sentences, summarise

CONFIG = load_config(Path(__file__).resolve().parents[1] / "config.example.toml")


def item(**overrides: object) -> NewsItem:
    fields: dict[str, object] = {
        "key": "url:https://a.example/x",
        "source": "غلوبال نيوز",
        "title": "أسعار الذهب < 100 دولار & الفضة ترتفع",
        "url": 'https://a.example/x?a=1&b="2"',
        "summary": "ارتفعت <الأسعار> اليوم & أمس.",
        "categories": ("economy", "culture"),
        "breaking": False,
        "published": datetime(2026, 11, 29, 7, 30, tzinfo=UTC),
    }
    return NewsItem(**(fields | overrides))  # type: ignore[arg-type]


def test_scraped_title_summary_and_url_are_escaped() -> None:
    html = render(item(), language="ar", config=CONFIG)
    assert "<b>أسعار الذهب &lt; 100 دولار &amp; الفضة ترتفع</b>" in html
    assert "ارتفعت &lt;الأسعار&gt; اليوم &amp; أمس." in html
    assert '<a href="https://a.example/x?a=1&amp;b=&quot;2&quot;">اقرأ المزيد</a>' in html


def test_byline_uses_the_configured_time_zone_and_tags_use_names() -> None:
    html = render(item(), language="ar", config=CONFIG)
    assert "غلوبال نيوز · 2026-11-29 10:30" in html  # Asia/Damascus is UTC+3
    assert "#اقتصاد #ثقافة_وفنون" in html


def test_english_reader_gets_english_labels() -> None:
    html = render(item(breaking=True), language="en", config=CONFIG)
    assert html.startswith("<b>🔴 Breaking</b>")
    assert "Read more</a>" in html and "#Economy #Arts_Culture" in html


def test_arabic_breaking_alert_is_marked() -> None:
    assert render(item(breaking=True), language="ar", config=CONFIG).startswith("<b>🔴 عاجل</b>")


def test_hashtags_skip_repeats() -> None:
    assert hashtags(("sport", "sport"), language="ar", config=CONFIG) == "#رياضة"


def test_arabic_message_starting_with_a_latin_word_or_number_gets_a_right_to_left_mark() -> None:
    html = render(
        item(title="iPhone 17 يصل إلى دمشق", summary="2026 عام الانتعاش."), language="ar", config=CONFIG
    )
    assert f"<b>{RLM}iPhone 17 يصل إلى دمشق</b>" in html
    assert f"\n{RLM}2026 عام الانتعاش." in html
    assert RLM not in render(item(), language="ar", config=CONFIG).split("\n")[0]  # Arabic first: no mark


def test_long_arabic_summary_is_cut_on_a_sentence_within_the_caption_limit() -> None:
    sentence = "قالت وزارة الاقتصاد إن أسعار الخبز & الوقود ستبقى ثابتة حتى نهاية العام. "
    long = item(summary=sentence * 60, image="https://a.example/x.jpg")
    caption = render(long, language="ar", config=CONFIG, limit=CAPTION_LIMIT)
    plain = html_to_plain(caption)  # the stand-in's parser: the same length Telegram counts
    assert utf16_len(plain.strip()) <= CAPTION_LIMIT
    summary = plain.split("\n\n")[1]
    assert summary.endswith("العام.") and "&amp;" in caption
    text = render(long, language="ar", config=CONFIG)
    assert CAPTION_LIMIT < utf16_len(html_to_plain(text).strip()) <= TEXT_LIMIT


def test_a_summary_without_sentences_is_cut_between_words() -> None:
    words = " ".join(["كلمة"] * 2000)
    plain = html_to_plain(render(item(summary=words), language="ar", config=CONFIG))
    summary = plain.split("\n\n")[1]
    assert summary.endswith("كلمة…") and utf16_len(plain) <= TEXT_LIMIT


def test_a_title_or_summary_without_spaces_is_cut_not_dropped() -> None:
    address = "https://a.example/" + "x" * 5000  # a pasted link as the headline and as the whole text
    plain = html_to_plain(render(item(title=address, summary=address), language="ar", config=CONFIG))
    title, summary = (part.removeprefix(RLM) for part in plain.split("\n\n")[:2])
    assert title.startswith("https://a.example/xxx") and title.endswith("…")
    assert summary.startswith("https://a.example/xxx") and summary.endswith("…")
    assert utf16_len(plain) <= TEXT_LIMIT


def test_plain_rendering_has_no_markup_and_spells_out_the_link() -> None:
    plain = render(item(), language="ar", config=CONFIG, html=False)
    assert (
        "<b>" not in plain and "&amp;" not in plain and 'اقرأ المزيد: https://a.example/x?a=1&b="2"' in plain
    )


def test_a_photo_gets_the_caption_summary_and_a_text_message_the_longer_one() -> None:
    both = item(summary="الجملة الأولى. الجملة الثانية. الجملة الثالثة.", caption="الجملة الأولى.")
    caption = html_to_plain(render(both, language="ar", config=CONFIG, limit=CAPTION_LIMIT))
    message = html_to_plain(render(both, language="ar", config=CONFIG))
    assert "الجملة الأولى." in caption and "الثانية" not in caption
    assert "الجملة الأولى. الجملة الثانية. الجملة الثالثة." in message


def test_an_english_story_for_an_arabic_reader_keeps_its_lines_left_to_right() -> None:
    english = item(
        source="Reuters",
        title="2026: a year of recovery.",
        summary="Stocks rose 1.5% on Monday.",
    )
    plain = html_to_plain(render(english, language="ar", config=CONFIG))
    # A right-to-left mark would show ".Stocks rose 1.5% on Monday" and "a year of recovery. :2026".
    assert plain.startswith("2026: a year of recovery.\n\nStocks rose 1.5% on Monday.\n")
    assert RLM not in plain


def test_the_also_in_line_keeps_the_order_and_commas_of_its_label_direction() -> None:
    repeated = item(also=(("BBC", "https://bbc.example/1"), ("الجزيرة", None), ("Reuters", None)))
    english = html_to_plain(render(repeated, language="en", config=CONFIG))
    arabic = html_to_plain(render(repeated, language="ar", config=CONFIG))
    # Unmarked, "BBC، Reuters" runs left-to-right inside the Arabic line and reads "Reuters ،BBC" from the
    # right; the English line is not made right-to-left either, which would put its colon at the far end.
    assert f"\nAlso in: BBC{LRM}, الجزيرة{LRM}, Reuters{LRM}\n" in english
    assert f"\nوأيضاً في: BBC{RLM}، الجزيرة{RLM}، Reuters{RLM}\n" in arabic


def test_an_arabic_title_opening_with_a_flag_is_marked_right_to_left() -> None:
    # Flags are left-to-right characters: unmarked, the line would read "عائلة ... علم" from the left.
    html = render(item(title="🇸🇾 علم سوريا يرفع في عائلة الأمم"), language="ar", config=CONFIG)
    assert html.startswith(f"<b>{RLM}🇸🇾 علم سوريا")


BIDI_CONTROLS = ("\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069")


def test_scraped_bidi_controls_cannot_pick_a_line_direction() -> None:
    hostile = item(
        title="\u200eعنوان عربي \u2066Apple",  # a leading left-to-right mark, an unclosed isolate
        summary="\u202eملخص معكوس.\n\u200e\u200fسطر ثان.",
    )
    plain = html_to_plain(render(hostile, language="ar", config=CONFIG))
    assert not any(control in plain for control in BIDI_CONTROLS)
    title, summary = plain.split("\n\n")[:2]
    # Telegram turns our mark plus a scraped one into a joiner plus theirs, so theirs must go.
    assert title == "عنوان عربي Apple"
    assert summary == "ملخص معكوس.\nسطر ثان."


def test_a_summary_exactly_at_the_budget_is_not_cut() -> None:
    probe = item(summary="", caption="", image="https://a.example/p.jpg")
    fixed = utf16_len(html_to_plain(render(probe, language="ar", config=CONFIG, limit=CAPTION_LIMIT)))
    room = CAPTION_LIMIT - fixed - len("\n\n")
    exact = "قالت " + "و" * (room - len("قالت ") - 1) + "."
    caption = html_to_plain(
        render(replace(probe, caption=exact), language="ar", config=CONFIG, limit=CAPTION_LIMIT)
    )
    assert exact in caption and utf16_len(caption) == CAPTION_LIMIT


def test_a_cut_summary_ends_on_a_sentence_not_after_an_abbreviation() -> None:
    first = "أعلنت وزارة الاقتصاد اليوم خطة جديدة لدعم أسعار الخبز والوقود في كل المحافظات. " * 5
    second = "وقال " + "المسؤول " * 20 + "د. أحمد إن " + "الخطة " * 200 + "ستنجح."
    caption = render(
        item(summary=first + second, caption=""), language="ar", config=CONFIG, limit=CAPTION_LIMIT
    )
    summary = html_to_plain(caption).split("\n\n")[1]
    assert summary == first.strip()  # not "... وقال المسؤول ... د."


def test_a_cut_summary_keeps_a_short_first_sentence_rather_than_half_of_the_next() -> None:
    first = "ارتفعت أسعار الذهب اليوم."
    second = "وقال التجار إن " + "الطلب " * 300 + "كبير."
    caption = render(
        item(summary=f"{first} {second}", caption=""), language="ar", config=CONFIG, limit=CAPTION_LIMIT
    )
    assert html_to_plain(caption).split("\n\n")[1] == first


def test_a_cut_summary_never_ends_on_a_colon_or_semicolon() -> None:
    promise = "وفي ما يلي النتائج الكاملة للجولة الخامسة:\n" + "فاز الفريق الأول على الثاني بهدفين، " * 40
    clause = "كشف وزير الاتصالات؛ أن الوزارة ستطلق " + "برنامجا " * 200 + "جديدا."
    for summary in (promise, clause):
        caption = render(item(summary=summary, caption=""), language="ar", config=CONFIG, limit=CAPTION_LIMIT)
        shown = html_to_plain(caption).split("\n\n")[1]
        assert shown[-1] not in ":؛" and len(shown) > len(summary.split("\n")[0].split("؛")[0]) + 1


def test_lines_read_in_the_items_direction() -> None:
    """Telegram lays a line out from its first strong letter: Arabic items keep every line right-to-left."""
    arabic = item(
        source="BBC News Arabic",
        title="Apple iPhone 16 Pro Max يصل إلى السعودية",
        summary="أعلنت الشركة موعد الطرح.\n2 - 1\nDubai Mall يستقبل الزوار.",
    )
    lines = html_to_plain(render(arabic, language="ar", config=CONFIG)).split("\n")
    assert lines[0].startswith(RLM + "Apple")  # more Latin than Arabic letters, still an Arabic headline
    assert lines[3] == RLM + "2 - 1"  # a score has no letters: it takes the item's direction
    assert lines[4].startswith(RLM + "Dubai Mall")
    assert lines[6].startswith(RLM + "BBC News Arabic · ")  # the bot's own byline follows the item
    english = item(source="BBC News", title="Apple launches iPhone 17", summary="Final score:\n2 - 1")
    assert RLM not in html_to_plain(render(english, language="ar", config=CONFIG))


def test_a_summary_whose_first_sentence_is_too_long_is_cut_at_a_word_and_marked() -> None:
    long = "وقال التجار إن " + "الطلب " * 300 + "كبير."
    caption = render(item(summary=long, caption=""), language="ar", config=CONFIG, limit=CAPTION_LIMIT)
    summary = html_to_plain(caption).split("\n\n")[1]
    assert summary.endswith("الطلب…") and long.startswith(summary.removesuffix("…"))


async def test_telegram_accepts_a_hostile_caption_and_shows_it_whole(api: FakeBotAPI) -> None:
    hostile = item(
        title='🇵🇸 <b>عاجل</b> & "S&P 500" يرتفع 1.5% \u202eمعكوس',
        url="https://a.example/أخبار?q=سوريا&t=<1>",
        summary="عُقِدَتْ قِمَّةٌ في دمشق. " * 80,
        caption="",
        image="https://a.example/p.jpg",
        breaking=True,
    )
    caption = render(hostile, language="ar", config=CONFIG, limit=CAPTION_LIMIT)
    async with Bot(api.token, base_url=api.base_url) as bot:
        await bot.send_photo("@nashra_breaking", hostile.image, caption=caption, parse_mode=ParseMode.HTML)
    sent = api.sent()[-1]
    assert sent.plain.startswith(f'🔴 عاجل\n{RLM}🇵🇸 <b>عاجل</b> & "S&P 500" يرتفع 1.5% معكوس\n\n')
    assert sent.plain.split("\n\n")[1].endswith("في دمشق.") and utf16_len(sent.plain) <= CAPTION_LIMIT


def _reads_right_to_left(line: str) -> bool:
    """What a Telegram client decides from the line's first strong character (a mark counts)."""
    kinds = (unicodedata.bidirectional(char) for char in line)
    return next((kind for kind in kinds if kind in ("L", "R", "AL")), "R") != "L"


def test_real_articles_render_as_accepted_right_to_left_whole_sentences(shared_dir: Path) -> None:
    articles = [(doc.title, doc.text) for doc in summary_docs(shared_dir)[::20]]
    seed = (shared_dir / "seed").glob("*.txt")
    lines = next(iter(sorted(seed))).read_text(encoding="utf-8").splitlines()
    crumbs = next(index for index, line in enumerate(lines) if " | " in line)
    title_at = next(index for index in range(crumbs + 1, len(lines)) if lines[index].strip())
    articles.append((lines[title_at].strip(), "\n".join(lines[title_at + 1 :])))
    for title, body in articles:
        ranked = rank(body, title)
        news = item(
            title=title,
            summary=summarise(body, TEXT_BUDGET, title=title, max_sentences=TEXT_SENTENCES, ranked=ranked),
            caption=summarise(body, CAPTION_BUDGET, title=title, ranked=ranked),
            image="https://a.example/p.jpg",
        )
        for language in ("ar", "en"):
            for limit, wanted in ((CAPTION_LIMIT, news.caption), (TEXT_LIMIT, news.summary)):
                plain = html_to_plain(render(news, language=language, config=CONFIG, limit=limit))
                assert utf16_len(plain) <= limit, title
                shown_title, summary = plain.split("\n\n")[:2]
                assert _reads_right_to_left(shown_title) and _reads_right_to_left(summary), title
                summary = summary.removeprefix(RLM)  # the summariser's text, whole sentences of it:
                assert wanted.startswith(summary) and summary.endswith(tuple(split_sentences(wanted))), title


def test_visible_length_trims_only_what_telegram_trims() -> None:
    # Telegram keeps a no-break space at either end and counts it; Python's strip() would not.
    assert visible_length("<b>\u00a0خبر</b>\n\u00a0") == 6
    assert visible_length("\t<b>خبر</b> \n") == 3
