"""`extractor serve` in a real browser: Debian's chromium driven by Playwright (no browser downloaded; `.ci/run`
installs chromium) against a real uvicorn server on 127.0.0.1. Three items reviewed by keyboard, the decisions seen
after a reload and in `extractor review`/`export`, the XSS report inert, no external resource, screenshots kept in
out/test-artifacts/ (or $EXTRACTOR_ARTIFACTS)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time

import pytest
from typer.testing import CliRunner

from extractor.cli.app import app
from extractor.review.queue import Queue
from extractor.store.db import connect

from .conftest import ROOT
from .test_web import REPORT, make_run

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "") if p and os.path.exists(p)), None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync"]
ARTIFACTS = os.environ.get("EXTRACTOR_ARTIFACTS") or os.path.join(ROOT, "out", "test-artifacts")

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium here (apt-get install chromium; .ci/run does)")


@pytest.fixture()
def server(tmp_path):
    import uvicorn

    from extractor.web.app import create_app

    db = make_run(str(tmp_path))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(db), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    assert srv.started, "the server did not start"
    yield db, f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture()
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        pg = browser.new_page(viewport={"width": 1300, "height": 900})
        yield pg
        browser.close()


def _shot(pg, name: str) -> None:
    os.makedirs(ARTIFACTS, exist_ok=True)
    pg.screenshot(path=os.path.join(ARTIFACTS, f"web-{name}.png"))


def test_keyboard_review_in_a_browser(server, page, tmp_path):
    db, base = server
    requests, errors, dialogs = [], [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    queue = Queue(connect(db))
    mine = queue.items(report=REPORT)[:3]
    assert len(mine) == 3 and all(it.value is not None for it in mine)
    page.goto(f"{base}/?report={REPORT}")
    page.fill("#reviewer", "browser-reviewer")  # asked once, kept in a cookie
    page.click("header button")
    page.wait_for_load_state()
    _shot(page, "queue")
    page.keyboard.press("j")
    assert page.get_attribute(f"#row-{mine[0].id}", "class") == "sel"
    page.keyboard.press("j")
    page.keyboard.press("k")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.startswith(f"{base}/item/{mine[0].id}")
    assert page.locator("mark").count() >= 1 or "no evidence" in page.content()
    _shot(page, "item")
    with page.expect_navigation():
        page.keyboard.press("a")  # accept; the next item of the filtered queue opens
    assert page.url.startswith(f"{base}/item/{mine[1].id}")
    typed = _typed(mine[1].path)
    page.keyboard.press("v")
    page.keyboard.type(typed)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.startswith(f"{base}/item/{mine[2].id}")
    with page.expect_navigation():
        page.keyboard.press("n")
    with page.expect_navigation():
        page.keyboard.press("b")  # back: to the item just decided, which the open queue no longer lists
    assert page.url.startswith(f"{base}/item/{mine[2].id}") and "null" in page.inner_text("#decided")

    page.goto(f"{base}/?report={REPORT}&state=decided")
    page.reload()
    decided_rows = page.locator("tr[data-href]")
    assert decided_rows.count() == 3
    # the browser's decisions are the review's: the same through `extractor review` and `export`
    got = Queue(connect(db)).decisions()
    want = {mine[0].path: mine[0].value, mine[2].path: None}
    for it in mine:
        d = got[(it.report_id, it.path)]
        assert d["reviewer"] == "browser-reviewer"
        if it.path in want:
            assert d["value"] == want[it.path]
    assert str(got[(mine[1].report_id, mine[1].path)]["value"]).replace(".0", "") in typed.replace(",", "")
    fourth = Queue(connect(db)).items(report=REPORT)[0]
    res = CliRunner().invoke(app, ["review", "decide", str(fourth.id), "--null", "--reviewer", "cli-reviewer",
                                   "--db", db])
    assert res.exit_code == 0, res.output
    page.goto(f"{base}/item/{fourth.id}")
    assert "by cli-reviewer" in page.inner_text("#decided")
    page.goto(f"{base}/?report={REPORT}&state=decided")
    assert page.locator("tr[data-href]").count() == 4

    # the other pages, and the report carrying script: nothing of it runs
    page.goto(f"{base}/report/{mine[0].report_id}")
    _shot(page, "report")
    page.goto(f"{base}/dataset")
    assert page.locator("svg.chart").count() == 4
    _shot(page, "dataset")
    xss = next(i for i in Queue(connect(db)).items(("open", "reopened", "decided", "closed")) if "xss_" in i.report_path)
    for url in (f"/item/{xss.id}", f"/report/{xss.report_id}", "/dataset", "/"):
        page.goto(base + url)
        page.wait_for_timeout(100)
        assert page.evaluate("window.__xss") is None, url
        page.hover("body")
    body = page.goto(f"{base}/report/{xss.report_id}").text()
    assert "<script>window.__xss" not in body and "&lt;script&gt;window.__xss=1" in body
    assert "window.__xss=1" in page.inner_text("#source")  # shown as text
    assert dialogs == [] and errors == [], (dialogs, errors)
    outside = [u for u in requests if not (u.startswith(base + "/") or u.startswith("data:"))]
    assert outside == [], outside


def _typed(path: str) -> str:
    from tests.test_review import _typed as typed

    return typed(path)[0]


def test_a_pdf_items_page_image_loads_with_its_boxes_in_a_browser(server, page):
    """The page image of a PDF report's item is drawn under its boxes: the PNG loads from this server under the
    CSP (no console error), the SVG has its rectangles, and a screenshot of the item page is kept."""
    db, base = server
    con = connect(db)
    item = next(i for i in Queue(con).items() if str(i.report_path or "").endswith(".pdf") and i.context)
    con.close()
    images, errors = [], []
    page.on("response", lambda r: images.append((r.url, r.status)) if "/page/" in r.url else None)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/item/{item.id}")
    page.wait_for_load_state("networkidle")
    assert images and all(status == 200 for _, status in images), images
    assert page.locator("figure.pdfpage svg rect.box").count() >= 1
    box = page.locator("figure.pdfpage svg rect.box").first.bounding_box()
    assert box is not None and box["width"] > 2 and box["height"] > 2  # drawn, at the page's scale
    assert errors == []
    page.locator("figure.pdfpage").first.scroll_into_view_if_needed()
    _shot(page, "item-pdf")
