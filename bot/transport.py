"""The broadcaster's HTTP transport: PTB's BaseRequest over aiohttp, the cheapest client per request.

Measured against the Bot API stand-in (benchmarks/README.md), PTB's default httpx transport spends about
3.5 times the CPU per send that aiohttp does; at Telegram's 30 messages/s that is the difference between
a broadcaster that keeps its pace on a busy machine and one that falls behind.
"""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# Telegram answers a send within a second or two; a longer wait means a send that may or may not have landed.
READ_TIMEOUT_SECONDS = 5.0
# Opening a connection (or waiting for a free one in the pool) takes milliseconds unless the network is down.
CONNECT_TIMEOUT_SECONDS = 5.0
# Photo uploads are larger than any other request and get a longer budget to be read back.
MEDIA_TIMEOUT_SECONDS = 20.0


class AiohttpRequest(BaseRequest):
    """A pooled aiohttp session that raises PTB's own errors, so the broadcaster's handling is unchanged."""

    __slots__ = ("_connect_timeout", "_pool_size", "_proxies", "_read_timeout", "_session")

    def __init__(
        self,
        pool_size: int = 16,
        *,
        read_timeout: float = READ_TIMEOUT_SECONDS,
        connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
    ) -> None:
        self._pool_size = pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str | None] = {}

    @property
    def read_timeout(self) -> float:
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session inside the running loop, as aiohttp requires."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One call; aiohttp has no separate write or pool timeout, so those fold into read and connect."""
        if self._session is None:
            raise RuntimeError("AiohttpRequest is not initialized")
        uploads = request_data.multipart_data if request_data else None
        read = _given(read_timeout, MEDIA_TIMEOUT_SECONDS if uploads else self._read_timeout)
        timeout = aiohttp.ClientTimeout(
            sock_read=read, connect=_given(connect_timeout, self._connect_timeout)
        )
        body = _form(request_data)
        try:
            async with self._session.request(
                method,
                url,
                data=body,
                timeout=timeout,
                proxy=self._proxy(url),
                headers={"User-Agent": self.USER_AGENT},
            ) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as exc:
            # Nothing left the machine, so this is not the ambiguous kind of timeout: back off and resend.
            raise NetworkError(f"connecting to Telegram timed out: {exc}") from exc
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc

    def _proxy(self, url: str) -> str | None:
        """HTTPS_PROXY and NO_PROXY apply, as for PTB's httpx default; looked up once per host, since
        aiohttp's own trust_env reads the environment on every request and that doubled the CPU per send."""
        host = urlsplit(url).hostname or ""
        if host not in self._proxies:
            wanted = urllib.request.getproxies().get(urlsplit(url).scheme)
            self._proxies[host] = None if urllib.request.proxy_bypass(host) else wanted
        return self._proxies[host]


def _given(value: float | object | None, default: float) -> float | None:
    """PTB passes DEFAULT_NONE for "use your default" and None for "no timeout"."""
    return default if value is BaseRequest.DEFAULT_NONE else value  # type: ignore[return-value]


def _form(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """Parameters as a urlencoded form, or multipart when there are files to upload."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    if not request_data.multipart_data:
        return fields
    form = aiohttp.FormData(fields)
    for name, (filename, content, mime) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mime)
    return form
