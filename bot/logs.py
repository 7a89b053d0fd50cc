"""Logging set-up that can never print the bot token, whichever library logs the request URL."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import quote

REDACTED = "<bot-token>"
REDACTED_SECRET = "<secret>"
LogFormat = Literal["text", "json"]
# LogRecord's own attributes; anything else on a record came from `extra=` and belongs in the JSON line.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class TokenFilter(logging.Filter):
    """Replace the token in every record's final text (httpx logs URLs like /bot<TOKEN>/sendMessage)."""

    def __init__(self, token: str, *secrets: str) -> None:
        super().__init__()
        # A URL may carry the token percent-encoded (":" as %3A); both spellings are secrets.
        self._spellings = tuple(dict.fromkeys(s for s in (token, quote(token, safe="")) if s))
        # Other secrets (the webhook's secret token), which PTB's debug log of setWebhook would show.
        self._secrets = tuple(dict.fromkeys(s for s in secrets if s))

    def redact(self, text: str) -> str:
        for spelling in self._spellings:
            text = text.replace(spelling, REDACTED)
        for secret in self._secrets:
            text = text.replace(secret, REDACTED_SECRET)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._spellings and not self._secrets:
            return True
        message = record.getMessage()
        record.msg, record.args = self.redact(message), None
        if record.exc_info:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for name, value in vars(record).items():
            if name not in _STANDARD_ATTRS and isinstance(value, str):
                setattr(record, name, self.redact(value))
        return True


class OneLineFormatter(logging.Formatter):
    """Text logs, one line per event: a scraped title with a newline cannot forge a second log line."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return super().formatMessage(record).replace("\r", "\\r").replace("\n", "\\n")


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers; `extra=` fields (source, chat) become keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry |= {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS}
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


def setup_logging(
    token: str, level: int | str = logging.INFO, fmt: LogFormat = "text", *, secrets: tuple[str, ...] = ()
) -> None:
    """One line per event; the token filter sits on the handler so records from every logger pass it."""
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(TokenFilter(token, *secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper() if isinstance(level, str) else level)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token; the filter is the backstop.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
