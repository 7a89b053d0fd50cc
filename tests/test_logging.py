"""The bot token never reaches a log line, whichever logger writes it and at whatever level."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.demo import demo_config, sources_seeded, start_bot, stop_bot, wait_until
from bot.logs import REDACTED, TokenFilter, setup_logging
from bot.standins.news_site import SampleNewsSite
from bot.standins.telegram_api import FakeBotAPI

TOKEN = "987654:SECRET-token-value"


@pytest.fixture
def restore_root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.NOTSET)


def test_filter_redacts_message_arguments_and_tracebacks() -> None:
    record = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, "HTTP Request: POST %s", (f"/bot{TOKEN}/x",), None
    )
    try:
        raise RuntimeError(f"failed at https://api.telegram.org/bot{TOKEN}/getMe")
    except RuntimeError as exc:
        record.exc_info = (type(exc), exc, exc.__traceback__)
    TokenFilter(TOKEN).filter(record)
    rendered = logging.Formatter().format(record)
    assert TOKEN not in rendered and REDACTED in rendered and "getMe" in rendered


async def test_a_debug_run_never_prints_the_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], restore_root_logging: None
) -> None:
    with SampleNewsSite() as site, FakeBotAPI(TOKEN) as api:
        setup_logging(TOKEN, logging.DEBUG)
        logging.getLogger("httpx").setLevel(logging.DEBUG)  # even if an operator turns httpx logging on
        app = await start_bot(demo_config(site, api, tmp_path / "nashra.json"), TOKEN)
        try:
            api.user_says(1, "/subscribe رياضة")
            await api.wait_for_sent(1, chat_id=1)
            await wait_until(lambda: sources_seeded(app), "first polls")
        finally:
            await stop_bot(app)
    logged = capsys.readouterr().err
    assert "sendMessage" in logged  # the requests were logged ...
    assert TOKEN not in logged and TOKEN.split(":")[1] not in logged  # ... without the token
    assert TOKEN not in (tmp_path / "nashra.json").read_text()


def test_json_lines_are_one_object_per_event_and_never_hold_the_token(
    capsys: pytest.CaptureFixture[str], restore_root_logging: None
) -> None:
    setup_logging(TOKEN, logging.DEBUG, "json")
    log = logging.getLogger("bot.test")
    log.info("sent to chat %s via /bot%s/sendMessage", 42, TOKEN, extra={"chat": 42})
    log.debug("source %r said:\nline two", "feed", extra={"source": "feed", "url": f"/bot{TOKEN}/x"})
    try:
        raise ValueError(f"bad url /bot{TOKEN}/getMe")
    except ValueError:
        log.exception("poll failed")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3  # a newline in a message or a traceback stays inside its one line
    entries = [json.loads(line) for line in lines]
    assert entries[0]["chat"] == 42 and entries[0]["level"] == "INFO" and entries[0]["logger"] == "bot.test"
    assert entries[1]["source"] == "feed" and entries[1]["message"] == "source 'feed' said:\nline two"
    assert "ValueError" in entries[2]["exception"]
    assert (
        TOKEN not in "\n".join(lines)
        and REDACTED in entries[2]["exception"]
        and REDACTED in entries[1]["url"]
    )


def test_text_lines_cannot_be_split_by_a_scraped_newline(
    capsys: pytest.CaptureFixture[str], restore_root_logging: None
) -> None:
    setup_logging(TOKEN, logging.INFO)
    logging.getLogger("bot.test").warning("title %r", "first\nFAKE ERROR line")
    (line,) = capsys.readouterr().err.splitlines()
    assert line.endswith("title 'first\\nFAKE ERROR line'")


def test_percent_encoded_token_is_redacted_too() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "GET /bot987654%3ASECRET-token-value/x", None, None
    )
    TokenFilter(TOKEN).filter(record)
    assert "SECRET" not in record.getMessage()
