"""Helpers shared by the operations tests: a config file on disk, the ops endpoint, a bot process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from telegram.ext import Application

from bot.config import Config, parse_config
from bot.demo import DEMO_CATEGORIES
from bot.standins.news_site import SampleNewsSite
from bot.standins.telegram_api import FakeBotAPI

ROOT = Path(__file__).resolve().parents[1]


def toml_value(value: Any) -> str:
    """Enough TOML for these tests (json's strings and lists are valid TOML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


def write_config(
    path: Path,
    site: SampleNewsSite,
    api: FakeBotAPI,
    data: Path,
    *,
    sources: list[dict[str, Any]] | None = None,
    categories: list[dict[str, Any]] | None = None,
    channels: list[dict[str, Any]] | None = None,
    ops: dict[str, Any] | None = None,
    telegram: dict[str, Any] | None = None,
    extra: str = "",
) -> Path:
    """A real TOML file like an operator's, pointing at the sample site and the Bot API stand-in."""
    if sources is None:
        sources = [
            {"name": "feed", "kind": "feed", "url": site.url("/feed/"), "interval": "1s"},
            {
                "name": "ticker",
                "kind": "ticker",
                "url": site.url("/"),
                "interval": "1s",
                "item_selector": "#breaking-news-in-header li",
            },
        ]
    tables = {
        "categories": categories if categories is not None else DEMO_CATEGORIES,
        "sources": sources,
        "channels": channels or [],
    }
    lines = [
        "[telegram]",
        f"api_base_url = {toml_value(api.base_url)}",
        *(f"{k} = {toml_value(v)}" for k, v in (telegram or {}).items()),
        "[storage]",
        f"path = {toml_value(str(data))}",
        "[ops]",
        *(f"{k} = {toml_value(v)}" for k, v in (ops or {}).items()),
    ]
    for table, rows in tables.items():
        for row in rows:
            lines += [f"[[{table}]]", *(f"{k} = {toml_value(v)}" for k, v in row.items())]
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def ops_url(app: Application) -> str:
    return app.bot_data["ops_server"].url


async def get(app: Application, page: str) -> httpx.Response:
    """Ask the endpoint without blocking the loop that has to compute the answer."""
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.get(ops_url(app) + page)


async def scrape(app: Application) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample on /metrics, keyed by (name, sorted labels)."""
    response = await get(app, "/metrics")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


# Start-up imports trafilatura and lxml; a loaded 2-core CI machine needs a while.
PROCESS_TIMEOUT = 30.0


def wait_for_process(
    condition: Callable[[], object],
    what: str,
    process: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
) -> None:
    """Poll a condition on a bot process; fail with its log if it exits or the wait runs out."""
    deadline = time.monotonic() + PROCESS_TIMEOUT
    while not condition():
        if process is not None and process.poll() is not None:
            pytest.fail(f"the bot exited with {process.returncode}{_log_text(log)}")
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}{_log_text(log)}")
        time.sleep(0.05)


def _log_text(log: Path | None) -> str:
    return f":\n{log.read_text()}" if log is not None and log.exists() else ""


class Bot:
    """`python -m bot run -c FILE` with its log in a file the test reads."""

    def __init__(
        self, config: Path, api: FakeBotAPI, log: Path, *, env: dict[str, str] | None = None
    ) -> None:
        self.config, self.log = config, log
        environ = os.environ | {"NASHRA_BOT_TOKEN": api.token} | (env or {})
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "-c", str(config)], cwd=ROOT, env=environ, stderr=out
            )

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def wait_for_log(self, needle: str, count: int = 1) -> None:
        wait_for_process(
            lambda: self.text().count(needle) >= count, f"{needle!r} in the log", self.process, self.log
        )

    def stop(self, sig: int = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        try:
            return self.process.wait(PROCESS_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            pytest.fail(f"the bot did not stop on {signal.Signals(sig).name}:\n{self.text()}")


def fail_on_call(monkeypatch: pytest.MonkeyPatch, owner: object, name: str, call: int) -> None:
    """Make owner.name raise on its call-th call only, as a bug on one page of a poll would."""
    real = getattr(owner, name)
    calls = 0

    def broken(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == call:
            raise RuntimeError(f"a bug in {name}, call {call}")
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, broken)


def poll_config(data: Path, sources: list[dict[str, Any]], **fetch: Any) -> Config:
    """A config for driving a Poller directly: the demo categories, no politeness gap on loopback."""
    return parse_config(
        {
            "storage": {"path": str(data)},
            "fetch": {"host_delay": "0s", **fetch},
            "categories": DEMO_CATEGORIES,
            "sources": sources,
        }
    )
