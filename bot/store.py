"""Nashra's state in TinyDB: what was seen, who subscribed, what is still to be sent.

Stock TinyDB rewrites its file in place on every change, so a crash mid-write loses everything.
Here TinyDB works on memory and `Store.commit()` is the only durability point: it writes a new file,
fsyncs it and atomically replaces the old one, so the file on disk is always a complete snapshot.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

SCHEMA_VERSION = 1


class StoreError(Exception):
    """The data file cannot be used; the message says which file and what to do."""


class MemoryFirstStorage(Storage):
    """A TinyDB storage that keeps the database in memory and writes only when told to."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._data: dict[str, dict[str, Any]] = _load(path)

    def read(self) -> dict[str, dict[str, Any]]:
        return self._data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self._data = data

    def snapshot(self) -> bytes:
        """Serialise now, on the caller's thread, so later changes cannot tear the written copy."""
        return json.dumps(self._data, ensure_ascii=False, separators=(",", ":")).encode()


def _load(path: Path) -> dict[str, dict[str, Any]]:
    """Read the file, refusing a damaged one rather than starting empty and overwriting it."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    try:
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("top level is not an object")
    except ValueError as exc:
        raise StoreError(
            f"{path} is damaged ({exc}); it was left untouched. Restore it from a backup or move it "
            "aside to start with an empty store."
        ) from None
    return data


def write_atomically(path: Path, payload: bytes) -> None:
    """Write to a temporary file, fsync, rename over the target, fsync the folder: all or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


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


class Store:
    """The single owner of the TinyDB file; every read and write in the bot goes through it."""

    def __init__(self, path: Path) -> None:
        self._storage: MemoryFirstStorage | None = None
        self._db = TinyDB(path, storage=self._make_storage)
        self._commit_lock = asyncio.Lock()
        self._dirty = False
        meta = self._db.table("meta")
        if not meta.contains(doc_id=1):
            meta.insert(Document({"schema": SCHEMA_VERSION}, doc_id=1))

    def _make_storage(self, path: Path) -> MemoryFirstStorage:
        self._storage = MemoryFirstStorage(Path(path))
        return self._storage

    @property
    def path(self) -> Path:
        assert self._storage is not None
        return self._storage.path

    def _table(self, name: str) -> Table:
        """A table about to be written: the next commit has something to save."""
        self._dirty = True
        return self._db.table(name)

    async def commit(self) -> None:
        """Make every change so far durable; callers await this before acting on the change."""
        async with self._commit_lock:
            if not self._dirty:
                return
            assert self._storage is not None
            payload = self._storage.snapshot()
            self._dirty = False
            await asyncio.to_thread(write_atomically, self.path, payload)

    def commit_now(self) -> None:
        """Synchronous commit for shutdown and command-line tools outside the event loop."""
        assert self._storage is not None
        if self._dirty:
            write_atomically(self.path, self._storage.snapshot())
            self._dirty = False

    # --- seen items -------------------------------------------------------------------------

    def is_seen(self, key: str) -> bool:
        return self._db.table("seen").contains(doc_id=key_id(key))

    def mark_seen(self, keys: Iterable[str], source: str) -> None:
        now = time.time()
        docs = [Document({"key": k, "source": source, "at": now}, doc_id=key_id(k)) for k in set(keys)]
        fresh = [d for d in docs if not self.is_seen(d["key"])]
        if fresh:
            self._table("seen").insert_multiple(fresh)

    # --- sources ----------------------------------------------------------------------------

    def source_state(self, name: str) -> dict[str, Any]:
        doc = self._db.table("sources").get(doc_id=key_id(name))
        return dict(doc) if doc else {}

    def update_source_state(self, name: str, **fields: Any) -> None:
        state = self.source_state(name) | fields | {"name": name}
        self._table("sources").upsert(Document(state, doc_id=key_id(name)))

    # --- items (what the outbox refers to) ---------------------------------------------------

    def put_item(self, key: str, item: dict[str, Any]) -> None:
        self._table("items").upsert(Document(item | {"key": key}, doc_id=key_id(key)))

    def item(self, key: str) -> dict[str, Any] | None:
        doc = self._db.table("items").get(doc_id=key_id(key))
        return dict(doc) if doc else None

    # --- subscribers ------------------------------------------------------------------------

    def subscriber(self, chat_id: int) -> dict[str, Any] | None:
        doc = self._db.table("subscribers").get(doc_id=key_id(str(chat_id)))
        return dict(doc) if doc else None

    def save_subscriber(self, chat_id: int, **fields: Any) -> None:
        """Create or update a reader's settings (categories, language, ...), keeping the fields not given."""
        if "categories" in fields:
            fields["categories"] = sorted(set(fields["categories"]))
        doc = (self.subscriber(chat_id) or {"categories": []}) | fields | {"chat_id": chat_id}
        self._table("subscribers").upsert(Document(doc, doc_id=key_id(str(chat_id))))

    def subscribers(self) -> Iterator[dict[str, Any]]:
        yield from self._db.table("subscribers").all()

    # --- outbox -----------------------------------------------------------------------------

    def enqueue(self, deliveries: Iterable[tuple[int | str, str, int, str]]) -> None:
        """Queue (chat, item key, priority, language) deliveries; lower priority numbers go first."""
        docs = [
            {"chat_id": chat, "item_key": key, "priority": prio, "language": lang, "created": time.time()}
            for chat, key, prio, lang in deliveries
        ]
        if docs:
            self._table("outbox").insert_multiple(docs)

    def pending(self) -> list[Delivery]:
        docs = sorted(self._db.table("outbox").all(), key=lambda d: (d["priority"], d.doc_id))
        return [Delivery(d.doc_id, d["chat_id"], d["item_key"], d["priority"], d["language"]) for d in docs]

    def done(self, delivery: Delivery) -> None:
        """Forget a delivery that Telegram accepted (or that can never be delivered)."""
        self._table("outbox").remove(doc_ids=[delivery.id])

    # --- broadcaster bookkeeping (added by issue 5) -------------------------------------------
    # Written simply on TinyDB like the methods above; a faster store may re-implement them freely.

    def done_many(self, deliveries: Iterable[Delivery]) -> None:
        """Forget many finished deliveries at once: the broadcaster settles them in batches."""
        ids = [d.id for d in deliveries]
        if ids:
            self._table("outbox").remove(doc_ids=ids)
            notes = self._db.table("delivery_notes")
            if noted := [i for i in ids if notes.contains(doc_id=i)]:
                self._table("delivery_notes").remove(doc_ids=noted)

    def record_sent(self, item_key: str, messages: dict[int | str, int]) -> None:
        """Remember which message each chat got for an item, so a revision can edit it."""
        doc = self._db.table("sent").get(doc_id=key_id(item_key))
        merged = (dict(doc["messages"]) if doc else {}) | {str(c): m for c, m in messages.items()}
        self._table("sent").upsert(Document({"key": item_key, "messages": merged}, doc_id=key_id(item_key)))

    def sent_message(self, item_key: str, chat_id: int | str) -> int | None:
        """The message id a chat got for an item, if it was recorded."""
        doc = self._db.table("sent").get(doc_id=key_id(item_key))
        return doc["messages"].get(str(chat_id)) if doc else None

    def delivery_note(self, delivery_id: int) -> dict[str, Any]:
        """What the broadcaster noted about a delivery, such as a send that timed out."""
        doc = self._db.table("delivery_notes").get(doc_id=delivery_id)
        return dict(doc) if doc else {}

    def note_delivery(self, delivery_id: int, **fields: Any) -> None:
        note = self.delivery_note(delivery_id) | fields
        self._table("delivery_notes").upsert(Document(note, doc_id=delivery_id))

    def move_chat(self, old: int | str, new: int) -> None:
        """A group became a supergroup: its subscription and queued deliveries follow it to the new id."""
        reader = self.subscriber(old)  # type: ignore[arg-type]
        if reader is not None:
            self._table("subscribers").remove(doc_ids=[key_id(str(old))])
            self.save_subscriber(new, **{k: v for k, v in reader.items() if k != "chat_id"})
        self._table("outbox").update({"chat_id": new}, lambda doc: doc["chat_id"] == old)
