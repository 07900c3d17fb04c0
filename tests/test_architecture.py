"""The house (ARCHITECTURE): one sub-package per stage, imports one way, commands at the edge.

Read from the source with ``ast`` (no import of parbook): every ``import`` counts, also one made
inside a function.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "parbook"
STAGES = ("store", "intake", "law", "timeline", "quality", "analysis", "plan", "report", "commands")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, ast.Module]:
    return {_module_name(p): ast.parse(p.read_text(encoding="utf-8"))
            for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str, tree: ast.Module, known: set[str]) -> set[str]:
    """The parbook modules a module imports (``from x import y`` counts y when it is a module)."""
    out = set()
    package = name if name in known and any(k.startswith(name + ".") for k in known) else \
        name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("parbook")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if not base.startswith("parbook"):
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                out.add(sub if sub in known else base)
    return {m for m in out if m in known and m != name}


def _graph() -> dict[str, set[str]]:
    sources = _sources()
    known = set(sources)
    return {name: _imports(name, tree, known) for name, tree in sources.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import loop of the graph, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def _package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and (PACKAGE / parts[1]).is_dir()) \
        else module


def test_at_most_eight_modules_beside_the_stages() -> None:
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(loose) <= 8, loose
    assert all((PACKAGE / stage / "__init__.py").is_file() for stage in STAGES)


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_says_what_it_takes_in_and_hands_on(stage: str) -> None:
    doc = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text(encoding="utf-8")))
    assert doc and doc.startswith(f"Stage ``{stage}``"), doc
    assert "Takes in" in doc and "Hands on" in doc, doc


def test_no_import_loop_between_modules() -> None:
    assert _cycle(_graph()) is None


def test_no_import_loop_between_sub_packages() -> None:
    packages: dict[str, set[str]] = defaultdict(set)
    for module, imported in _graph().items():
        packages[_package_of(module)] |= {_package_of(m) for m in imported} - {_package_of(module)}
    assert _cycle(packages) is None


def test_commands_only_at_the_edge() -> None:
    """No argparse, print or cmd_* handler outside parbook.commands (the demo generator and the
    module entry point included)."""
    offenders = []
    for name, tree in _sources().items():
        if name.startswith("parbook.commands"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                offenders.append(f"{name}:{node.lineno} print")
            elif isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                if "argparse" in names:
                    offenders.append(f"{name}:{node.lineno} argparse")
            elif isinstance(node, ast.FunctionDef) and node.name.startswith("cmd_"):
                offenders.append(f"{name}:{node.lineno} {node.name}")
    assert offenders == []


def test_the_loop_finder_finds_a_loop() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
    graph = _graph()
    assert "parbook.quality.checks" in graph["parbook.pipeline"]      # from-import of a module
    assert "parbook.pipeline" in graph["parbook.report.run"]          # inside a function
