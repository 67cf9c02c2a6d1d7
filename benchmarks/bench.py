#!/usr/bin/env python3
"""The benchmark: prints every figure of the bulk-conversion targets in one run (`make bench`).

- deterministic throughput, reports per second per core: the bundled reports in this process (extraction
  only), and end to end (`extractor run`: extraction, run database, files) on synthetic corpora;
- peak memory of `extractor run` at 1,000 and at 10,000 synthetic reports (max RSS of the run and its
  workers, from wait4);
- model-path throughput against the loopback fake with a fixed latency per call, as a share of the
  ideal `concurrency / latency`;
- characters sent to the model as a share of the reports' characters;
- PDF input: pages per CPU-second of the text-layer rendering (pypdfium2, tables rebuilt) and of the whole extraction
  of the bundled PDFs, and OCR seconds (CPU) per page at 150 dpi (the `ocr` extra), on a page of table 三.

Figures, not assertions: nothing here fails on a slow machine. `--quick` runs smaller sizes.
"""

from __future__ import annotations

import argparse
import glob
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from extractor import backends  # noqa: E402
from extractor.bulk import default_workers  # noqa: E402
from extractor.evaluation import corpus  # noqa: E402
from extractor.ingest.read import load  # noqa: E402
from extractor.pipeline import process  # noqa: E402

BUNDLED = sorted(glob.glob(os.path.join(ROOT, "gold", "*", "reports", "*.txt")))
PDFS = sorted(glob.glob(os.path.join(ROOT, "gold", "*", "reports", "*.pdf")))


def line(label: str, value: str, target: str = "") -> None:
    print(f"  {label:<58} {value:>14}   {target}")


def bundled_throughput(seconds: float) -> tuple[float, float]:
    """(reports per CPU-second of this process, reports per wall-clock second). The first is the per-core figure: on a
    shared machine the wall clock also counts the time other tenants held the core."""
    rules = backends.create("rules")
    docs = [load(p) for p in BUNDLED]
    for d in docs:  # warm up: imports, compiled patterns
        process(d, rules)
    n, t0, c0 = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - t0 < seconds:
        for d in docs:
            process(d, rules)
            n += 1
    return n / (time.process_time() - c0), n / (time.perf_counter() - t0)


def gazetteer_figures() -> tuple[float, float]:
    """(seconds to build the gazetteer's index in a fresh process, microseconds per place lookup)."""
    code = ("import time; t = time.perf_counter(); from extractor.rules import gazetteer; gazetteer.every_unit(); "
            "print(time.perf_counter() - t)")
    cold = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                                env={**os.environ, "PYTHONPATH": ROOT}).stdout)
    from extractor.rules import gazetteer

    names = ["淮安市洪泽区人民政府", "珙县交通运输局", "桦甸市人民政府新华街道办事处", "南山区安监局", "河北省教育厅"]
    gazetteer.locate(names[0])
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 0.5:
        for name in names:
            gazetteer.locate(name, 2020)
            n += 1
    return cold, (time.perf_counter() - t0) / n * 1e6


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (Linux /proc; 0 elsewhere)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                stat = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(stat[1]), []).append(int(d))
        rss[int(d)] = int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
    todo, total = [pid], 0
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += children.get(p, [])
    return total / 2**20


def wait_tree(proc: subprocess.Popen[Any]) -> tuple[float, float]:
    """Wait for a child: (wall seconds, peak memory of it and its descendants together in MB, sampled every 50 ms)."""
    t0, peak = time.perf_counter(), 0.0
    while proc.poll() is None:
        peak = max(peak, tree_rss_mb(proc.pid))
        time.sleep(0.05)
    return time.perf_counter() - t0, peak


def run_cli(inputs: str, workers: int, work: str) -> tuple[float, int, float, float]:
    """(seconds, reports done, peak memory of the process tree in MB, CPU seconds) of `extractor run` in a child
    process."""
    out, db = os.path.join(work, "out"), os.path.join(work, "run.db")
    shutil.rmtree(out, ignore_errors=True)
    for f in glob.glob(db + "*"):
        os.remove(f)
    cmd = [sys.executable, "-m", "extractor", "run", inputs, "--out", out, "--db", db, "--backend", "rules",
           "--workers", str(workers), "--no-progress"]
    cpu0 = _children_cpu()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT, text=True)
    elapsed, rss = wait_tree(proc)
    text = proc.stdout.read() if proc.stdout else ""
    done = int(text.split("reports done: ")[1].split()[0]) if "reports done: " in text else -1
    return elapsed, done, rss, _children_cpu() - cpu0


def startup_figures(repeats: int = 5) -> dict[str, tuple[float, float]]:
    """(median wall seconds, median CPU seconds) of a fresh process: `extractor --help`, and `extractor run` on one
    bundled report with a fresh output directory and database each time (rules backend). Run with bytecode
    caches as an installed package has them (a first run writes them: it is not counted)."""
    import statistics

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = ROOT
    work = tempfile.mkdtemp(prefix="extractor-startup-")
    out, db = os.path.join(work, "out"), os.path.join(work, "run.db")
    cmds = {"help": [sys.executable, "-m", "extractor", "--help"],
            "run": [sys.executable, "-m", "extractor", "run", BUNDLED[0], "--out", out, "--db", db, "--backend", "rules",
                    "--no-progress"]}
    figures = {}
    try:
        for name, cmd in cmds.items():
            walls, cpus = [], []
            for k in range(repeats + 1):
                shutil.rmtree(out, ignore_errors=True)
                for f in glob.glob(db + "*"):
                    os.remove(f)
                cpu0, t0 = _children_cpu(), time.perf_counter()
                subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=env, check=True)
                if k:  # the first writes the bytecode caches
                    walls.append(time.perf_counter() - t0)
                    cpus.append(_children_cpu() - cpu0)
            figures[name] = statistics.median(walls), statistics.median(cpus)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return figures


def _children_cpu() -> float:
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def model_cli(n_reports: int, concurrency: int, latency: float, ask: str, work: str) -> dict[str, float]:
    """The model path through `extractor run --backend openai` (results committed, files written) against the fake
    in its own process: calls answered per second from the first answer to the last, and over the whole run (start-up
    included), CPU-seconds of the run's process tree per call, and its peak memory. `cpu_ceiling` is the share of the
    ideal rate the run's own CPU per call allows on this machine's cores (start-up included, the fake's excluded): a
    run with a ceiling under the target is bound by the client's CPU, whatever its calls in flight."""
    import sqlite3

    src = os.path.join(work, f"model_cli_{n_reports}")
    if not os.path.isdir(src):
        corpus.write(src, n_reports, seed=7, with_gold=False)
    out, db = os.path.join(work, "model_out"), os.path.join(work, "model_cli.db")
    shutil.rmtree(out, ignore_errors=True)
    for f in glob.glob(db + "*"):
        os.remove(f)
    server = subprocess.Popen([sys.executable, "-m", "tests.fake_openai", str(latency)], cwd=ROOT, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        base_url = server.stdout.readline().strip() if server.stdout else ""
        env = {**os.environ, "OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": "bench", "OPENAI_MODEL": "bench"}
        cmd = [sys.executable, "-m", "extractor", "run", os.path.join(src, "reports"), "--out", out, "--db", db,
               "--backend", "openai", "--ask", ask, "--concurrency", str(concurrency), "--no-progress"]
        cpu0 = _children_cpu()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=env)
        elapsed, rss = wait_tree(proc)
        cpu = _children_cpu() - cpu0
    finally:
        server.terminate()
        server.wait()
    con = sqlite3.connect(db)
    calls, first, last = con.execute("SELECT COUNT(*), MIN(ts), MAX(ts) FROM calls WHERE status = 'ok'").fetchone()
    done = con.execute("SELECT COUNT(*) FROM results WHERE status = 'done'").fetchone()[0]
    con.close()
    ideal = concurrency / latency
    steady = (calls - 1) / (last - first) if calls > 1 and last > first else 0.0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return {"calls": calls, "done": done, "elapsed": elapsed, "steady": steady, "share": steady / ideal,
            "whole": calls / elapsed / ideal, "cpu_per_call_ms": cpu * 1000 / max(1, calls),
            "cpu_per_report_ms": cpu * 1000 / max(1, done), "rss_mb": rss,
            "cpu_ceiling": cores / (cpu / max(1, calls)) / ideal if cpu > 0 else 0.0}


def chars_sent(ask: str, work: str, reports: list[str] | None = None) -> tuple[int, int, int]:
    """(characters sent, characters of the reports, calls) over the bundled reports (or `reports`)."""
    from extractor.backends import Settings
    from extractor.llm.settings import ModelSettings
    from extractor.store.db import CallLog, connect
    from tests.fake_openai import FakeOpenAI

    with FakeOpenAI(lambda body, fields: {}) as fake:
        settings = Settings("openai", ModelSettings(model="bench", base_url=fake.base_url, api_key="bench", ask=ask))
        backend = backends.create(settings, CallLog(connect(os.path.join(work, f"chars_{ask}.db"))))
        total = 0
        for p in reports if reports is not None else BUNDLED:
            doc = load(p)
            total += len(doc.original)
            process(doc, backend)
    return backend.chars_sent, total, backend.calls_done


def pdf_throughput(seconds: float) -> tuple[int, float, float]:
    """(pages, pages per CPU-second rendered, pages per CPU-second rendered and extracted) over the bundled PDFs."""
    from extractor.ingest.pdf import render_pdf

    rules = backends.create("rules")
    data = []
    for p in PDFS:
        with open(p, "rb") as fh:
            data.append(fh.read())
    pages = sum(len(render_pdf(d).pages) for d in data)
    n, c0, t0 = 0, time.process_time(), time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for d in data:
            render_pdf(d)
        n += pages
    rendered = n / (time.process_time() - c0)
    n, c0, t0 = 0, time.process_time(), time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for p in PDFS:
            process(load(p), rules)
        n += pages
    return pages, rendered, n / (time.process_time() - c0)


def ocr_seconds_per_page(n: int = 2) -> float | None:
    """CPU seconds to OCR one page of table 三 rendered at 150 dpi (models loaded first); None without the extra."""
    from extractor.ingest import ocr

    if not ocr.available() or not PDFS:
        return None
    import numpy as np
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(PDFS[-1])
    rgb = np.asarray(pdf[min(2, len(pdf) - 1)].render(scale=ocr.SCALE).to_pil().convert("RGB"))
    ocr.ocr_array(rgb)  # warm up: the models load once per process
    c0 = time.process_time()
    for _ in range(n):
        ocr.ocr_array(rgb)
    return (time.process_time() - c0) / n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes (100 and 1,000 reports)")
    a = ap.parse_args()
    small, large = (100, 1000) if a.quick else (1000, 10000)
    cores = default_workers()
    print(f"extractor benchmark: {cores} core(s), python {sys.version.split()[0]}")
    work = tempfile.mkdtemp(prefix="extractor-bench-")
    try:
        print("start-up (a fresh process, median of 5)")
        st = startup_figures()
        line("`extractor --help`", f"{st['help'][0]:.2f} s", f"target ≤ 0.25 s ({st['help'][1]:.2f} s CPU)")
        line("`extractor run` on one report, fresh database", f"{st['run'][0]:.2f} s wall",
             f"{st['run'][1]:.2f} s CPU; target ≤ 0.3 s")
        print("deterministic (rules backend)")
        cpu, wall = bundled_throughput(5.0)
        line(f"bundled reports ({len(BUNDLED)}), extraction, one process", f"{cpu:.1f} rep/s/core",
             f"target ≥ 50 (per CPU-second; {wall:.1f} per wall-clock second)")
        cold, lookup = gazetteer_figures()
        line("gazetteer: index built at first use, fresh process", f"{cold:.2f} s", "once per process")
        line("gazetteer: a body's place looked up", f"{lookup:.0f} µs", "target ≤ a few ms")
        print("CPU-ms per report, by stage (process_time, median of 3 passes; stable where wall time is not)")
        from benchmarks.stages import STAGES, per_report_ms

        synth = os.path.join(work, "stages_corpus")
        corpus.write(synth, 100 if a.quick else 300, seed=1, with_gold=False)
        for label, paths in ((f"bundled ({len(BUNDLED)})", BUNDLED),
                             ("synthetic", sorted(glob.glob(os.path.join(synth, "reports", "*"))))):
            ms = per_report_ms(paths)
            line(f"{label}: end to end, one worker", f"{ms['total']:.2f} ms", "target ≤ 4 ms")
            line("  " + "  ".join(f"{s} {ms[s]:.2f}" for s in STAGES[:4]), "")
            line("  " + "  ".join(f"{s} {ms[s]:.2f}" for s in STAGES[4:]), "")
        sizes = {}
        for n in (small, large):
            d = os.path.join(work, f"corpus_{n}")
            t0 = time.perf_counter()
            corpus.write(d, n, seed=1, with_gold=False)
            gen = time.perf_counter() - t0
            elapsed, done, rss, cpu_s = run_cli(os.path.join(d, "reports"), cores, work)
            sizes[n] = rss
            line(f"synthetic corpus of {n:,} generated", f"{gen:.1f} s")
            line(f"`extractor run` on {n:,} synthetic, {cores} worker(s), end to end", f"{done / elapsed:.1f} rep/s",
                 f"{done / elapsed / cores:.1f} rep/s/core; {done} done in {elapsed:.1f} s")
            line("  CPU per report, the whole process tree", f"{cpu_s * 1000 / max(1, done):.2f} ms")
            line(f"peak memory at {n:,} reports (the process tree)", f"{rss:.0f} MB")
            shutil.rmtree(d)
        ratio = sizes[large] / sizes[small]
        line(f"peak memory {large:,} / {small:,}", f"{ratio:.2f}x", "target ≤ 1.5x")
        print("PDF input")
        pages, rendered, extracted = pdf_throughput(3.0)
        line(f"bundled PDFs ({len(PDFS)}, {pages} pages), text layer rendered", f"{rendered:.1f} pages/s/core",
             "per CPU-second: characters, rulings, tables")
        line("  rendered and extracted (rules backend)", f"{extracted:.1f} pages/s/core")
        secs = ocr_seconds_per_page()
        line("OCR of a table page at 150 dpi", "no ocr extra" if secs is None else f"{secs:.1f} s/page",
             "CPU seconds (onnxruntime may use more than one core)")
        print("model path: `extractor run --backend openai` against the loopback fake (own process, fixed latency)")
        for ask, conc, latency, target in (("open", 32, 0.2, 0.95), ("open", 128, 1.0, 0.90), ("all", 32, 0.2, 0.95),
                                           ("all", 128, 0.2, None), ("all", 128, 1.0, 0.90)):
            r = model_cli(100 if a.quick else 300, conc, latency, ask, work)
            ideal = conc / latency
            line(f"--ask {ask}, concurrency {conc}, latency {latency * 1000:.0f} ms, {cores} shard(s)",
                 f"{r['share']:.1%} of ideal", f"{r['steady']:.1f} of {ideal:.0f} calls/s, first to last answer"
                 + (f"; target ≥ {target:.0%}" if target else ""))
            line("  over the whole run; CPU per call and per report (process tree); memory",
                 f"{r['whole']:.1%}", f"{r['calls']:.0f} calls, {r['done']:.0f} reports in {r['elapsed']:.1f} s; "
                 f"{r['cpu_per_call_ms']:.1f} / {r['cpu_per_report_ms']:.1f} ms; {r['rss_mb']:.0f} MB")
            line("  the ceiling the client's CPU per call sets on the cores", f"{r['cpu_ceiling']:.1%}",
                 "of ideal: below the target, the run is bound by CPU, not by calls in flight")
        line("characters sent, rules backend (bundled reports)", "0.0%", "0 calls per report: it asks nothing")
        dev = [p for p in BUNDLED if os.sep + "dev" + os.sep in p]
        for ask, label, paths in (("open", "bundled", BUNDLED), ("open", "dev", dev), ("all", "bundled", BUNDLED)):
            sent, total, n = chars_sent(ask, work, paths)
            line(f"characters sent, --ask {ask} ({label} reports)", f"{sent / total:.1%}",
                 f"{sent:,} of {total:,} in {n} calls, {n / len(paths):.2f} per report"
                 + ("; target ≤ 40%" if (ask, label) == ("open", "bundled") else ""))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
