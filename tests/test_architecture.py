"""The package structure: data flows one way, no import cycles (module level or inside functions), small modules.

Layers, lowest first (docs/architecture.md): a module may import its own package and any lower layer, never a
higher one nor another package of its own layer.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest
from tests.helpers.paths import ROOT

PACKAGE = ROOT / "pipeline"
MAX_LINES = 1000

# Top-level module or package of pipeline -> layer. Root modules not listed are the kernel (layer 0) and may
# import only other kernel modules.
LAYERS = {
    "access": 1, "factors": 1,
    "organisations": 2,
    "ingest": 3,
    "engine": 4,
    "budget": 5,
    "investments": 6,
    "report": 7,
    "web": 8, "demo": 8,
    "cli": 9,
}
ALIASES = {"__main__": "cli"}   # `python -m pipeline` is the command line


def _modules() -> dict[str, tuple[Path, bool]]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join(parts)] = (path, is_package)
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    """Return module -> the pipeline modules it imports anywhere in its body (also inside functions)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for module, (path, is_package) in MODULES.items():
        base = module if is_package else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    anchor = base
                    for _ in range(node.level - 1):
                        anchor = anchor.rpartition(".")[0]
                    full = anchor + ("." + node.module if node.module else "")
                else:
                    full = node.module or ""
                targets = [f"{full}.{a.name}" for a in node.names]
            for target in targets:
                if target.split(".")[0] != "pipeline":
                    continue
                resolved = _resolve(target)
                if resolved and resolved != module:
                    graph[module].add(resolved)
    return graph


def _layer(module: str) -> tuple[int, str]:
    top = module.split(".")[1] if module.count(".") else ""
    top = ALIASES.get(top, top)
    if top in LAYERS:
        return LAYERS[top], top
    return 0, "kernel"


def test_no_import_cycles():
    graph = import_graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in MODULES:
        if module not in index:
            visit(module)
    assert cycles == []


def test_data_flows_one_way():
    """No module imports a later stage, or another package of its own stage."""
    wrong = []
    for module, targets in import_graph().items():
        level, package = _layer(module)
        for target in targets:
            target_level, target_package = _layer(target)
            if target_level > level or (target_level == level and target_package != package):
                wrong.append(f"{module} -> {target}")
    assert sorted(wrong) == []


def test_modules_are_small_and_report_modules_live_in_report():
    too_long = {m: n for m, (p, _) in MODULES.items()
                if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert too_long == {}
    assert not list(PACKAGE.glob("report_*.py"))


@pytest.mark.parametrize("package", ["access", "engine", "factors", "ingest", "report", "web", "demo", "cli"])
def test_every_package_has_a_docstring(package):
    tree = ast.parse((PACKAGE / package / "__init__.py").read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"pipeline/{package}/__init__.py says what the package is for"
