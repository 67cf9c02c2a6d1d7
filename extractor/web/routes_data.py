"""The exploring pages: one report's fields beside its source, the dataset (filters, sort, charts, downloads with the
decisions applied, written by the package's own export), and the saved evals' charts."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from extractor.store.results import Store
from extractor.web import charts
from extractor.web.data import DATASET_COLUMNS, DATASET_FILTERS, all_rows, dataset_view, report_view

if TYPE_CHECKING:
    from extractor.web.pages import Web

REPORT_ID = re.compile(r"[0-9a-f]{8,64}")
PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,4}")
DOWNLOADS = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}


def page_image(web: Web) -> Callable[[Request], Response]:
    """The endpoint for page N of a PDF report as a PNG."""

    def endpoint(request: Request) -> Response:
        """Page N of a PDF report as a PNG: the report id is looked up in the run database, its file read by the
        stored path while it hashes to the id, N a whole number within the document; anything else is a 404."""
        from extractor.core.errors import IngestError
        from extractor.ingest.pdf_boxes import page_png
        from extractor.web.pdfpages import report_bytes

        rid, number = str(request.path_params["report_id"]), str(request.path_params["number"])
        if not REPORT_ID.fullmatch(rid) or not PAGE_NUMBER.fullmatch(number):
            return Response("not found", status_code=404, media_type="text/plain")
        with web.con() as con:
            data, why = report_bytes(con, rid)
        if data is None:
            return Response(f"no page image: {why}", status_code=404, media_type="text/plain")
        try:
            png = page_png(data, int(number))
        except IngestError as exc:
            return Response(f"no page image: {exc}", status_code=404, media_type="text/plain")
        return Response(png, media_type="image/png")

    return endpoint


def routes(web: Web) -> list[Route]:
    def report(request: Request) -> Response:
        rid = str(request.path_params["report_id"])
        if not REPORT_ID.fullmatch(rid):
            return web.page(request, "error.html", 404, message="no such report")
        with web.con() as con:
            view = report_view(con, rid, show_all=request.query_params.get("all") == "1")
        if view is None:
            return web.page(request, "error.html", 404, message=f"no result for report {rid}")
        return web.page(request, "report.html", view=view, nav="dataset")

    def dataset(request: Request) -> Response:
        filters = {k: request.query_params.get(k, "").strip()[:200] for k in DATASET_FILTERS}
        sort = request.query_params.get("sort", "report")
        if sort.lstrip("-") not in DATASET_COLUMNS:
            sort = "report"
        with web.con() as con:
            every = web.cached("dataset", con, lambda: all_rows(con))
            counts = web.cached("counts", con, lambda: Store(con).review.state_counts())
        view = dataset_view(every, {k: v for k, v in filters.items() if v}, sort)
        drawn = [charts.reports_by_year_level(view.every), charts.requests_by_year(view.every),
                 charts.outcomes_by_year(view.every), charts.review_progress(counts)]
        return web.page(request, "dataset.html", view=view, filters=filters, charts=drawn, columns=DATASET_COLUMNS,
                        nav="dataset")

    def download(request: Request) -> Response:
        """The whole dataset with decisions applied, written by `extractor.export.export_dataset` (as `extractor
        export`) into a temporary file that is read back and removed."""
        from extractor.core.errors import ExtractorError
        from extractor.export import export_dataset

        fmt = str(request.path_params["fmt"])
        if fmt not in DOWNLOADS:
            return Response("not found", status_code=404, media_type="text/plain")
        with tempfile.TemporaryDirectory(prefix="extractor-web-") as tmp, web.con() as con:
            out = os.path.join(tmp, f"dataset.{fmt}")
            store = Store(con)
            info = store.run_info()
            try:
                export_dataset(store, out, fmt, info.config_hash if info else None)
            except ExtractorError as exc:
                return web.page(request, "error.html", 500, message=str(exc))
            with open(out, "rb") as fh:
                body = fh.read()
        return Response(body, media_type=DOWNLOADS[fmt],
                        headers={"Content-Disposition": f'attachment; filename="dataset.{fmt}"'})

    def evals(request: Request) -> Response:
        from extractor.evaluation.scoring import FieldScore, Summary
        from extractor.store.evals import eval_names, load_eval

        with web.con() as con:
            names = eval_names(con)
            name = request.query_params.get("name") or (names[0][0] if names else "")
            run = load_eval(con, name) if name else None  # from the run database only: never a file the URL names
        drawn: list[object] = []
        overall: dict[str, object] = {}
        if run is not None:
            scores = [FieldScore(r.report, r.path, r.gold, r.pred, r.score, r.flagged, r.fmt, r.evidence, r.confidence,
                                 r.status, r.evidence_at_span, r.tags) for r in run.scores]
            summary = Summary(scores).as_dict()
            overall = summary["overall"]
            per_field = sorted(((p, m["accuracy"] or 0.0) for p, m in summary["per_field"].items()), key=lambda x: x[1])
            drawn = [charts.bars("accuracy per format", [(k, m["accuracy"] or 0.0)
                                                        for k, m in summary["per_format"].items()], 1.0, True),
                     charts.reliability("calibration: accuracy by confidence", summary["calibration"]),
                     charts.bars("accuracy per field (worst first)", per_field, 1.0, True)]
        return web.page(request, "eval.html", names=names, name=name, run=run, charts=drawn, overall=overall,
                        nav="eval")

    return [Route("/report/{report_id}", report), Route("/report/{report_id}/page/{number}.png", page_image(web)),
            Route("/dataset", dataset),
            Route("/dataset.{fmt}", download), Route("/eval", evals)]
