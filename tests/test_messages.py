"""Rendering: scraped text is escaped, and the message carries title, summary, source, time, tags, link."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.config import load_config
from bot.messages import CAPTION_LIMIT, RLM, TEXT_LIMIT, hashtags, render, utf16_len
from bot.standins.telegram_api import html_to_plain
from jobs.records import NewsItem

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
