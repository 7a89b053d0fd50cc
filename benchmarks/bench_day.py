"""A day of polling in minutes: the real `nashra run` process, 50 sources, its memory sampled as it goes.

Run as `python -m benchmarks.bench_day [minutes [readers]]` (6 minutes, 200 readers by default). Every
source is polled each second, so six minutes hold 360 polls of each of the 50 sources, more than the 288
a day holds at the usual 5-minute interval. The sample site's ticker gets a new breaking headline every
few seconds and the readers follow breaking news, so seen items, the outbox and the journal grow as they
would in service.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_soak import CATEGORIES_TOML, HEADLINE_WORDS
from bot.standins.news_site import SampleNewsSite
from bot.standins.telegram_api import FakeBotAPI
from bot.store import Store

TOKEN = "424242:DAY-benchmark-token"
REPO = Path(__file__).resolve().parents[1]
FEEDS, TICKERS = 45, 5
FIRST_READER, READERS = 9_000_001, 200
# One new headline this often: about 100 breaking alerts in six minutes, each sent to every reader.
HEADLINE_EVERY_SECONDS = 3.5
SAMPLE_EVERY_SECONDS = 10.0


def source(name: str, kind: str, url: str) -> str:
    """One [[sources]] table, polled every second."""
    return f'[[sources]]\nname = "{name}"\nkind = "{kind}"\nurl = {json.dumps(url)}\ninterval = "1s"'


def write_config(folder: Path, site: SampleNewsSite, api: FakeBotAPI) -> Path:
    """50 sources on the one local site, each polled every second; readers only, so no channel limits."""
    q = json.dumps
    sources = [source(f"feed {n}", "feed", site.url(f"/feed/?src={n}")) for n in range(FEEDS)]
    sources += [
        source(f"ticker {n}", "ticker", site.url(f"/?src={n}"))
        + '\nitem_selector = "#breaking-news-in-header li"'
        for n in range(TICKERS)
    ]
    text = f"""
[fetch]
host_delay = "0s"
per_host = 8
[telegram]
api_base_url = {q(api.base_url)}
[storage]
path = {q(str(folder / "data" / "nashra.json"))}
{CATEGORIES_TOML}""" + "\n".join(sources)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


async def run_day(minutes: float, folder: Path, readers: int = READERS) -> dict[str, object]:
    """Start the bot, feed it headlines for `minutes`, sample its RSS; return the figures."""
    rng = random.Random(11)
    with SampleNewsSite() as site, FakeBotAPI(TOKEN) as api:
        config = write_config(folder, site, api)
        store = Store(folder / "data" / "nashra.json")
        for reader in range(FIRST_READER, FIRST_READER + readers):
            api.add_chat(reader, type="private")
            store.save_subscriber(reader, categories=["sport"], language="ar", breaking=True)
        store.commit_now()
        del store
        env = os.environ | {"NASHRA_BOT_TOKEN": TOKEN, "PYTHONPATH": str(REPO)}
        with (folder / "bot.log").open("ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "-c", str(config)],
                cwd=folder,
                env=env,
                stdout=log,
                stderr=log,
            )
        samples: list[tuple[float, float]] = []
        began = time.monotonic()
        next_sample = next_headline = began + 5.0  # start-up and the silent first polls
        headlines = 0
        try:
            while (now := time.monotonic()) < began + minutes * 60:
                if proc.poll() is not None:
                    raise RuntimeError(f"the bot exited with {proc.returncode}; see {folder / 'bot.log'}")
                if now >= next_headline:
                    site.add_headline(f"عاجل: {' '.join(rng.sample(HEADLINE_WORDS, 6))} ({headlines})")
                    headlines += 1
                    next_headline += HEADLINE_EVERY_SECONDS
                if now >= next_sample:
                    samples.append((now - began, rss_mb(proc.pid)))
                    next_sample += SAMPLE_EVERY_SECONDS
                await asyncio.sleep(0.2)
            samples.append((time.monotonic() - began, rss_mb(proc.pid)))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
        journal = sum(p.stat().st_size for p in (folder / "data").rglob("*") if p.is_file())
        first, last = samples[0], samples[-1]
        polls = sum(1 for path in site.requests if path in ("/feed/", "/"))
        return {
            "minutes": minutes,
            "readers": readers,
            "sources": FEEDS + TICKERS,
            "polls": polls,
            "polls_per_source": round(polls / (FEEDS + TICKERS)),
            "headlines": headlines,
            "messages_sent": len(api.sent()),
            "rss_first_sample_mb": round(first[1], 1),
            "rss_last_mb": round(last[1], 1),
            "rss_peak_mb": round(max(s[1] for s in samples), 1),
            "rss_growth_mb_per_1000_polls": round((last[1] - first[1]) / max(1, polls) * 1000, 2),
            "data_folder_mb": round(journal / 1e6, 1),
            "exit_code": proc.returncode,
            "samples": [(round(t), round(r, 1)) for t, r in samples],
        }


def main() -> int:
    minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 6.0
    readers = int(sys.argv[2]) if len(sys.argv) > 2 else READERS
    with tempfile.TemporaryDirectory() as tmp:
        report = asyncio.run(run_day(minutes, Path(tmp), readers))
    for key, value in report.items():
        print(f"{key:32} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
