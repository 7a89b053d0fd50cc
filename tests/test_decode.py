"""decode_html: declarations are trusted only when the bytes bear them out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import charset_normalizer
import pytest

from jobs.decode import decode_html

RESOURCES = Path(__file__).parent / "resources"
CP1256_CORPUS = "corpus/articles_html/encoding_windows-1256"

# What servers and pages say about windows-1256 Arabic: nothing, the truth, or a wrong label.
HEADERS = [
    None,
    "text/html",
    "text/html; charset=windows-1256",
    "text/html; charset=utf-8",
    "text/html; charset=ISO-8859-1",
    "text/html; charset=windows-1252",
    "text/html; charset=x-no-such-charset",
]


@pytest.fixture(scope="module")
def cp1256_page() -> bytes:
    """Our own Arabic page in windows-1256 with no charset declared anywhere."""
    return (RESOURCES / "decode_cp1256_no_charset.html").read_bytes()


@pytest.mark.parametrize("content_type", HEADERS)
def test_cp1256_fixture_decodes_whatever_the_server_says(
    cp1256_page: bytes, content_type: str | None
) -> None:
    text = decode_html(cp1256_page, content_type)
    assert text == cp1256_page.decode("cp1256")
    assert "افتتاح مكتبة عامة جديدة في وسط المدينة" in text


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "text/html; charset=iso-8859-1", None])
def test_meta_charset_beats_a_wrong_or_weak_http_charset(
    cp1256_page: bytes, content_type: str | None
) -> None:
    body = cp1256_page.replace(b"<head>", b'<head>\n<meta charset="windows-1256">')
    assert decode_html(body, content_type) == body.decode("cp1256")


def test_meta_http_equiv_declaration_is_read(cp1256_page: bytes) -> None:
    meta = b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1256" />'
    body = cp1256_page.replace(b"<head>", b"<head>" + meta)
    assert decode_html(body) == body.decode("cp1256")


def test_xml_declaration_is_read() -> None:
    body = '<?xml version="1.0" encoding="windows-1256"?><html><body>عاجل: خبر</body></html>'.encode("cp1256")
    assert decode_html(body) == body.decode("cp1256")


@pytest.mark.parametrize("content_type", HEADERS)
def test_corpus_windows_1256_samples(shared_dir: Path, content_type: str | None) -> None:
    samples = sorted((shared_dir / CP1256_CORPUS).iterdir())
    assert samples
    for sample in samples:
        body = sample.read_bytes()
        # Python's cp1256 table was checked against `iconv -f cp1256 -t utf-8` on every sample.
        assert decode_html(body, content_type) == body.decode("cp1256"), sample.name


@pytest.mark.parametrize("content_type", [None, "text/html; charset=utf-8", "text/html; charset=ISO-8859-1"])
def test_corpus_windows_1256_samples_with_a_meta_declaration(
    shared_dir: Path, content_type: str | None
) -> None:
    # The markup says windows-1256; the server says nothing or something wrong.
    meta = b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">\n'
    for sample in sorted((shared_dir / CP1256_CORPUS).iterdir()):
        body = meta + sample.read_bytes()
        assert decode_html(body, content_type) == body.decode("cp1256"), sample.name


def test_utf8_page_labelled_latin1_stays_utf8() -> None:
    body = "<p>الرئيسية – café</p>".encode()
    assert decode_html(body, "text/html; charset=ISO-8859-1") == "<p>الرئيسية – café</p>"


def test_real_latin1_page_decodes_like_a_browser() -> None:
    text = "<p>Die Mädchen aßen süße Äpfel für 5 €, déjà vu à Genève.</p>"
    body = text.encode("cp1252")
    assert decode_html(body, "text/html; charset=iso-8859-1") == text
    meta = '<meta charset="latin-1">'
    assert decode_html(meta.encode() + body) == meta + text


def test_utf8_with_a_stray_byte_is_not_garbled() -> None:
    arabic = "<p>" + "أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد. " * 20 + "</p>"
    body = arabic.encode() + b"<script>var q = '\x93ad';</script>"
    for content_type in (None, "text/html; charset=utf-8"):
        text = decode_html(body, content_type)
        assert text.startswith(arabic)
        assert text.count("\ufffd") == 1


@pytest.mark.parametrize("content_type", [None, "text/html; charset=utf-8"])
def test_stray_byte_in_a_real_utf8_page(shared_dir: Path, content_type: str | None) -> None:
    # On this page charset detection alone picks iso8859_10 and garbles every Arabic letter.
    page = (shared_dir / "corpus/articles_html/htmldate_mediacloud/1806793639.html").read_bytes()
    body = page[:50_000] + b"\x93" + page[50_000:]
    text = decode_html(body, content_type)
    assert text == body.decode("utf-8", errors="replace")
    assert text.count("\ufffd") == 1


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe" + "<p>ع</p>".encode("utf-16-le"),
        b"\xfe\xff" + "<p>ع</p>".encode("utf-16-be"),
    ],
)
def test_utf16_byte_order_mark_wins(body: bytes) -> None:
    assert decode_html(body, "text/html; charset=utf-8") == "<p>ع</p>"


def test_utf8_bom_beats_http_charset() -> None:
    assert decode_html(b"\xef\xbb\xbf<p>\xd8\xb9</p>", "text/html; charset=windows-1256") == "<p>ع</p>"


@pytest.mark.parametrize("label", ["x-unknown", "base64", "rot13", "undefined", "", "utf-8'><script>"])
def test_junk_charset_labels_never_raise(label: str) -> None:
    body = "<p>مرحبا</p>".encode()
    assert decode_html(body, f"text/html; charset={label}") == "<p>مرحبا</p>"
    meta = f'<meta charset="{label}">'
    assert decode_html(meta.encode() + body) == meta + "<p>مرحبا</p>"


def test_meta_utf16_on_ascii_compatible_bytes_means_utf8() -> None:
    body = '<meta charset="utf-16"><p>مرحبا</p>'.encode()
    assert decode_html(body) == '<meta charset="utf-16"><p>مرحبا</p>'


def test_empty_body() -> None:
    assert decode_html(b"") == ""
    assert decode_html(b"", "text/html; charset=windows-1256") == ""


@pytest.fixture
def open_passes(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Pages charset detection looked at over every codec (the slow pass), as decode_html runs it."""
    seen: list[bytes] = []
    detect = charset_normalizer.from_bytes

    def counting(body: bytes, **options: Any) -> Any:
        if not options.get("cp_isolation"):
            seen.append(body)
        return detect(body, **options)

    monkeypatch.setattr(charset_normalizer, "from_bytes", counting)
    return seen


def test_arabic_pages_are_read_without_the_slow_detection_pass(
    cp1256_page: bytes, shared_dir: Path, open_passes: list[bytes]
) -> None:
    pages = [cp1256_page, *(p.read_bytes() for p in sorted((shared_dir / CP1256_CORPUS).iterdir()))]
    for body in pages:
        assert decode_html(body) == body.decode("cp1256")
    assert open_passes == []


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("Москва — столица России. Президент объявил о новых мерах поддержки экономики. ", "cp1251"),
        ("北京今天宣布了新的经济政策，以支持中小企业的发展。", "gb18030"),
    ],
)
def test_a_page_in_another_script_still_decodes(text: str, codec: str, open_passes: list[bytes]) -> None:
    body = (text * 5).encode(codec)
    assert decode_html(body) == text * 5
    assert open_passes == [body]  # none of the news codecs read it, so every codec was tried


@pytest.mark.parametrize("wrap", ["{}", "<html><body><p>{}</p></body></html>"])
def test_a_short_unlabelled_persian_page_in_windows_1256(wrap: str, open_passes: list[bytes]) -> None:
    # The zero-width non-joiner (byte 0x9D) made detection refuse windows-1256 and read Cyrillic.
    page = wrap.format("رئيس\u200cجمهور ايران امروز گفت که دولت مي\u200cکند")
    assert decode_html(page.encode("cp1256")) == page
    assert open_passes == []
