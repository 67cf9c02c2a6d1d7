#!/usr/bin/env python3
"""Open an HTML file in headless Chromium; print its console messages and exit 1 if there are any.

Usage: check_html.py FILE [--screenshot PNG]. Needs Debian's chromium (`apt-get install chromium`).
Chromium reports every console message (errors, failed loads, uncaught exceptions) on stderr as a
`CONSOLE` log line when started with --enable-logging=stderr, which is what this reads.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0", "--window-size=1200,2400"]


def chromium() -> str | None:
    return next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)


def console_messages(path: str, screenshot: str | None = None) -> list[str]:
    exe = chromium()
    if exe is None:
        raise FileNotFoundError("no chromium on PATH (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as profile:
        action = [f"--screenshot={os.path.abspath(screenshot)}"] if screenshot else ["--dump-dom"]
        proc = subprocess.run([exe, *FLAGS, f"--user-data-dir={profile}", *action, f"file://{os.path.abspath(path)}"],
                              capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"chromium exited {proc.returncode}: {proc.stderr[-500:]}")
    return [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--screenshot")
    a = ap.parse_args()
    msgs = console_messages(a.file, a.screenshot)
    for m in msgs:
        print(m)
    print(f"{len(msgs)} console message(s)" + (f"; screenshot {a.screenshot}" if a.screenshot else ""))
    return 1 if msgs else 0


if __name__ == "__main__":
    sys.exit(main())
