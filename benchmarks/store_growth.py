"""How the TinyDB store grows: memory, file size and commit time as seen keys and readers accumulate.

Run from the repository root: `python -m benchmarks.store_growth`. Reports medians of REPEATS commits and
the ratio against the smallest size measured in the same run (the machine is noisy).
"""

from __future__ import annotations

import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from bot.store import Store

SIZES = (1_000, 4_000, 16_000)
REPEATS = 5
# A busy deployment: readers are about a tenth of the seen keys in these runs.
READERS_PER_KEY = 0.1


def measure(size: int, folder: Path) -> tuple[float, float, float]:
    """(MiB held by the store, MiB on disk, median seconds per commit) for `size` seen keys."""
    tracemalloc.start()
    store = Store(folder / f"s{size}.json")
    store.mark_seen((f"url:https://example.com/{i}/" for i in range(size)), "bench")
    for chat in range(int(size * READERS_PER_KEY)):
        store.save_subscriber(chat, categories=["sport", "politics"], language="ar")
    held = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    timings = []
    for i in range(REPEATS):
        store.mark_seen([f"url:https://example.com/extra/{i}/"], "bench")
        started = time.perf_counter()
        store.commit_now()
        timings.append(time.perf_counter() - started)
    return held, store.path.stat().st_size / 2**20, statistics.median(timings)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rows = [(size, *measure(size, Path(tmp))) for size in SIZES]
    base_commit = rows[0][3]
    print("| seen keys | readers | memory MiB | file MiB | commit ms (median) | commit ratio |")
    print("|---|---|---|---|---|---|")
    for size, held, on_disk, commit in rows:
        readers = int(size * READERS_PER_KEY)
        ratio = commit / base_commit
        print(f"| {size} | {readers} | {held:.1f} | {on_disk:.1f} | {commit * 1000:.1f} | {ratio:.1f}x |")


if __name__ == "__main__":
    main()
