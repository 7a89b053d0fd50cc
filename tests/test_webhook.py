"""Webhook mode in the real process: updates with the secret are handled, others refused (403), dropped."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import httpx
import pytest

from bot.app import webhook_secret
from bot.cli import main
from bot.config import ConfigError, load_config
from bot.standins.news_site import SampleNewsSite
from bot.standins.telegram_api import FakeBotAPI, html_to_plain
from bot.texts import text
from tests.opshelp import Bot, wait_for_process, write_config

READER = 2468
SECRET = "s3cret-Token_for-the-webhook"
PUBLIC_URL = "https://news.example.org/nashra/updates"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_only_updates_carrying_the_secret_are_handled(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path
) -> None:
    port = free_port()
    telegram = {"mode": "webhook", "webhook_url": PUBLIC_URL, "webhook_port": port}
    config = write_config(
        tmp_path / "c.toml",
        site,
        api,
        tmp_path / "d.json",
        sources=[],
        telegram=telegram,
        ops={"log_level": "debug"},
    )
    bot = Bot(config, api, tmp_path / "bot.log", env={"NASHRA_WEBHOOK_SECRET": SECRET})
    try:
        wait_for_process(lambda: api.webhook, "setWebhook", bot.process, bot.log)
        assert api.webhook["url"] == PUBLIC_URL and api.webhook["secret_token"] == SECRET
        # Served on loopback at the public URL's path (a reverse proxy forwards to it).
        endpoint = f"http://127.0.0.1:{port}/nashra/updates"
        with httpx.Client(timeout=10) as client:

            def post(command: str, headers: dict[str, str]) -> int:
                body = json.dumps(api.update_for(READER, command, language_code="en"))
                sent = client.post(
                    endpoint, content=body, headers={"Content-Type": "application/json", **headers}
                )
                return sent.status_code

            assert post("/start", {"X-Telegram-Bot-Api-Secret-Token": "guessed"}) == 403
            assert post("/start", {}) == 403
            assert post("/help", {"X-Telegram-Bot-Api-Secret-Token": SECRET}) == 200
            wait_for_process(lambda: api.sent(READER), "the reply to /help", bot.process, bot.log)
            time.sleep(0.5)  # anything the refused updates could have caused would show by now
        (reply,) = api.sent(READER)
        assert reply.plain == html_to_plain(text("en", "help")).strip()
        assert api.calls("getUpdates") == []  # a webhook bot never polls
    finally:
        code = bot.stop()
    logged = bot.text()
    assert code == 0, logged
    assert "setWebhook" in logged  # PTB logged the call at debug level...
    assert SECRET not in logged and api.token not in logged  # ...but neither secret reached the log


def test_the_webhook_secret_comes_from_the_environment_or_is_made_fresh(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path
) -> None:
    webhook = {"mode": "webhook", "webhook_url": PUBLIC_URL, "webhook_secret_env": "HOOK_SECRET"}
    config = load_config(write_config(tmp_path / "c.toml", site, api, tmp_path / "d.json", telegram=webhook))
    assert webhook_secret(config, {"HOOK_SECRET": SECRET}) == SECRET
    fresh = {webhook_secret(config, {}) for _ in range(2)}
    assert len(fresh) == 2 and all(len(s) >= 40 for s in fresh)  # random each start
    with pytest.raises(ConfigError, match="HOOK_SECRET: the webhook secret must be 1-256 characters"):
        webhook_secret(config, {"HOOK_SECRET": "has spaces and ü"})
    polling = load_config(write_config(tmp_path / "p.toml", site, api, tmp_path / "d.json"))
    assert webhook_secret(polling, {"NASHRA_WEBHOOK_SECRET": SECRET}) is None


def test_a_bad_webhook_secret_stops_nashra_run_with_exit_2(
    site: SampleNewsSite,
    api: FakeBotAPI,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    telegram = {"mode": "webhook", "webhook_url": PUBLIC_URL}
    config = write_config(tmp_path / "c.toml", site, api, tmp_path / "d.json", sources=[], telegram=telegram)
    monkeypatch.setenv("NASHRA_BOT_TOKEN", api.token)
    monkeypatch.setenv("NASHRA_WEBHOOK_SECRET", "no spaces allowed")
    assert main(["run", "-c", str(config)]) == 2
    error = capsys.readouterr().err
    assert "NASHRA_WEBHOOK_SECRET: the webhook secret must be 1-256 characters" in error
    assert "no spaces allowed" not in error
    assert api.calls() == []  # refused before anything reached Telegram


@pytest.mark.parametrize(
    ("telegram", "message"),
    [
        ({"mode": "webhook"}, 'telegram: webhook mode needs webhook_url, e.g. webhook_url = "https://'),
        ({"webhook_url": "http://x.org/h"}, "telegram.webhook_url: expected a public https:// address"),
        ({"webhook_path": "hook"}, 'telegram.webhook_path: expected a path starting with "/"'),
        (
            {"webhook_secret_env": "MY SECRET"},
            "telegram.webhook_secret_env: expected an environment variable",
        ),
        ({"mode": "hooks"}, "telegram.mode: Input should be 'polling' or 'webhook'"),
        ({"command_limit": 0}, "telegram.command_limit: Input should be greater than or equal to 1"),
        ({"command_window": "soon"}, 'telegram.command_window: expected a duration like "5m"'),
    ],
)
def test_webhook_and_flood_settings_are_checked_with_clear_messages(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path, telegram: dict[str, object], message: str
) -> None:
    path = write_config(tmp_path / "c.toml", site, api, tmp_path / "d.json", telegram=telegram)
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    assert f"{path}: {message}" in str(refused.value)


def test_the_local_path_defaults_to_the_public_urls_path(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path
) -> None:
    hook = {"mode": "webhook", "webhook_url": PUBLIC_URL}
    config = load_config(write_config(tmp_path / "a.toml", site, api, tmp_path / "d.json", telegram=hook))
    assert config.telegram.local_webhook_path == "/nashra/updates"
    hook |= {"webhook_path": "/behind-proxy"}
    config = load_config(write_config(tmp_path / "b.toml", site, api, tmp_path / "d.json", telegram=hook))
    assert config.telegram.local_webhook_path == "/behind-proxy"
