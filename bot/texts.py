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
            "/subscribe — قائمة الأقسام، اضغط للاشتراك أو الإلغاء\n"
            "/subscribe <i>قسم…</i> — اشترك في قسم أو أكثر\n"
            "/unsubscribe <i>قسم…</i> — ألغِ الاشتراك\n"
            "/subscriptions — اشتراكاتك\n"
            "/categories — الأقسام المتاحة\n"
            "/latest <i>[قسم]</i> — آخر خمسة أخبار\n"
            "/breaking on|off — الأخبار العاجلة\n"
            "/filter +كلمة -كلمة — أخبار فيها الكلمة أو بدونها\n"
            "/filters — مرشّحاتك، و<code>/filter clear</code> لمسحها\n"
            "/lang ar|en — لغة الرسائل\n"
            "/stop — أوقف كل شيء\n"
            "/help — هذه الرسالة\n\n"
            "في المجموعات يغيّر المشرفون وحدهم الإعدادات."
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
        "too_many_words": "هذا كلام كثير على أمر واحد. أرسل /help لأمثلة.",
        "admins_only": "في المجموعات، المشرفون وحدهم يغيّرون إعدادات نشرة.",
        "lang_usage": "اكتب <code>/lang ar</code> للعربية أو <code>/lang en</code> للإنجليزية.",
        "lang_set": "سأكتب لك بالعربية من الآن.",
        "menu": (
            "اضغط على قسم للاشتراك فيه أو لإلغائه (✅ = مشترك)، أو اكتب اسمه: <code>/subscribe رياضة</code>"
        ),
        "menu_done": "تم",
        "menu_on": "✅ اشتركت في {name}",
        "menu_off": "ألغيت الاشتراك في {name}",
        "button_stale": "هذا الزر لم يعد يعمل. أرسل /help.",
        "stop_confirm": "سيتوقف كل شيء: اشتراكاتك ({names}) والأخبار العاجلة. هل أنت متأكد؟",
        "stop_yes": "نعم، أوقف كل شيء",
        "stop_no": "إلغاء",
        "stopped": "أوقفت كل اشتراكاتك، ولن يصلك شيء بعد الآن. للعودة: /subscribe",
        "stop_cancelled": "لم يتغيّر شيء.",
        "nothing_to_stop": "لست مشتركاً في شيء أصلاً. للاشتراك: /subscribe",
        "filter_usage": (
            "<code>/filter +دمشق</code> — أخبار فيها «دمشق» فقط\n"
            "<code>/filter -كرة</code> — لا أخبار فيها «كرة»\n"
            "<code>/filter clear</code> — امسح المرشّحات\n"
            "الكلمات تُطابَق كما هي، بلا تشكيل ولا تعابير نمطية."
        ),
        "filter_no_regex": (
            "المرشّحات كلمات عادية، لا تعابير نمطية: {word}\n"
            "لعدة كلمات اكتب كل واحدة وحدها: <code>/filter +دمشق +حلب</code>"
        ),
        "filter_no_letters": "لا حروف ولا أرقام للمطابقة في: {word}",
        "filter_too_long": "الكلمة أطول من {limit} حرفاً: {word}",
        "filter_too_many": "يكفي {limit} كلمة على الأكثر؛ امسح بعضها بـ <code>/filter clear</code>.",
        "filters": "<b>مرشّحاتك</b>\n{lines}",
        "filters_include": "فقط ما فيه: {words}",
        "filters_exclude": "بدون: {words}",
        "no_filters": "لا مرشّحات لديك. مثال: <code>/filter -كرة</code>",
        "filters_cleared": "مسحت مرشّحاتك؛ ستصلك كل أخبار أقسامك.",
        "latest": "<b>آخر الأخبار</b>\n{lines}",
        "latest_in": "<b>آخر أخبار {name}</b>\n{lines}",
        "latest_empty": "لا أخبار محفوظة بعد. جرّب لاحقاً.",
        "cmd_subscribe": "اشترك في الأقسام",
        "cmd_unsubscribe": "ألغِ الاشتراك في قسم",
        "cmd_subscriptions": "اشتراكاتك",
        "cmd_categories": "الأقسام المتاحة",
        "cmd_latest": "آخر خمسة أخبار",
        "cmd_breaking": "الأخبار العاجلة: on أو off",
        "cmd_filter": "مرشّح كلمات: +كلمة -كلمة",
        "cmd_filters": "مرشّحاتك",
        "cmd_lang": "اللغة: ar أو en",
        "cmd_stop": "أوقف كل الاشتراكات",
        "cmd_help": "المساعدة",
        "cmd_stats": "إحصاءات (للمشرفين)",
        "cmd_sources": "حال المصادر (للمشرفين)",
        "cmd_pause": "أوقف مصدراً (للمشرفين)",
        "cmd_resume": "استأنف مصدراً (للمشرفين)",
        "cmd_test": "رسالة تجربة إلى قناة (للمشرفين)",
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
            "/subscribe — the sections menu: tap to subscribe or unsubscribe\n"
            "/subscribe <i>section…</i> — subscribe to one or more sections\n"
            "/unsubscribe <i>section…</i> — unsubscribe\n"
            "/subscriptions — your subscriptions\n"
            "/categories — available sections\n"
            "/latest <i>[section]</i> — the five latest stories\n"
            "/breaking on|off — breaking alerts\n"
            "/filter +word -word — only stories with a word, or none with it\n"
            "/filters — your filters; <code>/filter clear</code> removes them\n"
            "/lang ar|en — the language I answer in\n"
            "/stop — stop everything\n"
            "/help — this message\n\n"
            "In groups, only admins can change the settings."
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
        "too_many_words": "That is a lot of words for one command. Send /help for examples.",
        "admins_only": "In groups, only admins can change Nashra's settings.",
        "lang_usage": "Send <code>/lang en</code> for English or <code>/lang ar</code> for Arabic.",
        "lang_set": "I will write to you in English from now on.",
        "menu": (
            "Tap a section to subscribe or unsubscribe (✅ = subscribed), "
            "or name it: <code>/subscribe sport</code>"
        ),
        "menu_done": "Done",
        "menu_on": "✅ Subscribed to {name}",
        "menu_off": "Unsubscribed from {name}",
        "button_stale": "That button no longer works. Send /help.",
        "stop_confirm": "This stops everything: your subscriptions ({names}) and breaking alerts. Sure?",
        "stop_yes": "Yes, stop everything",
        "stop_no": "Cancel",
        "stopped": "All your subscriptions are stopped; you will get nothing more. To come back: /subscribe",
        "stop_cancelled": "Nothing changed.",
        "nothing_to_stop": "You are not subscribed to anything. To subscribe: /subscribe",
        "filter_usage": (
            "<code>/filter +Damascus</code> — only stories mentioning «Damascus»\n"
            "<code>/filter -football</code> — no stories mentioning «football»\n"
            "<code>/filter clear</code> — remove your filters\n"
            "Words match as written, ignoring Arabic diacritics; regular expressions are not supported."
        ),
        "filter_no_regex": (
            "Filters are plain words, not regular expressions: {word}\n"
            "For several words, give each one: <code>/filter +Damascus +Aleppo</code>"
        ),
        "filter_no_letters": "There are no letters or digits to match in: {word}",
        "filter_too_long": "Longer than {limit} characters: {word}",
        "filter_too_many": "{limit} words at most; remove some with <code>/filter clear</code>.",
        "filters": "<b>Your filters</b>\n{lines}",
        "filters_include": "Only with: {words}",
        "filters_exclude": "Without: {words}",
        "no_filters": "You have no filters. Example: <code>/filter -football</code>",
        "filters_cleared": "Filters removed; you will get every story in your sections.",
        "latest": "<b>Latest stories</b>\n{lines}",
        "latest_in": "<b>Latest in {name}</b>\n{lines}",
        "latest_empty": "No stories stored yet. Try again later.",
        "cmd_subscribe": "Subscribe to sections",
        "cmd_unsubscribe": "Unsubscribe from a section",
        "cmd_subscriptions": "Your subscriptions",
        "cmd_categories": "Available sections",
        "cmd_latest": "The five latest stories",
        "cmd_breaking": "Breaking alerts: on or off",
        "cmd_filter": "Keyword filter: +word -word",
        "cmd_filters": "Your filters",
        "cmd_lang": "Language: ar or en",
        "cmd_stop": "Stop all subscriptions",
        "cmd_help": "Help",
        "cmd_stats": "Statistics (admins)",
        "cmd_sources": "Health of the sources (admins)",
        "cmd_pause": "Pause a source (admins)",
        "cmd_resume": "Resume a source (admins)",
        "cmd_test": "Test message to a channel (admins)",
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
