"""Change a running bot: SIGHUP re-reads the TOML file; a stop lets the send in progress finish first.

What the store holds (seen items, subscribers, the outbox) is never touched by a reload: the objects built
from the config take the new one (and keep their own state), and poll jobs are added, removed or
rescheduled to match the new file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.config import Config, ConfigError, load_config
from bot.storage import lock_holder, lock_path

log = logging.getLogger(__name__)

# Settings a running process cannot switch; they keep their old value and the log says a restart is needed.
RESTART_ONLY = ("telegram", "storage", "ops")


class ReloadError(Exception):
    """`nashra reload` could not reach a running bot; the message says why."""


def poll_job_name(source_name: str) -> str:
    return f"poll:{source_name}"


async def reload_config(app: Application, path: Path) -> bool:
    """Apply the file at `path` to the running bot; an invalid file changes nothing and returns False."""
    try:
        new = load_config(path)
    except ConfigError as exc:
        for line in str(exc).splitlines():
            log.error("reload rejected: %s", line)
        log.error("reload rejected: the running configuration is unchanged")
        return False
    old: Config = app.bot_data["config"]
    kept = {name: getattr(old, name) for name in RESTART_ONLY if getattr(new, name) != getattr(old, name)}
    for name in kept:
        log.warning("reload: [%s] changed; it takes effect at the next restart", name)
    apply_config(app, new.model_copy(update=kept))
    return True


def apply_config(app: Application, new: Config) -> None:
    """Swap the config into every object built from it, then match the poll jobs to the new sources."""
    from bot.app import schedule_poll  # app.py imports this module: importing at the top cycles

    old: Config = app.bot_data["config"]
    app.bot_data["config"] = new
    for holder in _config_holders(app):
        holder.reconfigure(new)
    before = {s.name: s for s in old.sources}
    after = {s.name: s for s in new.sources}
    assert app.job_queue is not None
    for name, source in before.items():
        if after.get(name) != source:
            for job in app.job_queue.get_jobs_by_name(poll_job_name(name)):
                job.schedule_removal()
            if name not in after:
                log.info("reload: source %r removed", name)
    for name, source in after.items():
        if before.get(name) != source:
            schedule_poll(app, source)
            log.info("reload: source %r %s", name, "changed" if name in before else "added")
    log.info(
        "reload: %d sources, %d categories, %d channels",
        len(new.sources),
        len(new.categories),
        len(new.channels),
    )


def _config_holders(app: Application) -> list[Any]:
    """The broadcaster, the poller and the handler objects (reader commands) built from the config.

    Each keeps its state (the poller its fetch gates, robots.txt cache and story index) and takes the new
    config; a poll in flight carries on with the same poller.
    """
    holders: list[Any] = [app.bot_data[name] for name in ("broadcaster", "poller") if name in app.bot_data]
    for handlers in app.handlers.values():
        for handler in handlers:
            owner = getattr(handler.callback, "__self__", None)
            if hasattr(owner, "reconfigure") and owner not in holders:
                holders.append(owner)
    return holders


async def stop_broadcasting(app: Application) -> None:
    """Let the broadcaster finish the send in progress (bounded by ops.stop_timeout), then stop it."""
    task: asyncio.Task[None] | None = app.bot_data.get("broadcast_task")
    if task is None or task.done():
        return
    broadcaster = app.bot_data["broadcaster"]
    broadcaster.stopping = True
    broadcaster.wake()
    timeout = app.bot_data["config"].ops.stop_timeout.total_seconds()
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout)
    except TimeoutError:
        log.warning("broadcaster still busy after %gs; stopping it, unsent messages stay queued", timeout)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    queued = len(app.bot_data["store"].pending())
    if queued:
        log.info("stopped sending; %d deliveries stay queued for the next start", queued)


def install_reload(app: Application) -> None:
    """Reload on SIGHUP, when running from a config file (`nashra run`)."""
    path: Path | None = app.bot_data.get("config_path")
    if path is None:
        return
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGHUP, lambda: _spawn(app, reload_config(app, path)))
    app.bot_data["reload_installed"] = True


def uninstall_reload(app: Application) -> None:
    if app.bot_data.pop("reload_installed", False):
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)


def _spawn(app: Application, coro: Any) -> None:
    """Keep a reference to the reload task, or the loop may drop it half-way."""
    task = asyncio.ensure_future(coro)
    app.bot_data.setdefault("reload_tasks", set()).add(task)
    task.add_done_callback(app.bot_data["reload_tasks"].discard)


def send_reload(config: Config) -> int:
    """Signal the bot holding this config's data lock; the caller validated the file already."""
    pid = lock_holder(config.storage.path)
    if pid is None:
        lock = lock_path(config.storage.path)
        raise ReloadError(f"no nashra process holds {lock}; is `nashra run` running with this config?")
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        raise ReloadError(f"process {pid} stopped before it could be asked to reload") from None
    except PermissionError:
        raise ReloadError(f"process {pid} belongs to another user; run reload as that user") from None
    return pid
