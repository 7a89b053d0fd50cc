"""Fetch pages politely and safely: per-host limits, conditional GET, robots.txt, retries, byte caps.

httpx decodes gzip with an unbounded `decompress()` per network chunk, so a 64 KiB chunk of a gzip
bomb could inflate to 64 MB before any cap is checked. We ask for gzip/deflate ourselves, read the raw
stream and inflate with `max_length`, so no single step holds more than INFLATE_STEP bytes beyond the cap.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import httpx

# Real article pages and feeds are well under 2 MB; anything far larger is a mistake or an attack.
MAX_BODY_BYTES = 5 * 1024 * 1024
USER_AGENT = "Nashra/0.1 (+news bot; polite polling)"
# A read timeout is per read: a server dribbling a byte every few seconds never trips it, this does.
TOTAL_TIMEOUT = 30.0
MAX_REDIRECTS = 5
# Inflate at most this much per step, so one compressed network chunk cannot balloon in memory.
INFLATE_STEP = 256 * 1024
# robots.txt files are small; a huge one is refused rather than parsed.
MAX_ROBOTS_BYTES = 512 * 1024
# Sites rarely change robots.txt; re-reading it hourly is what large crawlers do too.
ROBOTS_TTL = 3600.0
# When robots.txt cannot be read (5xx, network), we retry it sooner than a good one.
ROBOTS_RETRY_TTL = 300.0
# Statuses worth trying again: the server said "later" or broke for a moment.
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
# We only advertise codings we can inflate with a bound (brotli/zstd would need their own guard).
ACCEPT_ENCODING = "gzip, deflate"
# httpcore's pool scans every pooled connection (checking each idle socket) on every request and
# response, so its cost grows with the square of the connections held: 1,000 sources fetched at once cost
# ~10 ms of CPU per request, bounded to this many at a time under 3 ms (benchmarks/README.md).
MAX_IN_FLIGHT = 64
# Idle connections kept for reuse. Past a few, each one slows every pool operation; and a poll interval
# is longer than httpx's 5 s keep-alive expiry, so only a listing and its article pages ever reuse one.
MAX_KEEPALIVE = 8


class FetchError(Exception):
    """A page could not be fetched; the message is short enough for one log line.

    transient errors (timeouts, 5xx, 429) are worth retrying; retry_after is the server's own wish.
    """

    def __init__(self, message: str, *, transient: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after
        self.status: int | None = None


@dataclass(frozen=True)
class Validators:
    """What a server gave us to ask "changed since?" next time (conditional GET)."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        out = {}
        if self.etag:
            out["If-None-Match"] = self.etag
        if self.last_modified:
            out["If-Modified-Since"] = self.last_modified
        return out


@dataclass(frozen=True)
class Fetched:
    """A successful response, body fully read and decompressed (empty for 304 Not Modified)."""

    url: str
    status: int
    content_type: str | None
    body: bytes
    validators: Validators = field(default_factory=Validators)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True)
class FetchPolicy:
    """How politely and how defensively to fetch; bot/config.py's [fetch] section fills it."""

    user_agent: str = USER_AGENT
    # A news site that needs more than this to answer is down for our purposes; we try again later.
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    total_timeout: float = TOTAL_TIMEOUT
    max_redirects: int = MAX_REDIRECTS
    max_bytes: int = MAX_BODY_BYTES
    # Two requests at once per host keeps one slow page from holding up a site's other sources.
    per_host: int = 2
    # Minimum gap between the starts of two requests to one host.
    host_delay: float = 1.0
    retries: int = 2
    backoff_base: float = 1.0
    # A longer wait than this (Retry-After: 3600) is left to the poller's per-source backoff.
    max_retry_wait: float = 30.0
    # Requests at once over all hosts; the rest wait their turn in an O(1) queue, not in httpcore's pool.
    max_in_flight: int = MAX_IN_FLIGHT


# Built into the shared client (redirects) or into a host's gate when first fetched (per_host): a reload
# changes the first only at a restart, the second for hosts first fetched afterwards.
RESTART_ONLY = ("max_redirects", "per_host")


def new_client(policy: FetchPolicy | None = None) -> httpx.AsyncClient:
    """The one shared client: pooled connections, capped redirects, our User-Agent."""
    policy = policy or FetchPolicy()
    return httpx.AsyncClient(
        follow_redirects=True,
        max_redirects=policy.max_redirects,
        timeout=httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout),
        headers={"User-Agent": policy.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=MAX_KEEPALIVE),
    )


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    max_bytes: int = MAX_BODY_BYTES,
    validators: Validators | None = None,
    total_timeout: float = TOTAL_TIMEOUT,
    user_agent: str | None = None,
    timeout: httpx.Timeout | None = None,
) -> Fetched:
    """GET a URL once, streaming, with the byte cap applied after decompression and a total deadline."""
    headers = {"Accept-Encoding": ACCEPT_ENCODING} | (validators.headers() if validators else {})
    if user_agent:
        headers["User-Agent"] = user_agent
    try:
        async with asyncio.timeout(total_timeout):
            return await _get(client, url, headers, max_bytes, timeout or client.timeout)
    except TimeoutError:
        raise FetchError(f"{url} took longer than {total_timeout:g}s in total", transient=True) from None
    except httpx.TooManyRedirects:
        raise FetchError(f"too many redirects (a loop?) from {url}") from None
    except httpx.TimeoutException as exc:
        raise FetchError(f"{type(exc).__name__} fetching {url}", transient=True) from None
    except httpx.HTTPError as exc:
        raise FetchError(f"{type(exc).__name__} fetching {url}: {exc}", transient=True) from None


async def _get(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], max_bytes: int, timeout: httpx.Timeout
) -> Fetched:
    async with client.stream("GET", url, headers=headers, timeout=timeout) as response:
        status = response.status_code
        if status >= 400:
            error = FetchError(
                f"HTTP {status} from {url}",
                transient=status in TRANSIENT_STATUSES,
                retry_after=retry_after(response.headers.get("retry-after")),
            )
            error.status = status
            raise error
        got = Validators(response.headers.get("etag"), response.headers.get("last-modified"))
        content_type = response.headers.get("content-type")
        if status == 304:
            return Fetched(str(response.url), status, content_type, b"", got)
        declared = response.headers.get("content-length", "")
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if declared.isdigit() and int(declared) > max_bytes and encoding in ("", "identity"):
            raise FetchError(f"{url} is {int(declared)} bytes, over the {max_bytes}-byte cap; not read")
        body = await _read_capped(response.aiter_raw(), encoding, url, max_bytes)
        return Fetched(str(response.url), status, content_type, body, got)


async def _read_capped(raw: AsyncIterator[bytes], encoding: str, url: str, max_bytes: int) -> bytes:
    """The decoded body, refusing it as soon as it passes max_bytes."""
    inflater = _Inflater(encoding, url)
    body = bytearray()
    async for chunk in raw:
        for piece in inflater.feed(chunk):
            body += piece
            if len(body) > max_bytes:
                raise FetchError(f"{url} is larger than {max_bytes} bytes after decompression; stopped")
    return bytes(body)


class _Inflater:
    """gzip/deflate decoding that yields at most INFLATE_STEP bytes at a time."""

    def __init__(self, encoding: str, url: str) -> None:
        codings = [c.strip() for c in encoding.split(",") if c.strip() not in ("", "identity")]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise FetchError(f"{url} uses content-encoding {encoding!r}, which we did not ask for")
        self._coding = codings[0] if codings else None
        # 16+: gzip header; 32+: zlib or gzip, auto-detected (some servers send zlib as "gzip").
        wbits = zlib.MAX_WBITS | 32 if self._coding else 0
        self._decompressor = zlib.decompressobj(wbits) if self._coding else None
        self._raw_deflate_tried = False
        self._url = url

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._decompressor is None:
            yield data
            return
        try:
            yield from self._inflate(data)
        except zlib.error as exc:
            if self._coding == "deflate" and not self._raw_deflate_tried:
                # Old IIS sends raw deflate without the zlib header the RFC asks for.
                self._raw_deflate_tried = True
                self._decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
                yield from self._inflate(data)
                return
            raise FetchError(f"{self._url}: corrupt {self._coding} body ({exc})") from None

    def _inflate(self, data: bytes) -> Iterator[bytes]:
        assert self._decompressor is not None
        piece = self._decompressor.decompress(data, INFLATE_STEP)
        self._raw_deflate_tried = True  # past the first bytes, a zlib error is real corruption
        yield piece
        while self._decompressor.unconsumed_tail:
            yield self._decompressor.decompress(self._decompressor.unconsumed_tail, INFLATE_STEP)


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with full jitter, so many failing sources do not retry in lockstep."""
    return random.uniform(base / 2, min(cap, base * 2**attempt))


class _HostGate:
    """Per-host concurrency limit plus a minimum gap between request starts."""

    def __init__(self, limit: int) -> None:
        self.slots = asyncio.Semaphore(limit)
        self.spacing = asyncio.Lock()
        self.last_start = 0.0


class Fetcher:
    """The bot's way to fetch: politeness, robots.txt and retries around one shared client."""

    def __init__(self, client: httpx.AsyncClient, policy: FetchPolicy | None = None) -> None:
        self.client = client
        self.policy = policy or FetchPolicy()
        self._timeout = httpx.Timeout(self.policy.read_timeout, connect=self.policy.connect_timeout)
        self._gates: dict[str, _HostGate] = {}
        self._in_flight = asyncio.Semaphore(self.policy.max_in_flight)
        self._robots: dict[str, tuple[RobotFileParser | None, float]] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}

    def reconfigure(self, policy: FetchPolicy) -> list[str]:
        """Use reloaded settings, keeping hosts' gates and robots.txt rules; returns the ones left unapplied.

        A host's gate keeps the per-host limit it was made with: resizing a semaphore that requests hold
        could let more of them at the host than either limit allows; the client is built once.
        """
        waiting = [name for name in RESTART_ONLY if getattr(policy, name) != getattr(self.policy, name)]
        self.policy = policy
        self._timeout = httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout)
        return waiting

    async def get(
        self,
        url: str,
        *,
        validators: Validators | None = None,
        max_bytes: int | None = None,
        robots: bool = True,
    ) -> Fetched:
        """GET with retries on transient failures; FetchError after the last one."""
        if robots and not await self.allowed(url):
            raise FetchError(f"robots.txt disallows {url} for our user agent (set respect_robots = false)")
        attempt = 0
        while True:
            try:
                return await self._polite_get(url, validators, max_bytes or self.policy.max_bytes)
            except FetchError as exc:
                if not exc.transient or attempt >= self.policy.retries:
                    raise
                wait = exc.retry_after
                if wait is None:
                    wait = backoff_delay(attempt, self.policy.backoff_base, self.policy.max_retry_wait)
                if wait > self.policy.max_retry_wait:
                    raise
                attempt += 1
                await asyncio.sleep(wait)

    async def _polite_get(self, url: str, validators: Validators | None, max_bytes: int) -> Fetched:
        gate = self._gate(url)
        async with gate.slots:
            await self._start(gate)
            try:
                return await fetch(
                    self.client,
                    url,
                    max_bytes=max_bytes,
                    validators=validators,
                    total_timeout=self.policy.total_timeout,
                    user_agent=self.policy.user_agent,
                    timeout=self._timeout,
                )
            finally:
                self._in_flight.release()

    async def _start(self, gate: _HostGate) -> None:
        """Wait for the host's politeness gap and a slot in flight; the caller releases the slot."""
        async with gate.spacing:
            wait = gate.last_start + self.policy.host_delay - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            # Taken while the host's gap is held, so the gap is measured from the request's real start.
            await self._in_flight.acquire()
            gate.last_start = time.monotonic()

    def _gate(self, url: str) -> _HostGate:
        host = urlsplit(url).netloc.lower()
        gate = self._gates.get(host)
        if gate is None:
            gate = self._gates[host] = _HostGate(self.policy.per_host)
        return gate

    async def allowed(self, url: str) -> bool:
        """Whether the site's robots.txt lets our user agent fetch url (unreadable robots.txt allows)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc.lower()}"
        lock = self._robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:  # one robots.txt request per site, however many sources share it
            parser, expires = self._robots.get(origin, (None, 0.0))
            if time.monotonic() >= expires:
                parser, ttl = await self._read_robots(origin)
                self._robots[origin] = (parser, time.monotonic() + ttl)
        return parser is None or parser.can_fetch(self.policy.user_agent, url)

    async def _read_robots(self, origin: str) -> tuple[RobotFileParser | None, float]:
        """A parsed robots.txt, or None (allow all) when there is none or it cannot be read.

        RFC 9309 lets a crawler treat an unreachable robots.txt as "disallow"; a news bot polling a
        handful of pages would then go silent during every hiccup of the site, so we allow and retry soon.
        """
        try:
            page = await self._polite_get(f"{origin}/robots.txt", None, MAX_ROBOTS_BYTES)
        except FetchError as exc:
            return None, (ROBOTS_TTL if exc.status is not None and exc.status < 500 else ROBOTS_RETRY_TTL)
        parser = RobotFileParser()
        parser.parse(page.body.decode("utf-8", errors="replace").splitlines())
        return parser, ROBOTS_TTL
