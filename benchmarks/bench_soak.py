"""kill -9 soak: the real `nashra run` process under mixed load, SIGKILLed at random instants and restarted.

Run as `python -m benchmarks.bench_soak [kills]` (200 by default); tests/test_soak.py runs a short one.
The sample site and the Telegram stand-in run in this process on 127.0.0.1; the bot is a child process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.standins.news_site import SampleNewsSite
from bot.standins.telegram_api import FakeBotAPI, SentMessage
from bot.store import Store, StoreError

TOKEN = "424242:SOAK-secret-token-never-logged"
REPO = Path(__file__).resolve().parents[1]
STEADY_READER = 7000
# A four-step cycle, so the answer to an update Telegram re-delivers after a crash (a repeat of one already
# answered) cannot be mistaken for the answer to the command now in flight.
COMMANDS = (
    ("sub", "breaking", "Breaking"),
    ("sub", "sport", "Sport"),
    ("unsub", "breaking", "Breaking"),
    ("unsub", "sport", "Sport"),
)
CHURN_READERS = tuple(range(7001, 7009))
# Keep the ticker from scrolling a headline off before the bot had a chance to poll it.
MAX_UNDELIVERED_HEADLINES = 5
# Soak headlines are random draws of these words, so no two read as one story edited.
HEADLINE_WORDS = (
    "وزارة",
    "الصحة",
    "تعلن",
    "افتتاح",
    "مستشفى",
    "جديد",
    "في",
    "حلب",
    "حمص",
    "اللاذقية",
    "طرطوس",
    "درعا",
    "انقطاع",
    "الكهرباء",
    "عن",
    "أحياء",
    "المدينة",
    "ارتفاع",
    "أسعار",
    "الذهب",
    "والفضة",
    "هطول",
    "أمطار",
    "غزيرة",
    "على",
    "الساحل",
    "منتخب",
    "الشباب",
    "يفوز",
    "بالبطولة",
    "مجلس",
    "الوزراء",
    "يقر",
    "موازنة",
    "العام",
    "المقبل",
    "زلزال",
    "بقوة",
    "خمس",
    "درجات",
    "يضرب",
    "المنطقة",
    "إغلاق",
    "الطريق",
    "الدولي",
)
# Long enough for a start-up on a loaded 2-core machine, short enough to fail a hung run.
START_TIMEOUT = 30.0
SETTLE_TIMEOUT = 60.0


@dataclass
class Reader:
    """A reader who cycles through COMMANDS, waiting for each answer before the next."""

    chat_id: int
    subscribed: dict[str, bool] = field(default_factory=dict)  # what the bot last acknowledged
    inflight: tuple[str, str, str] | None = None
    step: int = 0
    replies_read: int = 0


@dataclass
class SoakReport:
    kills: int = 0
    load_failures: list[str] = field(default_factory=list)
    lost_subscriptions: list[str] = field(default_factory=list)
    lost_deliveries: list[str] = field(default_factory=list)
    duplicates: int = 0
    worst_duplicates_per_chat_per_crash: int = 0
    acknowledged_changes: int = 0
    headlines: int = 0
    articles: int = 0
    delivered: int = 0
    token_leaks: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not (
            self.load_failures or self.lost_subscriptions or self.lost_deliveries or self.token_leaks
        ) and (self.worst_duplicates_per_chat_per_crash <= 1)


# Breaking news and sport, as an operator's file would have them; bench_day uses them too.
CATEGORIES_TOML = """[[categories]]
slug = "breaking"
ar = "عاجل"
en = "Breaking"
aliases = ["خبر عاجل"]
breaking = true
[[categories]]
slug = "sport"
ar = "رياضة"
en = "Sport"
aliases = ["/category/sport/"]
"""


def write_config(folder: Path, site: SampleNewsSite, api: FakeBotAPI, *, debug: bool = False) -> Path:
    """A TOML config like an operator's: the sample site's feed and ticker, two channels."""
    q = json.dumps  # a JSON string is a valid TOML basic string
    text = f"""
[ops]
log_level = {q("debug" if debug else "info")}
[fetch]
# One local site serves every source; spacing requests out would only slow the load down.
host_delay = "0s"
[telegram]
api_base_url = {q(api.base_url)}
# The churning readers send a command every few tenths of a second between kills: this tests crashes,
# not the per-user flood limit, which would rightly leave some of those commands unanswered.
command_limit = 1000
[storage]
path = {q(str(folder / "data" / "nashra.json"))}
{CATEGORIES_TOML}[[sources]]
name = "site"
kind = "feed"
url = {q(site.url("/feed/"))}
interval = "1s"
[[sources]]
name = "ticker"
kind = "ticker"
url = {q(site.url("/"))}
interval = "1s"
item_selector = "#breaking-news-in-header li"
[[channels]]
chat = "@nashra_breaking"
breaking = true
[[channels]]
chat = "@nashra_sport"
categories = ["sport"]
"""
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


class Soak:
    """One soak run: owns the site, the stand-in, the child process and the bookkeeping."""

    def __init__(
        self, folder: Path, site: SampleNewsSite, api: FakeBotAPI, rng: random.Random, *, debug: bool = False
    ) -> None:
        self.folder, self.site, self.api, self.rng = folder, site, api, rng
        # At DEBUG every library's records reach the log, so the token test sees everything written.
        self.config = write_config(folder, site, api, debug=debug)
        self.data = folder / "data" / "nashra.json"
        self.log = folder / "bot.log"
        self.readers = {chat: Reader(chat) for chat in (STEADY_READER, *CHURN_READERS)}
        self.headlines: list[str] = []
        self.articles: list[str] = []
        self.kill_marks: list[int] = []  # len(api.sent()) at each kill
        self.report = SoakReport()
        self.proc: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        calls = len(self.api.calls("getUpdates"))
        env = os.environ | {"NASHRA_BOT_TOKEN": TOKEN, "PYTHONPATH": str(REPO)}
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "-c", str(self.config)],
                cwd=self.folder,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while len(self.api.calls("getUpdates")) <= calls:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the bot exited with {self.proc.returncode}; see {self.log}")
            if time.monotonic() > deadline:
                raise TimeoutError("the bot did not start polling Telegram")
            await asyncio.sleep(0.05)

    def kill(self) -> None:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"the bot died by itself ({self.proc.returncode}); see {self.log}")
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.kill_marks.append(len(self.api.sent()))
        self.report.kills += 1
        try:
            Store(self.data)  # what the next start-up will do first
        except StoreError as exc:
            self.report.load_failures.append(str(exc))

    def stop(self) -> None:
        """A clean stop, as an operator's SIGTERM would do."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)

    # -- load ------------------------------------------------------------------------------

    def read_replies(self) -> None:
        """Acknowledge in-flight commands whose answer arrived; answers to replayed updates are skipped."""
        for reader in self.readers.values():
            replies = [m.plain for m in self.api.sent(reader.chat_id) if self.news_key(m) is None]
            for plain in replies[reader.replies_read :]:
                kind = "sub" if "Subscribed to:" in plain else "unsub"
                if reader.inflight and (kind, reader.inflight[2]) == (
                    reader.inflight[0],
                    plain.split(": ")[-1],
                ):
                    reader.subscribed[reader.inflight[1]] = kind == "sub"
                    reader.inflight, reader.step = None, reader.step + 1
                    self.report.acknowledged_changes += 1
            reader.replies_read = len(replies)

    def command(self, reader: Reader) -> None:
        if reader.inflight is None:
            reader.inflight = COMMANDS[reader.step % len(COMMANDS)]
            self._send(reader)

    def retry_unanswered(self) -> None:
        """Send again what a crash left unanswered, as a person would.

        PTB confirms a batch of updates to Telegram when it fetches the next one, which may be before it
        handled them; a command the killed process had fetched is then never delivered again.
        """
        for reader in self.readers.values():
            if reader.inflight is not None:
                self._send(reader)

    def _send(self, reader: Reader) -> None:
        assert reader.inflight is not None
        kind, slug, _ = reader.inflight
        verb = "/subscribe" if kind == "sub" else "/unsubscribe"
        self.api.user_says(reader.chat_id, f"{verb} {slug}", language_code="en")

    def undelivered_headlines(self) -> int:
        delivered = {self.news_key(m) for m in self.api.sent("@nashra_breaking")}
        return sum(1 for h in self.headlines if h not in delivered)

    async def load(self, seconds: float) -> None:
        """Readers, headlines and articles for a while, at random."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.read_replies()
            roll = self.rng.random()
            if roll < 0.5:
                self.command(self.readers[self.rng.choice(CHURN_READERS)])
            elif roll < 0.8 and self.undelivered_headlines() < MAX_UNDELIVERED_HEADLINES:
                # Distinct stories, not one story re-numbered: the bot rightly edits an alert whose
                # headline changed only in its numbers instead of posting it again.
                words = " ".join(self.rng.sample(HEADLINE_WORDS, 6))
                text = f"عاجل: {words} ({len(self.headlines) + 1})"
                self.headlines.append(self.site.add_headline(text))
            elif roll < 0.85:
                with contextlib.suppress(LookupError):  # the sample site ships a handful of articles
                    self.articles.append(self.site.publish_next("sport").title)
            await asyncio.sleep(self.rng.uniform(0.02, 0.3))

    def news_key(self, message: SentMessage) -> str | None:
        lines = message.plain.splitlines()
        if message.plain.startswith("🔴") and len(lines) > 1:
            return lines[1]
        return lines[0] if lines and lines[0] in self.articles else None

    # -- verdict ---------------------------------------------------------------------------

    async def settle(self) -> None:
        """Wait until every command is answered and every promised delivery arrived."""
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while time.monotonic() < deadline:
            self.read_replies()
            if not any(r.inflight for r in self.readers.values()) and not self.missing():
                await asyncio.sleep(2.0)  # let any duplicate that is still coming be counted
                return
            await asyncio.sleep(0.2)

    def missing(self) -> list[str]:
        wanted = [("@nashra_breaking", h) for h in self.headlines]
        wanted += [(STEADY_READER, h) for h in self.headlines]
        wanted += [("@nashra_sport", a) for a in self.articles]
        got = {
            (chat, self.news_key(m))
            for chat in ("@nashra_breaking", "@nashra_sport", STEADY_READER)
            for m in self.api.sent(chat)
        }
        return [f"{chat}: {key}" for chat, key in wanted if (chat, key) not in got]

    def verdict(self) -> SoakReport:
        report = self.report
        report.lost_deliveries = self.missing()
        report.headlines, report.articles = len(self.headlines), len(self.articles)
        store = Store(self.data)
        for reader in self.readers.values():
            saved = store.subscriber(reader.chat_id)
            categories = (saved or {}).get("categories", [])
            for slug, subscribed in reader.subscribed.items():
                if (slug in categories) != subscribed:
                    report.lost_subscriptions.append(f"{reader.chat_id} {slug}: acknowledged {subscribed}")
        per_crash: Counter[tuple[int | str, int]] = Counter()
        firsts: set[tuple[int, str]] = set()
        sent = self.api.sent()
        for index, message in enumerate(sent):
            key = self.news_key(message)
            if key is None:
                continue
            report.delivered += 1
            if (message.chat_id, key) in firsts:
                report.duplicates += 1
                crash = sum(1 for mark in self.kill_marks if mark <= index)
                per_crash[(message.chat_id, crash)] += 1
            firsts.add((message.chat_id, key))
        report.worst_duplicates_per_chat_per_crash = max(per_crash.values(), default=0)
        written = [self.log, *(p for p in self.data.parent.rglob("*") if p.is_file())]
        report.token_leaks = [str(p) for p in written if TOKEN.encode() in p.read_bytes()]
        return report


async def run_soak(kills: int, folder: Path, *, seed: int = 6, debug: bool = False) -> SoakReport:
    """Start, load, SIGKILL, check the files, repeat; then a clean run that must deliver everything."""
    began = time.monotonic()
    rng = random.Random(seed)
    with SampleNewsSite() as site, FakeBotAPI(TOKEN) as api:
        for channel in ("@nashra_breaking", "@nashra_sport"):
            api.add_chat(channel, type="channel", title=channel)
        soak = Soak(folder, site, api, rng, debug=debug)
        await soak.start()
        soak.command(soak.readers[STEADY_READER])
        while site.requests.count("/") < 2 or soak.readers[STEADY_READER].inflight:
            await asyncio.sleep(0.1)  # the second ticker poll means the silent first one was committed
            soak.read_replies()
        for _ in range(kills):
            await soak.load(rng.uniform(0.2, 2.5))
            soak.kill()
            await soak.start()
            soak.retry_unanswered()
        await soak.settle()
        soak.stop()
        report = soak.verdict()
    report.seconds = time.monotonic() - began
    return report


def main() -> int:
    kills = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as tmp:
        report = asyncio.run(run_soak(kills, Path(tmp)))
    for name, value in vars(report).items():
        print(f"{name:40} {value}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
