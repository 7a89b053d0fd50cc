"""Map the category hints a source gives (feed terms, breadcrumbs, URL paths) to configured slugs."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
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
            for name in (spec.slug, *spec.names):
                if _looks_like_path(name):
                    prefix = _path_keys(name)
                    if prefix:
                        self._paths.append((prefix, spec.slug))
                elif key := _term_key(name):
                    self._names.setdefault(key, spec.slug)

        self._label_slugs = {
            label: slug
            for label, names in LABEL_NAMES.items()
            if (slug := next(filter(None, map(self.match, names)), None))
        }

    def match(self, term: str) -> str | None:
        """The slug a free-text term (feed category, breadcrumb, article:section) names, if any."""
        return self._names.get(_term_key(term))

    def from_url(self, url: str) -> list[str]:
        """Slugs named by the URL path: configured path prefixes first, then single segments."""
        keys = _path_keys(url)
        found = [slug for prefix, slug in self._paths if keys[: len(prefix)] == prefix]
        if keys and _is_article_slug(keys[-1]) and keys[-1] not in self._names:
            keys = keys[:-1]
        found.extend(self._names[key] for key in keys if key in self._names)
        return _unique(found)

    def categorise(
        self,
        terms: Iterable[str],
        url: str | None = None,
        default: str | None = None,
        *,
        text: str = "",
        title: str = "",
    ) -> tuple[str, ...]:
        """Slugs in order of trust: the source's terms, the URL, the article's text, else the default."""
        found = [slug for slug in map(self.match, terms) if slug]
        if url:
            found.extend(self.from_url(url))
        if not found and (text or title):
            found.extend(self.classify(text, title))
        if not found and default:
            found.append(default)
        return tuple(_unique(found))

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
    keys: list[str] = []
    for word in words(text):
        if word in _CONNECTORS:
            continue
        word = strip_article(word)
        rest = word[len(_CONJUNCTION) :]
        if keys and word.startswith(_CONJUNCTION) and len(rest) >= _MIN_LETTERS_AFTER_CONJUNCTION:
            word = strip_article(rest)
        keys.append(word)
    return " ".join(keys)


def _looks_like_path(name: str) -> bool:
    """Aliases written as paths or URLs only ever describe URLs, never free-text terms."""
    return name.lstrip().startswith("/") or "://" in name


def _path_keys(url: str) -> tuple[str, ...]:
    """The term key of each non-empty, percent-decoded path segment."""
    try:
        path = urlsplit(url.strip()).path
    except ValueError:
        return ()
    keys = (_term_key(unquote(segment)) for segment in path.split("/"))
    return tuple(key for key in keys if key)


def _is_article_slug(key: str) -> bool:
    """A many-word final segment is the article's own headline slug, not a section."""
    return len(key.split()) >= _ARTICLE_SLUG_MIN_WORDS


def _title_says_breaking(title: str) -> bool:
    """Headlines marked "عاجل" / "خبر عاجل" / "BREAKING:" however they are punctuated or stretched."""
    head = tuple(words(title))
    if any(head[: len(opener)] == opener for opener in _ARABIC_BREAKING_OPENERS):
        return True
    return _ENGLISH_BREAKING.match(title) is not None


def _unique(slugs: Iterable[str]) -> list[str]:
    """Drop repeats, keeping first-seen order."""
    return list(dict.fromkeys(slugs))
