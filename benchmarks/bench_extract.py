"""Extraction on real pages: body, title, date, furniture against gold; the step's cost against trafilatura.

Run from the repository root: python -m benchmarks.bench_extract [--shared PATH] [--repeats N]
Quality: word-level precision/recall/F1 of the body (jobs.arabic normalisation) where a gold text exists,
the title against the gold title (else the page's own <h1>), the publication date against the gold date
(the date in the stamp's own time zone), and furniture (ticker items, menus, comment forms) absent from
the body. Decoding: the windows-1256 samples with no, a right and a wrong charset. Cost: Nashra's whole
extraction step (decode + extract + categorise + fingerprint) per article against bare
`trafilatura.extract` on the same fetched bytes, interleaved in one run; medians over repeats.
"""

from __future__ import annotations

import gzip
import json
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import trafilatura
from lxml import html as lxml_html

from benchmarks.corpus import shared_arg, shared_dir
from bot.config import load_config
from jobs.arabic import words
from jobs.categorise import Categoriser
from jobs.decode import decode_html
from jobs.extract import extract_article
from jobs.fingerprint import fingerprint
from jobs.records import Article

ARTICLES = Path("corpus/articles_html")
CP1256 = ARTICLES / "encoding_windows-1256"
CONFIG = Path(__file__).resolve().parents[1] / "config.example.toml"

# The targets.
MIN_F1 = 0.95
MAX_COST_RATIO = 1.25
TIMING_REPEATS = 9

# Furniture on each page, found in the page at run time so no third-party text is copied into the repo.
# Per page: what that site calls its ticker, related boxes, share bar and comment form.
PAGE_FURNITURE = {
    "1550981615.html": "li.b-breakingnews-double__message, #commentsGeneral",
    "1588107198.html": "div.related-news a, div.shareBox",
    "1691196862.html": "div.ticker a, #addCommentBlock",
    "1731695567.html": "div.newsticker a, #Related h4",
    "1806793639.html": ".jnews_inline_related_post a, #respond, .jeg_sharelist a",
}
# Every site: menus, tickers and comment forms by their usual markup.
COMMON_FURNITURE = (
    "nav a, [class*=menu] a, [id*=menu] a, [class*=ticker] a, [class*=breaking] li, marquee, #respond, form"
)
# Shorter items are single words ("سياسة") that an article may well use.
MIN_FURNITURE_CHARS = 15
# Labels and form lines no body may hold, in any page's text.
FURNITURE_PHRASES = ("عاجل", "اترك تعليق", "لن يتم نشر", "الحقول الإلزامية", "أضف تعليق", "إضافة تعليق")
# Site names the pages put in their <title>, read off the pages (og:site_name is added per page).
SITE_NAMES = (
    "اليوم السابع", "المدينة نيوز", "صدى البلد", "Beirut Observer", "البيان", "CNNArabic", "Sputnik",
    "أخبار اليوم", "LBCI",
)  # fmt: skip

# What servers say about a windows-1256 page: nothing, the truth, or a wrong label.
CP1256_HEADERS = {
    "none": None,
    "right": "text/html; charset=windows-1256",
    "wrong utf-8": "text/html; charset=utf-8",
    "wrong latin-1": "text/html; charset=ISO-8859-1",
}
META_CP1256 = b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">\n'


@dataclass
class GoldPage:
    """One corpus page with whatever gold its source repository gives."""

    name: str
    url: str
    body: bytes
    text: str | None = None  # the gold body text
    text_prefix: str | None = None  # a gold opening only (goose3, trafilatura's description)
    title: str | None = None
    date: str | None = None  # the gold date, YYYY-MM-DD in the site's time
    furniture_css: str = ""
    absent: tuple[str, ...] = ()  # gold snippets that must not be extracted
    present: tuple[str, ...] = ()  # gold snippets that must be
    article: bool = True  # False for a front page, where None is right


@dataclass
class Score:
    """How Nashra (or bare trafilatura) did on one page."""

    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    prefix_ok: bool | None = None
    title: str = ""
    title_ok: bool | None = None
    site_name_left: str = ""
    date: str = ""
    date_ok: bool | None = None
    furniture: list[str] = field(default_factory=list)


def _read(shared: Path, relative: str) -> bytes:
    """A corpus file's bytes, unzipped when gzipped."""
    body = (shared / ARTICLES / relative).read_bytes()
    return gzip.decompress(body) if relative.endswith(".gz") else body


def _json(shared: Path, relative: str) -> dict:
    """A gold JSON file from the corpus."""
    return json.loads(_read(shared, relative))


def gold_pages(shared: Path) -> list[GoldPage]:
    """The 14 HTML pages of the corpus with their gold, in a fixed order."""
    pages = []
    mediacloud = _json(shared, "htmldate_mediacloud/eval_mediacloud_2020.arabic_subset.json")
    for url, entry in sorted(mediacloud.items(), key=lambda item: item[1]["file"]):
        name = entry["file"]
        pages.append(
            GoldPage(
                name,
                url,
                _read(shared, f"htmldate_mediacloud/{name}"),
                date=entry["date"],
                furniture_css=PAGE_FURNITURE.get(name, ""),
            )
        )
    cnn = _json(shared, "newspaper4k/arabic_article.expected_metadata.json")
    cnn_text = _read(shared, "newspaper4k/arabic_article.expected.txt").decode("utf-8")
    pages.append(
        GoldPage(
            "newspaper4k/cnn",
            cnn["url"],
            _read(shared, "newspaper4k/arabic_article.html"),
            cnn_text,
            title=cnn["title"],
        )
    )
    goose = _json(shared, "goose3/test_cnn_arabic.expected.json")
    pages.append(
        GoldPage(
            "goose3/cnn",
            goose["url"],
            _read(shared, "goose3/test_cnn_arabic.html"),
            text_prefix=goose["expected"]["cleaned_text"],
        )
    )
    lbc = _json(shared, "fundus/LBCGroup.json")["V1"]
    lbc_url = _json(shared, "fundus/meta.info")["LBCGroup_2026_01_08.html.gz"]["url"]
    paragraphs = [p for section in lbc["body"]["sections"] for p in section["paragraphs"]]
    pages.append(
        GoldPage(
            "fundus/lbc",
            lbc_url,
            _read(shared, "fundus/LBCGroup_2026_01_08.html.gz"),
            "\n".join(paragraphs),
            title=lbc["title"],
            date=lbc["publishing_date"][:10],
        )
    )
    assabah_url, assabah = next(iter(_json(shared, "trafilatura_eval/evaldata.assabah_entry.json").items()))
    pages.append(
        GoldPage(
            "trafilatura/assabah",
            assabah_url,
            _read(shared, "trafilatura_eval/assabah.com.tn.article.html"),
            text_prefix=" ".join(assabah["description"].split())[:60],
            title=" ".join(assabah["title"].split()),
            absent=tuple(assabah["without"]),
            present=tuple(assabah["with"]),
        )
    )
    pages.append(
        GoldPage(
            "jannah/front-page",
            "https://jannah.tielabs.com/rtl/",
            _read(shared, "jannah_theme_demo/jannah_rtl_demo_homepage_2022-12-09.html"),
            article=False,
        )
    )
    pages.append(
        GoldPage(
            "chromium/cp1256",
            "https://example.com/chromium-windows-1256",
            _read(shared, "encoding_windows-1256/_chromium_windows-1256_with_no_encoding_specified.html"),
        )
    )
    return pages


def word_scores(got: str, gold: str) -> tuple[float, float, float]:
    """Bag-of-words precision, recall and F1 over normalised words."""
    got_words, gold_words = Counter(words(got)), Counter(words(gold))
    common = sum((got_words & gold_words).values())
    if not common:
        return 0.0, 0.0, 0.0
    precision, recall = common / sum(got_words.values()), common / sum(gold_words.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def _tree(html: str | lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """The parsed page: `score` parses once and hands the tree on; the tests pass the HTML text."""
    return lxml_html.fromstring(html) if isinstance(html, str) else html


def furniture_texts(page: GoldPage, html: str | lxml_html.HtmlElement, title: str) -> list[str]:
    """Texts of the page's ticker items, menus, related boxes and forms, long enough to be telling."""
    tree = _tree(html)
    selectors = ", ".join(filter(None, (page.furniture_css, COMMON_FURNITURE)))
    squashed = (" ".join(e.text_content().split()) for e in tree.cssselect(selectors))
    return sorted({t for t in squashed if len(t) >= MIN_FURNITURE_CHARS and t != title})


def headline(html: str | lxml_html.HtmlElement) -> str:
    """The headline as a reader sees it: the <h1> the <title> holds (others hold a logo); '' when none."""
    tree = _tree(html)
    page_title = " ".join((tree.findtext(".//title") or "").split())
    h1s = [" ".join(h.text_content().split()) for h in tree.iter("h1")]
    return max((h for h in h1s if h in page_title), key=len, default=max(h1s, key=len, default=""))


def site_names(html: str | lxml_html.HtmlElement) -> list[str]:
    """Names the site goes by: og:site_name plus the names read off the corpus' <title>s."""
    tree = _tree(html)
    found = [m.get("content", "").strip() for m in tree.xpath('//meta[@property="og:site_name"]')]
    return [n for n in (*found, *SITE_NAMES) if n]


def score(page: GoldPage, html: str, text: str, title: str, published: datetime | None) -> Score:
    """Score one extraction against the page's gold."""
    result = Score(title=title)
    tree = lxml_html.fromstring(html)
    if page.text is not None:
        result.precision, result.recall, result.f1 = word_scores(text, page.text)
    if page.text_prefix is not None:
        result.prefix_ok = " ".join(text.split()).startswith(page.text_prefix)
    reference = page.title or headline(tree)
    if reference:
        result.title_ok = title == reference
    result.site_name_left = next((n for n in site_names(tree) if n in title), "")
    if published is not None:
        # The gold is the site's local date: the stamp's date in its own time zone.
        result.date = published.isoformat()
        result.date_ok = published.date().isoformat() == page.date if page.date else None
    elif page.date:
        result.date_ok = False
    leaks = [t for t in furniture_texts(page, tree, title) if t in text]
    leaks += [p for p in (*FURNITURE_PHRASES, *page.absent) if p in text]
    leaks += [f"missing: {p}" for p in page.present if p not in text]
    result.furniture = leaks
    return result


def nashra_quality(page: GoldPage) -> tuple[str, Article | None, Score | None]:
    """Nashra's article for the page and its score (None for a page that is no article)."""
    html = decode_html(page.body)
    article = extract_article(html, page.url)
    if article is None:
        return html, None, None
    return html, article, score(page, html, article.text, article.title, article.published)


def bare_quality(page: GoldPage, html: str) -> Score | None:
    """Bare trafilatura on the same decoded page: its defaults, with its metadata for title and date."""
    document = trafilatura.bare_extraction(html, url=page.url, with_metadata=True)
    if document is None:
        return None
    published = datetime.fromisoformat(document.date) if document.date else None
    return score(page, html, document.text or "", document.title or "", published)


def cp1256_cases(shared: Path) -> list[tuple[str, str, bool]]:
    """(sample, case, decoded right) for each windows-1256 sample and what the server or markup says."""
    results = []
    for sample in sorted((shared / CP1256).iterdir()):
        body = sample.read_bytes()
        expected = body.decode("cp1256")  # checked against iconv -f cp1256 -t utf-8
        for case, header in CP1256_HEADERS.items():
            results.append((sample.name, f"HTTP {case}", decode_html(body, header) == expected))
        declared = META_CP1256 + body
        for case in ("none", "wrong utf-8"):
            got = decode_html(declared, CP1256_HEADERS[case])
            results.append((sample.name, f"<meta> + HTTP {case}", got == declared.decode("cp1256")))
    return results


def nashra_step(categoriser: Categoriser) -> Callable[[GoldPage], object]:
    """What the poller does with one fetched article page."""

    def step(page: GoldPage) -> object:
        article = extract_article(decode_html(page.body), page.url)
        if article is None:
            return None
        categoriser.categorise(article.categories, article.canonical or page.url, text=article.text)
        return fingerprint(article.text)

    return step


def bare_step(page: GoldPage) -> object:
    """The baseline: trafilatura's default extraction of the same fetched bytes (it decodes them itself)."""
    return trafilatura.extract(page.body, url=page.url)


def bare_text_step(decoded: dict[str, str]) -> Callable[[GoldPage], object]:
    """A stricter baseline: trafilatura on text decoded beforehand, so its decoding costs it nothing."""
    return lambda page: trafilatura.extract(decoded[page.name], url=page.url)


def timings(pages: list[GoldPage], repeats: int) -> dict[str, dict[str, list[float]]]:
    """Seconds per page per repeat for both steps, interleaved so both see the same machine load."""
    categoriser = Categoriser([c.spec() for c in load_config(CONFIG).categories])
    decoded = {page.name: decode_html(page.body) for page in pages}
    steps = {"nashra": nashra_step(categoriser), "bytes": bare_step, "text": bare_text_step(decoded)}
    for step in steps.values():  # warm-up: imports, the classifier model, lxml's caches
        for page in pages:
            step(page)
    times: dict[str, dict[str, list[float]]] = {name: {p.name: [] for p in pages} for name in steps}
    for repeat in range(repeats):
        order = list(steps.items())[repeat % len(steps) :] + list(steps.items())[: repeat % len(steps)]
        for page in pages:
            for name, step in order:
                start = time.perf_counter()
                step(page)
                times[name][page.name].append(time.perf_counter() - start)
    return times


def _f(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _ok(value: bool | None) -> str:
    return "–" if value is None else ("yes" if value else "**no**")


def main() -> None:
    parser = shared_arg(__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=TIMING_REPEATS)
    args = parser.parse_args()
    shared = shared_dir(args.shared)
    pages = gold_pages(shared)

    print(
        "| page | P | R | F1 | bare F1 | opening | title | title ok | bare title ok | site name left |"
        " date | date ok | bare date ok | furniture in body |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    failures = []
    for page in pages:
        html, _, ours = nashra_quality(page)
        bare = bare_quality(page, html)
        if ours is None:
            verdict = "none (right)" if not page.article else "**no article**"
            if page.article:
                failures.append(f"{page.name}: no article")
            print(f"| {page.name} | {verdict} |" + " |" * 13)
            continue
        if not page.article:
            failures.append(f"{page.name}: a front page came out as an article")
        bare_f1 = _f(bare.f1) if bare else "none"
        bare_title, bare_date = (bare.title_ok, bare.date_ok) if bare else (None, None)
        print(
            f"| {page.name} | {_f(ours.precision)} | {_f(ours.recall)} | {_f(ours.f1)} | {bare_f1} |"
            f" {_ok(ours.prefix_ok)} | {ours.title} | {_ok(ours.title_ok)} | {_ok(bare_title)} |"
            f" {ours.site_name_left or '–'} | {ours.date or '–'} | {_ok(ours.date_ok)} |"
            f" {_ok(bare_date)} | {'; '.join(ours.furniture)[:120] or 'none'} |"
        )
        if ours.f1 is not None and ours.f1 < MIN_F1:
            failures.append(f"{page.name}: F1 {ours.f1:.3f}")
        for what, ok in (("opening", ours.prefix_ok), ("title", ours.title_ok), ("date", ours.date_ok)):
            if ok is False:
                failures.append(f"{page.name}: {what}")
        if ours.site_name_left:
            failures.append(f"{page.name}: site name {ours.site_name_left!r} in the title")
        if ours.furniture:
            failures.append(f"{page.name}: furniture {ours.furniture}")

    cases = cp1256_cases(shared)
    wrong = [f"{sample} ({case})" for sample, case, ok in cases if not ok]
    print(f"\nwindows-1256: {len(cases) - len(wrong)}/{len(cases)} decoded right")
    failures.extend(f"windows-1256 {w}" for w in wrong)

    times = timings(pages, args.repeats)
    print(
        f"\n| page | Nashra step (ms) | trafilatura, bytes (ms) | ratio | trafilatura, decoded text (ms) |"
        f" ratio |  ({args.repeats} repeats, medians)"
    )
    print("|---|---|---|---|---|---|")
    for page in pages:
        ms = {name: statistics.median(by_page[page.name]) * 1000 for name, by_page in times.items()}
        print(
            f"| {page.name} | {ms['nashra']:.1f} | {ms['bytes']:.1f} | {ms['nashra'] / ms['bytes']:.2f} |"
            f" {ms['text']:.1f} | {ms['nashra'] / ms['text']:.2f} |"
        )
    per_article = {
        name: statistics.median(sum(t[i] for t in by_page.values()) for i in range(args.repeats)) / len(pages)
        for name, by_page in times.items()
    }
    ratios = {name: per_article["nashra"] / per_article[name] for name in ("bytes", "text")}
    ms = {name: seconds * 1000 for name, seconds in per_article.items()}
    print(
        f"| **per article** | {ms['nashra']:.1f} | {ms['bytes']:.1f} | **{ratios['bytes']:.2f}** |"
        f" {ms['text']:.1f} | **{ratios['text']:.2f}** |"
    )
    for name in ("bytes", "text"):
        page_ratios = [
            statistics.median(times["nashra"][p]) / statistics.median(times[name][p]) for p in times[name]
        ]
        print(f"median per-page ratio against trafilatura on {name}: {statistics.median(page_ratios):.2f}")
    failures.extend(
        f"cost ratio {ratio:.2f} > {MAX_COST_RATIO} against trafilatura on {name}"
        for name, ratio in ratios.items()
        if ratio > MAX_COST_RATIO
    )
    print("\ntargets: " + ("all met" if not failures else "NOT met: " + "; ".join(failures)))


if __name__ == "__main__":
    main()
