"""A poll cycle over 1,000 sources that all answer 304 Not Modified, on loopback.

Each source is its own site (its own port), as in production, so the per-host politeness delay does
not serialise them. The server runs in a child process so the RSS measured is the bot's alone, and its
CPU time is read from /proc, so its share of a cycle is known.

Baseline, in the same run and with the same client: the same conditional GETs sent bare
(`client.get` with If-None-Match), as many at once as the Fetcher allows. The ratio is what the poller
adds around the HTTP requests: robots.txt, host gates, health state, the store commit.

    python -m benchmarks.bench_poll [--sources 1000] [--cycles 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from bot.config import parse_config
from bot.demo import DEMO_CATEGORIES
from bot.poller import Poller
from bot.store import Store
from jobs.fetch import FetchPolicy, new_client

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


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def bare_cycle(client: httpx.AsyncClient, urls: list[str], policy: FetchPolicy) -> None:
    """The baseline: the same conditional GETs with nothing around them but the in-flight bound."""
    slots = asyncio.Semaphore(policy.max_in_flight)

    async def get(url: str) -> int:
        async with slots:
            return (await client.get(url, headers={"If-None-Match": '"v1"'})).status_code

    statuses = await asyncio.gather(*(get(u) for u in urls))
    assert all(s == 304 for s in statuses), statuses[:3]


async def timed(cycle: Callable[[], Awaitable[object]], server: int) -> tuple[float, float, float]:
    """Wall seconds, this process's CPU seconds and the server's CPU seconds for one cycle."""
    wall, cpu, served = time.perf_counter(), time.process_time(), cpu_seconds(server)
    await cycle()
    return time.perf_counter() - wall, time.process_time() - cpu, cpu_seconds(server) - served


async def measure(ports: list[int], cycles: int, server: int) -> dict[str, float]:
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
        policy = config.fetch.policy()
        urls = [s.url for s in config.sources]
        async with new_client(policy) as client:
            poller = Poller(config, store, client, lambda: None)

            async def poll_cycle() -> None:
                results = await asyncio.gather(*(poller.poll(s, force=True) for s in config.sources))
                assert all(r.status == 304 for r in results), [r.error for r in results if r.error][:3]

            cold = await timed(poll_cycle, server)
            polls, bares = [], []
            for _ in range(cycles):
                # Alternated, so both see the same load from the machine's other users.
                polls.append(await timed(poll_cycle, server))
                bares.append(await timed(lambda: bare_cycle(client, urls, policy), server))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def median(runs: list[tuple[float, float, float]], field: int) -> float:
        return statistics.median(r[field] for r in runs)

    return {
        "cold": cold[0],
        "warm": median(polls, 0),
        "warm_cpu": median(polls, 1),
        "warm_server": median(polls, 2),
        "bare": median(bares, 0),
        "bare_cpu": median(bares, 1),
        "bare_server": median(bares, 2),
        "ratio": statistics.median(p[0] / b[0] for p, b in zip(polls, bares, strict=True)),
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
        result = asyncio.run(measure(ports, args.cycles, child.pid))
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=10)
    print(f"sources: {args.sources}, cycles: {args.cycles}")
    print(f"first cycle (connections, robots.txt): {result['cold']:.2f} s")
    print(
        f"poll cycle, median:        {result['warm']:.2f} s wall, {result['warm_cpu']:.2f} s CPU, "
        f"server {result['warm_server']:.2f} s CPU (target <= {TARGET_SECONDS} s)"
    )
    print(
        f"bare GETs, median:         {result['bare']:.2f} s wall, {result['bare_cpu']:.2f} s CPU, "
        f"server {result['bare_server']:.2f} s CPU"
    )
    print(f"poll / bare (median of per-cycle ratios): {result['ratio']:.2f}")
    print(f"peak RSS of the polling process: {result['rss_mb']:.0f} MB (target <= {TARGET_RSS_MB} MB)")
    ok = result["warm"] <= TARGET_SECONDS and result["rss_mb"] <= TARGET_RSS_MB
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
