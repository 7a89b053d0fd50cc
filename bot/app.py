"""Wire the python-telegram-bot Application: handlers in order, poll jobs, broadcaster, resources."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime

from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    ExtBot,
    filters,
)
from telegram.ext import MessageHandler as _MessageHandler

from bot import flood, metrics
from bot.admin import AdminCommands, check_channels, is_held
from bot.broadcaster import Broadcaster
from bot.commands import ReaderCommands, register_commands
from bot.config import Config, ConfigError, Source
from bot.ops import start_ops, stop_ops
from bot.poller import Poller
from bot.reload import install_reload, poll_job_name, stop_broadcasting, uninstall_reload
from bot.store import Store
from bot.transport import AiohttpRequest
from jobs.fetch import new_client

log = logging.getLogger(__name__)

# A couple of connections beyond the sends in flight, so a slow close never stalls a new send.
BROADCAST_SPARE_CONNECTIONS = 2
# APScheduler's default 1 s grace would silently skip a poll whenever the loop is busy; run it late instead.
POLL_JOB_KWARGS = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
# What Telegram accepts as a webhook secret_token; a random one of 32 bytes is 43 such characters.
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
WEBHOOK_SECRET_BYTES = 32


def build_application(config: Config, token: str, store: Store) -> Application:
    """The whole bot, ready for `run_polling()` or for tests to start by hand."""
    builder = ApplicationBuilder().token(token).rate_limiter(metrics.CountingRateLimiter())
    if config.telegram.api_base_url:
        builder = builder.base_url(config.telegram.api_base_url)
    app = builder.post_init(_start_services).post_stop(_stop_services).build()
    app.bot_data["config"] = config
    app.bot_data["store"] = store

    commands = ReaderCommands(config, store)
    commands.register(app)
    # Admin commands before the catch-all: for anyone else they fall through to "unknown command".
    AdminCommands(config, store, app.bot_data.setdefault("delivery_rate", metrics.SendRate())).register(app)
    app.add_handler(_MessageHandler(filters.COMMAND, commands.unknown))
    flood.install(app, store, config.telegram.command_limit, config.telegram.command_window.total_seconds())
    app.add_error_handler(_log_error)
    return app


async def _start_services(app: Application) -> None:
    """Open the HTTP client, start the broadcaster and schedule every source."""
    config: Config = app.bot_data["config"]
    store: Store = app.bot_data["store"]
    await register_commands(app.bot, config.telegram.admins, AdminCommands.NAMES)
    client = new_client(config.fetch.policy())
    metrics.instrument(client)
    broadcast_bot = _broadcast_bot(app.bot.token, config)
    await broadcast_bot.initialize()
    broadcaster = Broadcaster(broadcast_bot, store, config)
    broadcaster.on_event = app.bot_data["delivery_rate"].on_broadcast
    app.bot_data.update(client=client, broadcaster=broadcaster, broadcast_bot=broadcast_bot)
    app.bot_data["poller"] = build_poller(app, config)
    app.bot_data["broadcast_task"] = asyncio.create_task(_keep_broadcasting(broadcaster))
    for source in config.sources:
        schedule_poll(app, source)
    start_ops(app)
    install_reload(app)
    app.bot_data["channel_problems"] = await check_channels(app.bot, config)


def serve(app: Application, config: Config, secret: str | None) -> None:
    """Receive updates as the config says: long polling, or a webhook Telegram posts to (secret checked)."""
    settings = config.telegram
    if settings.mode == "polling":
        app.run_polling()
        return
    log.info(
        "webhook: serving http://%s:%d%s for %s",
        settings.webhook_listen,
        settings.webhook_port,
        settings.local_webhook_path,
        settings.webhook_url,
    )
    # PTB's server answers 403 to a POST without this secret in X-Telegram-Bot-Api-Secret-Token.
    app.run_webhook(
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        url_path=settings.local_webhook_path,
        webhook_url=settings.webhook_url,
        secret_token=secret,
    )


def webhook_secret(config: Config, environ: Mapping[str, str]) -> str | None:
    """The webhook's secret token: from the configured variable, else a fresh random one for this run."""
    if config.telegram.mode != "webhook":
        return None
    name = config.telegram.webhook_secret_env
    secret = environ.get(name, "").strip()
    if not secret:
        return secrets.token_urlsafe(WEBHOOK_SECRET_BYTES)
    if not WEBHOOK_SECRET.fullmatch(secret):
        raise ConfigError(
            f"{name}: the webhook secret must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)"
        )
    return secret


def build_poller(app: Application, config: Config) -> Poller:
    """The poller for this config; a source paused or back after failing is told to the admins."""
    poller = Poller(config, app.bot_data["store"], app.bot_data["client"], app.bot_data["broadcaster"].wake)
    poller.on_notice = lambda message: _tell_admins(app, message)
    return poller


def _tell_admins(app: Application, message: str) -> None:
    for admin in app.bot_data["config"].telegram.admins:
        app.create_task(app.bot.send_message(admin, message), name=f"notice:{admin}")


def schedule_poll(app: Application, source: Source) -> None:
    """One repeating job per source, first run now; reload.py calls this for added or changed sources."""
    assert app.job_queue is not None
    app.job_queue.run_repeating(
        _poll_job,
        interval=source.interval,
        first=0,
        name=poll_job_name(source.name),
        data=source,
        # Given only first=0, APScheduler puts the first run a whole interval after that start, which has
        # passed by the time it adds the job: a source polled hourly would wait an hour after a start.
        job_kwargs=POLL_JOB_KWARGS | {"next_run_time": datetime.now(UTC)},
    )


async def _stop_services(app: Application) -> None:
    uninstall_reload(app)
    await stop_broadcasting(app)
    stop_ops(app)
    if "client" in app.bot_data:
        await app.bot_data["client"].aclose()
    if "broadcast_bot" in app.bot_data:
        await app.bot_data["broadcast_bot"].shutdown()
    await app.bot_data["store"].commit()


def _broadcast_bot(token: str, config: Config) -> ExtBot:
    """The broadcaster's own Bot: it paces itself, and its pool must hold every send it has in flight."""
    request = AiohttpRequest(config.delivery.concurrency + BROADCAST_SPARE_CONNECTIONS)
    base_url = config.telegram.api_base_url or "https://api.telegram.org/bot"
    return ExtBot(token, base_url=base_url, request=request, rate_limiter=metrics.SendCounter())


async def _keep_broadcasting(broadcaster: Broadcaster) -> None:
    """The broadcaster must outlive any single bug: log it and carry on after a pause."""
    while not broadcaster.stopping:
        try:
            await broadcaster.run()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("broadcaster failed; restarting it")
            await asyncio.sleep(1)


async def _poll_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    assert context.job is not None
    source: Source = context.job.data  # type: ignore[assignment]
    if is_held(context.bot_data["store"], source.name):
        return  # paused by an admin (/pause) until /resume
    poller: Poller = context.bot_data["poller"]
    metrics.poll_started(source.name)
    try:
        result = await poller.poll(source)
        metrics.poll_finished(
            result.source, result.found, result.new, seeded=result.seeded, error=result.error
        )
    except Exception:
        log.exception("poll of %r failed unexpectedly; it will run again next interval", source.name)


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("error while handling %s", type(update).__name__, exc_info=context.error)
