"""A poll cycle over 1,000 sources that all answer 304 Not Modified, on loopback.

Each source is its own site (its own port), as in production, so the per-host politeness delay does
not serialise them. The server runs in a child process so the RSS measured is the bot's alone.

    python -m benchmarks.bench_poll [--sources 1000] [--cycles 5]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.config import parse_config
from bot.demo import DEMO_CATEGORIES
from bot.poller import Poller
from bot.store import Store
from jobs.fetch import new_client

TARGET_SECONDS = 5.0
TARGET_RSS_MB = 150


async def serve(count: int) -> None:
    """Answer 304 (404 for robots.txt) on `count` ports; print the ports; run until stdin closes."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                robots = b"/robots.txt" in line
                while await reader.readline() not in (b"\r\n", b""):
                    pass
                if robots:
                    writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                else:
                    writer.write(b'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\n\r\n')
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    servers = [await asyncio.start_server(answer, "127.0.0.1", 0) for _ in range(count)]
    print(" ".join(str(s.sockets[0].getsockname()[1]) for s in servers), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


async def measure(ports: list[int], cycles: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        config = parse_config(
            {
                "storage": {"path": str(Path(tmp) / "bench.json")},
                "categories": DEMO_CATEGORIES,
                "sources": [
                    {"name": f"s{i}", "kind": "feed", "url": f"http://127.0.0.1:{port}/feed/"}
                    for i, port in enumerate(ports)
                ],
            }
        )
        store = Store(config.storage.path)
        for source in config.sources:
            store.update_source_state(source.name, seeded=True, etag='"v1"')
        async with new_client(config.fetch.policy()) as client:
            poller = Poller(config, store, client, lambda: None)
            times = []
            for _ in range(cycles):
                started = time.perf_counter()
                results = await asyncio.gather(*(poller.poll(s, force=True) for s in config.sources))
                times.append(time.perf_counter() - started)
                assert all(r.status == 304 for r in results), [r.error for r in results if r.error][:3]
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "cold": times[0],
        "warm": statistics.median(times[1:]) if len(times) > 1 else times[0],
        "rss_mb": rss_mb,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--cycles", type=int, default=5)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve))
        return 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.sources + 100)), hard))
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.bench_poll", "--serve", str(args.sources)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        ports = [int(p) for p in child.stdout.readline().split()]
        result = asyncio.run(measure(ports, args.cycles))
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=10)
    print(f"sources: {args.sources}, cycles: {args.cycles}")
    print(f"first cycle (connections, robots.txt): {result['cold']:.2f} s")
    print(f"poll cycle, median of warm cycles:     {result['warm']:.2f} s (target <= {TARGET_SECONDS} s)")
    print(f"peak RSS of the polling process:       {result['rss_mb']:.0f} MB (target <= {TARGET_RSS_MB} MB)")
    ok = result["warm"] <= TARGET_SECONDS and result["rss_mb"] <= TARGET_RSS_MB
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
