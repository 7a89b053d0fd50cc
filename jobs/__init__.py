"""Turn the web into news records: fetch, discover, extract, normalise, categorise, summarise.

Nothing here knows about Telegram; the bot package drives these steps.
"""
