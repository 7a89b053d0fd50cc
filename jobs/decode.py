"""Page bytes to text: trafilatura ignores both charset declarations, so pages are decoded here first.

Order: byte-order mark, the HTTP charset, the charset declared in the markup, then detection.
A declared charset is only trusted when the bytes decode under it (give or take a few stray bytes),
so a server that labels windows-1256 Arabic as UTF-8 falls through to the next step.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

import charset_normalizer

# Browsers only look this far for <meta charset>; many CMSs put long comments and
# scripts first, so we look a little further than the HTML spec's 1024 bytes.
META_SCAN_BYTES = 4096

# A real UTF-8 page can carry a stray invalid byte or two (a pasted cp1252 quote in an ad
# snippet); detection on such a page picks a wrong single-byte codec and garbles every
# Arabic letter. A wrong declaration, on the other hand, breaks nearly every non-ASCII byte.
STRAY_BYTE_SHARE = 0.01

# Labels that browsers decode as windows-1252 and that servers send by default
# (Apache's old AddDefaultCharset), so they say little about Arabic pages.
WESTERN_DEFAULT_CODECS = frozenset({"ascii", "iso8859-1", "cp1252"})

# A page whose markup we could read as ASCII cannot be UTF-16/32: browsers take UTF-8 instead.
WIDE_CODECS = frozenset({"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"})

# The rivals when a page is labelled Western: what a browser shows, or the Arabic code page.
WESTERN_OR_ARABIC = ["cp1252", "cp1256"]

# What Arabic and English news sites actually use. On a short page detection over every codec
# often prefers an exotic one (mac_latin2 for a few lines of windows-1256), so these are tried first.
NEWS_CODECS = ["cp1256", "iso8859_6", "cp1252"]

# Windows-1256 has a character for every byte, so any page "decodes"; it is the page's code page only when
# nearly every non-ASCII character then reads as Arabic script or punctuation. Pages in other scripts read
# this way score 0.5-0.77 (Cyrillic, Greek, Hebrew, Thai, Chinese, Japanese, Korean); Arabic and Persian ~1.
ARABIC_SCRIPT_SHARE = 0.95

BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_LABEL = r"""["']?\s*([A-Za-z0-9._:-]+)"""
_HTTP_CHARSET = re.compile(r"charset\s*=\s*" + _LABEL, re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta\b[^>]*?charset\s*=\s*" + _LABEL.encode(), re.IGNORECASE)
_XML_ENCODING = re.compile(rb"^\s*<\?xml\b[^>]*?encoding\s*=\s*" + _LABEL.encode(), re.IGNORECASE)
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
_HIGH_BYTES = bytes(range(0x80, 0x100))
# Arabic-script letters and presentation forms, and the zero-width (non-)joiners and direction marks
# Persian and Urdu spelling needs (ZWNJ is byte 0x9D in windows-1256).
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff\u200c-\u200f]")


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode a fetched page, trusting declarations only as far as the bytes bear them out."""
    for bom, codec in BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, errors="replace")
    labelled_western = False
    for codec in (_codec(_http_label(content_type)), _markup_codec(body)):
        if codec is None:
            continue
        if codec in WESTERN_DEFAULT_CODECS:
            labelled_western = True
            continue
        text = _decode_declared(body, codec)
        if text is not None:
            return text
    if labelled_western:
        return _decode_western_label(body)
    return _detect(body)


def _http_label(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    match = _HTTP_CHARSET.search(content_type or "")
    return match.group(1) if match else None


def _markup_codec(body: bytes) -> str | None:
    """The codec named by <meta charset>, <meta http-equiv> or an XML declaration near the top."""
    head = body[:META_SCAN_BYTES]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if not match:
        return None
    codec = _codec(match.group(1).decode("ascii"))
    return "utf-8" if codec in WIDE_CODECS else codec


def _codec(label: str | None) -> str | None:
    """Python's name for a charset label; None for unknown or non-text codecs, so junk never raises."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().lower()).name
        b"".decode(name)  # rejects bytes-to-bytes codecs such as base64, which lookup accepts
    except (LookupError, UnicodeError):
        return None
    return name


def _decode_declared(body: bytes, codec: str) -> str | None:
    """Decode with a declared codec, or None when too many bytes do not fit it (a wrong label)."""
    try:
        text = body.decode(codec, errors="surrogateescape")
    except (LookupError, UnicodeError):
        return None
    bad = len(_ESCAPED_BYTE.findall(text))
    if bad == 0:
        return text
    non_ascii = len(body) - len(body.translate(None, _HIGH_BYTES))
    if bad > STRAY_BYTE_SHARE * non_ascii:
        return None
    return body.decode(codec, errors="replace")


def _decode_western_label(body: bytes) -> str:
    """Handle an iso-8859-1/ascii/windows-1252 label: often a server default over UTF-8 or Arabic."""
    text = _decode_declared(body, "utf-8")
    if text is not None:
        return text
    match = charset_normalizer.from_bytes(
        body, cp_isolation=WESTERN_OR_ARABIC, preemptive_behaviour=False
    ).best()
    codec = match.encoding if match is not None else "cp1252"
    return body.decode(codec, errors="replace")


def _detect(body: bytes) -> str:
    """Decode an unlabelled (or wrongly labelled) page: UTF-8 when it fits, else charset detection.

    The few codecs news sites use are tried first; detection over every codec is slower and, on a short
    page, prefers an exotic one, so it runs only when none of them reads the page plausibly.
    """
    text = _decode_declared(body, "utf-8")
    if text is not None:
        return text
    match = charset_normalizer.from_bytes(body, cp_isolation=NEWS_CODECS, preemptive_behaviour=False).best()
    if match is None:
        # Detection rejects windows-1256 on a short page with a ZWNJ (byte 0x9D) and then picks mac_cyrillic.
        arabic = body.decode("cp1256")
        if _reads_as_arabic(arabic):
            return arabic
        match = charset_normalizer.from_bytes(body, preemptive_behaviour=False).best()
    if match is not None:
        return body.decode(match.encoding, errors="replace")
    return body.decode("utf-8", errors="replace")


def _reads_as_arabic(text: str) -> bool:
    """True when nearly every non-ASCII character is Arabic script or punctuation: windows-1256 text."""
    wide = [char for char in text if ord(char) > 0x7F]
    fitting = sum(1 for c in wide if _ARABIC_SCRIPT.match(c) or unicodedata.category(c)[0] in "PZ")
    return bool(wide) and fitting >= ARABIC_SCRIPT_SHARE * len(wide)
