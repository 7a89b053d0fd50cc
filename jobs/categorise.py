"""Map the category hints a source gives (feed terms, breadcrumbs, URL paths) to configured slugs."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from urllib.parse import unquote, urlsplit

from jobs.arabic import strip_article, words
from jobs.classify import Classifier, shipped
from jobs.records import CategorySpec

# Standalone "and" words vanish from keys so "Arts and Culture" meets "Arts & Culture".
_CONNECTORS = frozenset({"و", "and"})
_CONJUNCTION = "و"
# A conjunction is only split off a longer word: "وطن" (homeland) must stay whole.
_MIN_LETTERS_AFTER_CONJUNCTION = 3
# Category slugs run to two words ("arab-world"); an article's own slug is a headline and runs longer.
_ARTICLE_SLUG_MIN_WORDS = 3
# BBC Arabic files an article as "/arabic/sports-43101640": its section, then its number.
_ARTICLE_ID = re.compile(r"(?<=[^\W\d_])[-_]\d{5,}(?:\.[a-z]+)?$")
# Section names run to a few words; a longer term is a tag sentence or a headline and must match whole.
_MAX_SECTION_WORDS = 4
# Words that only say "news": "أخبار الرياضة", "Sport News" and "sports-news" are the sport section.
_NEWS_WORDS = frozenset({"اخبار", "خبر", "news"})
# A two-word section may be a noun and its scope ("رياضة عربية", "World Sport"): then the noun names it.
_HEAD_AND_QUALIFIER_WORDS = 2
# The nisba ending makes a noun's adjective: "الرياضية" is sport's section, "سياسية" politics'.
_NISBA_ENDINGS = ("يه", "ي")
# "فني" (artistic) is the shortest nisba whose noun ("فن") is a section name.
_MIN_NISBA_STEM = 2
# "arts" is the shortest plural that names a section ("art"); shorter words ending in "s" are not plurals.
_MIN_ENGLISH_PLURAL = 3
# English scopes that qualify a section's noun: "World Sport", "Local Politics".
_ENGLISH_SCOPES = frozenset({"world", "international", "global", "local", "national", "regional", "arab"})
# Hamza seats vary by country ("شؤون"/"شئون"); keys carry the bare hamza.
_HAMZA_SEATS = str.maketrans({"ؤ": "ء", "ئ": "ء"})
# Which word of a two-word name is its noun depends on the script (see _spellings).
_ARABIC_LETTER = re.compile(r"[\u0620-\u064a]")
# Emoji variation selectors ("⚡️") are marks, so they would cling to the word after the emoji.
_VARIATION_SELECTORS = re.compile(r"[\ufe00-\ufe0f]")

# Names a configuration might give each classifier label's category, most specific first: a label reaches
# the first configured slug one of them matches, and labels that reach none are never guessed.
LABEL_NAMES: dict[str, tuple[str, ...]] = {
    "culture": ("culture", "ثقافة", "ثقافة وفنون", "arts", "فنون"),
    "economy": ("economy", "اقتصاد", "business", "مال واعمال"),
    "internationalNews": ("international", "world", "دولي", "دولية", "عالمي", "عربي ودولي"),
    # Regional news is world news to a configuration without a regional category.
    "middleEast": (
        "middle-east",
        "middle east",
        "الشرق الأوسط",
        "arab-world",
        "عربي",
        "عربي ودولي",
        "international",
        "world",
        "دولي",
        "دولية",
    ),
    "sport": ("sport", "رياضة"),
    "technology": ("technology", "tech", "تكنولوجيا", "تقنية", "علوم وتكنولوجيا"),
}

_ARABIC_BREAKING_OPENERS = (("عاجل",), ("خبر", "عاجل"))
# English needs a delimiter or capitals: "Breaking Bad star dies" is not breaking news.
_ENGLISH_BREAKING = re.compile(r"^[\W_]*(?:BREAKING\b|(?i:breaking(?:\s+news)?)\s*[:|\-–—])")


class Categoriser:
    """Configured categories, indexed so any spelling of a name finds its slug."""

    def __init__(self, specs: Sequence[CategorySpec], classifier: Classifier | None = None) -> None:
        """Index every name and path alias; when two specs share a name, the earlier spec keeps it."""
        self._classifier = classifier
        self._names: dict[str, str] = {}
        self._paths: list[tuple[tuple[str, ...], str]] = []
        self._breaking = frozenset(spec.slug for spec in specs if spec.breaking)
        for spec in specs:
            for name in (spec.slug, *spec.names, *spec.aliases):
                if _looks_like_path(name):
                    prefix = _path_keys(name)
                    if prefix:
                        self._paths.append((prefix, spec.slug))
                elif key := _term_key(name):
                    self._names.setdefault(key, spec.slug)
        # Only a category's own name heads a qualified section name ("رياضة عربية"): aliases are often
        # nouns of other phrases ("أعمال عنف", "المجتمع الدولي", "Show Business").
        self._heads = {
            key: spec.slug
            for spec in specs
            for name in (spec.slug, *spec.names)
            if (key := _term_key(name)) and self._names.get(key) == spec.slug
        }

        self._label_slugs = {
            label: slug
            for label, names in LABEL_NAMES.items()
            if (slug := next(filter(None, map(self.match, names)), None))
        }

    def match(self, term: str) -> str | None:
        """The slug a name given whole names, if any: a reader's "/subscribe رياضة اقتصاد" is two names."""
        return self._names.get(_term_key(term))

    def matches(self, term: str) -> list[str]:
        """Every slug a site's term (feed category, breadcrumb, article:section, path segment) names.

        Sites dress section names up: "أخبار الرياضة", "الرياضية", "رياضة عربية", "الاقتصاد والأعمال".
        """
        parts = _term_parts(term)
        key = " ".join(word for part in parts for word in part)
        if key in self._names:
            return [self._names[key]]
        if len(key.split()) > _MAX_SECTION_WORDS:
            return []
        # An alert rings every reader's phone: only a breaking name given whole files an item there.
        loose = (self._part_slug(part) for part in parts)
        return _unique(slug for slug in loose if slug and slug not in self._breaking)

    def _part_slug(self, part: list[str]) -> str | None:
        """The slug one name of a compound names, through its "news" words, qualifier or nisba ending."""
        topical = [word for word in part if word not in _NEWS_WORDS] or part
        if slug := next(filter(None, map(self._names.get, _spellings(topical))), None):
            return slug
        head = _qualified_head(topical) if len(topical) == _HEAD_AND_QUALIFIER_WORDS else None
        return next(filter(None, map(self._heads.get, _spellings([head]))), None) if head else None

    def from_url(self, url: str) -> list[str]:
        """Slugs named by the URL path: configured path prefixes first, then single segments."""
        segments = _path_segments(url)
        keys = tuple(filter(None, map(_term_key, segments)))
        found = [slug for prefix, slug in self._paths if keys[: len(prefix)] == prefix]
        for segment in segments:
            segment = _ARTICLE_ID.sub("", segment)
            key = _term_key(segment)
            # A headline slug names a section only whole: "sport-minister-resigns" is politics' news.
            if not _is_article_slug(key):
                found.extend(self.matches(segment))
            elif key in self._names:
                found.append(self._names[key])
        return _unique(found)

    def categorise(
        self,
        terms: Iterable[str],
        url: str | None = None,
        default: str | None = None,
        *,
        text: str = "",
        title: str = "",
        given: Sequence[str] = (),
    ) -> tuple[str, ...]:
        """Slugs in order of trust: the source's own, its terms, the URL, the text, else the default.

        A breaking category says how urgent an item is, not what it is about: an item filed only under
        "خبر عاجل" still gets its topic from the text or the source's default.
        """
        found = [*given, *(slug for term in terms for slug in self.matches(term))]
        if url:
            found.extend(self.from_url(url))
        if not self._has_topic(found) and (text or title):
            found.extend(self.classify(text, title))
        if not self._has_topic(found) and default:
            found.append(default)
        return tuple(_unique(found))

    def _has_topic(self, slugs: list[str]) -> bool:
        """Whether any slug says what the item is about rather than only that it is urgent."""
        return any(slug not in self._breaking for slug in slugs)

    def classify(self, text: str, title: str = "") -> list[str]:
        """The configured slugs the text classifier is confident of, or nothing (the caller's default)."""
        if not self._label_slugs:
            return []  # no configured category matches a label: skip loading the model
        classifier = self._classifier or shipped()
        prediction = classifier.predict(text, title)
        if prediction is None or not prediction.confident:
            return []
        return _unique(self._label_slugs[label] for label in prediction.labels if label in self._label_slugs)

    def is_breaking(self, slugs: Iterable[str], title: str) -> bool:
        """Breaking if filed under a breaking category or if the headline announces itself as such."""
        return any(slug in self._breaking for slug in slugs) or _title_says_breaking(title)


def _term_key(text: str) -> str:
    """Normalised words without articles or "and" connectors, so site spelling variants share a key."""
    return " ".join(word for part in _term_parts(text) for word in part)


def _term_parts(text: str) -> list[list[str]]:
    """The key words of each name an "and" joins: "الاقتصاد والأعمال" is two names, "Arts & Culture" too."""
    parts: list[list[str]] = [[]]
    for word in words(text.replace("&", " and ")):
        if word in _CONNECTORS:
            parts.append([])
            continue
        rest = word[len(_CONJUNCTION) :]
        # "والاقتصاد" is "and" + "the economy": the conjunction comes off before the article.
        if parts[-1] and word.startswith(_CONJUNCTION) and len(rest) >= _MIN_LETTERS_AFTER_CONJUNCTION:
            parts.append([])
            word = rest
        parts[-1].append(strip_article(word).translate(_HAMZA_SEATS))
    return [part for part in parts if part]


def _spellings(part: list[str]) -> Iterator[str]:
    """The keys a name may be configured under: itself, or for one word the noun of its nisba."""
    yield " ".join(part)
    if len(part) == 1:
        yield from _nisba_nouns(part[0]) if _ARABIC_LETTER.match(part[0]) else _english_numbers(part[0])


def _qualified_head(part: list[str]) -> str | None:
    """The noun of a qualified name: "رياضة عربية", "تكنولوجيا المعلومات", "World Sport"; else None."""
    # Arabic puts the noun first; in English the noun comes last, and only a scope word may qualify it
    # ("Gun Culture" is not the culture section).
    if _ARABIC_LETTER.match(part[0]):
        return part[0]
    scope, noun = part
    return noun if scope in _ENGLISH_SCOPES else None


def _nisba_nouns(word: str) -> Iterator[str]:
    """The noun a nisba adjective comes from: "رياضيه" gives "رياضه" and "رياض" (but "عربيه" not "عربي")."""
    for ending in _NISBA_ENDINGS:
        stem = word[: -len(ending)]
        if word.endswith(ending) and len(stem) >= _MIN_NISBA_STEM:
            yield from (stem + "ه", stem)
            return


def _english_numbers(word: str) -> Iterator[str]:
    """The other grammatical number of an English name: "Sports" meets "sport", "tech" meets "techs"."""
    if word.endswith("s") and len(word) > _MIN_ENGLISH_PLURAL:
        yield word[:-1]
    else:
        yield word + "s"


def _looks_like_path(name: str) -> bool:
    """Aliases written as paths or URLs only ever describe URLs, never free-text terms."""
    return name.lstrip().startswith("/") or "://" in name


def _path_keys(url: str) -> tuple[str, ...]:
    """The term key of each non-empty, percent-decoded path segment."""
    return tuple(filter(None, map(_term_key, _path_segments(url))))


def _path_segments(url: str) -> list[str]:
    """The percent-decoded segments of the URL's path."""
    try:
        path = urlsplit(url.strip()).path
    except ValueError:
        return []
    return [unquote(segment) for segment in path.split("/")]


def _is_article_slug(key: str) -> bool:
    """A many-word final segment is the article's own headline slug, not a section."""
    return len(key.split()) >= _ARTICLE_SLUG_MIN_WORDS


def _title_says_breaking(title: str) -> bool:
    """Headlines marked "عاجل" / "خبر عاجل" / "BREAKING:" however they are punctuated or stretched."""
    head = tuple(words(_VARIATION_SELECTORS.sub("", title)))
    if any(head[: len(opener)] == opener for opener in _ARABIC_BREAKING_OPENERS):
        return True
    return _ENGLISH_BREAKING.match(title) is not None


def _unique(slugs: Iterable[str]) -> list[str]:
    """Drop repeats, keeping first-seen order."""
    return list(dict.fromkeys(slugs))
