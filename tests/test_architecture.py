"""The layout's rules, checked on the source: no import cycle, no module over 400 lines, no function over 80,
SQL only in store/, the template's identities declared once."""

from __future__ import annotations

import ast
import pathlib

import pytest

PKG = pathlib.Path(__file__).resolve().parent.parent / "extractor"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80


def _modules() -> dict[str, pathlib.Path]:
    out = {}
    for p in sorted(PKG.rglob("*.py")):
        parts = list(p.relative_to(PKG.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def _imports(name: str, path: pathlib.Path, known: set[str]) -> set[str]:
    """Every extractor module `name` imports, at the top or inside a function (a lazy import is still a
    dependency), resolved to the module (a `from pkg import mod` names the module, not the package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    pkg = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    deps: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            subs = {f"{mod}.{a.name}" for a in node.names} & known
            if subs:
                deps |= subs
            elif mod in known:
                deps.add(mod)
        elif isinstance(node, ast.Import):
            deps |= {a.name for a in node.names if a.name in known}
    deps.discard(name)
    return deps


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    known = set(mods)
    graph = {name: _imports(name, path, known) for name, path in mods.items()}
    # a package's __init__ runs when any of its modules is imported: importing a.b from outside a depends on a as
    # well (from inside a, a is already being imported: a package may import its own modules)
    for name, deps in graph.items():
        for d in list(deps):
            parts = d.split(".")
            deps.update(p for i in range(2, len(parts)) if (p := ".".join(parts[:i])) in known
                        and not (name == p or name.startswith(p + ".")))
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_walk_sees_imports_and_cycles() -> None:
    # the checker itself: a known cycle and a known dependency are found
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    graph = _graph()
    assert "extractor.core.candidates" in graph["extractor.pipeline"]
    assert "extractor.text.clean" in graph["extractor.pipeline"]


def test_no_import_cycle() -> None:
    assert _cycles(_graph()) == []


# The low layer: the core, text handling, and the template's declarations (pure data the catalogue builds on)
LOW = ("extractor.core", "extractor.text", "extractor.template.spec", "extractor.template.grid")


def test_core_and_text_do_no_io_and_import_nothing_above_them() -> None:
    graph = _graph()
    low = LOW
    for name, deps in graph.items():
        if name.startswith(low):
            # a package whose __init__ imports nothing only runs its docstring: not a dependency on what it holds
            above = sorted(d for d in deps if not d.startswith(low) and d != "extractor" and graph.get(d))
            assert above == [], f"{name} imports {above}"


@pytest.mark.parametrize("path", sorted(PKG.rglob("*.py")), ids=lambda p: str(p.relative_to(PKG)))
def test_module_and_function_size(path: pathlib.Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") <= MAX_MODULE_LINES, f"{path.name}: {text.count(chr(10))} lines"
    long = [f"{n.name} ({n.end_lineno - n.lineno + 1} lines)" for n in ast.walk(ast.parse(text))
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.end_lineno
            and n.end_lineno - n.lineno + 1 > MAX_FUNCTION_LINES]
    assert long == []


def test_sql_only_in_store() -> None:
    words = ("SELECT ", "INSERT ", "UPDATE ", "DELETE FROM", "CREATE TABLE", ".execute(", ".executemany(")
    outside = []
    for p in PKG.rglob("*.py"):
        if p.relative_to(PKG).parts[0] == "store":
            continue
        text = p.read_text(encoding="utf-8")
        outside += [f"{p.relative_to(PKG)}: {w.strip()}" for w in words if w in text]
    assert outside == []
