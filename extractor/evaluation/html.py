"""One self-contained HTML page for an eval run: headline figures, per-format and calibration tables, a
per-field bar chart and every wrong value with its evidence. No script, no external resource."""

from __future__ import annotations

import html
import json
from datetime import datetime
from typing import Any

from extractor.evaluation.runs import EvalRun

CSS = """
body{font:14px/1.45 system-ui,'Noto Sans CJK SC',sans-serif;margin:24px auto;max-width:1100px;color:#222}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}
.meta{color:#666;font-size:12px}.cards{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:120px}
.card b{display:block;font-size:22px}.card.bad b{color:#b00020}.card.good b{color:#1b7f3b}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:3px 6px;text-align:left;
vertical-align:top}th{background:#f6f6f6}.num{text-align:right;font-variant-numeric:tabular-nums}
.bar{background:#eee;height:12px;width:260px;position:relative}.bar span{display:block;height:12px;background:#3a7bd5}
.bar span.low{background:#d9822b}.bar span.bad{background:#b00020}
.ev{font-family:ui-monospace,monospace;font-size:12px;white-space:pre-wrap;max-width:420px}
.flag{color:#1b7f3b}.silent{color:#b00020;font-weight:bold}
"""


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{v:.1%}"


def _e(v: Any) -> str:
    return html.escape(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))


def _chart_rows(per_field: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Per field, with the template tables' cells gathered by row (`standard_table.requests.disclosed.*`)."""
    rows: dict[str, dict[str, Any]] = {}
    for k, m in per_field.items():
        key = k.rsplit(".", 1)[0] + ".*" if k.startswith("standard_table.") else k
        r = rows.setdefault(key, {"n": 0, "sum": 0.0, "silent_errors": 0})
        r["n"] += m["n"]
        r["sum"] += (m["accuracy"] or 0.0) * m["n"]
        r["silent_errors"] += m["silent_errors"]
    return [(k, {**r, "accuracy": r["sum"] / r["n"] if r["n"] else None}) for k, r in sorted(rows.items())]


def render(run: EvalRun) -> str:
    s, cfg = run.summary, run.config
    o = s["overall"]
    missed = o.get("missed", o["n"] - o["correct"] - o["wrong_values"])
    cards = [("accuracy (partial credit)", _pct(o["accuracy"]), ""), ("exact", f"{o['correct']}/{o['n']}", ""),
             ("wrong values", str(o["wrong_values"]), "bad" if o["wrong_values"] else "good"),
             ("missed (no value)", str(missed), ""), ("precision", _pct(o["precision"]), ""),
             ("recall", _pct(o["recall"]), ""),
             ("silent errors", str(o["silent_errors"]), "bad" if o["silent_errors"] else "good"),
             ("review yield", _pct(o["review_yield"]), ""), ("evidence at its span", _pct(o["evidence_validity"]), ""),
             ("fields scored", str(o["n"]), ""), ("null/zero confusions", str(o["null_zero_confusions"]), ""),
             ("review queue share", _pct(o.get("queue_share")), "")]
    out = ["<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'>",
           f"<title>eval {_e(run.name)}</title><style>{CSS}</style></head><body>",
           f"<h1>Eval run {_e(run.name)}</h1>",
           f"<div class='meta'>{datetime.fromtimestamp(run.created):%Y-%m-%d %H:%M} · backend {_e(cfg.get('backend'))}"
           f" · model {_e(cfg.get('model') or '-')} · code {_e(cfg.get('code_version'))}"
           f" · gold {_e(', '.join(cfg.get('gold', [])))}{' · tags ' + _e(', '.join(cfg['tags'])) if cfg.get('tags') else ''}"
           "</div><div class='cards'>"]
    out += [f"<div class='card {cls}'><b>{val}</b>{_e(label)}</div>" for label, val, cls in cards]
    out.append("</div>")
    for title, key in (("Per format", "per_format"), ("Per report", "per_report"), ("Per tag", "per_tag")):
        out.append(f"<h2>{title}</h2><table><tr><th>{key.split('_')[1]}</th><th class='num'>fields</th>"
                   "<th class='num'>exact</th><th class='num'>accuracy</th><th class='num'>precision</th><th class='num'>recall</th>"
                   "<th class='num'>silent errors</th></tr>")
        for k, m in s[key].items():
            out.append(f"<tr><td>{_e(k)}</td><td class='num'>{m['n']}</td><td class='num'>{m['correct']}</td>"
                       f"<td class='num'>{_pct(m['accuracy'])}</td>"
                       f"<td class='num'>{_pct(m['precision'])}</td><td class='num'>{_pct(m['recall'])}</td>"
                       f"<td class='num'>{m['silent_errors']}</td></tr>")
        out.append("</table>")
    out.append("<h2>Calibration: accuracy by confidence</h2><table><tr><th>confidence</th><th class='num'>values</th>"
               "<th class='num'>accuracy</th></tr>")
    out += [f"<tr><td>{b['band']}</td><td class='num'>{b['n']}</td><td class='num'>{_pct(b['accuracy'])}</td></tr>"
            for b in s["calibration"]]
    out.append("</table><h2>Per field (table cells by row)</h2><table><tr><th>field</th><th class='num'>n</th><th>accuracy</th>"
               "<th class='num'></th></tr>")
    for k, m in _chart_rows(s["per_field"]):
        acc = m["accuracy"] or 0.0
        cls = "bad" if m["silent_errors"] else "low" if acc < 0.9 else ""
        out.append(f"<tr><td>{_e(k)}</td><td class='num'>{m['n']}</td><td><div class='bar'>"
                   f"<span class='{cls}' style='width:{acc * 100:.1f}%'></span></div></td>"
                   f"<td class='num'>{_pct(m['accuracy'])}</td></tr>")
    out.append("</table>")
    # the headline's counts: a value given that is not the labelled one, then a labelled value not given
    wrong = [w for w in s["wrong"] if w["pred"] is not None] + [w for w in s["wrong"] if w["pred"] is None]
    n_wrong = sum(1 for w in wrong if w["pred"] is not None)
    out.append(f"<h2>Wrong values ({n_wrong}) and missed values ({len(wrong) - n_wrong})</h2>"
               "<p class='meta'>Accuracy gives partial credit (a list field scores its F1); a list value with partial "
               "credit counts as wrong here.</p><table><tr><th>report</th><th>field</th><th>gold</th>"
               "<th>predicted</th><th>review</th><th>evidence</th></tr>")
    for w in wrong:
        flag = "<span class='flag'>in review</span>" if w["flagged"] else \
            ("<span class='silent'>NOT flagged</span>" if w["pred"] is not None else "missed (null)")
        if w["flagged"] and w["pred"] is None:
            flag = "missed (null), in review"
        out.append(f"<tr><td>{_e(w['report'])}</td><td>{_e(w['path'])}</td><td>{_e(w['gold'])}</td>"
                   f"<td>{_e(w['pred'])}</td><td>{flag}</td><td class='ev'>{_e(w.get('evidence') or '')}</td></tr>")
    out.append("</table></body></html>\n")
    return "".join(out)
