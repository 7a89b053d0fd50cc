"""Fetch a page over HTTP with a hard cap on what we are willing to hold in memory."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

# Real article pages and feeds are well under 2 MB; anything far larger is a mistake or an attack.
MAX_BODY_BYTES = 5 * 1024 * 1024
USER_AGENT = "Nashra/0.1 (+news bot; polite polling)"
# A news site that needs more than this to answer is down for our purposes; we try again next poll.
TIMEOUT = httpx.Timeout(15.0, connect=5.0)
MAX_REDIRECTS = 5


class FetchError(Exception):
    """A page could not be fetched; the message is short enough for one log line."""


@dataclass(frozen=True)
class Fetched:
    """A successful response, body fully read and decompressed."""

    url: str
    status: int
    content_type: str | None
    body: bytes


def new_client() -> httpx.AsyncClient:
    """The one shared client: pooled connections, capped redirects, our User-Agent."""
    return httpx.AsyncClient(
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        timeout=TIMEOUT,
        headers={"User-Agent": USER_AGENT},
    )


async def fetch(client: httpx.AsyncClient, url: str, *, max_bytes: int = MAX_BODY_BYTES) -> Fetched:
    """GET a URL, streaming so the byte cap applies after decompression (gzip bombs stop early)."""
    try:
        async with client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise FetchError(f"HTTP {response.status_code} from {url}")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise FetchError(f"{url} is larger than {max_bytes} bytes; stopped reading")
            content_type = response.headers.get("content-type")
            return Fetched(str(response.url), response.status_code, content_type, bytes(body))
    except httpx.HTTPError as exc:
        raise FetchError(f"{type(exc).__name__} fetching {url}: {exc}") from None
