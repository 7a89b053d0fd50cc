"""The operator's HTTP endpoint: /healthz, /metrics and /status, on loopback unless configured otherwise.

A stdlib HTTP server runs in a thread so a slow scrape never stalls the bot, but every answer is computed
on the event loop (the store and the scheduler are not thread-safe); a loop that cannot answer in time is
itself reported unhealthy.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from telegram.ext import Application

from bot import metrics
from bot.admin import is_held
from bot.config import Config
from bot.status import render_status

log = logging.getLogger(__name__)

# A poll cycle is overdue after this many intervals (plus the grace below) without one finishing.
STALE_INTERVALS = 3
# Extraction of a long listing can take a while; never call a source stale sooner than this.
STALE_GRACE_SECONDS = 60.0
# How long the HTTP thread waits for the event loop before calling the bot unresponsive.
LOOP_ANSWER_SECONDS = 5.0


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


def health(app: Application, started: float, now: float | None = None) -> tuple[bool, list[str]]:
    """Healthy while the scheduler runs, the broadcaster task lives and every source polled recently."""
    now = time.time() if now is None else now
    reasons: list[str] = []
    if app.job_queue is None or not app.job_queue.scheduler.running:
        reasons.append("scheduler is not running")
    task: asyncio.Task[None] | None = app.bot_data.get("broadcast_task")
    if task is None or task.done():
        reasons.append("broadcaster is not running")
    config: Config = app.bot_data["config"]
    for source in config.sources:
        if is_held(app.bot_data["store"], source.name):
            continue  # an admin paused it: not polling is what was asked for
        last = max(metrics.ACTIVITY.poll_finished.get(source.name, 0.0), started)
        allowed = STALE_INTERVALS * source.interval.total_seconds() + STALE_GRACE_SECONDS
        if now - last > allowed:
            reasons.append(f"source {source.name!r}: no poll finished in the last {allowed:g}s")
    return not reasons, reasons


class OpsServer:
    """Serves the three pages for one running Application."""

    def __init__(self, app: Application, loop: asyncio.AbstractEventLoop) -> None:
        self.app = app
        self.loop = loop
        self.started = time.time()
        config: Config = app.bot_data["config"]
        self.store_collector = metrics.StoreCollector(app.bot_data["store"], config)
        self._store_registry = CollectorRegistry()
        self._store_registry.register(self.store_collector)
        self._httpd = _Server((config.ops.host, config.ops.port), _Handler)
        self._httpd.ops = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="nashra-ops", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()
        log.info("ops endpoint on %s (/healthz, /metrics, /status)", self.url)

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def answer(self, path: str) -> Answer:
        """Compute a page on the event loop; called from the HTTP thread."""
        pages: dict[str, Callable[[], Answer]] = {
            "/healthz": self._healthz,
            "/metrics": self._metrics,
            "/status": self._status,
            "/": self._status,
        }
        page = pages.get(path.split("?", 1)[0])
        if page is None:
            return Answer(404, "text/plain; charset=utf-8", b"not found: try /healthz, /metrics or /status\n")

        async def on_loop() -> Answer:
            return page()

        try:
            return asyncio.run_coroutine_threadsafe(on_loop(), self.loop).result(LOOP_ANSWER_SECONDS)
        except (concurrent.futures.TimeoutError, RuntimeError):
            # RuntimeError: the loop is closed. Either way the bot cannot do its work.
            return _json(503, {"status": "unhealthy", "reasons": ["event loop is not responding"]})

    def _healthz(self) -> Answer:
        ok, reasons = health(self.app, self.started)
        if ok:
            return _json(200, {"status": "ok"})
        return _json(503, {"status": "unhealthy", "reasons": reasons})

    def _metrics(self) -> Answer:
        self.store_collector.config = self.app.bot_data["config"]  # a reload may have changed the sources
        body = generate_latest(REGISTRY) + generate_latest(self._store_registry)
        return Answer(200, CONTENT_TYPE_LATEST, body)

    def _status(self) -> Answer:
        ok, reasons = health(self.app, self.started)
        page = render_status(
            self.app.bot_data["config"],
            self.app.bot_data["store"],
            metrics.ACTIVITY,
            healthy=ok,
            reasons=reasons,
        )
        return Answer(200, "text/html; charset=utf-8", page.encode())


def _json(status: int, payload: dict[str, Any]) -> Answer:
    return Answer(status, "application/json", json.dumps(payload, ensure_ascii=False).encode())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    ops: OpsServer


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Idle keep-alive connections from a scraper must not pin handler threads forever.
    timeout = 30

    def do_GET(self) -> None:
        self._reply(self.server.ops.answer(self.path), send_body=True)

    def do_HEAD(self) -> None:
        self._reply(self.server.ops.answer(self.path), send_body=False)

    def _reply(self, answer: Answer, *, send_body: bool) -> None:
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if send_body:
            self.wfile.write(answer.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes every few seconds would drown the bot's own log lines."""


def start_ops(app: Application) -> OpsServer | None:
    """Start the endpoint if the config asks for it; called from post_init, on the running loop."""
    config: Config = app.bot_data["config"]
    if not config.ops.http:
        return None
    server = OpsServer(app, asyncio.get_running_loop())
    server.start()
    app.bot_data["ops_server"] = server
    return server


def stop_ops(app: Application) -> None:
    server: OpsServer | None = app.bot_data.pop("ops_server", None)
    if server is not None:
        server.stop()
