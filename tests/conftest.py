"""Shared fixtures: the read-only corpus beside the checkout."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.standins.news_site import SampleNewsSite
from bot.standins.telegram_api import FakeBotAPI

# Beside the checkout by default; NASHRA_SHARED points elsewhere (e.g. from a git worktree).
SHARED = Path(os.environ.get("NASHRA_SHARED", Path(__file__).resolve().parents[2] / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ../shared folder, or skip: CI has it, a bare clone may not."""
    if not (SHARED / "corpus").is_dir():
        pytest.skip(f"needs the shared corpus at {SHARED} (absent in this clone)")
    return SHARED


@pytest.fixture
def site() -> Iterator[SampleNewsSite]:
    """The sample Arabic news site, served on loopback for one test."""
    with SampleNewsSite() as running:
        yield running


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    """The Telegram Bot API stand-in, with the demo configuration's channels registered."""
    with FakeBotAPI() as running:
        for channel in ("@nashra_breaking", "@nashra_sport"):
            running.add_chat(channel, type="channel", title=channel)
        yield running
