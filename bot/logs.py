"""Logging set-up that can never print the bot token, whichever library logs the request URL."""

from __future__ import annotations

import logging

REDACTED = "<bot-token>"


class TokenFilter(logging.Filter):
    """Replace the token in every record's final text (httpx logs URLs like /bot<TOKEN>/sendMessage)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self._token and self._token in message:
            record.msg, record.args = message.replace(self._token, REDACTED), None
        if record.exc_info and self._token:
            record.exc_text = (
                logging.Formatter().formatException(record.exc_info).replace(self._token, REDACTED)
            )
            record.exc_info = None
        return True


def setup_logging(token: str, level: int = logging.INFO) -> None:
    """One line per event; the token filter sits on the handler so records from every logger pass it."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(TokenFilter(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token; the filter is the backstop.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
