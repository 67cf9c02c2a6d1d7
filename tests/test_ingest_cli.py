"""Bad input never stops a batch: each bad file gets one clear error line, the rest complete."""

import json
import os
import shutil

from typer.testing import CliRunner

from extractor.cli.app import app
from extractor.ingest.decode import decode
from extractor.ingest.html import html_to_text
from extractor.ingest.read import load

from .conftest import GOLD, N_BUNDLED

SEED = os.path.join(GOLD, "seed", "reports", "000_8dca62f7a151a3a2.txt")


def test_encodings(tmp_path):
    text = "2014年全区收到政府信息公开申请3件"
    for enc in ("utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"):
        p = tmp_path / f"r.{enc}.txt"
        p.write_bytes(text.encode(enc))
        assert load(str(p)).original == text, enc
    big5 = "南山區安監局受理政府信息公開申請0宗".encode("big5")
    assert decode(big5).text == "南山區安監局受理政府信息公開申請0宗"


def test_html_keeps_cells_apart_and_drops_scripts():
    html = ("<html><head><script>var x='主动公开9999条';</script><style>p{}</style></head><body>"
            "<div class='nav'>首页 | 政务公开</div><p>正文第一段</p>"
            "<table><tr><td>收到申请数</td><td>件</td><td>3</td></tr>"
            "<tr><td>行政复议数</td><td>件</td><td>&nbsp;</td></tr></table></body></html>")
    text = html_to_text(html)
    assert "9999" not in text and "首页" not in text
    assert "收到申请数 | 件 | 3" in text
    assert "正文第一段" in text


def test_batch_with_bad_files(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(SEED, d / "good.txt")
    (d / "empty.txt").write_bytes(b"")
    (d / "binary.txt").write_bytes(bytes(range(256)) * 64)
    (d / "gbk.txt").write_bytes(open(SEED, encoding="utf-8").read().encode("gb18030", errors="replace"))
    (d / "page.html").write_text("<html><body><script>alert(1)</script><p>柳北区政府2008年信息公开工作报告</p>"
                                 "<p>区政府没有发生针对有关政府信息公开事务的行政复议或诉讼案件。</p></body></html>",
                                 encoding="utf-8")
    big = d / "huge.txt"
    with open(big, "wb") as fh:
        fh.write(("政府信息公开" * 100 + "\n").encode("utf-8") * 12000)  # about 21 MB
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", str(d), "--out", str(out), "--no-progress"])
    assert res.exit_code == 1, res.output  # some failed, and the exit code says so
    errors = (out / "errors.txt").read_text(encoding="utf-8").splitlines()
    assert sorted(os.path.basename(e.split("\t")[0]) for e in errors) == ["binary.txt", "empty.txt", "huge.txt"]
    assert all("\t" in e and "\n" not in e for e in errors)
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(os.path.basename(r["path"]) for r in rows) == ["gbk.txt", "good.txt", "page.html"]
    by = {os.path.basename(r["path"]): r for r in rows}
    assert by["good.txt"]["fields"]["proactive"]["total"]["value"] == 19449
    assert by["gbk.txt"]["fields"]["proactive"]["total"]["value"] == 19449
    assert by["page.html"]["fields"]["appeals"]["reconsideration_total"]["value"] == 0
    csv_bytes = (out / "results.csv").read_bytes()
    assert csv_bytes.startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8
    assert "reports done: 3  skipped (done before): 0  failed: 3" in res.output


def test_unknown_backend_is_one_line_error(tmp_path):
    res = CliRunner().invoke(app, ["run", SEED, "--out", str(tmp_path), "--backend", "nope"])
    assert res.exit_code == 2
    assert "unknown backend" in res.output


def test_schema_command_and_strictness():
    res = CliRunner().invoke(app, ["schema"])
    assert res.exit_code == 0
    schema = json.loads(res.output)
    assert "fields" in schema["properties"]
    from pydantic import ValidationError

    from extractor.core.schema import report_model

    base = {"id": "x", "path": "p", "sha256": "s", "encoding": "utf-8", "backend": "rules", "extractor_version": "0"}
    report_model().model_validate(base)
    try:
        report_model().model_validate({**base, "fields": {"meta": {"titel": {}}}})
    except ValidationError:
        pass
    else:
        raise AssertionError("unknown key accepted")


def test_show_prints_evidence():
    res = CliRunner().invoke(app, ["show", SEED])
    assert res.exit_code == 0
    assert "proactive.total" in res.output and "19449" in res.output


def test_every_command_has_help_and_is_in_readme():
    readme = open(os.path.join(GOLD, "..", "README.md"), encoding="utf-8").read()
    for cmd in app.registered_commands:
        name = cmd.name or cmd.callback.__name__
        assert (cmd.callback.__doc__ or "").strip(), name
        assert f"extractor {name}" in readme, name
    for group in app.registered_groups:  # sub-commands: `extractor review list`, ...
        assert (group.typer_instance.registered_callback.callback.__doc__ or "").strip(), group.name
        assert f"extractor {group.name}" in readme, group.name
        for cmd in group.typer_instance.registered_commands:
            name = cmd.name or cmd.callback.__name__
            assert (cmd.callback.__doc__ or "").strip(), name
            assert f"extractor {group.name} {name}" in readme, name


def test_every_bundled_report_runs_and_validates(tmp_path):
    """The whole bundled set through `extractor run`: no report fails, and every record is schema-valid."""
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", os.path.join(GOLD, "seed", "reports"), os.path.join(GOLD, "dev", "reports"),
                                   "--out", str(out), "--no-progress"])
    assert res.exit_code == 0, res.output
    assert (out / "errors.txt").read_text(encoding="utf-8") == ""
    rows = (out / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(rows) == N_BUNDLED
    ambiguous = [json.loads(r)["fields"]["proactive"]["normative_documents"] for r in rows
                 if "008_" in json.loads(r)["path"]]
    assert ambiguous[0]["status"] == "ambiguous" and ambiguous[0]["value"] is None
