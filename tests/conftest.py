"""Shared fixtures. No test touches the network: a guard refuses any non-loopback connection."""

from __future__ import annotations

import glob
import os
import socket

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLD = os.path.join(ROOT, "gold")


def bundled_reports() -> list[str]:
    return sorted(glob.glob(os.path.join(GOLD, "*", "reports", "*.txt")))


def report_files(*sets: str) -> list[str]:
    """Every report file of the bundled sets (seed, dev): what `extractor run gold/<set>/reports` reads."""
    return sorted(p for s in sets for p in glob.glob(os.path.join(GOLD, s, "reports", "*")) if os.path.isfile(p))


N_BUNDLED = len(report_files("seed", "dev"))  # reports in gold/seed/reports and gold/dev/reports
N_DEV = len(report_files("dev"))


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (host.startswith("127.") or host in ("localhost", "::1")) \
                and self.family in (socket.AF_INET, socket.AF_INET6):
            raise RuntimeError(f"test tried to reach {host}: tests must stay on loopback")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    for var in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_MODEL", "EXTRACTOR_DB"):
        monkeypatch.delenv(var, raising=False)  # a developer's endpoint never leaks into a test
    monkeypatch.setenv("EXTRACTOR_DB", str(tmp_path / "extractor.db"))  # each test its own run database


@pytest.fixture(scope="session")
def rules_backend():
    from extractor import backends

    return backends.create("rules")


@pytest.fixture(scope="session")
def bundled_results(rules_backend):
    from extractor.ingest.read import load
    from extractor.pipeline import process

    return {os.path.basename(p): process(load(p), rules_backend) for p in bundled_reports()}
