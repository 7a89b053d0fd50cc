"""Rendering: scraped text is escaped, and the message carries title, summary, source, time, tags, link."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.config import load_config
from bot.messages import hashtags, render
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
