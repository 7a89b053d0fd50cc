"""Lead-sentence summaries: the opening of a news article is written to stand alone."""

from __future__ import annotations

import re

from jobs.arabic import normalise, text_key

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
)
# Photo credits ("(صورة: رويترز)", "Photo: AFP"): a credit word, then a name or two, never a sentence.
_CREDIT = re.compile(r"^(الصوره|صوره|تصوير|photo|image|credit|photograph)\b")
_MAX_CREDIT_WORDS = 6

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
    """True when the end marks close a sentence rather than an ellipsis or an abbreviation."""
    marks = end.group("marks")
    if _STRONG_ENDS.intersection(marks):
        return True
    if marks != ".":
        return False  # "..", "..." and "…" trail off mid-line; only a line end closes them
    words_before = line[: end.start()].split()
    previous = words_before[-1].lstrip(_OPENING_PUNCTUATION) if words_before else ""
    return not (_INITIALS.fullmatch(previous) or previous.lower() in _ABBREVIATIONS)


def is_boilerplate(sentence: str) -> bool:
    """True for "read more", comment-form and photo-credit lines that must never reach a summary."""
    key = normalise(sentence)
    if any(pattern.search(key) for pattern in BOILERPLATE):
        return True
    return _CREDIT.match(key) is not None and len(key.split()) <= _MAX_CREDIT_WORDS


def summarise(text: str, budget: int, *, title: str = "") -> str:
    """The lead sentences that fit in budget characters; a lone over-long lead is cut at a word."""
    sentences = _news_sentences(text)
    if sentences and title and text_key(sentences[0]) == text_key(title):
        sentences = sentences[1:]
    chosen: list[str] = []
    used = 0
    for sentence in sentences:
        used += len(sentence) + (1 if chosen else 0)
        if used > budget:
            break
        chosen.append(sentence)
    if chosen or not sentences:
        return " ".join(chosen)
    return _cut(sentences[0], budget)


def _news_sentences(text: str) -> list[str]:
    """Sentences minus boilerplate; "اقرأ أيضاً:" alone on a line also takes the headline it introduces."""
    kept: list[str] = []
    introduced = False
    for sentence in split_sentences(text):
        if introduced:
            introduced = False
        elif is_boilerplate(sentence):
            introduced = sentence.endswith(":")
        else:
            kept.append(sentence)
    return kept


def _cut(sentence: str, budget: int) -> str:
    """The longest word-bounded head of sentence that fits in budget with an ellipsis, or ""."""
    room = budget - len(_ELLIPSIS)
    if room <= 0:
        return ""
    head = sentence[: room + 1]
    boundary = room if head[room:].isspace() else head.rfind(" ")
    head = sentence[:boundary].rstrip(_DANGLING) if boundary > 0 else ""
    return head + _ELLIPSIS if head else ""
