"""The store at 10k, 100k and 1M seen items, side by side with stock TinyDB measured in the same run.

Run as `python -m benchmarks.bench_store` (about two minutes). Each size runs in a fresh child process so
its RSS is its own. Stock TinyDB rewrites its whole file per insert, so it is measured on a few operations
only, and not at 1M (one insert there takes seconds; filling it would take weeks).
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
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB
from tinydb.middlewares import CachingMiddleware
from tinydb.storages import JSONStorage

from bot.store import Store

SIZES = (10_000, 100_000, 1_000_000)
STOCK_SIZES = (10_000, 100_000)
# Realistic keys: canonical article URLs, as the poller stores them.
URL = "url:https://www.example-news.net/2025/06/{:07d}/%D8%AE%D8%A8%D8%B1-{:x}/"
DAYS = 30
STOCK_OPS = 3
# The flush budget is about changes per poll: a busy poll marks ~100 items and queues their deliveries.
FLUSH_CHANGES = 100


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


def child(*args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_store", *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def main() -> int:
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
