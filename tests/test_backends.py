"""One way to build a backend: the registry builds any backend from its name and the settings, wherever it runs;
the command line reads the environment and opens the run database; reconcile runs once per report."""

from __future__ import annotations

import ast
import json
import os
import pathlib
import sqlite3

import pytest
from typer.testing import CliRunner

from extractor import backends
from extractor.backends import Backend, Note, Proposal, Settings
from extractor.cli.app import app
from extractor.core.candidates import Candidate
from extractor.core.document import Document
from extractor.ingest import load
from extractor.text.clean import Cleaned, clean

from .conftest import GOLD, N_DEV, ROOT, bundled_reports
from .fake_openai import FakeOpenAI

PKG = pathlib.Path(ROOT) / "extractor"
DEV = os.path.join(GOLD, "dev", "reports")


class Dummy(Backend):
    """A third backend, added without touching the command line or the bulk runner: the report's first line as its
    title, and a note."""

    name = "dummy"

    def __init__(self, greeting: str = "hello") -> None:
        self.greeting = greeting

    @classmethod
    def build(cls, settings: Settings, log: object) -> Dummy:
        return cls(greeting=f"built from {settings.backend}")

    def config(self) -> dict[str, object]:
        return {"backend": self.name, "greeting": self.greeting}

    def propose(self, doc: Document, cleaned: Cleaned) -> Proposal:
        first = doc.original.strip().splitlines()[0].strip()
        start = doc.original.index(first)
        title = Candidate("meta.title", first, first, (start, start + len(first)), method="section", backend="dummy")
        return Proposal([title], [Note(f"{self.greeting} in process {os.getpid()}")])


@pytest.fixture()
def dummy():
    backends.register("dummy", Dummy)
    yield
    backends._REGISTRY.pop("dummy", None)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_third_backend_runs_through_the_command_line_and_the_pool(dummy, tmp_path, workers):
    db = tmp_path / "run.db"
    res = CliRunner().invoke(app, ["run", DEV, "--out", str(tmp_path / "out"), "--db", str(db), "-b", "dummy",
                                   "--no-progress", "--workers", workers])
    assert res.exit_code == 0, res.output
    assert "backend: dummy (as asked)" in res.output and f"reports done: {N_DEV}" in res.output
    rows = [json.loads(x) for x in (tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["backend"] for r in rows} == {"dummy"}
    for r in rows:
        title = r["fields"]["meta"]["title"]
        assert title["value"] and title["status"] == "verified" and title["method"] == "section"
        assert r["fields"]["proactive"].get("total", {}).get("value") is None  # nothing but the dummy's: no rules ran
        assert len(r["notes"]) == 1 and r["notes"][0].startswith("built from dummy in process ")
    pids = {r["notes"][0].rsplit(" ", 1)[1] for r in rows}
    assert (str(os.getpid()) in pids) is (workers == "1")  # with two workers, the workers built their own
    cfg = json.loads(sqlite3.connect(db).execute("SELECT config FROM runs").fetchone()[0])
    assert cfg["backend"] == "dummy" and cfg["greeting"] == "built from dummy"  # the hash is the backend's config


def test_a_backend_that_makes_no_model_call_refuses_batch(dummy, tmp_path):
    res = CliRunner().invoke(app, ["run", DEV, "--out", str(tmp_path / "out"), "--db", str(tmp_path / "run.db"),
                                   "-b", "dummy", "--batch", "--no-progress"])
    assert res.exit_code == 2 and "--batch sends model calls: the dummy backend makes none" in res.output
    assert sqlite3.connect(tmp_path / "run.db").execute("SELECT status FROM runs").fetchone()[0] == "failed"


def test_unknown_and_entry_point_names(monkeypatch):
    from importlib.metadata import EntryPoint

    with pytest.raises(Exception, match="unknown backend 'nope'; available: .*openai, rules"):
        backends.create("nope")
    assert {"rules", "openai"} <= set(backends.available())
    assert backends.calls_model("openai") and not backends.calls_model("rules")
    # an installed package's backend, found by its entry point and imported only when asked for
    ep = EntryPoint("plugged", "tests.test_backends:Dummy", backends.ENTRY_POINTS)
    monkeypatch.setattr(backends, "_entry_points", lambda: [ep])
    monkeypatch.setattr(backends, "_REGISTRY", dict(backends._REGISTRY))
    assert "plugged" in backends.available()
    plugged = backends.create(Settings("plugged"))
    assert isinstance(plugged, Dummy) and plugged.greeting == "built from plugged"


def _env_reads(tree: ast.AST) -> list[str]:
    """The variables a module reads: `os.environ.get(X)`, `os.environ[X]`, `os.getenv(X)` with X a literal."""
    out = []
    for node in ast.walk(tree):
        arg = None
        if isinstance(node, ast.Call) and node.args and isinstance(node.func, ast.Attribute):
            f = node.func
            if (f.attr == "get" and isinstance(f.value, ast.Attribute) and f.value.attr == "environ") or \
                    f.attr == "getenv":
                arg = node.args[0]
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "environ":
            arg = node.slice
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            out.append(arg.value)
    return out


def test_the_environment_is_read_only_where_the_settings_are_built():
    """`OPENAI_*` is read by the command line's settings and nowhere else."""
    readers = {str(p.relative_to(PKG)): [v for v in _env_reads(ast.parse(p.read_text(encoding="utf-8")))
                                         if v.startswith("OPENAI_")] for p in PKG.rglob("*.py")}
    assert {p for p, vs in readers.items() if vs} == {"cli/settings.py"}
    assert set(readers["cli/settings.py"]) == {"OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_MODEL"}


def test_the_registry_opens_no_database(tmp_path, monkeypatch):
    from extractor.llm.settings import ModelSettings

    monkeypatch.setenv("EXTRACTOR_DB", str(tmp_path / "never.db"))
    monkeypatch.chdir(tmp_path)
    b = backends.create(Settings("openai", ModelSettings(model="m", base_url="http://127.0.0.1:9/v1")))
    assert b.calls_model and b.log is None and b.config()["backend"] == "openai"  # type: ignore[attr-defined]
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(Exception, match="needs a model endpoint"):
        backends.create("openai")  # a name alone has no endpoint: the command line gives it one


class Steps:
    """Counts reconcile's steps: candidates verified (each by identity), and decisions made; and coverage's unread
    marks, taken on a decision."""

    def __init__(self) -> None:
        self.verified: list[int] = []  # id() of every candidate verified
        self.decided = 0
        self.marked = 0

    def per_report(self) -> tuple[int, int, int]:
        """(candidates verified, of them distinct, decisions) since the last call."""
        out = (len(self.verified), len(set(self.verified)), self.decided)
        self.verified, self.decided = [], 0
        return out


def _counting_steps(monkeypatch) -> Steps:
    from extractor import coverage, pipeline
    from extractor.llm import plan, rows
    from extractor.reconcile import pick, verification

    steps = Steps()
    verify, decide, mark = verification.verify, pick.decide, coverage.mark_unread

    def counted_mark(results, cleaned):
        steps.marked += 1
        return mark(results, cleaned)

    for module in (pipeline, plan, rows):
        monkeypatch.setattr(module, "mark_unread", counted_mark)

    def counted_verify(c, original):
        steps.verified.append(id(c))
        return verify(c, original)

    def counted_decide(verified):
        steps.decided += 1
        return decide(verified)

    monkeypatch.setattr(verification, "verify", counted_verify)
    monkeypatch.setattr(pipeline, "decide", counted_decide)
    monkeypatch.setattr(plan, "decide", counted_decide)
    return steps


@pytest.mark.parametrize("ask", ["open", "all"])
def test_reconcile_runs_once_per_report_when_the_model_adds_nothing(monkeypatch, tmp_path, rules_backend, ask):
    """A model that answers nothing: each candidate verified once, one decision per report, marked once, the rules'
    values."""
    from extractor.llm.settings import ModelSettings
    from extractor.pipeline import process
    from extractor.store.db import CallLog, connect

    with FakeOpenAI(lambda body, fields: {}) as fake:
        s = Settings("openai", ModelSettings(model="m", base_url=fake.base_url, ask=ask, timeout=5.0))
        backend = backends.create(s, CallLog(connect(str(tmp_path / "m.db"))))
        for p in bundled_reports():
            doc = load(p)
            want = process(doc, rules_backend)
            proposed = len(rules_backend.propose(doc, clean(doc.original)).candidates)
            steps = _counting_steps(monkeypatch)
            got = process(doc, backend)
            assert steps.per_report() == (proposed, proposed, 1), p
            assert steps.marked == 1, p
            monkeypatch.undo()
            assert {k: v.as_dict() for k, v in got.fields.items()} == {k: v.as_dict() for k, v in want.fields.items()}
        assert fake.requests  # it was asked, and said nothing


def _answers_every_field(body: dict, fields: list[str]) -> dict:
    """A model that answers every field it is asked about (1, or the passage's first words), quoting the first passage."""
    from .adversaries import chunks, kinds

    cid, first = chunks(body)[0]
    value = {"integer": 1, "number": 1.0, "array": [first[:10]]}
    return {a: {"value": value.get(k, first[:10]), "quote": first[:20], "chunk": cid} for a, k in kinds(body).items()
            if a in fields}


@pytest.mark.parametrize("ask", ["open", "all"])
def test_each_candidate_is_verified_once_when_the_model_answers(monkeypatch, tmp_path, ask):
    """The rules' candidates are verified once and the model's answers added to them (ask open: the rules decided
    once to know what is open, then everything once more; ask all: one decision)."""
    from extractor.llm.settings import ModelSettings
    from extractor.pipeline import process
    from extractor.store.db import CallLog, connect

    with FakeOpenAI(_answers_every_field) as fake:
        s = Settings("openai", ModelSettings(model="m", base_url=fake.base_url, ask=ask, timeout=5.0))
        backend = backends.create(s, CallLog(connect(str(tmp_path / "a.db"))))
        answered = 0
        for p in bundled_reports():
            doc = load(p)
            steps = _counting_steps(monkeypatch)
            got = process(doc, backend)
            verified, distinct, decided = steps.per_report()
            monkeypatch.undo()
            model = sum(1 for r in got.fields.values() if r.method == "model"
                        or any(a.get("backend") == "model" for a in r.alternatives))
            assert verified == distinct, p  # no candidate verified twice
            if model:
                answered += 1
                assert decided == (2 if ask == "open" else 1), p
        assert answered  # the model's answers were weighed


def test_what_the_model_is_asked_has_one_shape(rules_backend):
    from extractor.llm.groups import GROUPS
    from extractor.llm.plan import OPEN_PROMPT, Plan, prepare

    doc = load(bundled_reports()[0])
    for ask in ("open", "all"):
        plan = prepare(rules_backend, GROUPS, ask, doc, None)
        assert isinstance(plan, Plan) and plan.asks and plan.rules.candidates
        assert all(a.chunks and a.fields for a in plan.asks)
        assert (plan.rules.verified is not None) is (ask == "open")  # open: the rules weighed to find what is open
        assert (plan.rules.decided is not None) is (ask == "open")
    assert [a.prompt for a in prepare(rules_backend, GROUPS, "open", doc, None).asks] == [OPEN_PROMPT]


def _imported(module: str) -> set[str]:
    """The extractor modules a module names in an import, at the top or in a function."""
    path = PKG.parent / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = PKG.parent / module.replace(".", "/") / "__init__.py"
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("extractor"):
            out |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("extractor")}
    return out


def test_the_layers_point_one_way():
    """The registry and the pipeline name no backend (the built-ins are module paths); the model path reaches
    neither the pipeline's caller (bulk) nor the command line; the batch route does not reach back into bulk."""
    for m in ("extractor.backends", "extractor.pipeline"):
        assert not {"extractor.llm.backend", "extractor.rules.backend", "extractor.bulk"} & _imported(m), m
    for p in (PKG / "llm").glob("*.py"):
        names = _imported(f"extractor.llm.{p.stem}")
        assert not [n for n in names if n.startswith(("extractor.bulk", "extractor.cli", "extractor.pipeline"))], p
    assert not [n for n in _imported("extractor.store.batch") if not n.startswith(("extractor.store", "extractor.core"))]
