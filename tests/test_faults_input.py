"""Faults on the input side (issue 14): nothing that could be a report is skipped in silence.

Unreadable paths and files in formats the product cannot read are error lines; UTF-16 without a BOM and
a stray NUL byte are read; a file that does not read as a disclosure report is `doc_type = other`, its
other fields empty, and never a real report (bundled gold, synthetic corpus) is taken for one.
"""

from __future__ import annotations

import json
import os
import random

import pytest
from typer.testing import CliRunner

from extractor import ingest
from extractor.cli.app import app
from extractor.core.errors import IngestError
from extractor.evaluation import corpus
from extractor.ingest.decode import decode
from extractor.pipeline import process
from extractor.rules import meta
from extractor.rules.common import Context
from extractor.text.clean import clean

from .conftest import GOLD, bundled_reports

SEED = os.path.join(GOLD, "seed", "reports", "000_8dca62f7a151a3a2.txt")
REPORT = open(SEED, encoding="utf-8").read()

# A minimal but real report: a title line, the appeals topic, a zero statement.
SHORT = "柳北区政府2008年信息公开工作报告\n区政府没有发生针对有关政府信息公开事务的行政复议或诉讼案件。\n"


def _split(items):
    paths = [x for x in items if isinstance(x, str)]
    rejected = {os.path.basename(r.path): r.reason for r in items if isinstance(r, ingest.Rejected)}
    return [os.path.basename(p) for p in paths], rejected


def _run(tmp_path, *inputs):
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", *map(str, inputs), "--out", str(out), "--no-progress",
                                   "--db", str(tmp_path / "run.db"), "--backend", "rules", "--workers", "1"])
    errors = dict(line.split("\t", 1) for line in (out / "errors.txt").read_text(encoding="utf-8").splitlines())
    rows = [json.loads(x) for x in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    return res, {os.path.basename(k): v for k, v in errors.items()}, {os.path.basename(r["path"]): r for r in rows}


# 1. unreadable paths --------------------------------------------------------------------------------------

def test_an_unreadable_subdirectory_is_an_error_line(tmp_path, monkeypatch):
    d = tmp_path / "in"
    (d / "locked").mkdir(parents=True)
    (d / "good.txt").write_text(REPORT, encoding="utf-8")
    (d / "locked" / "hidden_report.txt").write_text(REPORT, encoding="utf-8")
    real = os.scandir

    def scandir(path="."):  # what a directory without read permission does (root ignores chmod)
        if os.path.basename(os.fspath(path)) == "locked":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    paths, rejected = _split(list(ingest.enumerate_inputs([str(d)])))
    assert paths == ["good.txt"]
    assert rejected == {"locked": "cannot read directory: Permission denied"}

    res, errors, rows = _run(tmp_path, d)
    assert res.exit_code == 1, res.output
    assert errors == {"locked": "cannot read directory: Permission denied"}
    assert list(rows) == ["good.txt"]
    assert "locked: cannot read directory" in res.output


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any directory")
def test_a_directory_without_read_permission_is_an_error_line(tmp_path):
    d = tmp_path / "in"
    (d / "locked").mkdir(parents=True)
    (d / "locked" / "r.txt").write_text(REPORT, encoding="utf-8")
    os.chmod(d / "locked", 0)
    try:
        _, rejected = _split(list(ingest.enumerate_inputs([str(d)])))
    finally:
        os.chmod(d / "locked", 0o755)
    assert rejected == {"locked": "cannot read directory: Permission denied"}


def test_an_unreadable_top_directory_and_a_missing_path_are_error_lines(tmp_path, monkeypatch):
    d = tmp_path / "top"
    d.mkdir()
    real = os.scandir
    monkeypatch.setattr(os, "scandir", lambda p=".": (_ for _ in ()).throw(PermissionError(13, "Permission denied"))
                        if os.fspath(p) == str(d) else real(p))
    _, rejected = _split(list(ingest.enumerate_inputs([str(d), str(tmp_path / "nope.txt"),
                                                       str(tmp_path / "no-match-*.txt")])))
    assert rejected == {"top": "cannot read directory: Permission denied", "nope.txt": "no such file or directory",
                        "no-match-*.txt": "no file matches the pattern"}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_special_files_and_broken_links_are_error_lines_not_hangs(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "good.txt").write_text(REPORT, encoding="utf-8")
    os.mkfifo(d / "pipe.txt")  # reading it would block the run for ever
    os.symlink(d / "gone.txt", d / "dangling.txt")
    paths, rejected = _split(list(ingest.enumerate_inputs([str(d)])))
    assert paths == ["good.txt"]
    assert rejected == {"pipe.txt": "not a regular file", "dangling.txt": "no such file or directory (broken link)"}


def test_a_linked_directory_is_followed_once_and_a_link_loop_ends(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "r.txt").write_text(REPORT, encoding="utf-8")
    d = tmp_path / "in"
    d.mkdir()
    os.symlink(real, d / "linked")
    os.symlink(d, d / "loop")  # a link back up the tree
    paths, rejected = _split(list(ingest.enumerate_inputs([str(d)])))
    assert paths == ["r.txt"] and rejected == {}


# 2. formats --------------------------------------------------------------------------------------------------

def test_files_in_unsupported_formats_are_error_lines_and_notes_are_not_reports(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "good.txt").write_text(REPORT, encoding="utf-8")
    (d / "page.shtml").write_text(f"<html><body><p>{SHORT}</p></body></html>", encoding="utf-8")
    for name in ("report.pdf", "report.doc", "report.docx", "stats.xlsx", "scan.png", "bundle.zip", "export.csv",
                 "page.mht", "README"):
        (d / name).write_bytes(b"%PDF-1.4 \x00\x01\x02" if name.endswith(".pdf") else b"PK\x03\x04\x00\x00")
    # what a crawler or a labeller leaves beside the reports: read knowingly as not reports
    (d / "LABEL_NOTES.md").write_text("# 标注说明\n主动公开政府信息19449条\n", encoding="utf-8")
    (d / "meta.json").write_text('{"title": "x"}', encoding="utf-8")
    (d / "links.tsv").write_text("url\ttext\n", encoding="utf-8")
    (d / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (d / ".git").mkdir()
    (d / ".git" / "HEAD.txt").write_text(REPORT, encoding="utf-8")

    paths, rejected = _split(list(ingest.enumerate_inputs([str(d)])))
    # PDF, Word and images have readers: taken, and these broken ones fail with their reader's line
    assert paths == ["good.txt", "page.shtml", "report.doc", "report.docx", "report.pdf", "scan.png"]
    assert rejected == {"README": "unsupported format (no suffix)", "bundle.zip": "unsupported format (.zip)",
                        "export.csv": "unsupported format (.csv)", "page.mht": "unsupported format (.mht)",
                        "stats.xlsx": "unsupported format (.xlsx)"}

    res, errors, rows = _run(tmp_path, d)
    assert res.exit_code == 1
    assert {k: v for k, v in errors.items() if k in rejected} == rejected
    assert "libreoffice --headless --convert-to docx" in errors["report.doc"]
    assert errors["report.docx"].startswith("not a readable .docx")
    assert errors["report.pdf"].startswith("not a readable PDF")
    assert errors["scan.png"].startswith(("not a readable image", "OCR needs the ocr extra"))
    assert all("\n" not in v for v in errors.values())  # one line each
    assert sorted(rows) == ["good.txt", "page.shtml"]  # the .md note yields no values any more
    assert "reports done: 2  skipped (done before): 0  failed: 9" in res.output


def test_a_file_named_on_the_command_line_is_read_when_it_is_text(tmp_path):
    (tmp_path / "report.dat").write_text(REPORT, encoding="utf-8")
    (tmp_path / "scan.PDF").write_bytes(b"%PDF-1.4\n\x00\xff\xfe binary")
    (tmp_path / "garbage.bin").write_bytes(bytes(range(256)) * 8)
    items = list(ingest.enumerate_inputs([str(tmp_path / "report.dat"), str(tmp_path / "scan.PDF"),
                                          str(tmp_path / "garbage.bin")]))
    paths, rejected = _split(items)
    assert paths == ["report.dat", "scan.PDF", "garbage.bin"]  # named: read if it decodes as text, or has a reader
    assert rejected == {}
    assert ingest.load(str(tmp_path / "report.dat")).original == REPORT
    with pytest.raises(IngestError, match="not a readable PDF"):
        ingest.load(str(tmp_path / "scan.PDF"))
    with pytest.raises(IngestError, match="binary"):
        ingest.load(str(tmp_path / "garbage.bin"))


def test_a_glob_that_matches_directories_walks_them(tmp_path):
    for y in ("2019", "2020"):
        (tmp_path / y).mkdir()
        (tmp_path / y / f"r{y}.txt").write_text(REPORT + y, encoding="utf-8")
        (tmp_path / y / f"r{y}.xlsx").write_bytes(b"PK")
    paths, rejected = _split(list(ingest.enumerate_inputs([str(tmp_path / "20*")])))
    assert paths == ["r2019.txt", "r2020.txt"]
    assert rejected == {"r2019.xlsx": "unsupported format (.xlsx)", "r2020.xlsx": "unsupported format (.xlsx)"}


def test_the_run_commands_take_rejected_paths_as_failures(tmp_path):
    """bulk._ids turns a Rejected into a failed outcome (both the rules and the model path go through it)."""
    from extractor.bulk import _ids

    items = [SEED, ingest.Rejected("x/report.xlsx", "unsupported format (.xlsx)")]
    outs = list(_ids(items, lambda _rid: False))
    assert [(o.path, o.error) for o in outs] == [(SEED, None), ("x/report.xlsx", "unsupported format (.xlsx)")]
    assert outs[0].report_id is not None


# 3. decoding -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("enc", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_read(tmp_path, enc):
    p = tmp_path / "r.txt"
    p.write_bytes(REPORT.encode(enc))
    doc = ingest.load(str(p))
    assert doc.original == REPORT and doc.encoding == enc
    # no ASCII at all (no NUL byte to go by): the genre words still tell UTF-16 from GB18030
    pure = "某县政府信息公开工作年度报告主动公开政府信息三十条收到申请两件"
    assert decode(pure.encode(enc)).text == pure


def test_a_stray_nul_byte_is_dropped_and_noted(tmp_path, rules_backend):
    p = tmp_path / "r.txt"
    raw = REPORT.encode("utf-8")
    cut = len(raw) // 2 + 1  # anywhere, even inside a character: the bytes around it are the report's
    p.write_bytes(raw[:cut] + b"\x00" + raw[cut:] + b"\x00\x00")
    doc = ingest.load(str(p))
    assert doc.original == REPORT and doc.encoding == "utf-8"
    assert doc.notes == ("3 NUL bytes dropped (not text)",)
    result = process(doc, rules_backend)
    assert result.value("proactive.total") == 19449
    assert result.record()["notes"][0] == "3 NUL bytes dropped (not text)"
    gb = tmp_path / "gb.txt"
    gb.write_bytes(b"\x00" + REPORT.encode("gb18030"))
    doc = ingest.load(str(gb))
    assert doc.original == REPORT and doc.encoding == "gb18030" and doc.notes == ("1 NUL byte dropped (not text)",)


def test_nul_bytes_alone_or_in_binary_are_still_refused(tmp_path):
    (tmp_path / "zeros.txt").write_bytes(b"\x00" * 4096)
    with pytest.raises(IngestError, match="no text"):
        ingest.load(str(tmp_path / "zeros.txt"))
    (tmp_path / "bin.txt").write_bytes(bytes(range(256)) * 64)
    with pytest.raises(IngestError, match="binary"):
        ingest.load(str(tmp_path / "bin.txt"))


# 4. not a report -----------------------------------------------------------------------------------------------

NON_REPORTS = {
    "404.html": """<html><head><title>404 页面不存在</title></head><body><div class="nav">首页 | 政务公开 |
        政府信息公开 | 政府信息公开年报</div><p>抱歉，您访问的页面不存在或已被删除。</p><p>5秒后自动返回首页</p>
        <div class="footer">主办单位：某市人民政府办公室</div></body></html>""",
    # the crawler took the title from the listing page; the page itself was an error
    "404_crawled.txt": "标题: 某县2019年度政府信息公开工作年度报告\n发布时间: 2020-01-20 15:22\n栏目: 政府信息公开年报\n"
                       "==================== 正文 ====================\n404 Not Found\nnginx\n",
    "news.txt": "我市召开2023年度政务公开工作推进会\n发布时间：2023-04-12  来源：市政府办公室\n"
                "4月11日，我市召开政务公开工作推进会，总结2022年全市政务公开工作，部署今年重点任务。会议指出，各部门"
                "认真贯彻落实《中华人民共和国政府信息公开条例》，依申请公开办理质效不断提升。会议要求，要做好2023年"
                "政府信息公开工作年度报告编制发布工作，切实减少因政府信息公开引发的行政复议和行政诉讼。\n",
    "listing.txt": "政府信息公开年报\n某县2021年度政府信息公开工作年度报告 2022-02-08\n"
                   "某县2020年度政府信息公开工作年度报告 2021-01-29\n某县2019年度政府信息公开工作年度报告 2020-01-20\n"
                   "共3条 第1页 首页 上一页 下一页 尾页\n",
    "notice.txt": "关于做好2023年政府信息公开工作年度报告编制发布工作的通知\n各县（区）人民政府，市政府各部门：\n"
                  "根据《中华人民共和国政府信息公开条例》规定，现就有关事项通知如下：\n一、严格执行格式要求。年度报告"
                  "内容包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议、行政诉讼"
                  "情况、存在的主要问题及改进情况。\n二、按时发布。各单位应于2024年1月31日前发布年度报告。\n"
                  "三、加强审核。涉及收费的要如实填报。\n市政府办公室\n2024年1月5日\n",
    "numbers.txt": "\n".join(" ".join(str(random.Random(i * 8 + j).randint(0, 99999)) for j in range(8))
                               for i in range(200)) + "\n",
    "english.txt": "Annual report of the harbour authority, 2019.\nRevenue 1,234 million; staff 56.\n",
}


def _doc_type(text: str, suffix: str = ".txt", tmp_path=None):
    if suffix == ".txt":
        doc = ingest.from_text(text)
    else:
        p = tmp_path / f"x{suffix}"
        p.write_text(text, encoding="utf-8")
        doc = ingest.load(str(p))
    return [c for c in meta.extract(Context(clean(doc.original))).candidates if c.path == "meta.doc_type"][0]


@pytest.mark.parametrize("name", sorted(NON_REPORTS))
def test_a_non_report_is_doc_type_other_with_its_fields_empty(tmp_path, rules_backend, name):
    p = tmp_path / name
    p.write_text(NON_REPORTS[name], encoding="utf-8")
    result = process(ingest.load(str(p)), rules_backend)
    rec = result.record()
    assert list(result.catalogued()) == ["meta.doc_type"]
    dt = rec["fields"]["meta"]["doc_type"]
    assert dt["value"] == "other" and "not_a_report" in dt["reasons"]
    assert result.review_items() == [result.fields["meta.doc_type"]]  # a person confirms: a misfire loses a report
    assert all(v.get("value") is None for k, g in rec["fields"].items() for f, v in g.items()
               if (k, f) != ("meta", "doc_type") and isinstance(v, dict) and "value" in v)


def test_non_reports_in_a_run(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "good.txt").write_text(REPORT, encoding="utf-8")
    for name in ("404.html", "news.txt", "numbers.txt"):
        (d / name).write_text(NON_REPORTS[name], encoding="utf-8")
    res, errors, rows = _run(tmp_path, d)
    assert res.exit_code == 0 and errors == {}
    kinds = {k: r["fields"]["meta"]["doc_type"]["value"] for k, r in rows.items()}
    assert kinds == {"good.txt": "annual_report", "404.html": "other", "news.txt": "other", "numbers.txt": "other"}
    assert rows["good.txt"]["fields"]["proactive"]["total"]["value"] == 19449
    assert "not a report: 3" in res.output  # counted in the run's summary


def test_every_bundled_and_synthetic_report_reads_as_a_report(tmp_path):
    texts = {os.path.basename(p): (open(p, encoding="utf-8").read(), ".txt") for p in bundled_reports()}
    for fmt in corpus.FORMATS:
        layouts = corpus.LAYOUTS if fmt.startswith("standard") else ("-",)
        for k, lay in enumerate(layouts):
            for i in range(4):
                s = corpus.report(100 * k + i, seed=7, fmt=fmt, layout=None if lay == "-" else lay)
                texts[s.name + lay] = (s.text, s.suffix)
    texts["short"] = (SHORT, ".txt")
    texts["short_html"] = (f"<html><body><p>{SHORT}</p></body></html>", ".html")
    texts["traditional"] = (corpus.to_traditional(SHORT), ".txt")
    texts["summary"] = ("某局2012年政府信息公开工作总结\n本年度主动公开信息二十条，未收到政府信息公开申请。\n", ".txt")
    wrong = {k: c.note for k, (t, suffix) in texts.items() if (c := _doc_type(t, suffix, tmp_path)).value == "other"}
    assert wrong == {}
    assert len(texts) > 60


def test_two_files_with_one_content_are_both_kept_under_their_own_paths(tmp_path):
    import sqlite3

    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_text(REPORT, encoding="utf-8")
    (d / "b.txt").write_text(REPORT, encoding="utf-8")
    for _ in range(2):  # the first run, then the re-run that skips both
        res, errors, rows = _run(tmp_path, d)
        assert res.exit_code == 0 and errors == {}, res.output
        assert sorted(rows) == ["a.txt", "b.txt"] and len({r["id"] for r in rows.values()}) == 1
    assert "skipped (done before): 2" in res.output
    con = sqlite3.connect(tmp_path / "run.db")
    paths = sorted(os.path.basename(p) for (p,) in con.execute("SELECT path FROM report_paths"))
    assert paths == ["a.txt", "b.txt"]
