"""The real process (`python -m bot run`) under signals: SIGHUP reloads, SIGTERM stops without losing news."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from bot.standins.news_site import SampleNewsSite
from bot.standins.telegram_api import FakeBotAPI
from bot.store import Store
from tests.opshelp import PROCESS_TIMEOUT, Bot, wait_for_process, write_config

ROOT = Path(__file__).resolve().parents[1]
READERS = range(8_000_001, 8_000_091)


def nashra(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT,
    )


def test_nashra_reload_applies_a_good_file_and_refuses_a_bad_one(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path
) -> None:
    data = tmp_path / "data" / "nashra.json"
    config = write_config(tmp_path / "c.toml", site, api, data)
    bot = Bot(config, api, tmp_path / "bot.log")
    try:
        bot.wait_for_log("first poll", count=2)
        assert (data.parent / "nashra.json.lock").read_text().strip() == str(bot.process.pid)
        sources = [
            {"name": "sport feed", "kind": "feed", "url": site.url("/category/sport/feed/"), "interval": "1s"}
        ]
        write_config(config, site, api, data, sources=sources)
        done = nashra("reload", "-c", str(config))
        assert done.returncode == 0, done.stderr
        bot.wait_for_log("reload: source 'sport feed' added")
        bot.wait_for_log("source 'sport feed': first poll")
        assert (
            "reload: source 'feed' removed" in bot.text() and "reload: source 'ticker' removed" in bot.text()
        )

        config.write_text(config.read_text().replace('interval = "1s"', 'interval = "soon"'))
        refused = nashra("reload", "-c", str(config))
        assert refused.returncode == 2
        assert "sources[0].interval: expected a duration like \"5m\", got 'soon'" in refused.stderr
        bot.process.send_signal(signal.SIGHUP)  # as systemd's ExecReload would, without the CLI's check
        bot.wait_for_log("reload rejected: the running configuration is unchanged")
        polls = site.requests.count("/category/sport/feed/")
        wait_for_process(lambda: site.requests.count("/category/sport/feed/") > polls, "polling to go on")
    finally:
        code = bot.stop()
    assert code == 0, bot.text()
    write_config(config, site, api, data)
    stale = nashra("reload", "-c", str(config))
    assert stale.returncode == 2
    assert "no nashra process holds" in stale.stderr


def test_sigterm_during_a_broadcast_loses_no_delivery(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path
) -> None:
    data = tmp_path / "nashra.json"
    store = Store(data)
    for reader in READERS:
        api.add_chat(reader, type="private")
        store.save_subscriber(reader, categories=["breaking"], language="ar")
    store.commit_now()
    config = write_config(tmp_path / "c.toml", site, api, data, ops={"stop_timeout": "10s"})

    bot = Bot(config, api, tmp_path / "bot.log")
    try:
        bot.wait_for_log("first poll", count=2)
        headline = site.add_headline("انقطاع التيار الكهربائي عن أحياء في المدينة لساعتين")
        wait_for_process(lambda: len(api.sent()) >= 5, "the broadcast to begin")
    finally:
        code = bot.stop(signal.SIGTERM)
    assert code == 0, bot.text()
    sent_before = len(api.sent())
    pending = len(Store(data).pending())
    assert pending > 0, "the broadcast finished before SIGTERM; the test proved nothing"
    assert sent_before + pending == len(READERS)  # the send in progress finished and was recorded

    bot = Bot(config, api, tmp_path / "bot.log")
    try:
        wait_for_process(lambda: len(api.sent()) >= len(READERS), "the rest of the broadcast after restart")
    finally:
        code = bot.stop(signal.SIGINT)
    assert code == 0, bot.text()
    received = [m.chat_id for m in api.sent() if headline in m.plain]
    assert sorted(received) == list(READERS)  # every reader, exactly once
    assert not Store(data).pending()
