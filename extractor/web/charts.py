"""Charts as inline SVG, drawn on the server: bars, stacked columns, a reliability curve. Every label is escaped (a
report's province or body name is untrusted text); colours are SVG attributes, so the page's CSP needs no inline
style. No script, no external resource."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from markupsafe import Markup, escape

PALETTE = ("#3b6ea5", "#e08a2e", "#4c9a5a", "#c0504d", "#8064a2", "#4bacc6", "#9c8d3a", "#7f7f7f")
OUTCOMES = (("requests.disclosed", "disclosed"), ("requests.partially_disclosed", "partly disclosed"),
            ("requests.denied", "denied"), ("requests.unable_to_provide", "unable to provide"),
            ("requests.not_processed", "not processed"), ("requests.other_handling", "other handling"))


def _num(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.3g}"


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>'
            f'<text x="4" y="14" font-size="13" font-weight="bold">{escape(title)}</text>')
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 - every text in `body` went through escape()


def bars(title: str, data: Sequence[tuple[str, float]], maximum: float | None = None, percent: bool = False) -> Markup:
    """Horizontal bars, a row per label (many labels fit: accuracy per field)."""
    if not data:
        return _svg(420, 40, title, ['<text x="4" y="32" font-size="12">no data</text>'])
    top = maximum if maximum is not None else max((v for _, v in data), default=0) or 1
    label_w, bar_w, row = 260, 300, 16
    body = []
    for i, (label, v) in enumerate(data):
        y = 24 + i * row
        w = max(0.0, min(1.0, v / top)) * bar_w if top else 0
        shown = f"{v * 100:.1f}%" if percent else _num(v)
        body.append(f'<text x="{label_w - 4}" y="{y + 11}" font-size="11" text-anchor="end">{escape(label)}</text>'
                    f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row - 4}" fill="{PALETTE[0]}">'
                    f'<title>{escape(label)}: {escape(shown)}</title></rect>'
                    f'<text x="{label_w + w + 4:.1f}" y="{y + 11}" font-size="10">{escape(shown)}</text>')
    return _svg(label_w + bar_w + 60, 30 + len(data) * row, title, body)


def stacked(title: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]]) -> Markup:
    """Vertical columns, one per category, each stacked by series, with a legend."""
    if not categories:
        return _svg(420, 40, title, ['<text x="4" y="32" font-size="12">no data</text>'])
    totals = [sum(s[1][i] for s in series) for i in range(len(categories))]
    top = max(totals) or 1
    col, gap, h, left, base = 34, 10, 180, 48, 210
    body = [f'<line x1="{left}" y1="{base}" x2="{left + len(categories) * (col + gap)}" y2="{base}" stroke="#555"/>',
            f'<text x="{left - 4}" y="{base - h + 4}" font-size="10" text-anchor="end">{escape(_num(top))}</text>',
            f'<text x="{left - 4}" y="{base}" font-size="10" text-anchor="end">0</text>']
    for i, cat in enumerate(categories):
        x, y = left + i * (col + gap), float(base)
        for k, (name, values) in enumerate(series):
            v = values[i]
            if v <= 0:
                continue
            hh = v / top * h
            y -= hh
            body.append(f'<rect x="{x}" y="{y:.1f}" width="{col}" height="{hh:.1f}" fill="{PALETTE[k % len(PALETTE)]}">'
                        f'<title>{escape(cat)} · {escape(name)}: {escape(_num(v))}</title></rect>')
        body.append(f'<text x="{x + col / 2}" y="{base + 13}" font-size="10" text-anchor="middle">{escape(cat)}</text>'
                    f'<text x="{x + col / 2}" y="{y - 3:.1f}" font-size="9" text-anchor="middle">'
                    f'{escape(_num(totals[i]))}</text>')
    lx = left + len(categories) * (col + gap) + 10
    for k, (name, _) in enumerate(series):
        body.append(f'<rect x="{lx}" y="{30 + k * 16}" width="10" height="10" fill="{PALETTE[k % len(PALETTE)]}"/>'
                    f'<text x="{lx + 14}" y="{39 + k * 16}" font-size="11">{escape(name)}</text>')
    width = lx + 14 + max((len(n) for n, _ in series), default=4) * 8 + 10
    return _svg(int(width), base + 24, title, body)


def reliability(title: str, bands: Iterable[dict[str, Any]]) -> Markup:
    """Accuracy by confidence band against the diagonal (a calibrated pipeline's points lie on it); a point's size
    shows how many values the band holds."""
    size, left, top = 240, 40, 24
    pts = []
    for b in bands:
        if not b.get("n") or b.get("accuracy") is None:
            continue
        lo, hi = (float(x) for x in str(b["band"]).split("-"))
        pts.append(((lo + hi) / 2, float(b["accuracy"]), int(b["n"]), str(b["band"])))

    def xy(cx: float, cy: float) -> tuple[float, float]:
        return left + cx * size, top + (1 - cy) * size

    body = [f'<rect x="{left}" y="{top}" width="{size}" height="{size}" fill="none" stroke="#999"/>',
            f'<line x1="{left}" y1="{top + size}" x2="{left + size}" y2="{top}" stroke="#bbb" stroke-dasharray="4 3"/>',
            f'<text x="{left + size / 2}" y="{top + size + 28}" font-size="11" text-anchor="middle">confidence</text>',
            f'<text x="{left - 6}" y="{top + 8}" font-size="10" text-anchor="end">1</text>',
            f'<text x="{left - 6}" y="{top + size}" font-size="10" text-anchor="end">0</text>',
            f'<text x="{left + size}" y="{top + size + 14}" font-size="10" text-anchor="middle">1</text>']
    if pts:
        line = " ".join(f"{xy(p[0], p[1])[0]:.1f},{xy(p[0], p[1])[1]:.1f}" for p in pts)
        body.append(f'<polyline points="{line}" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>')
    n_max = max((p[2] for p in pts), default=1)
    for cx, cy, n, band in pts:
        x, y = xy(cx, cy)
        r = 3 + 6 * (n / n_max) ** 0.5
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{PALETTE[1]}">'
                    f'<title>{escape(band)}: accuracy {cy * 100:.1f}% over {n} values</title></circle>')
    return _svg(left + size + 20, top + size + 36, title, body)


# the dataset's charts ------------------------------------------------------------------------------

def _year(row: dict[str, Any]) -> str:
    y = row["values"].get("meta.report_year")
    return str(y) if y is not None else "?"


def _years(rows: Sequence[dict[str, Any]]) -> list[str]:
    return sorted({_year(r) for r in rows}, key=lambda y: (y == "?", y))


def reports_by_year_level(rows: Sequence[dict[str, Any]]) -> Markup:
    years = _years(rows)
    count: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in rows:
        count[str(r["values"].get("meta.admin_level") or "unknown")][_year(r)] += 1
    series = [(lvl, [count[lvl][y] for y in years]) for lvl in sorted(count)]
    return stacked("reports by year and administrative level", years, series)


def requests_by_year(rows: Sequence[dict[str, Any]]) -> Markup:
    years = _years(rows)
    received: dict[str, float] = defaultdict(float)
    for r in rows:
        received[_year(r)] += r["values"].get("requests.received") or 0
    return stacked("requests received by year", years, [("received", [received[y] for y in years])])


def outcomes_by_year(rows: Sequence[dict[str, Any]]) -> Markup:
    years = _years(rows)
    series = []
    for path, name in OUTCOMES:
        per: dict[str, float] = defaultdict(float)
        for r in rows:
            per[_year(r)] += r["values"].get(path) or 0
        series.append((name, [per[y] for y in years]))
    return stacked("request outcomes by year", years, series)


def review_progress(counts: dict[str, int]) -> Markup:
    states = ("decided", "reopened", "open", "closed")
    return stacked("review items by state", ["items"], [(s, [float(counts.get(s, 0))]) for s in states])
