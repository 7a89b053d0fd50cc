"""The `nashra` command: run the bot for real, or run the offline demo."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from bot import sources_cli
from bot.app import build_application
from bot.config import ConfigError, load_config
from bot.demo import run_demo
from bot.logs import setup_logging
from bot.store import Store, StoreError

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
    sources_cli.register(commands)
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (ConfigError, StoreError) as exc:
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
    setup_logging(token)
    app = build_application(config, token, Store(config.storage.path))
    app.run_polling()
    return 0
