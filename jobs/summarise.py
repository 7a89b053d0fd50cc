"""Extractive news summaries: a learned scorer picks the sentences, kept in article order within a budget."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import NamedTuple

from jobs.arabic import normalise, text_key
from jobs.stems import stems

# A run of end marks, any closing quotes or brackets that belong to the sentence, then a space or
# the end of the line: a mark followed directly by text is inside a number, URL or initialism.
_END = re.compile(r"(?P<marks>[.!?؟؛…]+)[\"'”’»›)\]}]*(?=\s|$)")
_STRONG_ENDS = frozenset("!?؟؛")
# Any letter, then optional tatweel: Arabic writes abbreviations like "هـ." with one.
_INITIALS = re.compile(r"(?:[^\W\d_]ـ?\.)*[^\W\d_]ـ?")
# Abbreviations whose dot does not end an English sentence; single letters are covered by _INITIALS.
_ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "gen", "col", "lt", "sgt", "capt", "gov",
    "sen", "rep", "rev", "inc", "ltd", "co", "corp", "vs", "etc", "approx", "dept", "est",
    "jan", "feb", "aug", "sept", "oct", "nov", "dec",
})  # fmt: skip
# Abbreviations that stand before a number ("No. 10", "Vol. 2"); before a word, "No." is the answer.
_NUMBER_ABBREVIATIONS = frozenset({"no", "nos", "vol", "pp", "fig"})
# Latin initials as Arabic spells them ("جون إف. كينيدي", "جي. كي. رولينغ"), normalise()d. Left out are
# the ones that are also words a sentence can end on: في, أو, إن, بي, أم, and Egyptian دي, إيه in quotes.
_ARABIC_INITIALS = frozenset({
    "اف", "جي", "اس", "تي", "سي", "كيه", "ال", "ار", "اتش", "جيه", "يو", "دبليو", "اكس", "واي",
    "زد", "كيو", "اي", "كي",
})  # fmt: skip
# An initial is a short word: longer ones are spared the normalise() call.
_MAX_INITIAL_CHARS = 6
# Letter names an acronym is spelled with ("بي بي سي", "يو إس إي"): after one of these, undotted, a letter
# name ends the acronym, and its full stop ends the sentence.
_LETTER_NAMES = _ARABIC_INITIALS | {"بي", "في", "ام", "ان", "دي", "ايه"}
_DOUBLE_QUOTES = re.compile('["“”]')
# An English sentence starts with a capital: "'Is it over?' she asked." is one sentence.
_LOWER_NEXT = re.compile(r"\s+[a-z]")
_OPENING_PUNCTUATION = "\"'“‘«‹([{"

# Sentences that are site furniture rather than news, as regexes over normalise()d text.
BOILERPLATE = (
    re.compile(r"^(لمتابعه|لمشاهده|لقراءه|للاطلاع|للمزيد)\b.*\bهنا$"),
    re.compile(r"\b(اضغط|انقر) هنا\b"),
    re.compile(r"^(اقرا|شاهد) (ايضا|المزيد)\b"),
    re.compile(r"^اترك (تعليقا|تعليق|ردا)\b"),
    re.compile(r"^لن يتم نشر عنوان بريدك"),
    re.compile(r"\bالحقول الالزاميه مشار اليها\b"),
    re.compile(r"^(read|see) (more|also)\b|^also read\b"),
    re.compile(r"^leave a (comment|reply)\b|^your email address will not be published\b"),
    re.compile(r"\brequired fields are marked\b|^click here\b"),
    # Share, subscribe and app prompts, the site's own voice rather than the story's.
    re.compile(r"^(اشترك|اشتركوا|للاشتراك) (في|ب) (النشره|نشرتنا|قناتنا|قناه|خدمه)"),
    re.compile(r"^(sign up|subscribe)( now| today)? (for|to)\b"),
    re.compile(r"^(حمل|حملوا|نزل|نزلوا) تطبيق|^(download|get) (our|the) (\w+ )?app\b"),
    re.compile(r"^(شارك|شاركوا) (هذا|المقال|الخبر|الموضوع)\b|^share (this|on)\b|^share$"),
    re.compile(r"^related (topics|coverage|stories|articles|content|news)$|^more on this story$"),
    re.compile(r"^listen to this article\b"),
    # BBC-style photo labels, whatever follows: "مصدر الصورة Getty Images", "Image caption, ...".
    re.compile(r"^(مصدر الصوره|تعليق علي الصوره|(image|media|photo|video) (source|caption|credit))\b"),
    # Copyright lines and wire sign-offs ("Reporting by ...; Editing by ...").
    re.compile(r"\bجميع الحقوق محفوظه\b|\ball rights reserved\b|^copyright \d"),
    re.compile(r"^(additional )?(reporting|writing|editing) by\b"),
)
# Follow prompts open their line ("تابعونا على تويتر", "للمزيد من الأخبار تابعونا على…", "This article was
# originally published on…") and are short: in a sentence, "تابعوا عبر قناة…" is what the fans did.
_PROMPT = re.compile(
    r"^(?:(?:للمزيد|لمزيد|لمتابعه|لمعرفه)\b.{0,40}?\s)?(?:تابعونا|تابعنا|تابعوا|تابع) (?:علي|عبر) (?:فيسبوك"
    r"|فيس بوك|تويتر|اكس|انستغرام|انستجرام|يوتيوب|تلغرام|تيليغرام|واتساب|جوجل|صفحتنا|صفحتها|حسابنا|حساباتنا"
    r"|قناتنا|قناه|منصات|مواقع التواصل)|^follow us(?: (?:on|at)\b|$)"
    r"|^(?:(?:this|the) (?:\w+ )?(?:article|story|piece|post) (?:was|is) )?"
    r"originally (?:published|appeared)\b"
)
# "Follow us on Twitter and Facebook for the latest news." is ten words; news naming a channel runs longer.
_MAX_PROMPT_WORDS = 12
# Photo credits ("(صورة: رويترز)", "Photo: AFP") and Arabic bylines ("بقلم: سامي علي"): a credit word, then
# a name or two, never a sentence.
_CREDIT = re.compile(r"^(الصوره|صوره|تصوير|photo|image|credit|photograph|بقلم|كتب|كتبت|اعداد)\b")
_MAX_CREDIT_WORDS = 6
# Labels that are furniture when a colon follows them, whatever comes after: a tags list, a photo caption.
_LABEL = re.compile(
    r"^(الوسوم|وسوم|كلمات دلاليه|الكلمات الدلاليه|الكلمات المفتاحيه|tags?|topics|keywords"
    r"|(image|photo|picture) (caption|credit|source)|caption)$"
)
# Labels that are furniture before a name only: an interview's byline ("حوار: آسيا العتروس"), a book's
# author and publisher, a source line ("المصدر: وكالات"). Before a headline or a sentence ("تقرير: إسرائيل
# قصفت…", "المصدر: مقتل 12 جنديا") they open news.
_NAME_LABEL = re.compile(
    r"^(حوار|تقرير|متابعه|تحرير|ترجمه|تاليف|الناشر|المصدر|المصادر|source|sources|interview)$"
)
# A name is a word or four, with no digit and no end mark; the next label's colon ends it.
_MAX_NAME_WORDS = 4
_NAME_BREAKS = re.compile(r"[\d.!?؟؛…]")
# A label is a word or three before the colon.
_LABEL_REACH = 30
# A line of agency and photo-library names alone ("Getty Images", "AFP/Getty Images", "--(بترا)") credits a
# photo or signs off wire copy; its words, normalise()d.
_CREDIT_NAMES = frozenset({
    "getty", "images", "afp", "reuters", "ap", "epa", "efe", "pa", "media", "photo", "photos", "via",
    "shutterstock", "alamy", "xinhua", "anadolu", "رويترز", "ا", "ف", "ب", "د", "فرانس", "برس",
    "اسوشيتد", "سانا", "واس", "وام", "بترا", "قنا", "كونا", "الاناضول", "سبوتنيك", "شينخوا", "وكالات",
    "الوكالات", "ارشيفيه", "ارشيف", "cnn", "bbc",
})  # fmt: skip
# A dated line ("Published 9 January 2025", "آخر تحديث: 12 مارس 2024") is page furniture when this short.
_STAMP = re.compile(
    r"^(?:(?:first )?published|(?:last )?updated)(?: on| at)? \d"
    r"|^(?:نشر في|نشر بتاريخ|تاريخ النشر|اخر تحديث|تاريخ التحديث|تم النشر)\b"
)
_MAX_STAMP_WORDS = 8
# An English byline is "By" and capitalised names only: "By noon, all had left." is news.
_ENGLISH_BYLINE = re.compile(r"^By(?:\s+(?:and|[A-Z][\w.'’-]*)){1,6}$")
# A wire dateline before the lead ("دمشق - سانا:", "القاهرة (رويترز) -", "LONDON (Reuters) -",
# "دمشق، سوريا (CNN) --", "EDINBURGH, Oct. 21 (AP) —"): the agency alone, or after a place of one to four
# words (and a date) and a dash or bracket, then a dash or colon. Only a named agency counts, so
# "قمة سورية - روسية" and "قال مسؤول لرويترز:" stay whole. Arabic sites also write the town or the site's
# own name before ":-" ("عمان :-", "المدينة نيوز :-"), a mark prose never uses.
_AGENCY = (
    r"(?:رويترز|أ\s?ف\s?ب|فرانس\s?برس|أسوشيتد\s?برس|د\s?ب\s?أ|سانا|واس|وام|بترا|قنا|كونا|الأناضول|سبوتنيك"
    r"|سي\s?إن\s?إن|بي\s?بي\s?سي|Reuters|AFP|AP|CNN|BBC|UPI|DPA)"
)
_PLACE = r"(?:[^\W\d_]+[\s,،]+){0,3}[^\W\d_]+(?:[\s,،]+[^\W\d_]+\.?\s+\d{1,2})?"
_DATELINE = re.compile(
    rf"^(?:(?:{_PLACE}\s*(?:[-–—ـ]+\s*[(«]?|[(«])\s*|[(«]?){_AGENCY}"
    r"\s*[)»]?\s*[-–—ـ:]+|(?P<site>" + _PLACE + r"\s*:\s*-+))\s*(?=\S|$)",
    re.IGNORECASE,
)
# Channels that are also speakers: "بي بي سي: سنناقش…" quotes the channel unless a dash follows.
_SPEAKING_AGENCIES = frozenset({"بي بي سي", "سي ان ان"})
_DASHES_AND_BRACKETS = frozenset("-–—ـ(«")
# A dateline's closing dash or colon comes this early; the check spares most sentences the regex.
_DATELINE_REACH = 60
_DATELINE_MARKS = frozenset("-–—ـ:")

_ELLIPSIS = "…"
# Trailing commas and colons read badly right before the ellipsis of a cut sentence.
_DANGLING = " \t،,:;؛-–—"


def split_sentences(text: str) -> list[str]:
    """Sentences in order, each stripped with inner whitespace collapsed, for lead selection."""
    return [sentence for line in text.splitlines() for sentence in _split_line(line)]


def _split_line(line: str) -> list[str]:
    """Split one line at its sentence ends."""
    sentences: list[str] = []
    start = 0
    for end in _END.finditer(line):
        if _ends_sentence(line, end):
            sentences.append(line[start : end.end()])
            start = end.end()
    sentences.append(line[start:])
    # A piece without letters or digits is a stray mark ("النفط. .") or a rule line, not a sentence.
    return [" ".join(sentence.split()) for sentence in sentences if any(ch.isalnum() for ch in sentence)]


def _ends_sentence(line: str, end: re.Match[str]) -> bool:
    """True when the end marks close a sentence rather than an ellipsis, an abbreviation or a quoted one."""
    if _inside_quote(line, end.end()) or _LOWER_NEXT.match(line, end.end()):
        return False
    marks = end.group("marks")
    if _STRONG_ENDS.intersection(marks):
        return True
    if marks != ".":
        return False  # "..", "..." and "…" trail off mid-line; only a line end closes them
    words_before = line[: end.start()].split()
    previous = words_before[-1].lstrip(_OPENING_PUNCTUATION) if words_before else ""
    if _INITIALS.fullmatch(previous) or previous.lower() in _ABBREVIATIONS:
        return False
    if previous.lower() in _NUMBER_ABBREVIATIONS and line[end.end() :].lstrip()[:1].isdigit():
        return False
    return not _is_arabic_initial(line, end.start(), words_before)


def _is_arabic_initial(line: str, stop: int, words_before: list[str]) -> bool:
    """True for the full stop of an initial ("جون إف. كينيدي"), not of an acronym ending a sentence.

    A stop after a space, quote or bracket ("إس .", "بي بي سي".") closes the sentence, and so does one
    after a spelled acronym's last letter ("بي بي سي."); only a dotted run ("جي. كي.") stays initials.
    """
    previous = words_before[-1] if words_before else ""
    if not line[stop - 1 : stop].isalpha() or len(previous) > _MAX_INITIAL_CHARS:
        return False
    if normalise(previous) not in _ARABIC_INITIALS:
        return False
    before = words_before[-2] if len(words_before) > 1 else ""
    return before.endswith(".") or normalise(before) not in _LETTER_NAMES


def _inside_quote(line: str, position: int) -> bool:
    """True inside a quote that closes later on the line: a quoted speech is one sentence of the article.

    «…» nest and close; double quotes are told apart by where they stand, not by how they curl, since
    keyboards (Arabic ones especially) mix “ and ” up. A line with an odd count of them has a typo among
    them (Arabic copy often drops one), so only its «» are trusted: pairing the stray mark with a real one
    would run sentences together.
    """
    before, after = line[:position], line[position:]
    if before.count("«") > before.count("»") and "»" in after:
        return True
    if len(_DOUBLE_QUOTES.findall(line)) % 2 == 1:
        return False
    return _leaves_quote_open(before) and _DOUBLE_QUOTES.search(after) is not None


def _leaves_quote_open(text: str) -> bool:
    """True when text opens a double quote it does not close; a closing mark with none open is a typo."""
    is_open = False
    for mark in _DOUBLE_QUOTES.finditer(text):
        is_open = not is_open and not _is_closing(text, mark.start())
    return is_open


def _is_closing(text: str, position: int) -> bool:
    """True when the double quote at position can only close a quote: it ends a word ("والشرقية".")."""
    after = text[position + 1 : position + 2]
    return position > 0 and not text[position - 1].isspace() and not after.isalnum()


def is_boilerplate(sentence: str) -> bool:
    """True for "read more", share, comment-form, photo-credit, byline and tag lines: never in a summary."""
    key = normalise(sentence)
    if sentence.startswith("©") or any(pattern.search(key) for pattern in BOILERPLATE):
        return True
    if _ENGLISH_BYLINE.match(sentence):
        return True
    words = key.split()
    if words and all(word in _CREDIT_NAMES for word in words):
        return True
    label, colon, _ = sentence[:_LABEL_REACH].partition(":")
    if colon and _LABEL.match(normalise(label)):
        return True
    if _is_name_label(sentence):
        return True
    if _PROMPT.search(key) and len(words) <= _MAX_PROMPT_WORDS:
        return True
    if _STAMP.match(key) and _DIGIT.search(key) and len(words) <= _MAX_STAMP_WORDS:
        return True
    return _CREDIT.match(key) is not None and len(words) <= _MAX_CREDIT_WORDS


def _is_name_label(sentence: str) -> bool:
    """True for a byline or source line ("حوار: آسيا العتروس"): the label, a colon, then a name only."""
    label, colon, rest = sentence.partition(":")
    if not colon or len(label) > _LABEL_REACH or not _NAME_LABEL.match(normalise(label)):
        return False
    name = rest.partition(":")[0]
    return len(name.split()) <= _MAX_NAME_WORDS and _NAME_BREAKS.search(name) is None


# Telegram captions allow 1024 characters after entities; 600 leaves room for the title and the link.
CAPTION_BUDGET = 600
# Three sentences is what a reader takes in at a glance under a photo.
CAPTION_SENTENCES = 3
# A text message has no photo to share the screen with: a few sentences more, still one phone screen.
TEXT_BUDGET = 900
TEXT_SENTENCES = 5
# The scorer's weights, trained by benchmarks/train_summariser.py from the 70% split of the BBC corpus.
MODEL = "summariser.json"

# Verbs of reported speech that open a quote sentence rather than the news itself.
_SPEECH_OPENERS = frozenset({
    "قال", "وقال", "اضاف", "واضاف", "وتابع", "واوضح", "واشار", "وذكر", "اكد", "واكد",
    "وقالت", "واضافت", "واكدت", "وتابعت", "said", "added",
})  # fmt: skip
_QUESTION_ENDS = ("?", "؟")
# The words a question opens with, normalise()d; a sentence that opens otherwise reports one.
_ASKING = frozenset({
    "ما", "ماذا", "لماذا", "لما", "هل", "كيف", "متي", "اين", "من", "مالذي", "كم", "اي", "الي", "أ",
    "what", "why", "how", "who", "whom", "whose", "when", "where", "which", "is", "are", "was", "were",
    "do", "does", "did", "will", "would", "can", "could", "should", "has", "have", "had",
})  # fmt: skip
# An interview marks the interviewer's questions ("* وما البديل؟", "س: ...", "Q: ...").
_INTERVIEW_QUESTION = re.compile(r"^(?:[*•■▪►]|(?:س|سؤال|Q)\s*[:：-]).*[?؟][\"'”’»)]*$")
_CLOSING_QUOTES = "\"'”’»›)"
# A question that opens with a quote mark is someone's ("لماذا…؟" asked of a spokeswoman): news, not a hook.
_QUOTE_OPENINGS = ('"', "“", "«")
# A sentence that names the question before it ("سؤال يطرحه…", "هذا السؤال…", "تساءل…"), normalise()d.
_POINTS_BACK = re.compile(
    r"^(?:\S+ ){0,2}[وف]?(?:ال)?(?:سؤال|اسئله|تساؤل|تساءل|يتساءل|تتساءل|يتساءلون|that is the question\b)"
)
_QUOTE = re.compile('[«»"“”]')
_DIGIT = re.compile(r"\d")
# A sentence shorter than this is a fragment (a dateline, a label), not a summary on its own.
_SHORT_WORDS = 8
# What ends a sentence or introduces what follows; a short line ending otherwise is a heading.
_HEADING_ENDS = (".", "!", "?", "؟", "؛", "…", ":", '"', "”", "»", "'", "’", ")")
# Words that go on from the sentence before; a crosshead never opens with one (و and ف prefix nouns as
# often as they join, "وزير", "فساد", so only these whole words count).
_CONTINUATIONS = frozenset({"لكن", "ولكن", "لكنه", "لكنها", "ولكنه", "ولكنها", "ثم", "كما", "وكما", "بينما"})
# A sentence whose stems are mostly already in the summary repeats it (wire copy often restates the lead).
_REPEATS = 0.6
# Longer than a standfirst: reads as detail rather than the point.
_LONG_WORDS = 35


class Sentence(NamedTuple):
    """A candidate sentence with what the scorer and the redundancy check need."""

    index: int
    text: str
    stems: frozenset[str]
    score: float


def rank(text: str, title: str = "") -> list[Sentence]:
    """The text's news sentences (less one repeating the title) with their scores, for summarise's `ranked`.

    Segmenting and scoring are the costly part: a caller summarising one text for several budgets ranks once.
    """
    sentences = news_sentences(text)
    if sentences and title and text_key(sentences[0]) == text_key(title):
        sentences = sentences[1:]
    return score_sentences(sentences, title) if sentences else []


def summarise(
    text: str,
    budget: int,
    *,
    title: str = "",
    max_sentences: int = CAPTION_SENTENCES,
    max_words: int | None = None,
    ranked: list[Sentence] | None = None,
) -> str:
    """The best-scoring sentences that fit in budget characters (and max_words), in article order.

    A lone sentence too long for the budget is cut at a word, with an ellipsis.
    `ranked` is `rank(text, title)` when the caller has it already.
    """
    scored = rank(text, title) if ranked is None else ranked
    if not scored:
        return ""
    best = max(scored, key=lambda sentence: sentence.score)
    if _is_question(best.text) and not _is_the_news(best, scored):
        # A question opens a feature or an interview ("ما الذي يحدث في السودان؟"); the statement after it
        # says what the piece is about.
        best = next((s for s in scored[best.index + 1 :] if not _is_question(s.text)), best)
    if not _fits(best.text, budget, max_words):
        # The point of the article is in its best sentence: a cut of it beats a lesser sentence whole.
        return _cut(best.text, budget, max_words)
    return " ".join(
        sentence.text for sentence in sorted(_select(scored, best, budget, max_sentences, max_words))
    )


def _is_question(sentence: str) -> bool:
    """True for a sentence that asks ("ما الذي يحدث في السودان؟"), not one that reports a question."""
    if not sentence.rstrip(_CLOSING_QUOTES).endswith(_QUESTION_ENDS):
        return False
    words = normalise(sentence).split()
    first = words[0] if words else ""
    return first in _ASKING or (first[:1] in "وف" and first[1:] in _ASKING)


def _is_the_news(question: Sentence, scored: list[Sentence]) -> bool:
    """True for a question that is the story: someone's, quoted, or one the next sentence points back to."""
    if question.text.startswith(_QUOTE_OPENINGS):
        return True
    following = scored[question.index + 1 : question.index + 2]
    return bool(following) and _POINTS_BACK.match(normalise(following[0].text)) is not None


def _fits(text: str, budget: int, max_words: int | None) -> bool:
    """True when text alone fits the character budget and the word limit."""
    return len(text) <= budget and (max_words is None or len(text.split()) <= max_words)


def score_sentences(sentences: Sequence[str], title: str = "") -> list[Sentence]:
    """Each sentence with the learned model's score: higher means closer to what an editor would write."""
    weights = _model()
    bags = [Counter(stems(sentence)) for sentence in sentences]
    rows = _features(sentences, bags, title)
    return [
        Sentence(i, text, frozenset(bag), sum(w * x for w, x in zip(weights, row, strict=True)))
        for i, (text, bag, row) in enumerate(zip(sentences, bags, rows, strict=True))
    ]


def _select(
    scored: list[Sentence], best: Sentence, budget: int, max_sentences: int, max_words: int | None
) -> list[Sentence]:
    """The best sentence, then the ones after it while they fit, say something new and close their quotes.

    News is written lead-first. A sentence that does not fit ends the summary, since jumping past it reads as
    a non sequitur; so does a near-repeat, since wire copy restates the lead where the background begins.
    Both choices score higher against the BBC standfirsts than skipping ahead (benchmarks/README.md). An
    interviewer's next question ends it too: it opens another exchange, whose answer would not fit.
    """
    chosen = [best]
    used_chars, used_words = len(best.text), len(best.text.split())
    for sentence in scored[best.index + 1 :]:
        if len(chosen) >= max_sentences:
            break
        chars, words = used_chars + 1 + len(sentence.text), used_words + len(sentence.text.split())
        if (
            chars > budget
            or (max_words is not None and words > max_words)
            or _overlap(sentence, chosen) > _REPEATS
            or _INTERVIEW_QUESTION.match(sentence.text) is not None
        ):
            break
        chosen.append(sentence)
        used_chars, used_words = chars, words
    # A quote running over paragraphs is not left open.
    while len(chosen) > 1 and _cuts_quote(chosen, scored):
        chosen.pop()
    return chosen


def _cuts_quote(chosen: list[Sentence], scored: list[Sentence]) -> bool:
    """True when the chosen sentences after the best open a quote that only a later sentence closes.

    A double quote that no later sentence closes is a typo, not a quote: dropping sentences for it would
    shrink the summary to its lead.
    """
    tail = " ".join(sentence.text for sentence in chosen[1:])
    if tail.count("«") > tail.count("»"):
        return True
    if not _leaves_quote_open(tail):
        return False
    rest = " ".join(sentence.text for sentence in scored[chosen[-1].index + 1 :])
    mark = _DOUBLE_QUOTES.search(rest)
    return mark is not None and _is_closing(rest, mark.start())


def _overlap(sentence: Sentence, chosen: list[Sentence]) -> float:
    """The largest share of this sentence's stems already said by a chosen sentence."""
    if not sentence.stems:
        return 0.0
    return max((len(sentence.stems & other.stems) / len(sentence.stems) for other in chosen), default=0.0)


FEATURES = (
    "bias", "first", "second", "third", "fourth", "log_position", "relative_position",
    "words", "short", "long", "title_recall", "title_precision", "centrality", "centrality_rank",
    "speech_opener", "quoted", "continues", "has_digit", "ends_colon", "question", "first_x_title",
)  # fmt: skip


def sentence_features(sentences: Sequence[str], title: str = "") -> list[list[float]]:
    """One row of FEATURES per sentence: position, length, title overlap, centrality and style cues."""
    return _features(sentences, [Counter(stems(sentence)) for sentence in sentences], title)


def _features(sentences: Sequence[str], bags: list[Counter[str]], title: str) -> list[list[float]]:
    """sentence_features, given each sentence's stem bag."""
    document: Counter[str] = Counter()
    for bag in bags:
        document.update(bag)
    title_stems = set(stems(title))
    document_norm = sum(count * count for count in document.values())
    centrality = [_cosine_to_rest(bag, document, document_norm) for bag in bags]
    ranks = {i: rank for rank, i in enumerate(sorted(range(len(bags)), key=lambda i: -centrality[i]))}
    count = len(sentences)
    rows = []
    for i, (sentence, bag) in enumerate(zip(sentences, bags, strict=True)):
        key_words = sentence.split(maxsplit=1)[:1] and normalise(sentence.split(maxsplit=1)[0]).split()
        n_words = len(sentence.split())
        shared = len(title_stems & bag.keys())
        title_recall = shared / len(title_stems) if title_stems else 0.0
        rows.append([
            1.0,
            float(i == 0),
            float(i == 1),
            float(i == 2),
            float(i == 3),
            math.log1p(i),
            i / count,
            min(n_words, 60) / _LONG_WORDS,
            float(n_words < _SHORT_WORDS),
            float(n_words > _LONG_WORDS),
            title_recall,
            shared / len(bag) if bag else 0.0,
            centrality[i],
            1.0 / (1 + ranks[i]),
            float(bool(key_words) and key_words[0] in _SPEECH_OPENERS),
            float(_QUOTE.search(sentence) is not None),
            float(bool(key_words) and key_words[0].startswith("و") and i > 0),
            float(_DIGIT.search(sentence) is not None),
            float(sentence.rstrip().endswith(":")),
            float(sentence.rstrip().endswith(("?", "؟"))),
            float(i == 0) * title_recall,
        ])  # fmt: skip
    return rows


def _cosine_to_rest(bag: Counter[str], document: Counter[str], document_norm: int) -> float:
    """Cosine of a sentence's stem bag with the rest of the document's, in time linear in the sentence."""
    if not bag:
        return 0.0
    dot = rest_norm = 0
    for word, count in bag.items():
        rest = document[word] - count
        dot += count * rest
        rest_norm += rest * rest - document[word] * document[word]
    rest_norm += document_norm
    if not rest_norm:
        return 0.0
    return dot / math.sqrt(sum(c * c for c in bag.values()) * rest_norm)


@cache
def _model() -> tuple[float, ...]:
    """The shipped weights, checked against FEATURES so a stale file fails loudly, not silently."""
    data = json.loads(resources.files("jobs.models").joinpath(MODEL).read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{MODEL} was trained on other features; rerun benchmarks/train_summariser.py")
    return tuple(float(w) for w in data["weights"])


def news_sentences(text: str) -> list[str]:
    """Sentences minus boilerplate, crossheads and datelines; "اقرأ أيضاً:" alone takes its headline too.

    A text whose lines all lack an end mark (a ticker, a listing's teasers) is all headlines, short or long,
    and those lines are its sentences.
    """
    kept: list[str] = []
    headings: list[str] = []
    introduced = False
    lines = [sentences for sentences in map(_split_line, text.splitlines()) if sentences]
    # A text whose lines all lack an end mark is a ticker or a list of headlines: no line heads another.
    ticker = not any(sentences[-1].endswith(_HEADING_ENDS) for sentences in lines)
    for i, sentences in enumerate(lines):
        following = lines[i + 1][0] if i + 1 < len(lines) else ""
        if not ticker and len(sentences) == 1 and _is_heading(sentences[0], following):
            headings.append(sentences[0])
            introduced = False
            continue
        for sentence in sentences:
            if introduced:
                introduced = False
            elif is_boilerplate(sentence):
                # "اقرأ أيضاً:" introduces the headline after it; "متابعة:" alone is a label, not a link.
                introduced = sentence.endswith(":") and not _is_name_label(sentence)
            else:
                _keep(kept, sentence)
    if not kept:
        for heading in headings:
            if not is_boilerplate(heading):
                _keep(kept, heading)
    return kept


def _keep(kept: list[str], sentence: str) -> None:
    """Add the sentence without its dateline, unless the dateline was all there was."""
    news = _without_dateline(sentence, opening=not kept)
    if any(ch.isalnum() for ch in news):
        kept.append(news)


def _is_heading(line: str, following: str = "") -> bool:
    """True for a short line with no end mark: a crosshead, a kicker or a caption, not a sentence to quote.

    A line opening with "لكن", "ثم" or "كما" goes on from the one before: both are sentences missing their
    full stops ("بدأوا بالغسالات" / "ثم الألواح الشمسية"), not headings.
    """
    return (
        len(line.split()) < _SHORT_WORDS
        and not line.endswith(_HEADING_ENDS)
        and not _continues(line)
        and not _continues(following)
    )


def _continues(line: str) -> bool:
    """True for a line that opens with a word going on from the line before."""
    words = line.split(maxsplit=1)
    return bool(words) and normalise(words[0]) in _CONTINUATIONS


def _without_dateline(sentence: str, opening: bool = True) -> str:
    """The sentence minus a leading wire dateline, if it has one; a site's "عمان :-" opens the text only."""
    if _DATELINE_MARKS.isdisjoint(sentence[:_DATELINE_REACH]):
        return sentence
    match = _DATELINE.match(sentence)
    if match is None or (match.group("site") and not opening) or _names_a_speaker(match.group()):
        return sentence
    return sentence[match.end() :]


def _names_a_speaker(head: str) -> bool:
    """True when what looks like a dateline introduces a speaker ("وقال الوزير :-", "وقال لـ بي بي سي:")."""
    words = normalise(head).split()
    if words and (words[0] in _SPEECH_OPENERS or "ل" in words):
        return True
    return " ".join(words) in _SPEAKING_AGENCIES and _DASHES_AND_BRACKETS.isdisjoint(head)


def first_words(sentence: str, max_words: int) -> str:
    """The sentence held to a word limit: its first max_words words, single-spaced (no ellipsis)."""
    return " ".join(sentence.split()[:max_words])


def _cut(sentence: str, budget: int, max_words: int | None = None) -> str:
    """The longest word-bounded head of sentence within budget and max_words, with an ellipsis, or ""."""
    if max_words is not None:
        sentence = first_words(sentence, max_words)
    room = budget - len(_ELLIPSIS)
    if room <= 0:
        return ""
    head = sentence[: room + 1]
    boundary = room if len(head) <= room or head[room:].isspace() else head.rfind(" ")
    head = sentence[:boundary].rstrip(_DANGLING) if boundary > 0 else ""
    return head + _ELLIPSIS if head else ""
