"""Property (issue 18): synthetic reports in both template versions, printed to PDF by Debian's chromium, read
back through `load` and the rules pipeline: every cell of tables 二, 三 and 四 is the generator's value, or null,
ambiguous/unread and in review, never a wrong value.

The reports are `synth_print.printed_report`: real `<table>` markup with the template's merged cells, the type
size, padding and table width drawn per report so tables break across pages in different rows (a merged
heading cut by a page break, labels wrapped over several lines), 小计 in every other report. Six reports per
version, seeds fixed, one browser launch for all twelve.
"""

from __future__ import annotations

import os
import random
import shutil
from dataclasses import dataclass

import pytest

from extractor.ingest.pdf_tables import Glyph, Segment, page_lines
from extractor.ingest.read import load
from extractor.pipeline import process
from extractor.template.synth import random_tables
from extractor.template.synth_print import Style, printed_report
from extractor.template.synth_table2 import random_table2
from extractor.text.numbers import values_equal

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "") if p and os.path.exists(p)), None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync"]
VERSIONS = ("2019", "2021")
SEEDS = range(6)
UNRULED = range(6, 9)  # reports printed with no cell borders: the reader's fallback, see the last test
MARGIN = {"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"}

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no chromium here (apt-get install chromium; .ci/run does)")


@dataclass
class Printed:
    version: str
    seed: int
    path: str
    gold: dict[str, int | float]
    style: Style


def _report(rng: random.Random, version: str, seed: int) -> tuple[str, dict[str, int | float], Style]:
    t2 = random_table2(rng, version)
    t = random_tables(rng, version, density=rng.choice([0.1, 0.3, 0.8]))
    style = Style(rng.choice([11, 14, 17, 20]), rng.choice([1, 4, 8]), rng.choice([120, 150, 180]),
                  rules=seed not in UNRULED)
    return printed_report(t, t2, style, subtotal=seed % 2 == 1), {**t.cells(), **t2.fields()}, style


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> list[Printed]:
    from playwright.sync_api import sync_playwright

    out = tmp_path_factory.mktemp("pdf_synth")
    reports = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        for version in VERSIONS:
            for seed in [*SEEDS, *UNRULED]:
                html, gold, style = _report(random.Random(f"{version}-{seed}"), version, seed)
                page.set_content(html)
                path = str(out / f"synth_{version}_{seed}.pdf")
                page.pdf(path=path, format="A4", margin=MARGIN)
                reports.append(Printed(version, seed, path, gold, style))
        browser.close()
    return reports


def _check(rules_backend, rep: Printed) -> tuple[int, int]:
    """(exact, left open) over the report's template cells; a wrong value or a silent null fails."""
    tables = {p.split(".")[1] if p.startswith("standard_table.") else p.split(".")[0] for p in rep.gold}
    assert tables == {"requests", "appeals", "proactive"}, tables  # the gold covers 二, 三 and 四
    doc = load(rep.path)
    assert doc.media_type == "pdf" and len(doc.pages) >= 2, (rep.path, len(doc.pages))
    r = process(doc, rules_backend)
    exact = open_ = 0
    for p, v in rep.gold.items():
        f = r.fields.get(p)
        assert f is not None, (rep.version, rep.seed, rep.style, p)
        if f.value is None:
            assert f.status in ("ambiguous", "unread") and f.needs_review(), (rep.version, rep.seed, p, f.status)
            open_ += 1
        else:
            assert values_equal(f.value, v), (rep.version, rep.seed, rep.style, p, v, f.value, f.status)
            exact += 1
    return exact, open_


@needs_chromium
@pytest.mark.parametrize("version", VERSIONS)
def test_printed_reports_read_back_exactly_or_left_open(rules_backend, printed, version):
    exact = total = 0
    for rep in (r for r in printed if r.version == version and r.style.rules):
        e, o = _check(rules_backend, rep)
        assert e > 0, (rep.seed, rep.style)
        exact, total = exact + e, total + e + o
    print(f"\nPDF synthetic {version}: {exact}/{total} template cells exact ({exact / total:.1%}), the rest in review")
    assert exact / total >= 0.98, (exact, total)  # measured 100% (2,274 of 2,274 cells, 12 reports)


@needs_chromium
def test_table_three_is_cut_by_a_page_break_in_some_reports(printed):
    """The property covers tables cut by a page break (a merged heading split over two pages), not only tables
    on one page: a page starts between table 三's first and last rows in several reports."""
    cut = 0
    for rep in (r for r in printed if r.style.rules):
        doc = load(rep.path)
        first, last = doc.original.find("（一）予以公开"), doc.original.find("四、结转下年度继续办理")
        assert 0 < first < last, rep.path
        cut += any(first < start <= last for start in doc.pages)
    print(f"\ntable 三 cut by a page break in {cut} of {len(SEEDS) * len(VERSIONS)} reports")
    assert cut >= 3, cut


@needs_chromium
def test_unruled_tables_give_no_wrong_value(rules_backend, printed):
    """The same tables printed with no cell border (no ruling for the reader to rebuild the grid from): the
    visual-line fallback reads few cells, and leaves the rest unread in review or, where part of a table was read,
    absent (coverage marks a table's cells unread only when none was read): not yet the property above, but what
    it does read must be the generator's value."""
    counts = {"exact": 0, "open": 0, "absent": 0}
    for rep in (r for r in printed if not r.style.rules):
        r = process(load(rep.path), rules_backend)
        for p, v in rep.gold.items():
            f = r.fields.get(p)
            if f is None or f.value is None:
                counts["absent" if f is None else "open"] += 1
            else:
                assert values_equal(f.value, v), (rep.version, rep.seed, rep.style, p, v, f.value, f.status)
                counts["exact"] += 1
    print(f"\nPDF synthetic, no cell borders: {counts}")
    assert counts["exact"] > 0, counts  # the fallback reads some rows (measured 259 of 1,137 cells)


def _glyphs(text: str, left: float, bottom: float, size: float = 10.0) -> list[Glyph]:
    out, x = [], left
    for ch in text:
        if ch != " ":
            out.append(Glyph(ch, x, bottom, x + size, bottom + size))
        x += size
    return out


def test_a_frame_round_lines_is_no_table_its_lines_stay_lines():
    """Table 二 printed with only its outer border (no cell rulings, as `<table border=1>` with unruled cells
    gives): one framed cell, whose lines must not be joined into one (`821512规范性文件`)."""
    glyphs = _glyphs("规章    0 0 821512", 10, 80) + _glyphs("规范性文件 0 4017 1237", 10, 60)
    frame = [Segment(5, 55, 300, 55), Segment(5, 95, 300, 95), Segment(5, 55, 5, 95), Segment(300, 55, 300, 95)]
    assert [ln.text for ln in page_lines(glyphs, frame)] == ["规章 0 0 821512", "规范性文件 0 4017 1237"]
    ruled = [*frame, Segment(5, 75, 300, 75), Segment(65, 55, 65, 95)]  # two rows, two columns: a table
    assert [ln.text for ln in page_lines(glyphs, ruled)] == ["规章 | 0 0 821512", "规范性文件 | 0 4017 1237"]
