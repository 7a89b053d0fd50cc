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
        "breaking_usage": (
            "اكتب <code>/breaking on</code> لتصلك الأخبار العاجلة أو <code>/breaking off</code> لإيقافها."
        ),
        "breaking_on": "🔴 ستصلك الأخبار العاجلة.",
        "breaking_off": "لن تصلك الأخبار العاجلة إلا من الأقسام التي اشتركت فيها.",
        # --- flood limit and admin commands (bot/flood.py, bot/admin.py) ---
        "slow_down": "⏳ أوامر كثيرة في وقت قصير. انتظر {seconds} ثانية ثم أعد المحاولة.",
        "stats": (
            "<b>إحصاءات نشرة</b>\n"
            "القرّاء النشطون: {readers} (العاجل: {breaking})\n"
            "{categories}\n"
            "أخبار اليوم ({day}): {items}\n"
            "في الطابور: {outbox} (عاجل: {outbox_breaking})\n"
            "التسليم: {last_minute} في الدقيقة الأخيرة، {last_hour} في الساعة الأخيرة\n"
            "منذ التشغيل: أُرسلت {sent}، أُسقطت {dropped}، أُعيدت {retried}"
        ),
        "stats_category": "• {name}: {count}",
        "sources_title": "<b>المصادر</b> ({count}) — الأوقات بتوقيت {zone}",
        "source_entry": (
            "<b>{name}</b> — {state}\nآخر نجاح: {success}\nآخر خطأ: {error}\nالاستطلاع التالي: {next}"
        ),
        "source_ok": "✅ يعمل",
        "source_failing": "⚠️ يفشل ({failures} مرة متتالية)",
        "source_auto_paused": "⏸ موقوف تلقائياً لكثرة الأخطاء",
        "source_held": "⏸ أوقفه مشرف",
        "source_new": "… لم يُستطلع بعد",
        "never": "—",
        "next_when_resumed": "عند الاستئناف",
        "source_usage": (
            "اكتب اسم المصدر بعد الأمر: <code>/{command} اسم المصدر</code>\n\nالمصادر:\n{sources}"
        ),
        "unknown_source": "لا يوجد مصدر بهذا الاسم: {name}\n\nالمصادر:\n{sources}",
        "paused": "⏸ أوقفت استطلاع «{name}». أرسل /resume لاستئنافه.",
        "already_paused": "«{name}» موقوف أصلاً.",
        "resumed": "▶️ سيُستطلع «{name}» من جديد: {next}.",
        "not_paused": "«{name}» ليس موقوفاً.",
        "channel_usage": "اكتب القناة بعد الأمر: <code>/test @channel</code>\n\nالقنوات: {channels}",
        "unknown_channel": "هذه القناة ليست في الإعدادات: {name}\n\nالقنوات: {channels}",
        "channel_test": "🧪 رسالة تجريبية من نشرة: يستطيع البوت النشر هنا.",
        "test_ok": "✅ نُشرت رسالة تجريبية في {channel} (الرسالة {message_id}).",
        "test_failed": "❌ رفض تيليغرام النشر في {channel}: {error}",
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
        "breaking_usage": (
            "Send <code>/breaking on</code> for breaking alerts, <code>/breaking off</code> to stop them."
        ),
        "breaking_on": "🔴 You will get breaking alerts.",
        "breaking_off": "Breaking alerts are off, except in sections you subscribed to.",
        # --- flood limit and admin commands (bot/flood.py, bot/admin.py) ---
        "slow_down": "⏳ Too many commands at once. Wait {seconds} seconds and try again.",
        "stats": (
            "<b>Nashra statistics</b>\n"
            "Active readers: {readers} (breaking alerts: {breaking})\n"
            "{categories}\n"
            "Items today ({day}): {items}\n"
            "Outbox: {outbox} (breaking: {outbox_breaking})\n"
            "Delivery: {last_minute} in the last minute, {last_hour} in the last hour\n"
            "Since start: {sent} sent, {dropped} dropped, {retried} retried"
        ),
        "stats_category": "• {name}: {count}",
        "sources_title": "<b>Sources</b> ({count}) — times in {zone}",
        "source_entry": (
            "<b>{name}</b> — {state}\nLast success: {success}\nLast error: {error}\nNext poll: {next}"
        ),
        "source_ok": "✅ ok",
        "source_failing": "⚠️ failing ({failures} in a row)",
        "source_auto_paused": "⏸ paused after failing too long",
        "source_held": "⏸ paused by an admin",
        "source_new": "… not polled yet",
        "never": "—",
        "next_when_resumed": "when resumed",
        "source_usage": (
            "Name the source after the command: <code>/{command} source name</code>\n\nSources:\n{sources}"
        ),
        "unknown_source": "No source by that name: {name}\n\nSources:\n{sources}",
        "paused": "⏸ Stopped polling “{name}”. Send /resume to start it again.",
        "already_paused": "“{name}” is already paused.",
        "resumed": "▶️ “{name}” will be polled again: {next}.",
        "not_paused": "“{name}” is not paused.",
        "channel_usage": (
            "Name the channel after the command: <code>/test @channel</code>\n\nChannels: {channels}"
        ),
        "unknown_channel": "That channel is not in the config: {name}\n\nChannels: {channels}",
        "channel_test": "🧪 Test message from Nashra: the bot can post here.",
        "test_ok": "✅ Posted a test message to {channel} (message {message_id}).",
        "test_failed": "❌ Telegram refused the post to {channel}: {error}",
    },
}


def language_of(code: str | None) -> str:
    """Arabic unless the user's Telegram client is set to English."""
    return "en" if code and code.lower().startswith("en") else DEFAULT_LANGUAGE


def text(language: str, key: str, **values: str) -> str:
    """A catalogue text with its placeholders filled (values must already be HTML-escaped)."""
    template = CATALOGUE.get(language, CATALOGUE[DEFAULT_LANGUAGE])[key]
    return template.format(**values) if values else template
