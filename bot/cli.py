"""The `nashra` command: run the bot, reload its config, ask its health, or run the offline demo."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

from bot import sources_cli, store_cli
from bot.app import build_application, serve, webhook_secret
from bot.config import ConfigError, load_config
from bot.demo import run_demo
from bot.logs import setup_logging
from bot.reload import ReloadError, send_reload
from bot.storage import DataLock
from bot.store import Store, StoreError

# Docker's HEALTHCHECK has its own timeout; answer within it even if the bot hangs.
HEALTH_TIMEOUT = 5.0
# Exit code for "the operator must fix something" (bad config, missing token, damaged data file).
EXIT_USAGE = 2


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen command; operator mistakes exit 2 with one clear line."""
    parser = argparse.ArgumentParser(prog="nashra", description="Telegram news broadcaster")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the bot with a config file")
    run.add_argument("-c", "--config", type=Path, default=Path("config.toml"))
    run.set_defaults(handler=_run)
    demo = commands.add_parser("demo", help="offline demo: sample site + local Telegram stand-in")
    demo.set_defaults(handler=lambda _args: asyncio.run(run_demo()))
    store_cli.register(commands)
    reload = commands.add_parser("reload", help="make the running bot re-read its config file (SIGHUP)")
    reload.add_argument("-c", "--config", type=Path, default=Path("config.toml"))
    reload.set_defaults(handler=_reload)
    health = commands.add_parser("health", help="exit 0 if the running bot's /healthz says ok (for Docker)")
    health.add_argument("-c", "--config", type=Path, default=Path("config.toml"))
    health.set_defaults(handler=_health)
    sources_cli.register(commands)
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (ConfigError, StoreError, ReloadError) as exc:
        print(f"nashra: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    token = os.environ.get(config.telegram.token_env, "").strip()
    if not token:
        print(
            f"nashra: no bot token: set the {config.telegram.token_env} environment variable "
            "(from @BotFather) and run again",
            file=sys.stderr,
        )
        return EXIT_USAGE
    secret = webhook_secret(config, os.environ)
    setup_logging(token, config.ops.log_level, config.ops.log_format, secrets=(secret,) if secret else ())
    lock = DataLock(config.storage.path)
    try:
        store = Store(config.storage.path, retention_days=config.storage.retention_days)
        app = build_application(config, token, store)
        app.bot_data["config_path"] = args.config
        # PTB turns SIGINT/SIGTERM into an orderly stop: polling ends, then post_stop drains and commits.
        serve(app, config, secret)
    finally:
        lock.release()
    return 0


def _reload(args: argparse.Namespace) -> int:
    """Check the file first, so a typo is reported here and the running bot is never even asked."""
    pid = send_reload(load_config(args.config))
    print(f"nashra: asked process {pid} to reload {args.config}")
    return 0


def _health(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if not config.ops.http:
        print("nashra: [ops] http is off in this config; nothing to ask", file=sys.stderr)
        return EXIT_USAGE
    host = "127.0.0.1" if config.ops.host in ("0.0.0.0", "::", "") else config.ops.host
    url = f"http://{host}:{config.ops.port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=HEALTH_TIMEOUT) as response:
            print(response.read().decode())
            return 0
    except urllib.error.HTTPError as exc:
        print(exc.read().decode(), file=sys.stderr)
    except OSError as exc:
        print(f"nashra: {url}: {exc}", file=sys.stderr)
    return 1
