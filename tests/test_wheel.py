"""The model path installs: the wheel, put in a fresh virtual environment, runs `extractor run --backend openai`.

The wheel is built from a copy of the source (nothing written into the work tree) without build isolation (no
download), installed without its dependencies into a new venv, which then sees the test environment's installed
packages for those (a `.pth` file, added after the install, the way `--system-site-packages` would show the base
interpreter's). The command runs outside the source tree, so it can only find what the wheel installed: the
prompts among them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile

import pytest

from .conftest import GOLD, ROOT
from .fake_openai import FakeOpenAI
from .test_model_path import Oracle

REPORT = os.path.join(GOLD, "seed", "reports", "000_8dca62f7a151a3a2.txt")


def _sh(*cmd: str, **kw) -> subprocess.CompletedProcess:
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)
    assert res.returncode == 0, f"{' '.join(cmd)}\n{res.stdout}\n{res.stderr}"
    return res


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> str:
    """A fresh venv with the wheel of this source installed; its bin directory."""
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    src.mkdir()
    for f in ("pyproject.toml", "README.md"):
        shutil.copy(os.path.join(ROOT, f), src / f)
    shutil.copytree(os.path.join(ROOT, "extractor"), src / "extractor",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
    _sh(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
        "-w", str(work / "dist"), str(src))
    (wheel,) = (work / "dist").glob("extractor-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"extractor/py.typed", "extractor/prompts/open_fields.txt", "extractor/prompts/meta.txt",
            "extractor/web/templates/item.html", "extractor/web/static/style.css", "extractor/web/static/keys.js"} <= names
    venv = work / "venv"
    _sh(sys.executable, "-m", "venv", "--without-pip", str(venv))
    py = str(venv / "bin" / "python")
    _sh(sys.executable, "-m", "pip", "--python", py, "install", "-q", "--no-deps", "--no-index", str(wheel))
    site = _sh(py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}  # this environment's packages
    with open(os.path.join(site, "_extractor_test_deps.pth"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(sorted(deps)) + "\n")
    where = _sh(py, "-c", "import extractor; print(extractor.__file__)", cwd=str(work)).stdout.strip()
    assert where.startswith(site), where  # the wheel's copy, not the source tree's
    return str(venv / "bin")


@pytest.mark.install
def test_the_installed_wheel_runs_the_model_path_against_the_fake(installed, tmp_path, rules_backend):
    oracle = Oracle(rules_backend)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    with FakeOpenAI(oracle) as fake:
        env.update(OPENAI_BASE_URL=fake.base_url, OPENAI_API_KEY="sk-test-wheel", EXTRACTOR_DB=str(tmp_path / "run.db"))
        res = subprocess.run([os.path.join(installed, "extractor"), "run", REPORT, "--backend", "openai", "--ask", "all",
                              "--out", str(tmp_path / "out"), "--no-progress", "--workers", "1"],
                             capture_output=True, text=True, timeout=120, cwd=str(tmp_path), env=env)
        assert res.returncode == 0, res.stdout + res.stderr
        assert len(fake.requests) >= 3  # a call per group with passages to send
    assert "reports done: 1" in res.stdout and "backend: openai" in res.stderr
    (row,) = [json.loads(x) for x in (tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert row["backend"] == "openai" and row["status"] == "done" and row["notes"] == []
    fields = [f for g in row["fields"].values() for f in g.values() if isinstance(f, dict) and "reasons" in f]
    agreed = [f for f in fields if "backends_agree" in f["reasons"]]  # the model's values came back, and verified
    assert len(agreed) >= 10, len(agreed)
