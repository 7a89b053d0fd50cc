"""/status in a real browser: headless Chromium renders it, shows every source, and logs no console error."""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from bot.config import load_config
from bot.demo import sources_seeded, start_bot, stop_bot, wait_until
from bot.metrics import ACTIVITY
from bot.standins.news_site import SampleNewsSite
from bot.standins.telegram_api import FakeBotAPI
from tests.opshelp import ops_url, write_config

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Chromium prints every console message (errors, failed loads, uncaught exceptions) to stderr like this.
CONSOLE_LINE = re.compile(r":CONSOLE[:(\]]")
BROWSER_TIMEOUT = 60.0

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Debian's chromium package (apt-get install chromium; .ci/run installs it)"
)


async def browse(url: str, profile: Path) -> tuple[str, list[str]]:
    """The DOM Chromium built and its console lines; a subprocess, so the bot's loop keeps serving."""
    assert CHROMIUM is not None
    process = await asyncio.create_subprocess_exec(
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        "--dump-dom",
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), BROWSER_TIMEOUT)
    assert process.returncode == 0, err.decode(errors="replace")
    return out.decode(), [
        line for line in err.decode(errors="replace").splitlines() if CONSOLE_LINE.search(line)
    ]


async def test_the_console_check_catches_a_broken_page(tmp_path: Path) -> None:
    """Without this, "no console errors" could pass because the check sees nothing at all."""
    broken = "<html><body><p>x</p><script>undefinedFunction()</script></body></html>"
    _, console = await browse("data:text/html," + quote(broken), tmp_path / "profile")
    assert any("undefinedFunction" in line for line in console)


async def test_status_page_renders_the_sources_without_console_errors(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path
) -> None:
    sources = [
        {"name": "غلوبال نيوز", "kind": "feed", "url": site.url("/feed/"), "interval": "1s"},
        {
            "name": "Global News — breaking",
            "kind": "ticker",
            "url": site.url("/"),
            "interval": "1s",
            "item_selector": "#breaking-news-in-header li",
        },
    ]
    config = write_config(
        tmp_path / "c.toml", site, api, tmp_path / "d.json", sources=sources, ops={"http": True, "port": 0}
    )
    app = await start_bot(load_config(config), api.token)
    try:
        await wait_until(lambda: sources_seeded(app), "first polls")
        article = site.publish_next("sport")
        await wait_until(lambda: any(f.title == article.title for f in ACTIVITY.recent), "the new item")
        dom, console = await browse(ops_url(app) + "/status", tmp_path / "profile")
    finally:
        await stop_bot(app)
    assert console == []
    assert '<html lang="ar" dir="rtl">' in dom
    assert "غلوبال نيوز" in dom and "Global News — breaking" in dom
    assert "<svg" in dom and "<rect" in dom  # the items-per-hour chart
    assert article.title in dom  # the latest items list
