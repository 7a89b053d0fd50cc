"""The records that flow between the steps of the news path."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Candidate:
    """Something a source lists (feed entry, listing link, ticker headline), before it is fetched."""

    source: str
    title: str
    url: str | None = None
    summary: str = ""
    categories: tuple[str, ...] = ()
    published: datetime | None = None
    is_ticker: bool = False


@dataclass(frozen=True)
class Article:
    """What extraction found on an article page."""

    url: str
    title: str
    text: str
    published: datetime | None = None
    image: str | None = None
    canonical: str | None = None
    categories: tuple[str, ...] = ()
    author: str | None = None


@dataclass(frozen=True)
class CategorySpec:
    """A configured category: its slug plus every name and alias that should reach it."""

    slug: str
    names: tuple[str, ...] = field(default_factory=tuple)
    breaking: bool = False
    # Other words that reach it whole; unlike its names they never head a longer section name.
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class NewsItem:
    """A new piece of news, ready to be routed and rendered: the end of the jobs path."""

    key: str
    source: str
    title: str
    url: str | None
    summary: str
    categories: tuple[str, ...]
    breaking: bool
    published: datetime | None = None
    image: str | None = None
    # Key of an earlier item this one corrects (an edited ticker headline): its sent messages are edited.
    revises: str | None = None
    # Other sources that told the same story, as (source name, link): named in the message, not re-posted.
    also: tuple[tuple[str, str | None], ...] = ()
    # The shorter summary for a photo's caption; empty means the caption uses `summary`, shortened.
    caption: str = ""

    def to_json(self) -> dict[str, object]:
        """A JSON-safe dict, for storing in the outbox's item table."""
        return {
            "key": self.key,
            "source": self.source,
            "title": self.title,
            "url": self.url,
            "summary": self.summary,
            "categories": list(self.categories),
            "breaking": self.breaking,
            "published": self.published.isoformat() if self.published else None,
            "image": self.image,
            "revises": self.revises,
            "also": [list(pair) for pair in self.also],
            "caption": self.caption,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> NewsItem:
        published = data.get("published")
        return cls(
            key=str(data["key"]),
            source=str(data["source"]),
            title=str(data["title"]),
            url=data.get("url"),  # type: ignore[arg-type]
            summary=str(data.get("summary") or ""),
            categories=tuple(data.get("categories") or ()),  # type: ignore[arg-type]
            breaking=bool(data.get("breaking")),
            published=datetime.fromisoformat(published) if isinstance(published, str) else None,
            image=data.get("image"),  # type: ignore[arg-type]
            revises=data.get("revises"),  # type: ignore[arg-type]
            also=tuple((str(name), link) for name, link in data.get("also") or ()),  # type: ignore[attr-defined]
            caption=str(data.get("caption") or ""),
        )
