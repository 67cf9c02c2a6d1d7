"""The type checker, in the normal test command: mypy over the package, configured by pyproject.toml's
`[tool.mypy]` (strict on the core: core, text, template, store, ingest, evaluation; every function body checked
elsewhere), must report no error."""

from __future__ import annotations

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_mypy_reports_no_error(tmp_path) -> None:
    # its cache in the test's own directory: nothing is written into the checkout, no stale cache is trusted
    res = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy_cache")], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Success: no issues found" in res.stdout, res.stdout
