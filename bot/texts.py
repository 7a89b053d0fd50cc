"""Every text the bot says, in Arabic (the default) and English, kept out of the code that sends it."""

from __future__ import annotations

DEFAULT_LANGUAGE = "ar"

CATALOGUE: dict[str, dict[str, str]] = {
    "ar": {
        "welcome": (
            "أهلاً بك في <b>نشرة</b> 📰\n"
            "أرسل لك ملخّصات الأخبار الجديدة في الأقسام التي تختارها.\n\n"
            "مثال: /subscribe رياضة\n\n"
            "{categories}\n\n"
            "/help لكل الأوامر."
        ),
        "help": (
            "<b>الأوامر</b>\n"
            "/subscribe <i>قسم…</i> — اشترك في قسم أو أكثر\n"
            "/unsubscribe <i>قسم…</i> — ألغِ الاشتراك\n"
            "/subscriptions — اشتراكاتك\n"
            "/categories — الأقسام المتاحة\n"
            "/help — هذه الرسالة"
        ),
        "categories": "<b>الأقسام المتاحة</b>\n{lines}",
        "need_category": "اكتب اسم القسم بعد الأمر، مثل: <code>/{command} رياضة</code>\n\n{categories}",
        "unknown_category": "لا أعرف القسم: {names}\n\n{categories}",
        "subscribed": "✅ اشتركت في: {names}",
        "unsubscribed": "تم إلغاء اشتراكك في: {names}",
        "not_subscribed": "لم تكن مشتركاً في: {names}",
        "subscriptions": "<b>اشتراكاتك</b>: {names}",
        "no_subscriptions": "لست مشتركاً في أي قسم بعد. مثال: <code>/subscribe رياضة</code>",
        "unknown_command": "لا أعرف هذا الأمر. أرسل /help لقائمة الأوامر.",
        "list_separator": "، ",
        "breaking": "🔴 عاجل",
        "read_more": "اقرأ المزيد",
        "also_in": "وأيضاً في",
        "breaking_usage": (
            "اكتب <code>/breaking on</code> لتصلك الأخبار العاجلة أو <code>/breaking off</code> لإيقافها."
        ),
        "breaking_on": "🔴 ستصلك الأخبار العاجلة.",
        "breaking_off": "لن تصلك الأخبار العاجلة إلا من الأقسام التي اشتركت فيها.",
    },
    "en": {
        "welcome": (
            "Welcome to <b>Nashra</b> 📰\n"
            "I send you summaries of new stories in the sections you choose.\n\n"
            "Example: /subscribe sport\n\n"
            "{categories}\n\n"
            "/help for every command."
        ),
        "help": (
            "<b>Commands</b>\n"
            "/subscribe <i>section…</i> — subscribe to one or more sections\n"
            "/unsubscribe <i>section…</i> — unsubscribe\n"
            "/subscriptions — your subscriptions\n"
            "/categories — available sections\n"
            "/help — this message"
        ),
        "categories": "<b>Available sections</b>\n{lines}",
        "need_category": (
            "Name a section after the command, e.g. <code>/{command} sport</code>\n\n{categories}"
        ),
        "unknown_category": "I don't know the section: {names}\n\n{categories}",
        "subscribed": "✅ Subscribed to: {names}",
        "unsubscribed": "Unsubscribed from: {names}",
        "not_subscribed": "You were not subscribed to: {names}",
        "subscriptions": "<b>Your subscriptions</b>: {names}",
        "no_subscriptions": "You have no subscriptions yet. Example: <code>/subscribe sport</code>",
        "unknown_command": "I don't know that command. Send /help for the list.",
        "list_separator": ", ",
        "breaking": "🔴 Breaking",
        "read_more": "Read more",
        "also_in": "Also in",
        "breaking_usage": (
            "Send <code>/breaking on</code> for breaking alerts, <code>/breaking off</code> to stop them."
        ),
        "breaking_on": "🔴 You will get breaking alerts.",
        "breaking_off": "Breaking alerts are off, except in sections you subscribed to.",
    },
}


def language_of(code: str | None) -> str:
    """Arabic unless the user's Telegram client is set to English."""
    return "en" if code and code.lower().startswith("en") else DEFAULT_LANGUAGE


def text(language: str, key: str, **values: str) -> str:
    """A catalogue text with its placeholders filled (values must already be HTML-escaped)."""
    template = CATALOGUE.get(language, CATALOGUE[DEFAULT_LANGUAGE])[key]
    return template.format(**values) if values else template
