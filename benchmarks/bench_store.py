"""The store at 10k, 100k and 1M seen items, side by side with stock TinyDB measured in the same run.

Run as `python -m benchmarks.bench_store` (about two minutes). Each size runs in a fresh child process so
its RSS is its own. Stock TinyDB rewrites its whole file per insert, so it is measured on a few operations
only, and not at 1M (one insert there takes seconds; filling it would take weeks).

`python -m benchmarks.bench_store stories` measures the story index alone: bytes journalled per added story
with a full index, one record per story against the whole index rewritten (as nashra did before), the
time to load a month of story records, and the memory the loaded index holds per live story.
"""

from __future__ import annotations

import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB
from tinydb.middlewares import CachingMiddleware
from tinydb.storages import JSONStorage

from bot.store import LEGACY_STORY_STATE, Store
from jobs.fingerprint import INDEX_MAX_AGE, INDEX_MAX_ENTRIES, SKETCH_SIZE, Story

SIZES = (10_000, 100_000, 1_000_000)
STOCK_SIZES = (10_000, 100_000)
# Realistic keys: canonical article URLs, as the poller stores them.
URL = "url:https://www.example-news.net/2025/06/{:07d}/%D8%AE%D8%A8%D8%B1-{:x}/"
DAYS = 30
STOCK_OPS = 3
# The flush budget is about changes per poll: a busy poll marks ~100 items and queues their deliveries.
FLUSH_CHANGES = 100
# A busy newsroom: 50 sources adding ~1,000 stories a day keep the index full (3,000 within its 3 days).
STORIES_PER_DAY = 1_000
STORY_ADDS = 30
# The whole-index layout journalled ~2 MB per added story: a day of it is measured at this many adds only.
LEGACY_DAY_ADDS = 30


class Clock:
    """A settable clock, so one store can commit a month of days without being reopened."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def fill(path: Path, size: int, now: float) -> None:
    """Spread `size` seen items over the retention window, one commit per day, like a month of polls."""
    per_day = size // DAYS
    clock = Clock(now - (DAYS - 1) * 86_400)
    store = Store(path, clock=clock)
    for day in range(DAYS):
        clock.now = now - (DAYS - 1 - day) * 86_400
        store.mark_seen((URL.format(day * per_day + i, i) for i in range(per_day)), "bench")
        store.commit_now()
    store.save_subscriber(1, categories=["sport"], language="ar")
    store.commit_now()


def median_us(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1e6, 2)


async def flush_with_stall(store: Store, changes: int) -> tuple[float, float]:
    """Time one durable flush and the longest gap the event loop saw while it ran."""
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    start = time.perf_counter()
    base = time.time_ns()
    store.mark_seen((f"url:new/{base}/{i}" for i in range(changes // 2)), "bench")
    store.enqueue((9, f"url:new/{base}/{i}", 3, "ar") for i in range(changes // 2))
    await store.commit()
    took = time.perf_counter() - start
    task.cancel()
    return took, max(gaps)


def measure_ours(size: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "nashra.json"
        now = time.time()
        fill(path, size, now)
        start = time.perf_counter()
        store = Store(path)
        load = time.perf_counter() - start
        probes = [URL.format(i * 7 % size, i * 7 % size) for i in range(10_000)]
        lookups = []
        for key in probes:
            t = time.perf_counter()
            store.is_seen(key)
            lookups.append(time.perf_counter() - t)
        start = time.perf_counter()
        for i in range(10_000):
            store.mark_seen([f"url:insert/{i}"], "bench")
        insert = (time.perf_counter() - start) / 10_000
        start = time.perf_counter()
        store.enqueue((i, "url:insert/1", 3, "ar") for i in range(10_000))
        for delivery in store.pending():
            store.done(delivery)
        outbox = (time.perf_counter() - start) / 20_000
        store.commit_now()
        flushes, stalls = [], []
        for _ in range(15):
            took, stall = asyncio.run(flush_with_stall(store, FLUSH_CHANGES))
            flushes.append(took)
            stalls.append(stall)
        subscribes = []
        for chat in range(20):
            t = time.perf_counter()
            store.save_subscriber(1000 + chat, categories=["sport"], language="ar")
            store.commit_now()
            subscribes.append(time.perf_counter() - t)
        files = [p for p in Path(tmp).rglob("*") if p.is_file()]
        return {
            "size": size,
            "load_s": round(load, 2),
            "lookup_us": median_us(lookups),
            "insert_us": round(insert * 1e6, 2),
            "outbox_op_us": round(outbox * 1e6, 2),
            "flush100_ms": round(statistics.median(flushes) * 1e3, 1),
            "flush100_max_ms": round(max(flushes) * 1e3, 1),
            "loop_stall_max_ms": round(max(stalls) * 1e3, 1),
            "subscribe_durable_ms": round(statistics.median(subscribes) * 1e3, 2),
            "disk_mb": round(sum(p.stat().st_size for p in files) / 1e6, 1),
            "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0),
        }


def measure_stock(size: int, caching: bool) -> dict[str, Any]:
    """Stock TinyDB on documents of the same shape, a few operations each."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stock.json"
        docs = {str(i + 1): {"key": URL.format(i, i), "source": "bench", "at": 1.0} for i in range(size)}
        path.write_text(json.dumps({"seen": docs}))
        start = time.perf_counter()
        db = TinyDB(path, storage=CachingMiddleware(JSONStorage)) if caching else TinyDB(path)
        seen = db.table("seen")
        seen.get(doc_id=1)
        load = time.perf_counter() - start
        inserts, lookups = [], []
        for i in range(STOCK_OPS):
            t = time.perf_counter()
            seen.insert({"key": f"url:insert/{i}", "source": "bench", "at": 2.0})
            inserts.append(time.perf_counter() - t)
            t = time.perf_counter()
            seen.search(Query().key == URL.format(size // 2 + i, size // 2 + i))
            lookups.append(time.perf_counter() - t)
        t = time.perf_counter()
        db.close()  # CachingMiddleware writes only here: everything since the last flush is at risk
        close = time.perf_counter() - t
        return {
            "size": size,
            "storage": "CachingMiddleware(JSONStorage)" if caching else "JSONStorage",
            "load_s": round(load, 2),
            "insert_ms": round(statistics.median(inserts) * 1e3, 1),
            "lookup_ms": round(statistics.median(lookups) * 1e3, 1),
            "flush_ms": round(close * 1e3, 1),
            "disk_mb": round(path.stat().st_size / 1e6, 1),
            "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0),
        }


def story_row(n: int, at: float) -> list[Any]:
    """A story record as the poller makes one: key, a bottom-k sketch of 48-bit hashes, headline, time."""
    sketch = sorted((n * 7919 + i * 104_729) * 2_654_435_761 % 2**48 for i in range(SKETCH_SIZE))
    headline = f"عاجل: وزير الخارجية يلتقي نظيره في العاصمة لبحث التعاون الاقتصادي ({n})"
    return [URL.format(n, n), sketch, headline, False, at]


def journal_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in (path.parent / (path.name + ".d")).glob("*.jsonl"))


def bytes_per_story(path: Path, now: float, *, whole: bool) -> int:
    """Median bytes one added story adds to the journal with a full index, either layout."""
    store = Store(path, clock=Clock(now))
    rows = [story_row(n, now) for n in range(INDEX_MAX_ENTRIES)]
    for row in rows:
        store.add_story(Story.from_json(row))
    store.commit_now()
    added = []
    for n in range(INDEX_MAX_ENTRIES, INDEX_MAX_ENTRIES + STORY_ADDS):
        before = journal_bytes(path)
        row = story_row(n, now)
        if whole:  # what the poller did until now: the whole index as one source-state document
            rows = [*rows[1:], row]
            store.update_source_state(LEGACY_STORY_STATE, stories=rows)
        else:
            store.add_story(Story.from_json(row))
        store.commit_now()
        added.append(journal_bytes(path) - before)
    return int(statistics.median(added))


def timed_load(path: Path, now: float) -> tuple[float, int]:
    """Median seconds to open the store (which builds the story index), and the stories it holds."""
    took, held = [], 0
    for _ in range(5):
        start = time.perf_counter()
        held = len(Store(path, clock=Clock(now)).story_index)
        took.append(time.perf_counter() - start)
    return statistics.median(took), held


def held_bytes(path: Path, now: float) -> int:
    """Python memory the open store holds, its story index included (tracemalloc, after load's garbage)."""
    tracemalloc.start()
    store = Store(path, clock=Clock(now))
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del store
    return held


def measure_stories() -> dict[str, Any]:
    now = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        record = bytes_per_story(folder / "records" / "nashra.json", now, whole=False)
        whole = bytes_per_story(folder / "whole" / "nashra.json", now, whole=True)
        # Baseline: the store with no stories at all, opened in the same run.
        empty = folder / "empty" / "nashra.json"
        Store(empty).commit_now()
        base, _ = timed_load(empty, now)
        # A month of story records at a busy newsroom's pace, one commit per story as polls make them.
        month = folder / "month" / "nashra.json"
        clock = Clock(now - DAYS * 86_400)
        store = Store(month, clock=clock)
        spacing = 86_400 / STORIES_PER_DAY
        for n in range(DAYS * STORIES_PER_DAY):
            clock.now += spacing
            store.add_story(Story.from_json(story_row(n, clock.now)))
            store.commit_now()
        records, held = timed_load(month, now)
        memory = held_bytes(month, now) - held_bytes(empty, now)
        month_mb = journal_bytes(month) / 1e6
        # The same index as an older nashra left it: converted at load (the first start only).
        legacy = folder / "legacy" / "nashra.json"
        old = Store(legacy, clock=Clock(now))
        rows = [story_row(n, now - INDEX_MAX_AGE / 2 + n) for n in range(INDEX_MAX_ENTRIES)]
        old.update_source_state(LEGACY_STORY_STATE, stories=rows)
        old.commit_now()
        start = time.perf_counter()
        Store(legacy, clock=Clock(now)).commit_now()
        convert = time.perf_counter() - start
        # And a day of the old layout, which journalled the whole index once per added story.
        day = folder / "day" / "nashra.json"
        old = Store(day, clock=Clock(now))
        for n in range(LEGACY_DAY_ADDS):
            old.update_source_state(LEGACY_STORY_STATE, stories=rows[n:] + [story_row(-n, now)] * n)
            old.commit_now()
        day_load, _ = timed_load(day, now)
        return {
            "index_stories": INDEX_MAX_ENTRIES,
            "bytes_per_story_record": record,
            "bytes_per_story_whole_index": whole,
            "ratio": round(whole / record),
            "journal_mb_per_day_record": round(record * STORIES_PER_DAY / 1e6, 2),
            "journal_mb_per_day_whole_index": round(whole * STORIES_PER_DAY / 1e6),
            "load_empty_ms": round(base * 1e3, 1),
            "load_month_of_records_ms": round(records * 1e3, 1),
            "month_records": DAYS * STORIES_PER_DAY,
            "month_journal_mb": round(month_mb, 1),
            "stories_live_after_load": held,
            "memory_per_live_story_bytes": round(memory / held),
            "first_load_converting_whole_index_ms": round(convert * 1e3, 1),
            f"load_whole_index_{LEGACY_DAY_ADDS}_adds_ms": round(day_load * 1e3, 1),
        }


def child(*args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_store", *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def main() -> int:
    if sys.argv[1:] == ["stories"]:
        print(json.dumps(measure_stories()))
        return 0
    if len(sys.argv) > 1:
        kind, size = sys.argv[1], int(sys.argv[2])
        result = measure_ours(size) if kind == "ours" else measure_stock(size, kind == "caching")
        print(json.dumps(result))
        return 0
    ours = [child("ours", str(size)) for size in SIZES]
    stock = [child(kind, str(size)) for size in STOCK_SIZES for kind in ("json", "caching")]
    print("nashra store (settings file + day-sharded journal):")
    for row in ours:
        print("  " + json.dumps(row))
    print(f"stock TinyDB 4.9 ({STOCK_OPS} operations each; not run at 1M):")
    for row in stock:
        print("  " + json.dumps(row))
    for row in stock:
        mine = next(r for r in ours if r["size"] == row["size"])
        insert = row["insert_ms"] * 1e3 / mine["insert_us"]
        lookup = row["lookup_ms"] * 1e3 / mine["lookup_us"]
        print(
            f"  at {row['size']:>7} vs {row['storage']}: insert {insert:,.0f}x, lookup {lookup:,.0f}x faster"
        )
    print("story index (one record per story against the whole index per added story):")
    print("  " + json.dumps(child("stories")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
