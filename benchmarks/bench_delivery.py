"""Delivery at Telegram's limits: 10,000 readers, 3 channels, one breaking alert and 20 articles.

The Bot API stand-in runs in its own process (as Telegram would be), enforces the limits scaled by
--scale and refuses a few percent of sends with 429 retry_after. Run: python -m benchmarks.bench_delivery
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import resource
import tempfile
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from telegram import Bot
from telegram.request import BaseRequest, HTTPXRequest

from bot.broadcaster import Broadcaster
from bot.config import Config, parse_config
from bot.pacing import Limits
from bot.routing import targets
from bot.standins.telegram_api import FakeBotAPI
from bot.store import Store
from bot.transport import AiohttpRequest
from jobs.records import NewsItem

TOKEN = "123456:TEST-token"
CHANNELS = ["@bench_breaking", "@bench_sport", "@bench_news"]
FIRST_READER = 7_100_000_000
# Sends in flight: enough to cover the loopback round trip at the scaled rate.
CONCURRENCY = 24
# Unpaced sends per transport for the capacity baseline: enough for a steady rate, a few seconds each.
CAPACITY_SENDS = 1_000


def serve(conn: Connection, limits: Limits, flood_rate: float, readers: int) -> None:
    """The stand-in process: serve, then answer one report request."""
    api = FakeBotAPI(limits=limits, flood_rate=flood_rate, seed=7).start()
    # A second, unlimited stand-in: how fast this machine lets a transport send right now, unpaced.
    open_api = FakeBotAPI().start()
    for channel in CHANNELS:
        api.add_chat(channel)
    for n in range(readers):
        api.add_chat(FIRST_READER + n, type="private")
    for n in range(CAPACITY_SENDS):
        open_api.add_chat(FIRST_READER + n, type="private")
    conn.send((api.base_url, open_api.base_url))
    idle_cpu = cpu_seconds()
    conn.recv()
    busy_cpu = cpu_seconds() - idle_cpu
    sent = api.sent()
    channel_ids = {api.add_chat(c): c for c in CHANNELS}
    per_chat = Counter((m.chat_id, m.plain) for m in sent)
    # The overall rate is measured while readers are being served: the channels' tail is paced by
    # their own per-chat limit (20/min), which no amount of concurrency may shorten.
    to_readers = [m.at for m in sent if m.chat_id not in channel_ids]
    breaking_at = [m.at for m in sent if m.chat_id in channel_ids and "عاجل" in m.plain.split("\n", 1)[0]]
    conn.send(
        {
            "sent": len(sent),
            "duplicates": sum(n - 1 for n in per_chat.values()),
            "violations": len(api.violations),
            "violation_kinds": dict(
                Counter(v.split(":")[0] if v.startswith("chat") else v for v in api.violations)
            ),
            "injected_429": api.injected_floods,
            "first": min(m.at for m in sent),
            "last": max(m.at for m in sent),
            "readers_sent": len(to_readers),
            "readers_span": max(to_readers) - min(m.at for m in sent),
            "breaking_channels_done": max(breaking_at) if len(breaking_at) == len(CHANNELS) else None,
            "cpu_s": busy_cpu,
        }
    )
    api.stop()
    open_api.stop()


def bench_config(data: Path, limits: Limits) -> Config:
    return parse_config(
        {
            "storage": {"path": str(data)},
            "delivery": {
                "global_per_second": limits.global_per_second,
                "private_per_second": limits.private_per_second,
                "group_per_minute": limits.group_per_minute,
                "concurrency": CONCURRENCY,
            },
            "categories": [
                {"slug": "breaking", "ar": "عاجل", "en": "Breaking", "breaking": True},
                {"slug": "sport", "ar": "رياضة", "en": "Sport"},
                {"slug": "politics", "ar": "سياسة", "en": "Politics"},
            ],
            "channels": [
                {"chat": CHANNELS[0], "breaking": True},
                {"chat": CHANNELS[1], "categories": ["sport"], "breaking": True},
                {"chat": CHANNELS[2], "categories": ["politics"], "breaking": True},
            ],
        }
    )


def items(reader_articles: int) -> list[NewsItem]:
    """One breaking alert, then 20 articles: the first `reader_articles` in the readers' category."""
    found = [
        NewsItem("tick:1", "غلوبال نيوز", "عاجل: انفجار في دمشق", None, "", ("breaking",), True),
    ]
    for n in range(20):
        category = "sport" if n < reader_articles else "politics"
        found.append(
            NewsItem(
                f"url:https://a.example/{n}",
                "غلوبال نيوز",
                f"خبر رقم {n} في قسم {category}",
                f"https://a.example/{n}",
                "ملخص قصير للخبر. جملة ثانية.",
                (category,),
                False,
            )
        )
    return found


def cpu_seconds() -> float:
    """CPU this process used so far: whichever side nears one full core is what limits the rate."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def capacity(base_url: str, request: BaseRequest) -> float:
    """Messages/s one transport pushes through the unlimited stand-in with the broadcaster's concurrency."""
    bot = Bot(TOKEN, base_url=base_url, request=request)
    await bot.initialize()
    slots = asyncio.Semaphore(CONCURRENCY)

    async def send(n: int) -> None:
        async with slots:
            await bot.send_message(FIRST_READER + n, "<b>عاجل</b>: انفجار في دمشق", parse_mode="HTML")

    started = time.perf_counter()
    await asyncio.gather(*(send(n) for n in range(CAPACITY_SENDS)))
    elapsed = time.perf_counter() - started
    await bot.shutdown()
    return CAPACITY_SENDS / elapsed


async def run(args: argparse.Namespace) -> dict[str, Any]:
    limits = Limits().scaled(args.scale)
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(child, limits, args.flood_rate, args.readers))
    server.start()
    base_url, open_url = parent.recv()
    httpx_capacity = await capacity(open_url, HTTPXRequest(connection_pool_size=CONCURRENCY + 2))
    aiohttp_capacity = await capacity(open_url, AiohttpRequest(CONCURRENCY + 2))
    with tempfile.TemporaryDirectory() as tmp:
        config = bench_config(Path(tmp) / "nashra.json", limits)
        store = Store(config.storage.path)
        for n in range(args.readers):
            store.save_subscriber(FIRST_READER + n, categories=["sport"], language="ar", breaking=True)
        news = items(args.reader_articles)
        for item in news:
            store.put_item(item.key, item.to_json())
            store.enqueue(targets(item, config, store))
        await store.commit()
        expected = len(store.pending())
        idle_rss = rss_mb()
        bot = Bot(TOKEN, base_url=base_url, request=AiohttpRequest(CONCURRENCY + 2))
        await bot.initialize()
        broadcaster = Broadcaster(bot, store, config)
        started = time.time()
        cpu_before = cpu_seconds()
        task = asyncio.create_task(broadcaster.run())
        while store.pending():
            await asyncio.sleep(0.5)
        bot_cpu = cpu_seconds() - cpu_before
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await bot.shutdown()
    parent.send("report")
    report = parent.recv()
    server.join()
    span = report["last"] - report["first"]
    rate = report["readers_sent"] / report["readers_span"]
    return {
        "expected": expected,
        "delivered": report["sent"],
        "lost": expected - (report["sent"] - report["duplicates"]),
        "duplicates": report["duplicates"],
        "limit_violations": report["violations"],
        "violation_kinds": report["violation_kinds"],
        "injected_429": report["injected_429"],
        "rate": rate,
        "configured": limits.global_per_second,
        "ratio": rate / limits.global_per_second,
        # The same run's baseline: unpaced sends/s on this machine now, with PTB's httpx and with aiohttp.
        "capacity_httpx": httpx_capacity,
        "capacity_aiohttp": aiohttp_capacity,
        "ratio_to_capacity": rate / aiohttp_capacity,
        "breaking_on_all_channels_s": (report["breaking_channels_done"] or float("nan")) - started,
        "duration_s": span,
        # CPU per message and share of one core over the run, for the bot and for the stand-in.
        "bot_cpu_ms_per_message": bot_cpu * 1000 / report["sent"],
        "bot_cpu_share": bot_cpu / span,
        "standin_cpu_ms_per_message": report["cpu_s"] * 1000 / report["sent"],
        "standin_cpu_share": report["cpu_s"] / span,
        "rss_idle_mb": idle_rss,
        "rss_peak_mb": max(idle_rss, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--readers", type=int, default=10_000)
    parser.add_argument("--reader-articles", type=int, default=0, help="articles in the readers' category")
    parser.add_argument("--scale", type=float, default=6.0, help="multiply Telegram's limits by this")
    parser.add_argument("--flood-rate", type=float, default=0.03, help="share of sends refused with 429")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    result = asyncio.run(run(args))
    for key, value in result.items():
        print(f"{key:28} {value:.3f}" if isinstance(value, float) else f"{key:28} {value}")


if __name__ == "__main__":
    main()
