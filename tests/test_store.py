"""The TinyDB store: what it acknowledged survives a restart, and a damaged file is never overwritten."""

from __future__ import annotations

import itertools
import json
import os
import stat
from pathlib import Path

import pytest
from tinydb import TinyDB

from bot.cli import main
from bot.storage import DataLock
from bot.store import LEGACY_STORY_STATE, Store, StoreError, key_id
from jobs.fingerprint import INDEX_MAX_AGE, INDEX_MAX_ENTRIES, Story


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


DAY = 86_400.0


class Clock:
    """A settable clock, so retention can be tested without waiting a month."""

    def __init__(self, now: float = 1_750_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def journal_files(path: Path) -> list[Path]:
    return sorted((path.parent / (path.name + ".d")).glob("*.jsonl"))


async def test_a_crash_mid_append_loses_only_the_unacknowledged_commit(tmp_path: Path) -> None:
    path = tmp_path / "nashra.json"
    store = Store(path)
    store.mark_seen(["url:a"], "s")
    await store.commit()
    (day_file,) = journal_files(path)
    with day_file.open("ab") as torn:  # what a SIGKILL in the middle of write() leaves behind
        torn.write(b'{"seen":{"s":["url:b"')

    again = Store(path)
    assert again.is_seen("url:a") and not again.is_seen("url:b")
    again.mark_seen(["url:c"], "s")
    await again.commit()  # the torn bytes are cut off before appending, so the file stays readable
    third = Store(path)
    assert third.is_seen("url:a") and third.is_seen("url:c") and not third.is_seen("url:b")


async def test_a_damaged_journal_line_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nashra.json"
    store = Store(path)
    for key in ("url:a", "url:b"):
        store.mark_seen([key], "s")
        await store.commit()
    (day_file,) = journal_files(path)
    damaged = day_file.read_bytes().replace(b"url:a", b'url"a', 1)
    day_file.write_bytes(damaged)
    with pytest.raises(StoreError, match=rf"{day_file}.*line 1"):
        Store(path)
    assert day_file.read_bytes() == damaged


async def test_damaged_settings_file_names_the_backup_taken_at_the_last_clean_start(tmp_path: Path) -> None:
    path = tmp_path / "nashra.json"
    store = Store(path)
    store.save_subscriber(7, categories=["sport"], language="ar")
    await store.commit()
    Store(path)  # a clean start keeps a copy
    path.write_bytes(path.read_bytes()[:20])
    with pytest.raises(StoreError, match=r"nashra\.json\.bak") as refused:
        Store(path)
    assert str(path) in str(refused.value)
    backup = tmp_path / "nashra.json.bak"
    path.write_bytes(backup.read_bytes())
    assert Store(path).subscriber(7)["categories"] == ["sport"]


async def test_a_poll_commit_appends_to_the_journal_and_leaves_the_subscribers_file_alone(
    tmp_path: Path,
) -> None:
    path = tmp_path / "nashra.json"
    store = Store(path)
    store.save_subscriber(1, categories=["sport"], language="ar")
    await store.commit()
    settings_before = path.stat()
    sizes = []
    for n in range(5):
        store.mark_seen([f"url:{n}"], "s")
        store.enqueue([(1, f"url:{n}", 3, "ar")])
        store.update_source_state("s", last_success_at=n)
        await store.commit()
        sizes.append(journal_files(path)[0].stat().st_size)
    assert path.stat().st_ino == settings_before.st_ino  # not replaced
    growth = [b - a for a, b in itertools.pairwise(sizes)]
    assert max(growth) - min(growth) <= 2  # each commit costs its own change, not the whole store


async def test_seen_items_expire_after_retention_but_pending_deliveries_do_not(tmp_path: Path) -> None:
    path = tmp_path / "nashra.json"
    clock = Clock()
    store = Store(path, retention_days=30, clock=clock)
    store.mark_seen(["url:old"], "s")
    store.put_item("url:old", {"title": "old"})
    store.enqueue([(9, "url:old", 3, "ar")])
    store.update_source_state("s", seeded=True)
    await store.commit()
    clock.now += 10 * DAY
    store.mark_seen(["url:recent"], "s")
    await store.commit()
    assert len(journal_files(path)) == 2

    clock.now += 25 * DAY
    await store.commit()
    assert len(journal_files(path)) == 2  # the first day left, today's file holds what was carried over
    reopened = Store(path, retention_days=30, clock=clock)
    assert not reopened.is_seen("url:old") and reopened.is_seen("url:recent")
    assert [(d.chat_id, d.item_key) for d in reopened.pending()] == [(9, "url:old")]
    assert reopened.item("url:old")["title"] == "old"
    assert reopened.source_state("s")["seeded"] is True


async def test_every_file_written_is_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "nashra.json"
    store = Store(path)
    store.save_subscriber(1, categories=["sport"], language="ar")
    store.mark_seen(["url:a"], "s")
    await store.commit()
    Store(path)
    written = [p for p in path.parent.rglob("*") if p.is_file()]
    assert len(written) >= 3
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in written} == {p.name: 0o600 for p in written}


def test_schema_1_file_is_migrated_after_keeping_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "nashra.json"
    at = 1_750_000_000.0
    v1 = {
        "meta": {"1": {"schema": 1}},
        "seen": {
            "11": {"key": "url:a", "source": "s", "at": at},
            "12": {"key": "text:x", "source": "t", "at": at},
        },
        "sources": {"5": {"name": "s", "seeded": True}},
        "items": {"6": {"key": "url:a", "title": "عنوان"}},
        "subscribers": {str(key_id("42")): {"chat_id": 42, "categories": ["sport"], "language": "ar"}},
        "outbox": {"3": {"chat_id": 42, "item_key": "url:a", "priority": 3, "language": "ar", "created": at}},
    }
    original = json.dumps(v1).encode()
    path.write_bytes(original)

    store = Store(path, clock=Clock(at + DAY))
    assert (tmp_path / "nashra.json.schema1.bak").read_bytes() == original
    assert json.loads(path.read_bytes())["meta"]["1"]["schema"] == 2
    for opened in (store, Store(path, clock=Clock(at + DAY))):
        assert opened.is_seen("url:a") and opened.is_seen("text:x") and not opened.is_seen("url:b")
        assert opened.subscriber(42)["categories"] == ["sport"]
        assert opened.source_state("s")["seeded"] is True
        assert opened.item("url:a")["title"] == "عنوان"
        assert [(d.id, d.chat_id) for d in opened.pending()] == [(3, 42)]


def test_a_file_from_a_newer_nashra_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nashra.json"
    path.write_text('{"meta": {"1": {"schema": 99}}}')
    with pytest.raises(StoreError, match="schema 99"):
        Store(path)


def test_a_second_bot_on_the_same_data_file_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "nashra.json"
    config = tmp_path / "config.toml"
    config.write_text(
        f'[storage]\npath = "{data}"\n[[categories]]\nslug = "sport"\nar = "رياضة"\nen = "Sport"\n'
    )
    monkeypatch.setenv("NASHRA_BOT_TOKEN", "1:x")
    first = DataLock(data)
    try:
        assert main(["run", "-c", str(config)]) == 2
    finally:
        first.release()
    error = capsys.readouterr().err
    assert f"{data} is in use by another nashra process (pid {os.getpid()}" in error
    assert not data.exists()  # the refused bot touched nothing


async def test_sent_message_ids_survive_a_restart_and_each_commit_writes_only_the_new_ones(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "nashra.json")
    store.put_item("tick:1", {"title": "عاجل", "breaking": True})
    await store.commit()
    sizes = []
    for batch in range(3):
        store.record_sent("tick:1", {7000 + batch * 100 + n: n + 1 for n in range(100)})
        before = sum(f.stat().st_size for f in journal_files(store.path))
        await store.commit()
        sizes.append(sum(f.stat().st_size for f in journal_files(store.path)) - before)
    # A broadcast settles in many batches: each one costs its own ids, not the whole map so far.
    assert max(sizes) < 1.2 * min(sizes)
    reopened = Store(tmp_path / "nashra.json")
    assert reopened.sent_message("tick:1", 7000) == 1 and reopened.sent_message("tick:1", 7299) == 100
    assert reopened.sent_message("tick:1", 6999) is None


async def test_quiet_polls_write_nothing_yet_their_state_survives_retention(tmp_path: Path) -> None:
    path = tmp_path / "nashra.json"
    clock = Clock()
    store = Store(path, retention_days=30, clock=clock)
    store.update_source_state("s", etag='"v1"', last_success_at=clock.now)
    await store.commit()
    size = journal_files(path)[0].stat().st_size
    for _ in range(100):  # 304s: only the success time moves
        clock.now += 60
        store.update_source_state("s", etag='"v1"', last_success_at=clock.now)
        await store.commit()
    assert journal_files(path)[0].stat().st_size == size
    store.update_source_state("s", etag='"v2"', last_success_at=clock.now)  # the page changed
    await store.commit()
    assert Store(path, retention_days=30, clock=clock).source_state("s")["etag"] == '"v2"'

    clock.now += 40 * DAY  # the day file holding the state expires; only timestamps changed since
    store.update_source_state("s", etag='"v2"', last_success_at=clock.now)
    await store.commit()
    reopened = Store(path, retention_days=30, clock=clock)
    assert reopened.source_state("s") == {"name": "s", "etag": '"v2"', "last_success_at": clock.now}


async def test_a_nested_list_appended_to_by_the_caller_is_journalled(tmp_path: Path) -> None:
    path = tmp_path / "nashra.json"
    store = Store(path)
    store.update_source_state("t", headlines=["first"])
    await store.commit()
    state = store.source_state("t")
    state["headlines"].append("second")  # what the poller does with a ticker's headlines
    store.update_source_state("t", headlines=state["headlines"])
    await store.commit()
    assert Store(path).source_state("t")["headlines"] == ["first", "second"]


async def test_the_first_commit_after_a_start_leaves_an_unchanged_settings_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "nashra.json"
    store = Store(path)
    store.save_subscriber(1, categories=["sport"], language="ar")
    await store.commit()
    before = path.stat()
    reopened = Store(path)
    reopened.mark_seen(["url:https://a.example/1"], "a")
    await reopened.commit()
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert Store(path).subscriber(1) is not None


def test_the_settings_file_is_readable_by_stock_tinydb(tmp_path: Path) -> None:
    path = tmp_path / "nashra.json"
    store = Store(path)
    store.save_subscriber(7, categories=["sport"], language="ar")
    store.commit_now()
    with TinyDB(path, access_mode="r") as db:
        (reader,) = db.table("subscribers").all()
    assert reader["chat_id"] == 7 and reader["categories"] == ["sport"]


def story(n: int, at: float) -> list[object]:
    """A story record the size of a real one: key, a 32-hash sketch, an Arabic headline, ticker, time."""
    sketch = [(n * 7919 + i * 104_729) * 2_654_435_761 % 2**48 for i in range(32)]
    return [f"url:https://news.example/{n}", sketch, f"عنوان الخبر رقم {n} في نشرة اليوم", False, at]


def told(n: int, at: float) -> Story:
    """The story of that record, as the poller hands it to the store."""
    return Story.from_json(story(n, at))


async def test_each_story_is_journalled_as_one_small_record_and_rebuilt_at_load(tmp_path: Path) -> None:
    path = tmp_path / "nashra.json"
    clock = Clock()
    store = Store(path, clock=clock)
    for n in range(INDEX_MAX_ENTRIES):
        store.add_story(told(n, clock.now))
    await store.commit()
    before = journal_files(path)[0].stat().st_size
    store.add_story(told(INDEX_MAX_ENTRIES, clock.now))  # the index is full: the oldest one makes room
    await store.commit()
    assert journal_files(path)[0].stat().st_size - before < 1_000  # one story, not the whole index

    reopened = Store(path, clock=clock)
    assert reopened.stories() == [story(n, clock.now) for n in range(1, INDEX_MAX_ENTRIES + 1)]


async def test_stories_expire_by_age_and_retention_carries_the_live_ones(tmp_path: Path) -> None:
    path = tmp_path / "nashra.json"
    clock = Clock()
    store = Store(path, retention_days=1, clock=clock)
    store.add_story(told(1, clock.now))
    await store.commit()
    clock.now += INDEX_MAX_AGE / 2
    store.add_story(told(2, clock.now))
    await store.commit()
    clock.now += 2 * DAY  # both day files are past retention; story 2 is young enough to keep
    store.add_story(told(3, clock.now))
    await store.commit()
    assert [s[0] for s in Store(path, retention_days=1, clock=clock).stories()] == [
        "url:https://news.example/2",
        "url:https://news.example/3",
    ]
    assert len(journal_files(path)) == 1  # story 2 was carried into today's file before its day left


async def test_a_story_held_back_is_matched_at_once_and_journalled_only_when_told(tmp_path: Path) -> None:
    """A poll's stories match its next candidates at once, reach disk with its seen marks, or never."""
    path = tmp_path / "nashra.json"
    clock = Clock()
    store = Store(path, clock=clock)
    kept, failed = told(1, clock.now), told(2, clock.now)
    store.add_story(kept, journal=False)
    store.add_story(failed, journal=False)
    assert store.story_index.same_text(kept.fingerprint) is kept
    store.update_source_state("other", seeded=True)
    await store.commit()  # another task's commit carries neither
    assert Store(path, clock=clock).stories() == []
    store.journal_stories([kept])
    store.forget_stories([failed])
    await store.commit()
    assert store.stories() == [story(1, clock.now)]
    assert Store(path, clock=clock).stories() == [story(1, clock.now)]


async def test_retention_never_carries_a_story_past_the_index_age(tmp_path: Path) -> None:
    """Every source failing for days adds no story: the old ones must still leave, not move day to day."""
    path = tmp_path / "nashra.json"
    clock = Clock()
    store = Store(path, retention_days=1, clock=clock)
    store.add_story(told(1, clock.now))
    await store.commit()
    clock.now += INDEX_MAX_AGE + 2 * DAY
    store.update_source_state("s", consecutive_failures=9)  # a commit that adds no story
    await store.commit()
    assert store.stories() == []
    assert all("stories" not in line for f in journal_files(path) for line in f.read_text().splitlines())


async def test_a_whole_story_index_of_an_older_nashra_is_converted_at_load(tmp_path: Path) -> None:
    path = tmp_path / "nashra.json"
    clock = Clock()
    rows = [story(n, clock.now - 3600 + n) for n in range(50)]
    old = Store(path, clock=clock)
    old.update_source_state(LEGACY_STORY_STATE, stories=rows)  # how the poller kept it until now
    await old.commit()

    converted = Store(path, clock=clock)
    assert converted.stories() == rows
    assert converted.source_state(LEGACY_STORY_STATE) == {}
    await converted.commit()
    after = Store(path, clock=clock)
    assert after.stories() == rows
    after.add_story(told(50, clock.now))
    written = journal_files(path)[0].stat().st_size
    await after.commit()  # converting once is enough: this commit holds the one new story only
    assert journal_files(path)[0].stat().st_size - written < 1_000
    assert Store(path, clock=clock).stories() == [*rows, story(50, clock.now)]
