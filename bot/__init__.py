"""Nashra's stateful, Telegram-facing half: config, store, outbox, broadcaster, commands, CLI."""
