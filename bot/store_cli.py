"""`nashra export|import` of subscribers as JSON, and `nashra opml-export|opml-import` of sources."""

from __future__ import annotations

import argparse
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from bot.config import ConfigError, load_config
from bot.storage import DataLock
from bot.store import SCHEMA_VERSION, Store, load_settings

EXPORT_FORMAT = "nashra-subscribers"
EXPORT_VERSION = 1
# Feed kinds an OPML reader understands; listing, ticker and sitemap sources are not feeds, so they are
# listed as web pages (htmlUrl), which opml-import skips: selectors and sitemaps OPML cannot carry.
OPML_TYPE = {"feed": "rss", "html": "html", "ticker": "html", "sitemap": "html"}


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the four commands to `nashra`'s sub-command parser."""
    for name, handler, helptext in (
        ("export", _export, "write subscribers and their settings as JSON"),
        ("import", _import, "merge subscribers from an `nashra export` file (bot must be stopped)"),
        ("opml-export", _opml_export, "write the configured sources as OPML"),
        ("opml-import", _opml_import, "print [[sources]] entries for the feeds in an OPML file"),
    ):
        parser = commands.add_parser(name, help=helptext)
        parser.add_argument("-c", "--config", type=Path, default=Path("config.toml"))
        if name.endswith("import"):
            parser.add_argument("file", type=Path)
        else:
            parser.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
        parser.set_defaults(handler=handler)


def _emit(text: str, output: Path | None) -> int:
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
    return 0


def _export(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    readers = sorted(_subscribers(config.storage.path), key=lambda r: str(r["chat_id"]))
    document = {"format": EXPORT_FORMAT, "version": EXPORT_VERSION, "subscribers": readers}
    return _emit(json.dumps(document, ensure_ascii=False, indent=1) + "\n", args.output)


def _subscribers(path: Path) -> list[dict[str, Any]]:
    """Subscribers live in the settings file alone: read it without replaying the journal or writing a
    .bak beside a running bot's data. Any other schema (1 to migrate, or a newer one) goes through Store."""
    tables, _ = load_settings(path)
    schema = tables.get("meta", {}).get("1", {}).get("schema", 1 if tables else SCHEMA_VERSION)
    if schema != SCHEMA_VERSION:
        return list(Store(path).subscribers())
    return [dict(doc) for doc in tables.get("subscribers", {}).values()]


def read_export(path: Path, slugs: set[str]) -> list[dict[str, Any]]:
    """Validate a whole export before anything is written, so a bad file changes nothing."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read it as JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise ConfigError(f'{path}: not a nashra export (expected "format": "{EXPORT_FORMAT}")')
    if document.get("version") != EXPORT_VERSION:
        raise ConfigError(f"{path}: export version {document.get('version')!r}; expected {EXPORT_VERSION}")
    readers = document.get("subscribers")
    if not isinstance(readers, list):
        raise ConfigError(f"{path}: subscribers: expected a list")
    for i, reader in enumerate(readers):
        where = f"{path}: subscribers[{i}]"
        if not isinstance(reader, dict) or not isinstance(reader.get("chat_id"), int | str):
            raise ConfigError(f"{where}: expected an object with a chat_id")
        categories = reader.get("categories", [])
        if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
            raise ConfigError(f"{where}.categories: expected a list of category slugs")
        if unknown := sorted(set(categories) - slugs):
            raise ConfigError(
                f"{where}.categories: unknown {', '.join(unknown)}; the config has {sorted(slugs)}"
            )
    return readers


def _import(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    readers = read_export(args.file, {c.slug for c in config.categories})
    lock = DataLock(config.storage.path)
    try:
        store = Store(config.storage.path, retention_days=config.storage.retention_days)
        for reader in readers:
            store.save_subscriber(reader["chat_id"], **{k: v for k, v in reader.items() if k != "chat_id"})
        store.commit_now()
    finally:
        lock.release()
    print(f"imported {len(readers)} subscriber(s) into {config.storage.path}")
    return 0


def _opml_export(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    root = ET.Element("opml", version="2.0")
    ET.SubElement(ET.SubElement(root, "head"), "title").text = "Nashra sources"
    body = ET.SubElement(root, "body")
    for source in config.sources:
        attrs = {"text": source.name, "title": source.name, "type": OPML_TYPE[source.kind]}
        attrs["xmlUrl" if source.kind == "feed" else "htmlUrl"] = source.url
        if source.category:
            attrs["category"] = source.category
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return _emit(ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n", args.output)


def _opml_import(args: argparse.Namespace) -> int:
    """Print TOML to paste into the config: the operator's file is theirs, so it is never rewritten."""
    try:
        root = ET.parse(args.file).getroot()
    except (OSError, ET.ParseError) as exc:
        raise ConfigError(f"{args.file}: cannot read it as OPML: {exc}") from None
    feeds = [o for o in root.iter("outline") if o.get("xmlUrl", "").startswith(("http://", "https://"))]
    if not feeds:
        raise ConfigError(f"{args.file}: no <outline xmlUrl=...> feeds with http(s) URLs found")
    for outline in feeds:
        name = outline.get("title") or outline.get("text") or outline.get("xmlUrl", "")
        print("[[sources]]")
        print(f"name = {json.dumps(name, ensure_ascii=False)}")
        print('kind = "feed"')
        print(f"url = {json.dumps(outline.get('xmlUrl'))}\n")
    return 0
