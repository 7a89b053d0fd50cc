"""Nashra's state: what was seen, who subscribed, what is still to be sent — crash-safe, and fast at 1M items.

Two kinds of state, two files, so a durable write never costs more than the change it makes:

* `nashra.json` — subscribers (and any other small settings table) in TinyDB's JSON layout. It changes
  only when a reader does something, is small, and is replaced atomically (temp file, fsync, rename).
* `nashra.json.d/YYYY-MM-DD.jsonl` — a journal sharded by day. Each commit appends one line holding
  everything the poll or delivery changed (seen marks, items, source state, outbox entries and acks) with
  one fsync, so the seen marks and the deliveries they promise become durable together. Retention deletes
  whole expired day files, first carrying still-needed records (pending deliveries, their items, the
  latest source state, recent stories) into today's file.

Recent stories (the cross-source index the poller matches new articles against) are kept here, in one
StoryIndex, and journalled one record per story, not as one document: a busy newsroom adds hundreds a day,
and rewriting a 3,000-story index (~1.9 MB) for each would write gigabytes a day. The index is rebuilt
from its records at load.

Everything lives in memory; seen keys are held as 64-bit hashes so a million of them fit in well under
300 MB. `commit()` is the only durability point, and its disk work runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import itertools
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.storage import Journal, StoreError, day_name, write_atomically
from jobs.fingerprint import Story, StoryIndex, stale

__all__ = ["Delivery", "Store", "StoreError", "key_id"]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
# Longer than any feed or ticker keeps an item, so nothing expires while a source still lists it.
DEFAULT_RETENTION_DAYS = 30
SECONDS_PER_DAY = 86_400
# /latest is about recent news: looking further back than this would stall the loop on a big store.
LATEST_SCAN = 5_000
# Where nashra before the story records kept the whole story index, as one source-state document; a data
# folder holding it is converted to story records at load.
LEGACY_STORY_STATE = "nashra:stories"


def load_settings(path: Path) -> tuple[dict[str, dict[str, Any]], bytes]:
    """Read the settings file, refusing a damaged one rather than starting empty and overwriting it."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}, b""
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
            raise ValueError("top level is not an object of tables")
    except ValueError as exc:
        raise StoreError(
            f"{path} is damaged ({exc}); it was left untouched. Restore {backup_path(path)} (the copy "
            "taken at the last clean start) over it, or move it aside to start with no subscribers."
        ) from None
    return data, raw


def backup_path(path: Path) -> Path:
    """The settings file as it was at the last clean start."""
    return path.with_name(path.name + ".bak")


def journal_folder(path: Path) -> Path:
    return path.with_name(path.name + ".d")


def key_id(key: str) -> int:
    """A stable TinyDB document id for a string key, so lookups by key are dictionary hits."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=7).digest(), "big")


@dataclass(frozen=True)
class Delivery:
    """One message owed to one chat."""

    id: int
    chat_id: int | str
    item_key: str
    priority: int
    language: str


# Written by every poll, 304s included: journalling them would cost ~0.7 KB a poll (10 MB a day for 50
# sources) for a timestamp the next poll renews anyway. They reach disk with the next real change, and
# after a crash the first poll sets them again.
VOLATILE_SOURCE_FIELDS = frozenset({"last_success_at"})


class Store:
    """The single owner of the state; every read and write in the bot goes through it."""

    def __init__(
        self,
        path: Path,
        *,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._path = Path(path)
        self._retention_days = retention_days
        self._clock = clock
        self._journal = Journal(journal_folder(self._path))
        tables, raw = load_settings(self._path)
        schema = tables.get("meta", {}).get("1", {}).get("schema", 1 if tables else SCHEMA_VERSION)
        if schema > SCHEMA_VERSION:
            raise StoreError(f"{self._path} has schema {schema}, newer than this nashra ({SCHEMA_VERSION})")
        if schema == 1:
            tables = self._migrate_from_1(tables, raw)
        # The settings file's tables, in TinyDB's JSON layout: {table: {document id: document}}.
        self._tables = tables
        # Only a new or changed meta row is worth a write: rewriting an unchanged file on every start
        # would cost a rename and two fsyncs for nothing.
        meta = {"schema": SCHEMA_VERSION}
        changed = not raw or tables.get("meta", {}).get("1") != meta
        self._settings_tables(dirty=changed)["meta"]["1"] = meta
        self._commit_lock = asyncio.Lock()
        # Retention can only change when the day does: the last day _expire checked, None before the first.
        self._expired_through: int | None = None
        self._seen: set[int] = set()
        self._seen_by_day: dict[int, list[int]] = {}
        self._items: dict[str, tuple[int, dict[str, Any]]] = {}
        self._sources: dict[str, tuple[int, dict[str, Any]]] = {}
        self._outbox: dict[int, tuple[int, Delivery]] = {}
        self._notes: dict[int, dict[str, Any]] = {}
        self._next_delivery = 1
        # Story records by key, until the live ones become the index: one carried forward by retention
        # appears twice until its old day file is gone.
        stories: dict[str, list[Any]] = {}
        for day, batch in self._journal.replay():
            self._apply(day, batch)
            stories.update((row[0], row) for row in batch.get("stories", ()))
        self._batch: dict[str, Any] = {}
        self._load_stories(stories)
        if raw and schema == SCHEMA_VERSION:
            write_atomically(backup_path(self._path), raw)

    # --- loading ----------------------------------------------------------------------------

    def _apply(self, day: int, batch: dict[str, Any]) -> None:
        """Replay one committed batch into memory; later batches win, so replay is idempotent."""
        for keys in batch.get("seen", {}).values():
            self._remember(keys, day)
        for key, item in batch.get("items", {}).items():
            self._items[key] = (day, item)
        for name, state in batch.get("sources", {}).items():
            self._sources[name] = (day, state)
        for ident, chat, key, prio, lang in batch.get("add", ()):
            self._outbox[ident] = (day, Delivery(ident, chat, key, prio, lang))
            self._next_delivery = max(self._next_delivery, ident + 1)
        for ident, note in batch.get("notes", {}).items():
            self._notes[int(ident)] = note
        for ident in batch.get("done", ()):
            self._outbox.pop(ident, None)
            self._notes.pop(ident, None)
        for key, messages in batch.get("sent", {}).items():
            if key in self._items:
                self._items[key][1].setdefault("messages", {}).update(messages)

    def _load_stories(self, records: dict[str, list[Any]]) -> None:
        """Index the live story records by time, converting a whole-index document of an older nashra."""
        legacy = self._sources.pop(LEGACY_STORY_STATE, None)
        old = legacy[1].get("stories", ()) if legacy else ()
        # A record wins over the old document's copy of its story: it is what this nashra journalled since.
        converted = {row[0]: row for row in old if row[0] not in records}
        # By time, not replay order: retention's carried-forward records follow the new ones of their commit.
        rows = sorted([*converted.values(), *records.values()], key=lambda row: row[-1])
        # Only the live rows become stories: a month of records holds ten times what the index keeps.
        live = rows[stale((row[-1] for row in rows), len(rows), self._clock()) :]
        self._story_index = StoryIndex(Story.from_json(row) for row in live)
        # Journalled with the next commit; until then the old document is still there to convert again.
        kept = [story for story in self._story_index if story.key in converted]
        if kept:
            log.info("converting %d stories of the story index to one record each", len(kept))
            self.journal_stories(kept)

    def _remember(self, keys: Iterable[str], day: int) -> list[str]:
        """Add keys to the in-memory seen set; returns those that were new."""
        fresh = []
        bucket = self._seen_by_day.setdefault(day, [])
        for key in keys:
            digest = hash(key)
            if digest not in self._seen:
                self._seen.add(digest)
                bucket.append(digest)
                fresh.append(key)
        return fresh

    def _migrate_from_1(self, tables: dict[str, dict[str, Any]], raw: bytes) -> dict[str, dict[str, Any]]:
        """Schema 1 kept everything in one file; split it, after keeping a copy of the original."""
        backup = self._path.with_name(self._path.name + ".schema1.bak")
        write_atomically(backup, raw)
        log.warning("migrating %s from schema 1 to %d; the original is kept as %s", self._path, 2, backup)
        now = self._clock()
        batches: dict[int, list[bytes]] = {}
        by_day: dict[int, list[str]] = {}
        for doc in tables.get("seen", {}).values():
            by_day.setdefault(int(doc.get("at", now) // SECONDS_PER_DAY), []).append(doc["key"])
        for day, keys in by_day.items():
            batches.setdefault(day, []).append(_line({"seen": {"migrated": keys}}))
        live = {
            "items": {
                doc["key"]: {k: v for k, v in doc.items() if k != "key"} | {"key": doc["key"]}
                for doc in tables.get("items", {}).values()
            },
            "sources": {doc["name"]: doc for doc in tables.get("sources", {}).values()},
            "add": [
                [int(ident), d["chat_id"], d["item_key"], d["priority"], d["language"]]
                for ident, d in tables.get("outbox", {}).items()
            ],
        }
        batches.setdefault(int(now // SECONDS_PER_DAY), []).append(_line(live))
        self._journal.replace_with(batches)
        settings = {
            name: t for name, t in tables.items() if name not in {"seen", "items", "sources", "outbox"}
        }
        settings["meta"] = {"1": {"schema": SCHEMA_VERSION}}
        write_atomically(self._path, json.dumps(settings, ensure_ascii=False).encode())
        return settings

    # --- durability -------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self._path

    def _settings_tables(self, *, dirty: bool = True) -> dict[str, dict[str, Any]]:
        """The settings tables, about to be changed: the next commit saves the file unless dirty is False."""
        self._settings_dirty = dirty
        tables = self._tables
        for name in ("meta", "subscribers"):
            tables.setdefault(name, {})
        return tables

    def _today(self) -> int:
        return int(self._clock() // SECONDS_PER_DAY)

    def _prepare(self) -> tuple[int, bytes | None, bytes | None, list[int]]:
        """On the loop: expire old days and serialise what changed, so the thread writes a frozen copy."""
        today = self._today()
        expired = self._expire(today)
        line = _line(self._batch) if self._batch else None
        self._batch = {}
        # Serialised now, on the loop, so later changes cannot tear the copy the thread writes.
        settings = _compact(self._tables) if self._settings_dirty else None
        self._settings_dirty = False
        return today, line, settings, expired

    def _write(self, today: int, line: bytes | None, settings: bytes | None, expired: list[int]) -> None:
        """Journal first: a settings file that got ahead of the journal could never be reconciled."""
        try:
            if line is not None:
                self._journal.append(today, line)
            if settings is not None:
                write_atomically(self._path, settings)
            for day in expired:
                self._journal.drop(day)
        except BaseException:
            self._expired_through = None  # the next commit lists the journal again, for files left behind
            raise

    async def commit(self) -> None:
        """Make every change so far durable; callers await this before acting on the change."""
        async with self._commit_lock:
            work = self._prepare()
            if work[1] is not None or work[2] is not None or work[3]:
                await asyncio.to_thread(self._write, *work)

    def commit_now(self) -> None:
        """Synchronous commit for shutdown and command-line tools outside the event loop."""
        self._write(*self._prepare())

    def _expire(self, today: int) -> list[int]:
        """Forget days past retention, carrying what is still needed into the batch being committed."""
        if today == self._expired_through:
            return []
        cutoff = today - self._retention_days
        expired = [day for day in self._journal.days() if day < cutoff]
        self._expired_through = today
        expired += [day for day in self._seen_by_day if day < cutoff and day not in expired]
        if not expired:
            return []
        gone = set(expired)
        for day in gone:
            self._seen.difference_update(self._seen_by_day.pop(day, ()))
            log.info("seen items of %s are past retention; forgetting them", day_name(day))
        needed = {d.item_key for day, d in self._outbox.values()}
        for ident, (day, delivery) in list(self._outbox.items()):
            if day in gone:
                self._queue_delivery(delivery)
                self._outbox[ident] = (today, delivery)
        for key, (day, item) in list(self._items.items()):
            if day in gone:
                if key in needed:
                    self.put_item(key, item)
                else:
                    del self._items[key]
        for name, (day, state) in list(self._sources.items()):
            if day in gone:
                self._batch.setdefault("sources", {})[name] = state
                self._sources[name] = (today, state)
        self._story_index.trim(self._clock())  # a story past the index's age is not carried further
        # A story is journalled on or after the day it was found, so only one found before the cutoff can
        # have its last record in a file being dropped. Its day, not its record's, decides: with retention
        # shorter than the index's age a carried story may be carried once more than needed, and with the
        # default 30 days none is young enough to carry.
        self.journal_stories(story for story in self._story_index if story.at < cutoff * SECONDS_PER_DAY)
        return sorted(gone)

    # --- seen items -------------------------------------------------------------------------

    def is_seen(self, key: str) -> bool:
        return hash(key) in self._seen

    def mark_seen(self, keys: Iterable[str], source: str) -> None:
        fresh = self._remember(keys, self._today())
        if fresh:
            self._batch.setdefault("seen", {}).setdefault(source, []).extend(fresh)

    # --- sources ----------------------------------------------------------------------------

    def source_state(self, name: str) -> dict[str, Any]:
        """A deep copy: a caller that appends to a nested list must not change the stored state unseen."""
        found = self._sources.get(name)
        return copy.deepcopy(found[1]) if found else {}

    def update_source_state(self, name: str, **fields: Any) -> None:
        """Change a source's state; a change of poll timestamps alone stays in memory (see VOLATILE)."""
        day, old = self._sources.get(name, (self._today(), {}))
        state = old | fields | {"name": name}
        if any(state.get(key) != old.get(key) for key in state.keys() - VOLATILE_SOURCE_FIELDS):
            day = self._today()
            self._batch.setdefault("sources", {})[name] = state
        # The day stays that of the last record on disk, so retention carries the state before it expires.
        self._sources[name] = (day, state)

    # --- recent stories (the poller's cross-source index) -------------------------------------

    @property
    def story_index(self) -> StoryIndex:
        """Recent stories of every source, for matching; changed only through the methods below."""
        return self._story_index

    def add_story(self, story: Story, *, journal: bool = True) -> None:
        """Index a story at once; with journal=False its record waits for journal_stories (or forget)."""
        self._story_index.add(story)
        self._story_index.trim(self._clock())
        if journal:
            self.journal_stories([story])

    def journal_stories(self, stories: Iterable[Story]) -> None:
        """Journal indexed stories with the next commit, one small record each."""
        records = [story.to_json() for story in stories]
        if records:
            self._batch.setdefault("stories", []).extend(records)

    def forget_stories(self, stories: Iterable[Story]) -> None:
        """Drop indexed stories that were never journalled, such as a failed poll's."""
        self._story_index.forget(stories)

    def stories(self) -> list[list[Any]]:
        """The recent stories, oldest first, as their journal records."""
        return [story.to_json() for story in self._story_index]

    # --- items (what the outbox refers to) ---------------------------------------------------

    def put_item(self, key: str, item: dict[str, Any]) -> None:
        stored = item | {"key": key}
        self._items[key] = (self._today(), stored)
        self._batch.setdefault("items", {})[key] = stored

    def item(self, key: str) -> dict[str, Any] | None:
        found = self._items.get(key)
        return dict(found[1]) if found else None

    def items_on(self, day: int) -> int:
        """How many items were stored on a day (days since the epoch, UTC), for the admins' /stats."""
        return sum(1 for stored, _ in self._items.values() if stored == day)

    # --- subscribers ------------------------------------------------------------------------

    def subscriber(self, chat_id: int) -> dict[str, Any] | None:
        doc = self._tables.get("subscribers", {}).get(str(key_id(str(chat_id))))
        return dict(doc) if doc else None

    def save_subscriber(self, chat_id: int, **fields: Any) -> None:
        """Create or update a reader's settings (categories, language, ...), keeping the fields not given."""
        if "categories" in fields:
            fields["categories"] = sorted(set(fields["categories"]))
        doc = (self.subscriber(chat_id) or {"categories": []}) | fields | {"chat_id": chat_id}
        self._settings_tables()["subscribers"][str(key_id(str(chat_id)))] = doc

    def subscribers(self) -> Iterator[dict[str, Any]]:
        yield from (dict(doc) for doc in self._tables.get("subscribers", {}).values())

    # --- reader settings: kept in the subscriber's document, so export and import carry them --

    def set_language(self, chat_id: int, language: str) -> None:
        """A language the chat chose with /lang: it wins over the Telegram client's language."""
        self.save_subscriber(chat_id, language=language, language_chosen=True)

    def chosen_language(self, chat_id: int) -> str | None:
        reader = self.subscriber(chat_id)
        return reader.get("language") if reader and reader.get("language_chosen") else None

    def reader_filters(self, chat_id: int) -> dict[str, Any]:
        """Include and exclude words (normalised, as routing matches them) and how the reader wrote them."""
        found = (self.subscriber(chat_id) or {}).get("filters") or {}
        return {
            "include": list(found.get("include", [])),
            "exclude": list(found.get("exclude", [])),
            "labels": dict(found.get("labels", {})),
        }

    def set_filters(
        self, chat_id: int, include: list[str], exclude: list[str], labels: dict[str, str]
    ) -> None:
        """Store keyword filters; none at all is stored as none, so routing skips the check."""
        kept = {word: labels.get(word, word) for word in [*include, *exclude]}
        filters = {"include": include, "exclude": exclude, "labels": kept} if kept else None
        self.save_subscriber(chat_id, filters=filters)

    def stop_all(self, chat_id: int) -> None:
        """/stop: no sections and no breaking alerts; language and filters stay for a return."""
        self.save_subscriber(chat_id, categories=[], breaking=False)

    def latest_items(self, limit: int, category: str | None = None) -> list[dict[str, Any]]:
        """The newest items first (in the order they were found); a revised headline shows once."""
        found: list[dict[str, Any]] = []
        revised: set[str] = set()
        for _, item in itertools.islice(reversed(self._items.values()), LATEST_SCAN):
            if item.get("revises"):
                revised.add(item["revises"])
            if item["key"] in revised or (category and category not in item.get("categories", ())):
                continue
            found.append(dict(item))
            if len(found) == limit:
                break
        return found

    # --- outbox -----------------------------------------------------------------------------

    def _queue_delivery(self, delivery: Delivery) -> None:
        self._batch.setdefault("add", []).append(
            [delivery.id, delivery.chat_id, delivery.item_key, delivery.priority, delivery.language]
        )

    def enqueue(self, deliveries: Iterable[tuple[int | str, str, int, str]]) -> None:
        """Queue (chat, item key, priority, language) deliveries; lower priority numbers go first."""
        today = self._today()
        for chat, key, prio, lang in deliveries:
            delivery = Delivery(self._next_delivery, chat, key, prio, lang)
            self._next_delivery += 1
            self._outbox[delivery.id] = (today, delivery)
            self._queue_delivery(delivery)

    def pending(self) -> list[Delivery]:
        return sorted((d for _, d in self._outbox.values()), key=lambda d: (d.priority, d.id))

    def done(self, delivery: Delivery) -> None:
        """Forget a delivery that Telegram accepted (or that can never be delivered)."""
        self._notes.pop(delivery.id, None)
        if self._outbox.pop(delivery.id, None) is not None:
            self._batch.setdefault("done", []).append(delivery.id)

    def done_many(self, deliveries: Iterable[Delivery]) -> None:
        """Forget many finished deliveries at once: the broadcaster settles them in batches."""
        for delivery in deliveries:
            self.done(delivery)

    def delivery_note(self, delivery_id: int) -> dict[str, Any]:
        """What the broadcaster noted about a pending delivery, such as a send that timed out."""
        return dict(self._notes.get(delivery_id, {}))

    def note_delivery(self, delivery_id: int, **fields: Any) -> None:
        note = self.delivery_note(delivery_id) | fields
        self._notes[delivery_id] = note
        self._batch.setdefault("notes", {})[str(delivery_id)] = note

    def move_chat(self, old: int | str, new: int) -> None:
        """A group became a supergroup: its subscription and queued deliveries follow it to the new id."""
        reader = self.subscriber(old)  # type: ignore[arg-type]
        if reader is not None:
            del self._settings_tables()["subscribers"][str(key_id(str(old)))]
            self.save_subscriber(new, **{k: v for k, v in reader.items() if k != "chat_id"})
        today = self._today()
        for delivery in [d for d in self.pending() if d.chat_id == old]:
            # Same id, new chat: replaying the journal applies the later "add" over the earlier one.
            moved = replace(delivery, chat_id=new)
            self._outbox[moved.id] = (today, moved)
            self._queue_delivery(moved)

    # --- sent messages (so a revised headline edits what readers already have) ------------------

    def record_sent(self, item_key: str, messages: dict[int | str, int]) -> None:
        """Remember which message each chat got for an item; kept with the item, so it expires with it."""
        found = self._items.get(item_key)
        if found is None:
            return
        # Only the new ids go to the journal: a broadcast to 10,000 chats settles in hundreds of batches,
        # and rewriting the whole map each time made the journal grow with the square of the audience.
        fresh = {str(chat): ident for chat, ident in messages.items()}
        found[1].setdefault("messages", {}).update(fresh)
        self._batch.setdefault("sent", {}).setdefault(item_key, {}).update(fresh)

    def sent_message(self, item_key: str, chat_id: int | str) -> int | None:
        """The message id a chat got for an item, if it was recorded."""
        item = self.item(item_key)
        return item.get("messages", {}).get(str(chat_id)) if item else None


def _line(batch: dict[str, Any]) -> bytes:
    """One journal line: compact JSON, Arabic kept readable, newline-terminated so a tear is visible."""
    return _compact(batch) + b"\n"


def _compact(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
