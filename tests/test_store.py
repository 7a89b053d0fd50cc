"""The TinyDB store: what it acknowledged survives a restart, and a damaged file is never overwritten."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.store import Store, StoreError


async def test_state_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "data" / "nashra.json"
    store = Store(path)
    store.mark_seen(["url:https://a.example/1"], "a")
    store.save_subscriber(42, categories=["sport", "politics"], language="ar")
    store.put_item("url:https://a.example/1", {"title": "t"})
    store.enqueue([(42, "url:https://a.example/1", 3, "ar"), ("@chan", "url:https://a.example/1", 2, "ar")])
    store.update_source_state("a", seeded=True)
    await store.commit()

    again = Store(path)
    assert again.is_seen("url:https://a.example/1") and not again.is_seen("url:https://a.example/2")
    assert again.subscriber(42) == {"chat_id": 42, "categories": ["politics", "sport"], "language": "ar"}
    assert [d.chat_id for d in again.pending()] == ["@chan", 42]  # channel first: lower priority number
    assert again.source_state("a")["seeded"] is True


async def test_uncommitted_changes_are_not_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "nashra.json"
    store = Store(path)
    store.save_subscriber(1, categories=["sport"], language="ar")
    await store.commit()
    store.save_subscriber(2, categories=["sport"], language="ar")
    assert Store(path).subscriber(2) is None
    assert Store(path).subscriber(1) is not None


async def test_done_deliveries_leave_the_outbox(tmp_path: Path) -> None:
    store = Store(tmp_path / "nashra.json")
    store.enqueue([(1, "k", 3, "ar"), (2, "k", 3, "en")])
    first = store.pending()[0]
    store.done(first)
    await store.commit()
    assert [d.chat_id for d in Store(tmp_path / "nashra.json").pending()] == [2]


async def test_data_file_is_private(tmp_path: Path) -> None:
    store = Store(tmp_path / "nashra.json")
    store.save_subscriber(1, categories=["sport"], language="ar")
    await store.commit()
    assert stat.S_IMODE((tmp_path / "nashra.json").stat().st_mode) == 0o600


@pytest.mark.parametrize("damage", [b'{"seen": {"1": {"key"', b"not json at all", b"[1, 2]"])
def test_damaged_file_is_refused_and_left_untouched(tmp_path: Path, damage: bytes) -> None:
    path = tmp_path / "nashra.json"
    path.write_bytes(damage)
    with pytest.raises(StoreError, match=str(path)):
        Store(path)
    assert path.read_bytes() == damage
