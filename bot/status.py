"""The /status page: plain HTML and an inline SVG chart, right-to-left, readable without any script."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from html import escape

from bot.config import Config
from bot.metrics import HISTORY_HOURS, RATE_WINDOW_SECONDS, Activity
from bot.routing import ARTICLE_CHANNEL, ARTICLE_READER, BREAKING_CHANNEL, BREAKING_READER
from bot.store import Store

PRIORITY_NAMES = {
    BREAKING_CHANNEL: "عاجل للقنوات · breaking, channels",
    BREAKING_READER: "عاجل للقراء · breaking, readers",
    ARTICLE_CHANNEL: "أخبار للقنوات · articles, channels",
    ARTICLE_READER: "أخبار للقراء · articles, readers",
}
CHART_WIDTH, CHART_HEIGHT, CHART_MARGIN = 480, 120, 20

_STYLE = """
body{font-family:system-ui,"Noto Naskh Arabic",sans-serif;margin:1.5rem;max-width:60rem;color:#222}
table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}
th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:start;vertical-align:top}
.ok{color:#176b2c}.bad{color:#a11}.muted{color:#777}
figure{margin:0 0 1.5rem}svg{direction:ltr;max-width:100%}
"""


def _when(timestamp: float | None) -> str:
    if not timestamp:
        return "—"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _sources(config: Config, store: Store) -> str:
    rows = []
    for source in config.sources:
        state = store.source_state(source.name)
        error = state.get("last_error")
        failing = error and state.get("last_error_at", 0) >= state.get("last_success_at", 0)
        health = '<span class="bad">✗ failing</span>' if failing else '<span class="ok">✓ ok</span>'
        if state.get("held"):
            health = '<span class="muted">⏸ paused by an admin</span>'
        elif state.get("paused"):
            health = '<span class="bad">⏸ paused: failing too long</span>'
        elif not state:
            health = '<span class="muted">not polled yet</span>'
        rows.append(
            f'<tr><td dir="auto">{escape(source.name)}</td><td>{source.kind}</td><td>{health}</td>'
            f"<td>{_when(state.get('last_success_at'))}</td>"
            f'<td dir="auto">{escape(error or "")}</td></tr>'
        )
    head = "<tr><th>المصدر · source</th><th>kind</th><th>الحالة · health</th>"
    head += "<th>آخر نجاح · last success</th><th>آخر خطأ · last error</th></tr>"
    return f"<table id=sources>{head}{''.join(rows)}</table>"


def _recent(activity: Activity) -> str:
    if not activity.recent:
        return '<p class="muted">لا جديد منذ التشغيل · nothing new since start</p>'
    rows = []
    for found in activity.recent:
        title = escape(found.title)
        if found.url:
            title = f'<a href="{escape(found.url)}" rel="noreferrer">{title}</a>'
        rows.append(
            f'<tr><td>{_when(found.at)}</td><td dir="auto">{escape(found.source)}</td>'
            f'<td dir="auto">{title}</td></tr>'
        )
    return f"<table id=recent><tr><th>time</th><th>source</th><th>title</th></tr>{''.join(rows)}</table>"


def _outbox(store: Store, activity: Activity, now: float) -> str:
    depth = Counter(d.priority for d in store.pending())
    rows = "".join(
        f"<tr><td>{PRIORITY_NAMES.get(p, p)}</td><td>{depth.get(p, 0)}</td></tr>" for p in PRIORITY_NAMES
    )
    sent = activity.sends.since(RATE_WINDOW_SECONDS)
    return (
        f"<table id=outbox><tr><th>priority</th><th>waiting</th></tr>{rows}"
        f"<tr><th>المجموع · total</th><th>{sum(depth.values())}</th></tr></table>"
        f"<p id=rate>أُرسلت في الساعة الأخيرة · sent in the last hour: <b>{sent}</b></p>"
    )


def _chart(counts: list[int]) -> str:
    """Bars, oldest hour on the left: time reads left to right even on a right-to-left page."""
    peak = max(counts) or 1
    slot = (CHART_WIDTH - 2 * CHART_MARGIN) / len(counts)
    height = CHART_HEIGHT - 2 * CHART_MARGIN
    bars = []
    for i, count in enumerate(counts):
        h = height * count / peak
        x, y = CHART_MARGIN + i * slot, CHART_MARGIN + height - h
        ago = len(counts) - 1 - i
        bars.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.8:.1f}" height="{h:.1f}" fill="#3a6ea5">'
            f"<title>{count} items, {ago}h ago</title></rect>"
        )
    base = CHART_MARGIN + height
    axis = (
        f'<line x1="{CHART_MARGIN}" y1="{base}" x2="{CHART_WIDTH - CHART_MARGIN}" y2="{base}" stroke="#999"/>'
        f'<text x="{CHART_MARGIN}" y="{CHART_HEIGHT - 4}" font-size="10">-{len(counts)}h</text>'
        f'<text x="{CHART_WIDTH - CHART_MARGIN}" y="{CHART_HEIGHT - 4}" font-size="10" '
        'text-anchor="end">now</text>'
        f'<text x="{CHART_MARGIN}" y="{CHART_MARGIN - 6}" font-size="10">max {max(counts)}/h</text>'
    )
    return (
        f'<svg id=chart role="img" aria-label="items per hour" width="{CHART_WIDTH}" height="{CHART_HEIGHT}" '
        f'viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" xmlns="http://www.w3.org/2000/svg">{axis}{"".join(bars)}</svg>'
    )


def render_status(
    config: Config,
    store: Store,
    activity: Activity,
    *,
    healthy: bool,
    reasons: list[str],
    now: float | None = None,
) -> str:
    """The whole page; every scraped string is escaped."""
    now = time.time() if now is None else now
    verdict = (
        '<span class="ok">✓ سليم · healthy</span>' if healthy else '<span class="bad">✗ unhealthy</span>'
    )
    problems = "".join(f'<li dir="auto">{escape(r)}</li>' for r in reasons)
    return f"""<!doctype html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>نشرة · Nashra status</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,">
<style>{_STYLE}</style></head><body>
<h1>نشرة · Nashra</h1>
<p id=health>{verdict} <span class="muted">· since {_when(activity.started)}</span></p><ul>{problems}</ul>
<h2>المصادر · Sources</h2>{_sources(config, store)}
<h2>الطابور · Outbox</h2>{_outbox(store, activity, now)}
<h2>أخبار في الساعة · Items per hour (last {HISTORY_HOURS}h)</h2>
<figure>{_chart(activity.items_per_hour(now))}</figure>
<h2>آخر ما وُجد · Latest items</h2>{_recent(activity)}
</body></html>
"""
