"""What the pages show, read from the run database: the queue filtered, an item with its source lit up, a report's
fields beside its source, the dataset with decisions applied. No HTML here (the templates), no SQL (the store).

The source text is read through the same ingest the run used (`extractor.ingest.load`) from the path the run
database stores for the report (`reports.path`), and only when the file still hashes to the report's id; no path
ever comes from a request."""

from __future__ import annotations

import os
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from extractor.core.catalogue import ENUMS, catalogue
from extractor.core.result import PREFIXES, REASONS, STATUSES
from extractor.export import catalogue_order, dataset_rows
from extractor.review.queue import OPEN_STATES, PRIORITY_NAMES, STATES, Item, Queue, ReviewError, states_for
from extractor.store.results import Store
from extractor.web.pdfpages import PdfPages, pdf_pages
from extractor.web.source import Mark, Piece, item_marks, pieces

FILTERS = ("field", "report", "reason", "state", "reviewer")
DATASET_FILTERS = ("year", "level", "province", "body", "template")
DATASET_COLUMNS = {  # sort key -> field path (or a row key)
    "report": "path", "year": "meta.report_year", "level": "meta.admin_level", "province": "meta.province",
    "body": "meta.issuing_body", "template": "meta.template", "received": "requests.received",
    "disclosed": "requests.disclosed", "review": "needs_review"}


def reason_words(code: str) -> str:
    """A reason code in words: the meaning core/result.py gives it (the codes the terminal review prints)."""
    if code in REASONS:
        return REASONS[code]
    prefix = next((p for p in PREFIXES if code.startswith(p)), None)
    if prefix is not None:
        return f"{PREFIXES[prefix].split(':')[0]}: {code[len(prefix):]}"
    return STATUSES.get(code, code)


@dataclass
class Source:
    """A report's original text, or why it cannot be shown (then the item's stored snippets stand in)."""

    text: str | None
    media_type: str
    problem: str | None = None


def source_of(con: sqlite3.Connection, report_id: str) -> Source:
    """The report's original as the run read it, by the path the run database stores for it."""
    from extractor.ingest import load

    path = Store(con).review.source_path(report_id)
    if not path:
        return Source(None, "text", "no path is recorded for this report")
    try:
        doc = load(path)
    except Exception as exc:  # noqa: BLE001 - whatever stops the reader, the stored snippets stand in
        return Source(None, "text", f"the report cannot be read at {path} ({type(exc).__name__})")
    if doc.id != report_id:
        return Source(None, doc.media_type, f"the file at {path} has changed since the run: its spans no longer apply")
    return Source(doc.original, doc.media_type)


@dataclass
class QueueView:
    items: list[Item]
    filters: dict[str, str]
    counts: dict[str, int]
    progress: tuple[int, int]  # decided, decided + open
    fields: list[str]
    reasons: list[str]
    reviewers: list[str]
    priority_names: dict[int, str] = field(default_factory=lambda: dict(PRIORITY_NAMES))


def queue_items(queue: Queue, filters: dict[str, str]) -> list[Item]:
    """The items the filters select, most important first (`reviewer`: the items this reviewer decided last)."""
    states = states_for(filters.get("state") or "open")
    items = queue.items(states, filters.get("field") or None, filters.get("report") or None,
                        filters.get("reason") or None)
    who = filters.get("reviewer")
    return [i for i in items if i.decision and i.decision["reviewer"] == who] if who else items


def queue_view(con: sqlite3.Connection, filters: dict[str, str]) -> QueueView:
    queue = Queue(con)
    items = queue_items(queue, filters)
    every = queue.items(STATES)
    counts = dict(Counter(i.state for i in every))
    decided = counts.get("decided", 0)
    reasons: Counter[str] = Counter(r for i in every for r in i.reasons)
    reviewers = sorted({i.decision["reviewer"] for i in every if i.decision})
    return QueueView(items, filters, counts, (decided, decided + sum(counts.get(s, 0) for s in OPEN_STATES)),
                     catalogue_order({i.path for i in every}), [r for r, _ in reasons.most_common()], reviewers)


@dataclass
class ItemView:
    item: Item
    reasons: list[tuple[str, str]]
    source: Source
    pieces: list[Piece]
    snippets: list[dict[str, Any]]  # the stored context, shown when the source cannot be
    readings: list[dict[str, Any]]
    position: int
    total: int
    prev_id: int | None
    next_id: int | None
    meaning: str
    pdf: PdfPages | None = None  # a PDF report's pages with the evidence boxed


def pdf_of(con: sqlite3.Connection, report_id: str, src: Source, marks: list[Mark]) -> PdfPages | None:
    """The page images with the marks boxed, for a PDF whose source could be read (else None: the problem says why)."""
    if src.media_type != "pdf" or src.text is None:
        return None
    return pdf_pages(con, report_id, src.text, marks)


def item_view(con: sqlite3.Connection, item_id: int, filters: dict[str, str], back: int | None = None) -> ItemView:
    """The item, its place in the filtered queue (`back`: the item decided just before, which a filter on open items
    no longer lists), its reasons in words and its source cut around every piece of evidence."""
    queue = Queue(con)
    item = queue.get(item_id)  # ReviewError when there is none
    try:
        ids = [i.id for i in queue_items(queue, filters)]
    except ReviewError:
        ids = []
    pos = ids.index(item.id) if item.id in ids else -1
    prev_id = back if back is not None else ids[pos - 1] if pos > 0 else None
    next_id = ids[pos + 1] if 0 <= pos < len(ids) - 1 else (ids[0] if pos < 0 and ids else None)
    src = source_of(con, item.report_id)
    marks = item_marks(item.context, item.alternatives)
    cut = pieces(src.text, marks) if src.text is not None else []
    readings = [{"value": a.get("value"), "by": a.get("backend") or a.get("method") or "",
                 "status": a.get("status") or "", "evidence": a.get("evidence") or ""} for a in item.alternatives]
    return ItemView(item, [(r, reason_words(r)) for r in item.reasons], src, cut, item.context, readings,
                    pos + 1, len(ids), prev_id, next_id, kind_words(item.path),
                    pdf_of(con, item.report_id, src, marks))


KINDS = {"int": "a count: a whole number", "yuan": "an amount in yuan", "text": "text", "date": "a date, YYYY-MM-DD",
         "list": "a list: items separated by ； or |", "enum": "one of"}


def kind_words(path: str) -> str:
    """What a corrected value must be, as the review's parser takes it (`review.queue.parse_value`)."""
    entry = catalogue().get(path)
    if entry is None:
        return ""
    if entry.kind == "enum":
        return f"one of {', '.join(ENUMS.get(path, ()))}"
    return KINDS.get(entry.kind, entry.kind)


def result_key(store: Store, report_id: str) -> str | None:
    """The configuration whose result the dataset shows for this report (the latest run's, as `export`)."""
    info = store.run_info()
    keys = {k.report_id: k.config_hash for k in store.latest_results(info.config_hash if info else None)}
    if report_id not in keys:
        keys = {k.report_id: k.config_hash for k in store.latest_results()}
    return keys.get(report_id)


@dataclass
class ReportView:
    report_id: str
    path: str
    fields: list[dict[str, Any]]
    source: Source
    pieces: list[Piece]
    decisions: list[dict[str, Any]]
    items: list[Item]
    pdf: PdfPages | None = None


def report_view(con: sqlite3.Connection, report_id: str, show_all: bool = False) -> ReportView | None:
    from extractor.core.schema import flatten

    store = Store(con)
    cfg = result_key(store, report_id)
    if cfg is None:
        return None
    record = store.record(report_id, cfg)
    items = {i.path: i for i in Queue(con).items(STATES, report=report_id) if i.report_id == report_id}
    latest = {d.path: d for d in reversed(store.review.decisions_of(report_id))}
    rows, marks = [], []
    for path, f in flatten(record["fields"]).items():
        item, d = items.get(path), latest.get(path)
        if not show_all and f["value"] is None and item is None and d is None:
            continue
        flagged = item is not None and item.state in OPEN_STATES
        anchor = f"f-{path}"
        if f.get("span"):
            marks.append(Mark(f["span"][0], f["span"][1], path, "flagged" if flagged else "evidence", anchor))
        rows.append({"path": path, "value": f["value"], "status": f["status"], "confidence": f["confidence"],
                     "evidence": f["evidence"], "reasons": [(r, reason_words(r)) for r in f["reasons"]],
                     "flagged": flagged, "item": item, "anchor": anchor if f.get("span") else "",
                     "decided": None if d is None else {"value": d.value, "reviewer": d.reviewer, "ts": d.ts}})
    src = source_of(con, report_id)
    decisions = [{"path": d.path, "action": d.action, "value": d.value, "machine_value": d.machine_value,
                  "reviewer": d.reviewer, "ts": d.ts, "note": d.note, "item_id": d.item_id}
                 for d in store.review.decisions_of(report_id)]
    return ReportView(report_id, record["path"], rows, src, pieces(src.text, marks) if src.text else [], decisions,
                      list(items.values()), pdf_of(con, report_id, src, marks))


@dataclass
class DatasetView:
    rows: list[dict[str, Any]]  # the rows the filters keep, sorted
    every: list[dict[str, Any]]  # every row (the charts are over the whole dataset)
    filters: dict[str, str]
    sort: str
    choices: dict[str, list[str]]
    total: int


def _key(row: dict[str, Any], sort: str) -> tuple[int, Any]:
    col = DATASET_COLUMNS.get(sort, "path")
    v = row["values"].get(col) if "." in col else row.get(col)
    if isinstance(v, list):
        v = len(v)
    return (v is None, v if isinstance(v, (int, float)) else str(v if v is not None else ""))


def _keeps(row: dict[str, Any], filters: dict[str, str]) -> bool:
    v = row["values"]
    tests = {"year": lambda f: str(v.get("meta.report_year")) == f, "level": lambda f: v.get("meta.admin_level") == f,
             "province": lambda f: v.get("meta.province") == f, "template": lambda f: v.get("meta.template") == f,
             "body": lambda f: f in str(v.get("meta.issuing_body") or "")}
    return all(tests[k](f) for k, f in filters.items() if f and k in tests)


def all_rows(con: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every report's row with decisions applied (`export.dataset_rows`, the latest run's configuration)."""
    store = Store(con)
    info = store.run_info()
    return [{**r, "name": os.path.basename(r["path"])} for r in dataset_rows(store, info.config_hash if info else None)]


def dataset_view(every: list[dict[str, Any]], filters: dict[str, str], sort: str = "report") -> DatasetView:
    desc = sort.startswith("-")
    rows = sorted((r for r in every if _keeps(r, filters)), key=lambda r: _key(r, sort.lstrip("-")), reverse=desc)
    choices = {k: sorted({str(r["values"].get(p)) for r in every if r["values"].get(p) is not None})
               for k, p in (("year", "meta.report_year"), ("level", "meta.admin_level"), ("province", "meta.province"),
                            ("template", "meta.template"))}
    return DatasetView(rows, every, filters, sort, choices, len(every))
