"""The key under which an article URL is remembered as seen (the original URL is still what we fetch).

Decisions beyond RFC 3986 normalisation, each because the two forms serve the same article:
- http and https are one; the key always says https and drops either default port (80, 443).
- A leading "www." is dropped: sites serve both and feeds and pages disagree about which one they link.
- Tracking parameters are dropped; they describe the click, not the page.
- AMP variants ("?amp", "?amp=1", a final "/amp" segment) are the same article in lighter markup.
- A final "index.html", "index.htm" or "index.php" is the directory's default document.
- Credentials in the authority are dropped: a key is logged and stored, and never needs them.
- The host is kept as lower-case Unicode (punycode labels decoded), so either spelling of an IDN matches.
Other query parameters, such as WordPress's "?p=123", identify the article and are kept, sorted.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from urllib.parse import SplitResult, urlsplit

_SCHEMES = ("http", "https")
# With http and https merged, either default port is noise; it also keeps the key stable on re-keying.
_DEFAULT_PORTS = frozenset({80, 443})
_TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
    "mc_cid", "mc_eid", "_ga", "_gl", "igshid", "ref_src", "ref_url",
    "at_medium", "at_campaign", "at_term", "at_content", "at_source",
    "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id",
})  # fmt: skip
# Campaign tags come in open-ended families (utm_source, utm_medium, utm_id, ...).
_TRACKING_PREFIXES = ("utm_",)
_AMP_MARKER = "amp"
_INDEX_DOCUMENTS = frozenset({"index.html", "index.htm", "index.php"})

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters RFC 3986 lets stand unescaped in a path segment or a query part.
_PATH_SAFE = _UNRESERVED | frozenset("!$&'()*+,;=:@")
_QUERY_SAFE = _UNRESERVED | frozenset("!$'()*+,;=:@/?")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")


def canonical_url(url: str) -> str:
    """Reduce spelling variants of one article URL to one key; non-http(s) input comes back stripped."""
    if not isinstance(url, str):
        return ""
    raw = url.strip()
    try:
        parts = urlsplit(raw)
        host = _host(parts)
    except ValueError:
        return raw
    if parts.scheme.lower() not in _SCHEMES or not host:
        return raw
    query = _query(parts.query)
    return f"https://{host}{_path(parts.path)}" + (f"?{query}" if query else "")


def _host(parts: SplitResult) -> str:
    """Lower-case Unicode host without credentials, "www." or a default port."""
    hostname = parts.hostname or ""
    labels = [_decode_label(label) for label in hostname.rstrip(".").split(".")]
    host = ".".join(labels)
    if host.startswith("www.") and host.count(".") >= 2:
        host = host[len("www.") :]
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal keeps its brackets
    port = parts.port  # raises ValueError for a non-numeric or out-of-range port
    if port is not None and port not in _DEFAULT_PORTS:
        host = f"{host}:{port}"
    return host


def _decode_label(label: str) -> str:
    """Bring a punycode label and its Unicode spelling to the same lower-case Unicode form."""
    if label.startswith("xn--"):
        try:
            label = codecs.decode(label[len("xn--") :].encode("ascii"), "punycode")
        except (UnicodeError, ValueError):
            return label
    return unicodedata.normalize("NFKC", label).lower()


def _path(path: str) -> str:
    """Normalised path: escapes unified, dot segments resolved, no empty segments or trailing slash."""
    segments: list[str] = []
    for segment in path.split("/"):
        segment = _requote(segment, _PATH_SAFE)
        if segment == "..":
            if segments:
                segments.pop()
        elif segment not in ("", "."):
            segments.append(segment)
    if segments and segments[-1] in _INDEX_DOCUMENTS:
        segments.pop()
    if len(segments) > 1 and segments[-1].lower() == _AMP_MARKER:
        segments.pop()
    return "/" + "/".join(segments)


def _query(query: str) -> str:
    """Query without tracking or AMP parameters, sorted by name (values of one name keep their order)."""
    pairs: list[tuple[str, str]] = []
    for part in query.split("&"):
        name, sep, value = part.partition("=")
        name = _requote(name, _QUERY_SAFE)
        if name and not _is_noise(name):
            pairs.append((name, sep + _requote(value, _QUERY_SAFE)))
    pairs.sort(key=lambda pair: pair[0])
    return "&".join(name + value for name, value in pairs)


def _is_noise(name: str) -> bool:
    """True for parameters that say how a reader arrived rather than which page they got."""
    lowered = name.lower()
    return lowered in _TRACKING_PARAMS or lowered == _AMP_MARKER or lowered.startswith(_TRACKING_PREFIXES)


def _requote(text: str, safe: frozenset[str]) -> str:
    """Percent-encoding in one canonical spelling: unreserved bytes literal, other escapes upper-case."""
    out: list[str] = []
    pos = 0
    for match in _ESCAPE.finditer(text):
        out.append(_quote_raw(text[pos : match.start()], safe))
        char = chr(int(match.group(1), 16))
        out.append(char if char in _UNRESERVED else match.group(0).upper())
        pos = match.end()
    out.append(_quote_raw(text[pos:], safe))
    return "".join(out)


def _quote_raw(text: str, safe: frozenset[str]) -> str:
    """Escape the UTF-8 bytes of every character not allowed to stand literally (a raw Arabic slug too)."""
    return "".join(
        ch if ch in safe else "".join(f"%{byte:02X}" for byte in ch.encode("utf-8", "surrogatepass"))
        for ch in text
    )
