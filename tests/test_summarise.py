"""Sentence splitting and lead summaries on real-looking Arabic and English news text."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobs.summarise import (
    BOILERPLATE,
    CAPTION_SENTENCES,
    first_words,
    is_boilerplate,
    news_sentences,
    split_sentences,
    summarise,
)

END_MARKS = (".", "!", "?", "؟", "؛", "”", "»", '"', ")")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "وصل الرئيس. وبدأت القمة! هل تنجح؟ نعم؛ هذا ما نأمله",
            ["وصل الرئيس.", "وبدأت القمة!", "هل تنجح؟", "نعم؛", "هذا ما نأمله"],
        ),
        ("It rained. Then it stopped? Yes! Good", ["It rained.", "Then it stopped?", "Yes!", "Good"]),
        ("سطر أول بلا نقطة\nسطر ثان\r\n\nسطر ثالث", ["سطر أول بلا نقطة", "سطر ثان", "سطر ثالث"]),
        ("ماذا بعد؟! لا أحد يعرف.", ["ماذا بعد؟!", "لا أحد يعرف."]),
        ("  مسافات   كثيرة .  ثم جملة  ", ["مسافات كثيرة .", "ثم جملة"]),
        ("ارتفعت أسعار النفط. . وقال ترامب.", ["ارتفعت أسعار النفط.", "وقال ترامب."]),
        ("فقرة أولى.\n------------------\nفقرة ثانية.", ["فقرة أولى.", "فقرة ثانية."]),
        ("", []),
        ("\n \n", []),
    ],
)
def test_split_at_end_marks_and_lines(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "بلغت المخصصات 1.8 مليون ليتر من المازوت.",
        "ارتفع التضخم 3.5% خلال الشهر.",
        "ارتفع التضخم ٣٫٥٪ خلال الشهر.",
        "ارتفع التضخم ٣.٥ بالمئة خلال الشهر.",
        "والتقى الوزير د. فيصل المقداد نظيره الروسي.",
        "قال أ.د. محمد إن الدراسة اكتملت.",
        "ولد عام 1350 هـ. في دمشق.",
        "Mr. Smith met Dr. Jones in the U.S. capital.",
        "Allies, e.g. France and Germany, etc. agreed.",
        "Prices rose 3.5% at 5 p.m. on Monday.",
        "التفاصيل على www.globalsy.net/news/1.html والمزيد.",
        "See https://example.com/a.b?x=1.5 for the full text.",
        "تصفيات كأس آسيا بكرة السلة.. منتخبنا يخسر من نظيره البحريني.",
        "ثلاث مرات ونصف المرة… ونحن نعمل معاً.",
        "He paused... then spoke.",
        "السياحة، والزراعة، والصناعة تراجعت.",
        "وخلال كلمته في مركز جون إف. كينيدي للفنون المسرحية بدا مرهقاً.",
        "صدرت رواية جي. كي. رولينغ الأولى قبل ثلاثين عاماً.",
        "Officials met at No. 10 Downing St. on Monday.",
        '"Did we get everything we asked for? No. But we got enough," she said.',
        "وقال: “هل انتهى الأمر؟ لا. ما زال أمامنا الكثير”، ثم غادر.",
    ],
)
def test_no_split_inside_numbers_abbreviations_urls_ellipses_or_at_commas(sentence: str) -> None:
    assert split_sentences(sentence) == [sentence]


def test_ellipsis_at_line_end_ends_the_sentence() -> None:
    assert split_sentences("وللحديث بقية…\nوفي خبر آخر...\nتم") == ["وللحديث بقية…", "وفي خبر آخر...", "تم"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("قال: «نحن هنا.» ثم غادر.", ["قال: «نحن هنا.»", "ثم غادر."]),
        ("قال: «نحن هنا؟!» ثم غادر.", ["قال: «نحن هنا؟!»", "ثم غادر."]),
        ("وقال الرئيس: “أنا سعيد”. وأضاف بوتين: أهلاً.", ["وقال الرئيس: “أنا سعيد”.", "وأضاف بوتين: أهلاً."]),
        ('He said "we won." Then left.', ['He said "we won."', "Then left."]),
        ("قال: «نحن هنا. وسنبقى هنا!» ثم غادر.", ["قال: «نحن هنا. وسنبقى هنا!»", "ثم غادر."]),
        ("«سنعود. قريبا» قالها وغادر. وانتهى اللقاء.", ["«سنعود. قريبا» قالها وغادر.", "وانتهى اللقاء."]),
        ("قال: «نحن هنا. ولن نرحل", ["قال: «نحن هنا.", "ولن نرحل"]),  # an unclosed quote splits as usual
        ("(هذا مثال.) وهذا آخر.", ["(هذا مثال.)", "وهذا آخر."]),
    ],
)
def test_closing_quotes_and_brackets_stay_with_their_sentence(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The answer was no. Then he left.", ["The answer was no.", "Then he left."]),
        ("قالوا ثقوا بي. ثم رحلوا.", ["قالوا ثقوا بي.", "ثم رحلوا."]),
        ("سافر إلى دبي. ثم عاد.", ["سافر إلى دبي.", "ثم عاد."]),
        ("وقال: مش هي دي. وانصرف.", ["وقال: مش هي دي.", "وانصرف."]),
        ('He said "yes." Then he left.', ['He said "yes."', "Then he left."]),
        (
            "'Is this the end?' she asked. Nobody answered.",
            ["'Is this the end?' she asked.", "Nobody answered."],
        ),
    ],
)
def test_words_that_look_like_abbreviations_still_end_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A spelled acronym's last letter ends the sentence: no dot between its letters.
        ("تبث الحلقة على بي بي سي. وفي الحلقة ضيفان.", ["تبث الحلقة على بي بي سي.", "وفي الحلقة ضيفان."]),
        ('أطلقت "بي بي سي". وتهدف الخدمة للشباب.', ['أطلقت "بي بي سي".', "وتهدف الخدمة للشباب."]),
        (
            "اشترت الشركة طائرة بوينغ 727 إس . وكانت مستعملة.",
            ["اشترت الشركة طائرة بوينغ 727 إس .", "وكانت مستعملة."],
        ),
        ("وصلت سفينة (يو إس إي). وبعد ساعة غادرت.", ["وصلت سفينة (يو إس إي).", "وبعد ساعة غادرت."]),
    ],
)
def test_an_acronym_that_ends_a_sentence_is_not_an_initial(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_a_stray_double_quote_does_not_run_sentences_together() -> None:
    # Arabic copy often drops one quote mark of a pair: pairing the stray one with a later quote would make
    # one "sentence" of everything between them.
    first = 'أغلقت الوزارة المعابر في المنطقتين الشمالية والشرقية".'
    second = "وقال الوزير إن الوضع صعب."
    third = 'وأضاف "نحن مستعدون لكل الاحتمالات".'
    assert split_sentences(f"{first} {second} {third}") == [first, second, third]
    # A stray closing mark on a balanced line does not open a quote either.
    fourth = 'وقال المتحدث إن المعابر "ستفتح غداً".'
    assert split_sentences(f"{first} {second} وتابع: {fourth}") == [first, second, f"وتابع: {fourth}"]


def test_sentence_after_a_number_still_splits() -> None:
    first, second = "باتت الحكومة تسيطر على 90 بالمئة من الأراضي.", "وقال بوتين إن العمل مستمر."
    assert split_sentences(f"{first} {second}") == [first, second]


@pytest.mark.parametrize(
    "sentence",
    [
        "لمتابعة اللقاء كاملا من هنا.",
        "لمشاهدة الفيديو اضغط هنا",
        "اقرأ أيضاً: الرئيس يصل إلى موسكو",
        "إقرأ المزيد",
        "اترك تعليقاً",
        "اترك تعليقا",
        "لن يتم نشر عنوان بريدك الإلكتروني.",
        "الحقول الإلزامية مشار إليها بـ *",
        "(صورة: رويترز)",
        "الصورة: أرشيفية",
        "Read more",
        "Read also: Talks resume in Geneva",
        "Leave a Reply",
        "Your email address will not be published.",
        "Photo: AFP/Getty Images",
        "بقلم: سامي العلي",
        "كتب: محمد أحمد",
        "By Jane Doe and John O'Neil",
        "حوار: آسيا العتروس",
        "تأليف: سامي العلي الناشر: دار المدى، 2017م",
        "المصدر: وكالات",
        "Image caption: Crowds outside the court on Monday evening after the verdict",
        "Getty Images",
        "AFP via Getty Images",
        "--(بترا)",
        "(أ ف ب)",
        "Reporting by Jane Doe; Editing by Sam Lee",
        "Sign up for our newsletter to get the news in your inbox.",
        "Follow us on Twitter and Facebook for the latest news.",
        "تابعونا على فيسبوك وتويتر",
        "اشترك في النشرة البريدية",
        "Download our app for breaking news alerts.",
        "حمل تطبيق الموقع على هاتفك",
        "Share this article",
        "شارك هذا الخبر",
        "Tags: Books, Auctions, Edinburgh",
        "الكلمات الدلالية: كورونا، مصر، الصحة",
        "Copyright 2025 The Morning Ledger.",
        "All rights reserved.",
        "جميع الحقوق محفوظة لموقع الخبر 2024",
        "Published 9 January 2025",
        "آخر تحديث: 12 مارس 2024",
        "Related Topics",
        "More on this story",
        "Listen to this article",
        "This article was originally published on The Conversation.",
        "مصدر الصورة Getty Images",
        "تعليق على الصورة، صورة أرشيفية للرئيس في القصر",
        "Image source, Getty Images",
        "(CNN)",
        "© 2025 Reuters",
        "للمزيد من الأخبار تابعونا على تويتر",
    ],
)
def test_boilerplate_is_recognised(sentence: str) -> None:
    assert is_boilerplate(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "عُقِدت في موسكو قمة سورية روسية بين الرئيسين.",
        "صورة الرئيس الراحل رفعت في الساحة الرئيسية خلال الاحتفال بالذكرى السنوية.",
        "More than 90 people were killed.",
        "كتب الرئيس رسالة إلى نظيره الروسي يدعوه فيها إلى قمة.",
        "By noon, all of them had left.",
        "تقرير جديد للأمم المتحدة يحذر من المجاعة في اليمن.",
        "حوار وطني شامل ينطلق الأسبوع المقبل في الخرطوم.",
        "Published figures showed inflation falling for a third month in 2025.",
        "Sign language interpreters joined the briefing.",
        "Source code for the app was published on Monday.",
        "Reuters reported the deal first.",
        "اشترك في الهجوم عشرات المسلحين.",
        "وتابع الوزير عبر الفيديو سير الانتخابات.",
        "Tags on the luggage showed it had come from Rome.",
        "Updated guidance was issued on 3 May.",
        "نشر الجيش 300 جندي.",
        "تابعنا على مدى أسابيع تطورات الأزمة في الجنوب.",
        "وقال إن عناصر الأمن تابعونا حتى المنزل.",
        "Photo sources close to the family said he was well.",
        "Follow us, the protesters chanted outside the palace.",
        # A label before news, not before a name, is the news.
        "تقرير: إسرائيل قصفت أكثر من 200 هدف في غزة خلال يومين.",
        "المصدر: مقتل 12 جنديا في هجوم على ثكنة عسكرية.",
        "تقرير: ارتفاع صادرات المغرب من الفوسفات في أكتوبر",
        # A follow or publish phrase inside a sentence is what people did, not a prompt.
        "وقال إن ملايين المشجعين تابعوا عبر قناة الجزيرة المباراة النهائية مساء الأحد في الدوحة.",
        "The report, originally published in 2019, was updated after the inquiry this week.",
    ],
)
def test_news_is_not_boilerplate(sentence: str) -> None:
    assert not is_boilerplate(sentence)


def test_boilerplate_patterns_are_a_named_tuple_of_regexes() -> None:
    assert isinstance(BOILERPLATE, tuple)
    assert all(hasattr(pattern, "search") for pattern in BOILERPLATE)


LEAD = "عُقِدت في موسكو قمة سورية روسية بين الرئيسين الأسد وبوتين."
SECOND = "وبحث الجانبان التعاون الثنائي بين البلدين."
THIRD = "وناقش الرئيسان آخر مستجدات الأوضاع الإقليمية والدولية."
ARTICLE = f"{LEAD}\n\n{SECOND} {THIRD}\n\nاقرأ أيضاً: خبر آخر\n\nاترك تعليقاً"


def test_summary_takes_lead_sentences_that_fit() -> None:
    assert summarise(ARTICLE, len(LEAD)) == LEAD
    assert summarise(ARTICLE, len(LEAD) + 1 + len(SECOND)) == f"{LEAD} {SECOND}"
    assert summarise(ARTICLE, len(LEAD) + len(SECOND) + len(THIRD) + 1) == f"{LEAD} {SECOND}"
    assert summarise(ARTICLE, 10_000) == f"{LEAD} {SECOND} {THIRD}"


def test_a_sentence_too_long_for_what_is_left_ends_the_summary() -> None:
    # Jumping past it to a later short sentence reads as a non sequitur (and scored below lead-3).
    text = f"{LEAD} {'كلمة ' * 60}طويلة. جملة قصيرة."
    assert summarise(text, len(LEAD) + 40) == LEAD
    assert summarise(text, 10_000) == text


def test_summary_skips_boilerplate_between_sentences() -> None:
    text = f"{LEAD}\n(صورة: رويترز)\nاقرأ أيضاً: خبر آخر\n{SECOND}"
    assert summarise(text, 1000) == f"{LEAD} {SECOND}"


@pytest.mark.parametrize(
    "dateline",
    [
        "دمشق - سانا: ",
        "القاهرة (رويترز) - ",
        "بيروت ـ «سبوتنيك»: ",
        "(أ ف ب) - ",
        "واشنطن - أ ف ب: ",
        "دمشق، سوريا (CNN) -- ",
        "LONDON (Reuters) - ",
        "EDINBURGH, Oct. 21 (AP) — ",
        "المدينة نيوز :- ",
        "عمان :-",
        "القاهرة (رويترز) -\n",
    ],
)
def test_a_wire_dateline_is_not_part_of_the_lead(dateline: str) -> None:
    assert summarise(f"{dateline}{LEAD}\n{SECOND}", len(LEAD)) == LEAD


@pytest.mark.parametrize(
    "lead",
    [
        "قال مسؤول لوكالة رويترز: الاتفاق قريب جداً.",
        "قمة سورية - روسية في موسكو اليوم.",
        "Apple: results beat estimates.",
    ],
)
def test_a_lead_that_only_names_an_agency_or_has_a_dash_stays_whole(lead: str) -> None:
    assert summarise(lead, 1000) == lead


@pytest.mark.parametrize(
    "quote",
    [
        "وقال الوزير :- إن الحكومة ستخفض الضرائب العام المقبل.",
        "وأضاف :- نحن مستعدون لكل الاحتمالات في الأيام المقبلة.",
        "وقال المتحدث لـ بي بي سي: لن نتراجع عن القرار.",
        "بي بي سي: سنناقش خطة التغطية مع الموظفين.",
    ],
)
def test_a_speaker_before_a_colon_is_not_a_dateline(quote: str) -> None:
    # Without the speaker the quote reads as the site's own voice.
    assert summarise(f"{LEAD} {quote}", 10_000) == f"{LEAD} {quote}"
    assert summarise(quote, 10_000) == quote


def test_a_crosshead_is_not_part_of_a_summary() -> None:
    # A short line with no end mark heads the next section; it reads as a stray phrase inside a summary.
    text = f"{LEAD} {SECOND}\nانتكاسة جديدة\n{THIRD}"
    assert summarise(text, 10_000) == f"{LEAD} {SECOND} {THIRD}"
    assert summarise(f"انتكاسة جديدة\n{LEAD}", 10_000, max_sentences=1) == LEAD


def test_a_short_line_that_goes_on_from_the_last_is_not_a_crosshead() -> None:
    # A sentence missing its full stop opens with a word that ties it to the one before.
    but = "لكن البرلمان لم يوافق عليه حتى الآن"
    assert summarise(f"{LEAD}\n{but}\n{SECOND}", 10_000) == f"{LEAD} {but} {SECOND}"
    opening = ["بدأوا بالغسالات", "ثم الألواح الشمسية", "والآن جاء دور الفولاذ والألومنيوم."]
    assert news_sentences("\n".join([*opening, LEAD])) == [*opening, LEAD]


def test_a_ticker_keeps_its_short_headlines() -> None:
    # Every line lacks an end mark: they are all headlines, whatever their length.
    long = "عاجل: انفجار ضخم يهز مرفأ بيروت ويخلف عشرات الجرحى"
    short = "الأسد: لن نسمح بتقسيم سوريا"
    assert news_sentences(f"{long}\n{short}") == [long, short]


def test_a_text_that_is_only_a_headline_is_its_own_summary() -> None:
    # A ticker item or a listing teaser has no sentence, only a headline line: it is not a crosshead.
    assert summarise("انفجار يهز مرفأ بيروت", 600) == "انفجار يهز مرفأ بيروت"
    assert summarise("Explosion rocks Beirut port\nGetty Images", 600) == "Explosion rocks Beirut port"
    report = "تقرير: ارتفاع صادرات المغرب من الفوسفات في أكتوبر"
    assert summarise(report, 600) == report  # a label before a headline is part of it


def test_a_byline_label_does_not_take_the_lead_with_it() -> None:
    # "اقرأ أيضاً:" introduces a headline; "متابعة:" alone is a label, and the lead after it stays.
    assert summarise(f"متابعة:\n{LEAD} {SECOND}", 10_000) == f"{LEAD} {SECOND}"
    assert summarise(f"حوار: سامي العلي\n{LEAD}", 10_000) == LEAD


def test_an_opening_question_gives_way_to_the_news() -> None:
    answer = "قال الناشط إن كل الشروط متوفرة لثورة سلمية في البلاد ولا حاجة لاستيراد شيء."
    text = f"حوار: آسيا العتروس\nما الذي يحدث في السودان؟ وإلى أين يتجه البلد؟\n{answer}"
    assert summarise(text, 10_000, max_sentences=1) == answer
    assert summarise("هل تنجح القمة؟ لا أحد يعرف", 10_000, max_sentences=1) == "لا أحد يعرف"
    assert summarise("هل تنجح القمة؟", 10_000) == "هل تنجح القمة؟"  # a question alone is all there is
    # A sentence that reports a question is a statement, and may lead.
    reported = "وضع الكاتب هذا الكتاب في محاولة منه للإجابة عن سؤال بسيط: لماذا كرة القدم؟"
    assert summarise(f"{reported} {SECOND}", 10_000, max_sentences=1) == reported
    # The statement right after the opening question, not one further down the piece.
    later = "ويتضمن الكتاب دراسات عن الشعر والقصة والرواية المكتوبة بالعربية والفرنسية في الحقبة الحديثة."
    assert summarise(f"لماذا كرة القدم؟\n{reported}\n{SECOND}\n{later}", 10_000, max_sentences=1) == reported
    # In an interview the next question opens another exchange: the summary ends before it.
    question = "* وما هو البديل الذي تطرحونه؟"
    assert summarise(f"{answer}\n{question}\n- {SECOND}", 10_000) == answer


def test_a_question_that_is_the_news_leads() -> None:
    # Someone's quoted question, or one the next sentence points back to, is what the story is about.
    asked = '"لماذا تأخرت المساعدات عن المدينة المنكوبة أسبوعاً كاملاً؟"'
    text = f"{asked}\nسأل النائب وزير الداخلية خلال جلسة البرلمان أمس الأحد عن أسباب التأخير."
    assert summarise(text, 10_000, max_sentences=1) == asked
    question = "هل تنجح الحكومة في خفض أسعار الخبز قبل حلول الصيف المقبل؟"
    text = f"{question} سؤال يطرحه المراقبون منذ أسابيع في العاصمة والمدن الكبرى.\n{SECOND}"
    assert summarise(text, 10_000, max_sentences=1) == question


def test_a_stray_quote_mark_does_not_shrink_the_summary() -> None:
    # A closing mark with no opening one, or an opening one nothing closes, is a typo, not an open quote.
    stray = 'وأغلقت الوزارة المعابر في المنطقتين الشمالية والشرقية".'
    assert summarise(f"{LEAD}\n{stray}\n{THIRD}", 10_000) == f"{LEAD} {stray} {THIRD}"
    unclosed = 'وعثر الجيش على مصنع تابع لجماعة "أنصار المدينة وسجن سري.'
    assert summarise(f"{LEAD}\n{unclosed}\n{THIRD}", 10_000) == f"{LEAD} {unclosed} {THIRD}"


def test_a_summary_never_leaves_a_quote_open() -> None:
    # A quote running over two paragraphs opens on one line and closes on the next.
    opening, closing = 'وقال الوزير: "نحن مستعدون لكل الاحتمالات.', 'وسنرد على أي هجوم بقوة."'
    text = f"{LEAD}\n{opening}\n{closing}"
    assert summarise(text, 10_000) == f"{LEAD} {opening} {closing}"
    assert summarise(text, len(LEAD) + len(opening) + 10) == LEAD  # the quote would not close
    assert summarise(text, 10_000, max_sentences=2) == LEAD


def test_a_read_also_line_takes_its_headline_along() -> None:
    text = f"{LEAD}\nاقرأ أيضاً:\nالرئيس يصل إلى موسكو\n{SECOND}"
    assert summarise(text, 1000) == f"{LEAD} {SECOND}"


def test_summary_skips_a_first_sentence_that_repeats_the_title() -> None:
    title = "قمة سورية روسية في موسكو"
    text = f"قمة سورية - روسية في موسكو\n{LEAD}"
    assert summarise(text, 1000, title=title) == LEAD
    assert summarise(f"{LEAD}\n{title}", 1000, title=title) == LEAD  # it repeats the lead, too
    assert summarise(f"{LEAD}\n{SECOND}", 1000, title=title) == f"{LEAD} {SECOND}"


def test_overlong_lead_is_cut_at_a_word_with_an_ellipsis() -> None:
    summary = summarise(ARTICLE, 30)
    assert summary == "عُقِدت في موسكو قمة سورية…"
    assert len(summary) <= 30


@pytest.mark.parametrize("budget", range(0, len(LEAD) + 2))
def test_summary_never_exceeds_budget_or_cuts_mid_word(budget: int) -> None:
    summary = summarise(ARTICLE, budget)
    assert len(summary) <= budget
    body = summary.removesuffix("…")
    assert LEAD.startswith(body)
    assert body in ("", LEAD) or LEAD[len(body)] == " "


def test_cut_drops_a_dangling_comma() -> None:
    assert summarise("في دمشق، أمس الثلاثاء، أعلن الوزير خطة جديدة للنقل.", 20) == "في دمشق، أمس…"


def test_summary_of_nothing_is_empty() -> None:
    assert summarise("", 500) == ""
    assert summarise("اترك تعليقاً\nRead more", 500) == ""
    assert summarise("كلمةطويلةجداجداجداجدا", 10) == ""


def _seed_article(shared_dir: Path) -> tuple[str, str]:
    """Title and body of the seed page: the title is the first line after the breadcrumbs."""
    path = next(iter(sorted((shared_dir / "seed").glob("*.txt"))))
    lines = path.read_text(encoding="utf-8").splitlines()
    crumbs = next(index for index, line in enumerate(lines) if " | " in line)
    title_index = next(index for index in range(crumbs + 1, len(lines)) if lines[index].strip())
    return lines[title_index].strip(), "\n".join(lines[title_index + 1 :])


SEED_FURNITURE = ("لمتابعة اللقاء كاملا من هنا", "اترك تعليق", "لن يتم نشر عنوان بريدك", "الحقول الإلزامية")


@pytest.mark.parametrize("budget", [200, 600, 1000])
def test_seed_summary_fits_and_ends_on_a_sentence(shared_dir: Path, budget: int) -> None:
    title, body = _seed_article(shared_dir)
    summary = summarise(body, budget, title=title)
    assert 0 < len(summary) <= budget
    assert summary.endswith(END_MARKS)
    news = [sentence for sentence in split_sentences(body) if not is_boilerplate(sentence)]
    picked = split_sentences(summary)
    assert all(sentence in news for sentence in picked)  # whole article sentences, none cut
    assert [news.index(sentence) for sentence in picked] == sorted(news.index(s) for s in picked)
    assert len(picked) <= CAPTION_SENTENCES
    assert not any(furniture in summary for furniture in SEED_FURNITURE)


def test_seed_furniture_never_reaches_a_summary(shared_dir: Path) -> None:
    title, body = _seed_article(shared_dir)
    summary = summarise(body, 100_000, title=title)
    assert summary.startswith("عُقِدت في موسكو قمة سورية روسية")
    assert not any(furniture in summary for furniture in SEED_FURNITURE)


def test_one_sentence_budget_holds_to_words_and_sentences() -> None:
    long_lead = "أعلنت الحكومة " + "خطة " * 40 + "جديدة."
    text = f"{long_lead}\n{SECOND}\n{THIRD}"
    summary = summarise(text, 10_000, max_sentences=1, max_words=35)
    assert len(summary.split()) <= 35
    assert len(split_sentences(summary)) == 1


def test_the_shipped_scorer_prefers_the_lead_over_a_quote() -> None:
    text = f"{LEAD}\nوقال المتحدث: «نحن سعداء جداً بهذه الزيارة التاريخية».\n{SECOND}"
    assert summarise(text, 10_000, max_sentences=1) == LEAD


def test_summary_keeps_article_order_and_the_caption_sentence_cap() -> None:
    repeats = "وصل الرئيس إلى موسكو اليوم. الرئيس وصل إلى موسكو اليوم. اليوم وصل الرئيس إلى موسكو."
    assert summarise(repeats, 10_000) == "وصل الرئيس إلى موسكو اليوم."  # a restated lead is left out
    restated = "في موسكو عقدت قمة سورية روسية بين الرئيسين بوتين والأسد."
    assert summarise(f"{LEAD} {restated} {THIRD}", 10_000) == LEAD  # and the background after it, too
    sentences = [
        "ناقش مجلس الوزراء خطة الاقتصاد للعام المقبل.",
        "وارتفعت صادرات القمح إلى مستوى قياسي.",
        "وافتتح وزير التعليم ثلاث مدارس جديدة في حلب.",
        "وتراجعت أسعار الوقود بعد قرار الحكومة.",
        "وعاد آلاف المهجرين إلى قراهم في الريف.",
    ]
    summary = summarise(" ".join(sentences), 10_000)
    picked = split_sentences(summary)
    assert len(picked) == CAPTION_SENTENCES
    assert [sentences.index(s) for s in picked] == sorted(sentences.index(s) for s in picked)


# Measured on the 30% reporting split (benchmarks/README.md): ROUGE-2 0.4032 for one sentence of ≤ 35 words,
# the same as lead-1; the target (0.45) is not reached.
ONE_SENTENCE_ROUGE2_FLOOR = 0.403


def test_reporting_split_keeps_the_measured_floors(shared_dir: Path) -> None:
    from statistics import mean

    from benchmarks.bench_summaries import NO_CHAR_LIMIT, ONE_SENTENCE_WORDS, lead_within
    from benchmarks.corpus import split, summary_docs
    from benchmarks.rouge import score
    from jobs.summarise import CAPTION_BUDGET

    _, reporting = split(summary_docs(shared_dir))
    one = [
        score(
            summarise(d.text, NO_CHAR_LIMIT, title=d.title, max_sentences=1, max_words=ONE_SENTENCE_WORDS),
            d.abstract,
        )
        for d in reporting
    ]
    assert mean(s.r2 for s in one) >= ONE_SENTENCE_ROUGE2_FLOOR
    caption = [score(summarise(d.text, CAPTION_BUDGET, title=d.title), d.abstract) for d in reporting]
    lead_3 = [score(lead_within(d, CAPTION_SENTENCES, CAPTION_BUDGET), d.abstract) for d in reporting]
    assert mean(s.r1 for s in caption) >= mean(s.r1 for s in lead_3)  # never below lead-3 at the same budget
    assert mean(s.r2 for s in caption) >= mean(s.r2 for s in lead_3)


def test_one_word_limit_for_the_summary_and_the_benchmark_baselines() -> None:
    from benchmarks.bench_summaries import ONE_SENTENCE_WORDS, lead_cut
    from benchmarks.corpus import Doc

    words = [f"وأعلنت{n}" for n in range(50)]
    sentence = "  ".join(words[:20]) + " \t" + " ".join(words[20:]) + "."
    held = " ".join(words[:ONE_SENTENCE_WORDS])
    assert first_words(sentence, ONE_SENTENCE_WORDS) == held
    assert first_words("خبر قصير.", ONE_SENTENCE_WORDS) == "خبر قصير."
    # The shipped summary of a lone long sentence is that cut, marked; the benchmark's lead-1 is it bare.
    assert summarise(sentence, 10_000, max_words=ONE_SENTENCE_WORDS) == held + "…"
    assert lead_cut(Doc("d", "", "", "", "", sentence), ONE_SENTENCE_WORDS) == held


RESOURCES = Path(__file__).parent / "resources"
# Site furniture on the English test pages (our own text): none of it may reach a summary.
ENGLISH_FURNITURE = (
    "Reuters) -", "AP)", "By Jane", "Image caption", "Getty", "Photo:", "Read more", "Sign up", "newsletter",
    "Share", "Follow us", "Download our app", "Related", "Tags:", "Copyright", "rights reserved",
    "Reporting by", "Published 9", "Leave a comment",
)  # fmt: skip


@pytest.mark.parametrize(
    ("page", "lead"),
    [
        ("summary_english_wire.html", "Dock workers at Britain's three busiest container ports voted"),
        ("summary_english_politics.html", "The prime minister appointed Sarah J. Holt as finance minister"),
        ("summary_english_culture.html", "A handwritten draft of an early chapter by J. K. Rowling sold"),
        ("summary_english_weather.html", "Floods closed a 20-mile stretch of the motorway on Thursday"),
    ],
)
def test_english_wire_pages_summarise_to_their_news(page: str, lead: str) -> None:
    from jobs.decode import decode_html
    from jobs.extract import extract_article
    from jobs.summarise import CAPTION_BUDGET, TEXT_BUDGET, TEXT_SENTENCES

    article = extract_article(decode_html((RESOURCES / page).read_bytes()), f"https://news.example/{page}")
    assert article is not None
    one = summarise(article.text, 10_000, title=article.title, max_sentences=1, max_words=35)
    caption = summarise(article.text, CAPTION_BUDGET, title=article.title)
    text = summarise(article.text, TEXT_BUDGET, title=article.title, max_sentences=TEXT_SENTENCES)
    for summary in (one, caption, text):
        assert summary.startswith(lead)
        assert summary.endswith(END_MARKS)
        assert not [furniture for furniture in ENGLISH_FURNITURE if furniture in summary]
        assert summary.count('"') % 2 == 0  # no quote left open
    assert "No. 10 Downing St. last week." in text or page != "summary_english_politics.html"


def _corpus_articles(shared_dir: Path) -> list[tuple[str, str, str]]:
    """Every corpus page that holds an article, as the poller extracts it: name, title, body."""
    import gzip

    from jobs.decode import decode_html
    from jobs.extract import extract_article

    found = []
    for path in sorted((shared_dir / "corpus" / "articles_html").rglob("*.htm*")):
        body = path.read_bytes()
        html = decode_html(gzip.decompress(body) if path.name.endswith(".gz") else body)
        article = extract_article(html, f"https://news.example/{path.name}")
        if article is not None:
            found.append((path.name, article.title, article.text))
    return found


# Wire and site datelines, bylines and sign-offs seen on the corpus pages: marks, not article text.
CORPUS_FURNITURE = ("(CNN)", "بترا", ":-", "حوار:")


def test_corpus_summaries_hold_no_furniture_crossheads_or_opening_questions(shared_dir: Path) -> None:
    from jobs.summarise import CAPTION_BUDGET, TEXT_BUDGET, TEXT_SENTENCES

    articles = _corpus_articles(shared_dir)
    assert len(articles) >= 12
    for name, title, body in articles:
        one = summarise(body, 10_000, title=title, max_sentences=1, max_words=35)
        assert one, name
        assert not one.rstrip("\"'”»").endswith(("?", "؟")), name
        for summary in (one, summarise(body, CAPTION_BUDGET, title=title)):
            assert not [mark for mark in CORPUS_FURNITURE if mark in summary], name
        text = summarise(body, TEXT_BUDGET, title=title, max_sentences=TEXT_SENTENCES)
        assert not [mark for mark in CORPUS_FURNITURE if mark in text], name
        for sentence in split_sentences(text):
            assert len(sentence.split()) >= 8 or sentence.endswith(END_MARKS), (name, sentence)
