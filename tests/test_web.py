"""`extractor serve`: every page over a run database made by running the rules on the bundled reports (and one
report carrying an XSS payload), filters, decisions committed and exported, two reviewers on one item, and the
guards: token off loopback, Host check, CSRF, escaping, no URL reaching the filesystem."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import threading

import pytest

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from extractor.cli.app import app  # noqa: E402
from extractor.review.queue import Queue, Stale, seen  # noqa: E402
from extractor.store.db import connect  # noqa: E402
from extractor.web.app import create_app  # noqa: E402

from .conftest import GOLD, N_BUNDLED, report_files  # noqa: E402

BASE = "http://127.0.0.1:8080"
PAYLOAD = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
XSS_NAME = "xss_<b onmouseover=alert(1)>.txt"
REPORT = "001_ada6bcccffd3deee"  # a seed report whose queue items all carry a value (test_review walks it too)


def xss_report(directory: str) -> str:
    """A bundled report with script and an onerror attribute in its text and its file name."""
    with open(os.path.join(GOLD, "dev", "reports", "149_tongling_jiaoqu_township_2017_unnamed.txt"),
              encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    lines.insert(1, PAYLOAD)
    path = os.path.join(directory, XSS_NAME)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
    return path


def make_run(tmp: str) -> str:
    """The rules over copies of the bundled reports plus the XSS report, into tmp/run.db."""
    reports = os.path.join(tmp, "reports")
    os.makedirs(reports)
    for p in report_files("seed", "dev"):
        shutil.copy(p, reports)
    xss_report(reports)
    db = os.path.join(tmp, "run.db")
    res = CliRunner().invoke(app, ["run", reports, "--out", os.path.join(tmp, "out"), "--db", db, "--no-progress",
                                   "--workers", "1", "--backend", "rules"])
    assert res.exit_code == 0, res.output
    return db


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> str:
    return make_run(str(tmp_path_factory.mktemp("web")))


@pytest.fixture()
def db(built: str, tmp_path) -> str:
    """A fresh copy of the module's run database for each test (decisions do not leak between tests)."""
    path = str(tmp_path / "run.db")
    src = connect(built)
    dst = connect(path)
    src.backup(dst)
    src.close()
    dst.close()
    return path


def client(db: str, **kw) -> TestClient:
    return TestClient(create_app(db, **kw), base_url=BASE)


def csrf(c: TestClient, url: str = "/") -> str:
    html = c.get(url).text
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, html[:500]
    return m.group(1)


def named(c: TestClient, who: str) -> TestClient:
    r = c.post("/reviewer", data={"csrf": csrf(c), "reviewer": who, "back": "/"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    return c


def expect_of(html: str) -> str:
    m = re.search(r'name="expect" value="(\d+)"', html)
    assert m, "no decision form on the page"
    return m.group(1)


def decide(c: TestClient, item_id: int, action: str, value: str = "", expect: str | None = None):
    page = c.get(f"/item/{item_id}").text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    nxt = re.search(r'name="next" value="(\d*)"', page)
    data = {"csrf": token, "action": action, "value": value, "expect": expect if expect is not None else expect_of(page),
            "next": nxt.group(1) if nxt else ""}
    return c.post(f"/item/{item_id}/decide", data=data, follow_redirects=False)


def exported(db: str, tmp_path) -> dict[str, dict]:
    out = tmp_path / "export.jsonl"
    res = CliRunner().invoke(app, ["export", str(out), "--db", db])
    assert res.exit_code == 0, res.output
    return {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}


def items(db: str, **kw):
    return Queue(connect(db)).items(**kw)


# pages --------------------------------------------------------------------------------------------------------

def test_every_page_renders(db):
    c = client(db)
    every = items(db, states=("open", "reopened", "decided", "closed"))
    queue = c.get("/")
    assert queue.status_code == 200 and queue.headers["content-type"].startswith("text/html")
    assert len(re.findall(r'<tr data-href="/item/\d+', queue.text)) == len(items(db))
    for it in every[:40]:
        page = c.get(f"/item/{it.id}")
        assert page.status_code == 200, it
        assert it.path in page.text and 'name="expect"' not in page.text  # no reviewer yet: the name is asked
    reports = {it.report_id for it in every}
    for rid in reports:
        assert c.get(f"/report/{rid}").status_code == 200
    ds = c.get("/dataset")
    assert ds.status_code == 200 and ds.text.count('<a href="/report/') == N_BUNDLED + 1
    assert ds.text.count("<svg") == 4
    ev = c.get("/eval")
    assert ev.status_code == 200 and "No eval saved" in ev.text
    assert c.get("/item/999999").status_code == 404
    assert c.get("/report/0123456789abcdef").status_code == 404


def source_marks(html: str) -> tuple[str, dict[str, int], list[tuple[int, int, str]]]:
    """The source pane of a page read back: its text, where each anchor is, and the marked intervals with their
    class."""
    from html import unescape

    pre = re.search(r'<pre class="source" id="source">(.*?)</pre>', html, re.S).group(1)
    text, anchors, marks = "", {}, []
    for anchor, kind, marked, plain in re.findall(r'<span id="([^"]+)"></span>|<mark class="(\w+)" title="[^"]*">'
                                                  r'([^<]*)</mark>|([^<]+)', pre):
        if anchor:
            anchors[anchor] = len(text)
        elif kind:
            piece = unescape(marked)
            marks.append((len(text), len(text) + len(piece), kind))
            text += piece
        else:
            text += unescape(plain)
    return text, anchors, marks


def test_item_page_lights_up_every_piece_of_evidence(db):
    """Each stored context span (the evidence, the other side of a conflict, every reading of an ambiguous cell) is
    marked over the very text of the source at that span, with an anchor at its start."""
    c = client(db)
    checked = multi = 0
    with_context = [it for it in items(db, states=("open", "reopened", "decided", "closed")) if it.context]
    # every item with several pieces of evidence, and a third of the others (each page re-reads its report)
    for n, it in enumerate(with_context):
        if len(it.context) == 1 and n % 3:
            continue
        text, anchors, marks = source_marks(c.get(f"/item/{it.id}").text)
        covered = {x for a, b, _ in marks for x in range(a, b)}
        for i, ctx in enumerate(it.context):
            s, e = ctx["span"]
            assert text[s:e] == ctx["text"] and anchors[f"ev-{i}"] == s, (it.id, i)
            assert set(range(s, e)) <= covered, (it.id, i)
            first = next(k for a, b, k in marks if a == s)
            assert first == "evidence" if ctx["label"] == "evidence" else first in ("evidence", "other")
        checked += 1
        multi += len(it.context) > 1
    assert checked > 20 and multi > 0  # the bundled queue has conflicts and readings: more than one span lit


def test_reasons_in_words_and_html_source(db):
    from extractor.core.result import REASONS

    c = client(db)
    it = next(i for i in items(db) if i.reasons and i.reasons[0] in REASONS)
    html = c.get(f"/item/{it.id}").text
    assert REASONS[it.reasons[0]].replace("'", "&#39;").split("(")[0][:30] in html.replace("&#34;", '"')
    page = next(i for i in items(db, states=("open", "reopened", "decided", "closed")) if i.report_path.endswith(".html"))
    html = c.get(f"/item/{page.id}").text
    assert "html: the text the run read" in html and " | " in html  # the rendered table text, cells between |


def test_filters(db):
    c = client(db)
    every = items(db)
    field = every[0].path
    got = c.get("/", params={"field": field}).text
    assert set(re.findall(r"<td>([a-z_]+\.[a-z_.0-9]+)</td>", got)) == {field}
    reason = next(r for it in every for r in it.reasons)
    rows = re.findall(r'<tr data-href="/item/(\d+)', c.get("/", params={"reason": reason}).text)
    assert rows and {int(x) for x in rows} == {it.id for it in items(db, reason=reason)}
    rows = re.findall(r'<tr data-href="/item/(\d+)', c.get("/", params={"report": REPORT}).text)
    assert {int(x) for x in rows} == {it.id for it in items(db, report=REPORT)}
    assert "unknown state" in c.get("/", params={"state": "bogus"}).text
    named(c, "carol")
    target = items(db, report=REPORT)[0]
    assert decide(c, target.id, "accept").status_code == 303
    rows = re.findall(r'<tr data-href="/item/(\d+)', c.get("/", params={"state": "decided", "reviewer": "carol"}).text)
    assert rows == [str(target.id)]
    assert re.findall(r'<tr data-href', c.get("/", params={"state": "decided", "reviewer": "nobody"}).text) == []
    # the dataset: a year, a body name part, and a sort
    ds = c.get("/dataset", params={"year": "2019"}).text
    years = re.findall(r'<td><a href="/report/[0-9a-f]+">[^<]*</a></td>\s*<td>([^<]*)</td>', ds)
    assert years and set(years) == {"2019"}
    body = c.get("/dataset", params={"body": "建新镇"}).text
    assert body.count('<a href="/report/') == 1
    asc = re.findall(r'<td><a href="/report/[0-9a-f]+">[^<]*</a></td>\s*<td>(\d*)</td>', c.get("/dataset?sort=year").text)
    desc = re.findall(r'<td><a href="/report/[0-9a-f]+">[^<]*</a></td>\s*<td>(\d*)</td>', c.get("/dataset?sort=-year").text)
    known = [y for y in asc if y]
    assert known == sorted(known) and [y for y in desc if y] == sorted(known, reverse=True)


# decisions ----------------------------------------------------------------------------------------------------

def test_a_decision_is_committed_at_once_and_exported(db, tmp_path):
    c = named(client(db), "alice")
    first, second, third = items(db, report=REPORT)[:3]
    assert decide(c, first.id, "accept").status_code == 303
    r = decide(c, second.id, "value", "4242" if second.value is None or isinstance(second.value, int) else "x")
    if r.status_code != 303:  # not a number field: a value of its own kind
        from tests.test_review import _typed

        r = decide(c, second.id, "value", _typed(second.path)[0])
    assert r.status_code == 303
    assert decide(c, third.id, "null").status_code == 303
    rows = exported(db, tmp_path)
    row = next(r for r in rows.values() if r["id"] == first.report_id)
    assert set(row["decided"]) >= {first.path, second.path, third.path}
    assert row["decided"][first.path]["reviewer"] == "alice" and row["values"][third.path] is None
    assert row["values"][first.path] == first.value
    # the page shows it, and the CSV download is the same export with the decision applied
    assert "decided: <b>" in c.get(f"/item/{first.id}").text
    got = list(csv.DictReader(io.StringIO(c.get("/dataset.csv").content.decode("utf-8-sig"))))
    mine = next(r for r in got if r["id"] == first.report_id)
    assert first.path in mine["decided_fields"] and mine[third.path] == ""
    pq = pytest.importorskip("pyarrow.parquet")
    table = pq.read_table(io.BytesIO(c.get("/dataset.parquet").content))
    assert table.num_rows == len(rows) == N_BUNDLED + 1
    # a bad value is refused with the review's words, nothing saved
    n = Queue(connect(db)).rows.decision_count()
    count_field = next((i for i in items(db) if i.path.startswith("requests.")), None)
    if count_field is not None:
        bad = decide(c, count_field.id, "value", "-5")
        assert bad.status_code == 400 and "not saved" in bad.text
        assert Queue(connect(db)).rows.decision_count() == n


def test_the_second_reviewer_is_told_and_nothing_is_overwritten(db, tmp_path):
    a, b = named(client(db), "alice"), named(client(db), "bob")
    it = items(db, report=REPORT)[0]
    seen_a, seen_b = expect_of(a.get(f"/item/{it.id}").text), expect_of(b.get(f"/item/{it.id}").text)
    assert seen_a == seen_b == "0"
    assert decide(a, it.id, "null", expect=seen_a).status_code == 303
    late = decide(b, it.id, "accept", expect=seen_b)
    assert late.status_code == 409
    assert "decided meanwhile by alice" in late.text and "not saved" in late.text
    rows = exported(db, tmp_path)
    assert rows[it.report_id]["decided"][it.path]["reviewer"] == "alice"
    assert rows[it.report_id]["values"][it.path] is None
    # bob now sees alice's decision; deciding again on what he saw is his to make
    again = decide(b, it.id, "accept", expect=expect_of(late.text))
    assert again.status_code == 303
    assert exported(db, tmp_path)[it.report_id]["decided"][it.path]["reviewer"] == "bob"


def test_two_deciders_racing_one_wins_the_other_is_told(db):
    it = items(db, report=REPORT)[1]
    stamp = seen(it)
    barrier, results = threading.Barrier(2), {}

    def go(who: str) -> None:
        q = Queue(connect(db))
        barrier.wait()
        try:
            q.decide(it.id, "accept", reviewer=who, expect=stamp)
            results[who] = "won"
        except Stale as exc:
            results[who] = str(exc)

    threads = [threading.Thread(target=go, args=(w,)) for w in ("r1", "r2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(v == "won" for v in results.values()) == [False, True], results
    loser = next(v for v in results.values() if v != "won")
    assert "decided meanwhile" in loser
    assert Queue(connect(db)).rows.decision_count() == 1


# guards -------------------------------------------------------------------------------------------------------

def test_off_loopback_every_request_needs_the_token(db):
    with pytest.raises(ValueError):
        create_app(db, host="0.0.0.0")
    c = client(db, host="0.0.0.0", token="s3cret-token")
    for url in ("/", "/dataset", "/dataset.csv", "/item/1", "/static/style.css", "/eval"):
        assert c.get(url).status_code == 401, url
    assert c.post("/reviewer", data={"reviewer": "x"}).status_code == 401
    assert c.get("/", params={"token": "wrong"}).status_code == 401
    assert c.get("/", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    login = c.get("/?state=all&token=s3cret-token", follow_redirects=False)
    assert login.status_code == 303 and "token" not in login.headers["location"]
    assert c.get("/").status_code == 200  # the cookie the login set


def test_serve_off_loopback_makes_and_prints_a_token(db, monkeypatch):
    import uvicorn

    seen_app = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen_app.update(app=app, **kw))
    res = CliRunner().invoke(app, ["serve", "--db", db, "--host", "0.0.0.0", "--port", "8099"])
    assert res.exit_code == 0, res.output
    token = re.search(r"\?token=(\S+)", res.output).group(1)
    assert seen_app["host"] == "0.0.0.0" and seen_app["port"] == 8099
    c = TestClient(seen_app["app"], base_url=BASE)
    assert c.get("/").status_code == 401
    assert c.get("/", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    res = CliRunner().invoke(app, ["serve", "--db", db])  # loopback: no token
    assert res.exit_code == 0 and "token" not in res.output and seen_app["host"] == "127.0.0.1"


def test_without_the_extra_one_line_names_it(db, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "uvicorn", None)
    res = CliRunner().invoke(app, ["serve", "--db", db])
    assert res.exit_code == 2
    assert "pip install 'extractor[web]'" in res.output and "Traceback" not in res.output


def test_a_rebound_host_name_is_refused(db):
    c = client(db)
    assert c.get("/", headers={"Host": "evil.example:8080"}).status_code == 400
    assert c.get("/", headers={"Host": "localhost:8080"}).status_code == 200


def test_state_changing_requests_need_the_csrf_token(db):
    c = named(client(db), "alice")
    it = items(db, report=REPORT)[0]
    page = c.get(f"/item/{it.id}").text
    base = {"action": "accept", "expect": expect_of(page)}
    for form in (base, {**base, "csrf": "forged"}):
        r = c.post(f"/item/{it.id}/decide", data=form, follow_redirects=False)
        assert r.status_code == 403 and "CSRF" in r.text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    other_site = c.post(f"/item/{it.id}/decide", data={**base, "csrf": token}, headers={"Origin": "http://evil.example"})
    assert other_site.status_code == 403
    assert c.post("/reviewer", data={"reviewer": "mallory"}).status_code == 403
    assert c.get(f"/item/{it.id}/decide").status_code == 405  # a GET never decides
    assert Queue(connect(db)).rows.decision_count() == 0
    # a redirect target from a form stays on this server
    r = c.post("/reviewer", data={"csrf": token, "reviewer": "a", "back": "//evil.example/x"}, follow_redirects=False)
    assert r.headers["location"] == "/"


def test_report_text_is_escaped_everywhere(db):
    c = client(db)
    it = next(i for i in items(db, states=("open", "reopened", "decided", "closed")) if "xss_" in i.report_path)
    pages = [c.get("/"), c.get(f"/item/{it.id}"), c.get(f"/report/{it.report_id}"), c.get("/dataset")]
    for page in pages:
        assert page.status_code == 200
        html = page.text
        assert "<script>window" not in html and "<img" not in html and "<b onmouseover" not in html
        assert "window.__xss" not in re.sub(r"&lt;script&gt;window\.__xss=1&lt;/script&gt;|onerror=&#34;window\.__xss=2&#34;",
                                            "", html)
        assert "default-src 'none'" in page.headers["content-security-policy"]  # inline script would not run anyway
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in pages[1].text
    assert "xss_&lt;b onmouseover=alert(1)&gt;.txt" in pages[3].text


def test_no_url_reaches_the_filesystem(db, tmp_path):
    c = client(db)
    for url in ("/static/../../pyproject.toml", "/static/%2e%2e%2fpyproject.toml", "/static/..%2F..%2Fapp.py",
                "/static/app.py", "/report/..%2F..%2Fetc%2Fpasswd", "/report/../../etc/passwd", "/item/..%2F1",
                "/dataset.json", "/dataset.%2e%2e"):
        r = c.get(url)
        assert r.status_code == 404, url
        assert "[project]" not in r.text and "root:" not in r.text
    ev = c.get("/eval", params={"name": "../../eval/baseline.json"})  # names only from the run database
    assert ev.status_code == 200 and "<svg" not in ev.text and "No eval saved" in ev.text
    assert c.get("/", params={"report": "../../etc/passwd"}).status_code == 200
    # the source comes from the path the run database stores: a changed file is not shown with stale spans
    it = items(db, report=REPORT)[0]
    with open(it.report_path, "a", encoding="utf-8") as fh:
        fh.write("\n追加")
    try:
        page = c.get(f"/item/{it.id}").text
        assert "has changed since the run" in page and "<mark class=" in page  # the stored snippets stand in
    finally:
        with open(it.report_path, "rb+") as fh:
            fh.truncate(os.path.getsize(it.report_path) - len("\n追加".encode()))


def test_the_eval_page_draws_saved_runs(db):
    res = CliRunner().invoke(app, ["eval", "--gold", os.path.join(GOLD, "seed"), "--save", "seed", "--db", db])
    assert res.exit_code == 0, res.output
    html = client(db).get("/eval").text
    assert "accuracy per format" in html and "calibration" in html and "accuracy per field" in html
    assert html.count("<svg") == 3 and html.count("<circle") >= 1  # the reliability curve's points
    assert "<polyline" in html
    ev = client(db).get("/eval", params={"name": "baseline"})  # a name not saved: never the file of that name
    assert "no eval saved under that name" in ev.text and "<svg" not in ev.text


def test_an_ambiguous_null_has_nothing_to_accept(db):
    c = named(client(db), "alice")
    it = next(i for i in items(db) if i.ambiguous)
    html = c.get(f"/item/{it.id}").text
    assert 'id="do-accept"' not in html and "there is no value to accept" in html
    for v in it.readings():
        assert str(v) in html
    r = decide(c, it.id, "accept")
    assert r.status_code == 400 and "is ambiguous" in r.text
    assert Queue(connect(db)).rows.decision_count() == 0
    ok = decide(c, it.id, "value", str(it.readings()[0]))
    assert ok.status_code == 303 and f"prev={it.id}" in ok.headers["location"]


def test_the_dataset_page_follows_new_decisions(db):
    """The dataset's rows are kept between requests and rebuilt when a decision (or a result) is written."""
    c = named(client(db), "alice")
    it = items(db, report=REPORT)[0]

    def decided_count() -> int:
        html = c.get("/dataset").text
        row = re.search(rf'<a href="/report/{it.report_id}">.*?</tr>', html, re.S).group(0)
        return int(re.findall(r"<td>(\d+)</td>", row)[-1])

    before = decided_count()
    assert decided_count() == before  # served from the kept rows
    assert decide(c, it.id, "null").status_code == 303
    assert decided_count() == before + 1


def test_the_terminal_review_is_told_too(db):
    """`extractor review` passes the decision it showed: one made meanwhile (in the browser) is not overwritten."""
    from rich.console import Console

    from extractor.review.tui import interactive

    it = items(db, report=REPORT)[0]
    answers = iter(["a", "q"])

    def ask(prompt: str) -> str:
        if prompt.startswith("decision") and it.id not in done:
            done.add(it.id)
            Queue(connect(db)).decide(it.id, "null", reviewer="browser", expect=0)  # the browser, meanwhile
        return next(answers)

    done: set[int] = set()
    con = Console(record=True, width=200)
    made = interactive(Queue(connect(db)), {"report": REPORT}, "terminal", con, ask=ask)
    text = con.export_text()
    assert "not saved" in text and "decided meanwhile by browser" in text
    assert made["accept"] == 0
    (d,) = [d for (rid, path), d in Queue(connect(db)).decisions().items() if path == it.path and rid == it.report_id]
    assert d["reviewer"] == "browser" and d["value"] is None
